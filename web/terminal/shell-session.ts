import type { ExitStatus, Runtime, RuntimeProcess } from '../../shared/runtime'

/** What a shell session asks its terminal to do: write text (with `\r\n` line ends and ANSI codes), or report its state. */
export type ShellEvent =
  | { type: 'write'; text: string }
  | { type: 'state'; state: ShellState }

/** Whether a process runs, where the shell is, and how the last line ended. */
export interface ShellState {
  /** The line running now, or null at the prompt. */
  running: string | null
  cwd: string
  /** Exit code of the last line (0 before any). */
  lastCode: number
}

export interface ShellSessionOptions {
  /** Working directory to start in (a namespace path); `/workspace` by default. */
  cwd?: string
  /** Terminal width in columns, for redrawing lines longer than one row; update with `resize`. */
  cols?: number
  /** Lines typed before, oldest first (Up starts from the last). */
  history?: string[]
}

/** A line-editing shell over a runtime: the terminal feeds it keystrokes and writes what it emits. */
export interface ShellSession {
  /** Keystrokes or pasted text, as the terminal reports them (xterm's `onData`). */
  input(data: string): void
  /** Runs `line` as if typed at the prompt; false (nothing done) when a process is running. */
  run(line: string): boolean
  /** The terminal's width changed. */
  resize(cols: number): void
  /** Listens to writes and state changes; returns an unsubscribe. */
  subscribe(fn: (event: ShellEvent) => void): () => void
  state(): ShellState
  /** Lines run, oldest first. */
  history(): string[]
  /** Prints the first prompt; call once the terminal listens. */
  start(): void
  /** Kills a running process; emits nothing more. */
  dispose(): void
}

const WORKSPACE = '/workspace'
const ESC = '\x1b'
const RESET = `${ESC}[0m`
const MAX_HISTORY = 500

/** `~/src` for `/workspace/src`, `~` for `/workspace`, the path itself elsewhere. */
export function displayCwd(cwd: string): string {
  if (cwd === WORKSPACE) return '~'
  if (cwd.startsWith(`${WORKSPACE}/`)) return `~${cwd.slice(WORKSPACE.length)}`
  return cwd
}

/** Terminal text for `text`: lone `\n` become `\r\n` (xterm moves down without returning otherwise). */
export const toTerminalText = (text: string) => text.replace(/\r?\n/g, '\r\n')

/**
 * Splits terminal input into keys: escape sequences (CSI, SS3, Alt-chords), single control
 * characters, and runs of printable text (a paste arrives as one run, its line breaks as `\r`).
 */
export function splitKeys(data: string): string[] {
  const keys: string[] = []
  let i = 0
  while (i < data.length) {
    const c = data[i]!
    if (c === ESC) {
      const next = data[i + 1]
      if (next === '[') {
        let j = i + 2
        while (j < data.length && !/[@-~]/.test(data[j]!)) j++
        keys.push(data.slice(i, j + 1))
        i = j + 1
      } else if (next === 'O' && i + 2 < data.length) {
        keys.push(data.slice(i, i + 3))
        i += 3
      } else {
        keys.push(data.slice(i, next === undefined ? i + 1 : i + 2))
        i += next === undefined ? 1 : 2
      }
    } else if (c < ' ' || c === '\x7f') {
      keys.push(c)
      i++
    } else {
      let j = i
      while (j < data.length && data[j]! >= ' ' && data[j] !== '\x7f' && data[j] !== ESC) j++
      keys.push(data.slice(i, j))
      i = j
    }
  }
  return keys
}

/** Where a word starts, looking left from `at` (Ctrl-W deletes back to it). */
function wordStart(text: string, at: number): number {
  let i = at
  while (i > 0 && text[i - 1] === ' ') i--
  while (i > 0 && text[i - 1] !== ' ') i--
  return i
}

/**
 * A shell session: a prompt with the working directory, line editing (arrows, Home/End, Backspace,
 * Delete, Ctrl-A/E/U/K/W), history (Up/Down), and `sh -c <line>` through `runtime.spawn` on Enter,
 * its output streamed. While a process runs, typed lines go to its stdin (echoed locally), Ctrl-C
 * interrupts it and Ctrl-D ends its input. Ctrl-L and `clear` clear the screen. Never throws for a
 * failing command: the runtime prints why and the prompt turns red.
 */
export function createShellSession(runtime: Pick<Runtime, 'spawn'>, options: ShellSessionOptions = {}): ShellSession {
  const listeners = new Set<(event: ShellEvent) => void>()
  const history = [...(options.history ?? [])]
  let cols = Math.max(options.cols ?? 80, 2)
  let cwd = options.cwd ?? WORKSPACE
  let lastCode = 0
  /** The line being edited, and the cursor within it. */
  let line = ''
  let cursor = 0
  /** Where Up/Down is in the history (history.length: the draft), and the draft kept meanwhile. */
  let historyAt = history.length
  let draft = ''
  /** The running process and what the user typed for it since the last Enter. */
  let process: RuntimeProcess | null = null
  let runningLine: string | null = null
  let pendingInput = ''
  /** The last character written, so output that ends mid-line gets a line break before the prompt. */
  let lastChar = '\n'
  let disposed = false

  const emit = (event: ShellEvent) => {
    if (disposed) return
    for (const fn of listeners) fn(event)
  }
  const write = (text: string) => {
    if (!text) return
    lastChar = text[text.length - 1]!
    emit({ type: 'write', text })
  }
  const state = (): ShellState => ({ running: runningLine, cwd, lastCode })
  const emitState = () => emit({ type: 'state', state: state() })

  const promptText = () => `${displayCwd(cwd)} $ `
  const prompt = () => `${ESC}[1;34m${displayCwd(cwd)}${RESET} ${lastCode === 0 ? `${ESC}[32m` : `${ESC}[31m`}$${RESET} `
  /** Terminal text moving the cursor from `from` to `to`, both offsets from the start of the prompt's row. */
  const move = (from: number, to: number) => {
    if (from === to) return ''
    const rows = Math.floor(to / cols) - Math.floor(from / cols)
    let out = rows < 0 ? `${ESC}[${-rows}A` : rows > 0 ? `${ESC}[${rows}B` : ''
    const col = to % cols
    out += '\r' + (col ? `${ESC}[${col}C` : '')
    return out
  }
  /** Rewrites the line from the prompt's end, then puts the cursor back where it belongs. */
  const redraw = (previousCursor: number) => {
    const start = promptText().length
    let out = move(start + previousCursor, start) + line
    const end = start + line.length
    // Text ending exactly at the right margin leaves the cursor there until the next character: wrap now.
    if (line.length && end % cols === 0) out += ' \r'
    out += `${ESC}[J` + move(end, start + cursor)
    write(out)
  }
  const showPrompt = () => {
    if (lastChar !== '\n') write('\r\n')
    write(prompt())
  }
  const edit = (next: string, nextCursor: number) => {
    const before = cursor
    line = next
    cursor = nextCursor
    redraw(before)
  }
  const moveCursor = (to: number) => {
    const start = promptText().length
    const clamped = Math.max(0, Math.min(line.length, to))
    write(move(start + cursor, start + clamped))
    cursor = clamped
  }
  const endOfLine = () => {
    // Leave the cursor after the whole line before printing anything below it.
    const start = promptText().length
    write(move(start + cursor, start + line.length))
    cursor = line.length
  }

  function insert(text: string) {
    if (cursor === line.length && (promptText().length + line.length + text.length) % cols !== 0) {
      line += text
      cursor = line.length
      write(text)
      return
    }
    edit(line.slice(0, cursor) + text + line.slice(cursor), cursor + text.length)
  }

  function recall(to: number) {
    if (to < 0 || to > history.length || to === historyAt) return
    if (historyAt === history.length) draft = line
    historyAt = to
    const text = to === history.length ? draft : history[to]!
    edit(text, text.length)
  }

  function submit() {
    endOfLine()
    write('\r\n')
    const text = line
    line = ''
    cursor = 0
    draft = ''
    if (text.trim() && history[history.length - 1] !== text) history.push(text)
    if (history.length > MAX_HISTORY) history.splice(0, history.length - MAX_HISTORY)
    historyAt = history.length
    const command = text.trim()
    if (!command) return showPrompt()
    if (command === 'clear' || command === 'reset') {
      write(`${ESC}[3J${ESC}[H${ESC}[2J`)
      lastCode = 0
      return showPrompt()
    }
    void execute(text)
  }

  async function execute(text: string) {
    const proc = runtime.spawn('sh', ['-c', text], { cwd })
    process = proc
    runningLine = text
    pendingInput = ''
    emitState()
    let status: ExitStatus
    try {
      for await (const chunk of proc.output) write(toTerminalText(chunk.text))
      status = await proc.exit
    } catch (error) {
      write(toTerminalText(`${error instanceof Error ? error.message : String(error)}\n`))
      status = { code: 1, signal: null, timedOut: false, cwd, runs: [] }
    }
    if (disposed) return
    process = null
    runningLine = null
    pendingInput = ''
    cwd = status.cwd || cwd
    lastCode = status.code
    if (status.timedOut) write(`${lastChar === '\n' ? '' : '\r\n'}${ESC}[2m(timed out)${RESET}\r\n`)
    emitState()
    showPrompt()
  }

  /** A key while a process runs: a local line buffer echoed as typed, sent on Enter. */
  function processKey(key: string) {
    const proc = process!
    switch (key) {
      case '\x03':
        write('^C\r\n')
        pendingInput = ''
        proc.kill()
        return
      case '\x04':
        if (pendingInput) proc.write(pendingInput)
        pendingInput = ''
        proc.write(null)
        return
      case '\r':
        write('\r\n')
        proc.write(`${pendingInput}\n`)
        pendingInput = ''
        return
      case '\x7f':
      case '\b':
        if (!pendingInput) return
        pendingInput = pendingInput.slice(0, -1)
        write('\b \b')
        return
      case '\x15':
        write('\b \b'.repeat(pendingInput.length))
        pendingInput = ''
        return
      default:
        if (key[0]! >= ' ' && key[0] !== '\x7f') {
          pendingInput += key
          write(key)
        }
    }
  }

  function promptKey(key: string) {
    switch (key) {
      case '\r':
        return submit()
      case '\x03':
        endOfLine()
        write('^C\r\n')
        line = ''
        cursor = 0
        historyAt = history.length
        draft = ''
        return showPrompt()
      case '\x04':
        // At an empty prompt a shell would exit; here the terminal stays, as VS Code's does when told to.
        if (cursor < line.length) edit(line.slice(0, cursor) + line.slice(cursor + 1), cursor)
        return
      case '\x0c': {
        const keep = cursor
        write(`${ESC}[3J${ESC}[H${ESC}[2J${prompt()}${line}`)
        cursor = line.length
        return moveCursor(keep)
      }
      case '\x7f':
      case '\b':
        if (cursor > 0) edit(line.slice(0, cursor - 1) + line.slice(cursor), cursor - 1)
        return
      case `${ESC}[3~`:
        if (cursor < line.length) edit(line.slice(0, cursor) + line.slice(cursor + 1), cursor)
        return
      case `${ESC}[D`:
      case `${ESC}OD`:
      case '\x02':
        return moveCursor(cursor - 1)
      case `${ESC}[C`:
      case `${ESC}OC`:
      case '\x06':
        return moveCursor(cursor + 1)
      case `${ESC}[1;5D`:
      case `${ESC}b`:
        return moveCursor(wordStart(line, cursor))
      case `${ESC}[1;5C`:
      case `${ESC}f`: {
        let i = cursor
        while (i < line.length && line[i] === ' ') i++
        while (i < line.length && line[i] !== ' ') i++
        return moveCursor(i)
      }
      case `${ESC}[H`:
      case `${ESC}OH`:
      case `${ESC}[1~`:
      case '\x01':
        return moveCursor(0)
      case `${ESC}[F`:
      case `${ESC}OF`:
      case `${ESC}[4~`:
      case '\x05':
        return moveCursor(line.length)
      case '\x15':
        return edit(line.slice(cursor), 0)
      case '\x0b':
        return edit(line.slice(0, cursor), cursor)
      case '\x17': {
        const from = wordStart(line, cursor)
        return edit(line.slice(0, from) + line.slice(cursor), from)
      }
      case `${ESC}[A`:
      case `${ESC}OA`:
      case '\x10':
        return recall(historyAt - 1)
      case `${ESC}[B`:
      case `${ESC}OB`:
      case '\x0e':
        return recall(historyAt + 1)
      case '\t':
        return insert('  ')
      default:
        if (key[0]! >= ' ' && key[0] !== '\x7f') insert(key)
    }
  }

  return {
    input(data) {
      if (disposed) return
      for (const key of splitKeys(data)) {
        if (process) processKey(key)
        else promptKey(key)
      }
    },
    run(text) {
      if (disposed || process) return false
      const one = text.replace(/[\r\n]+/g, ' ')
      edit(one, one.length)
      submit()
      return true
    },
    resize(next) {
      cols = Math.max(next, 2)
    },
    subscribe(fn) {
      listeners.add(fn)
      return () => listeners.delete(fn)
    },
    state,
    history: () => [...history],
    start() {
      showPrompt()
      emitState()
    },
    dispose() {
      disposed = true
      process?.kill()
      listeners.clear()
    },
  }
}
