import { FitAddon } from '@xterm/addon-fit'
import { Terminal, type ITheme } from '@xterm/xterm'
import '@xterm/xterm/css/xterm.css'
import { For, Show, createEffect, createSignal, onCleanup, onMount } from 'solid-js'
import type { Runtime } from '../../shared/runtime'
import { createShellSession, type ShellSession, type ShellState } from './shell-session'
import './Terminals.css'

/** What the workbench can ask of the terminal panel. */
export interface TerminalsApi {
  /**
   * Runs `line` in the active terminal, or in a new one when that one is busy, and focuses it. A
   * function is given the terminal's working directory and returns the line.
   */
  run(line: string | ((cwd: string) => string)): void
  /** Opens a new terminal and focuses it. */
  create(): void
  focus(): void
}

interface Entry {
  id: number
  session: ShellSession
  state: () => ShellState
  /** Where the session's output goes: held here until the terminal view is mounted. */
  sink: (text: string) => void
  pending: string[]
  dispose(): void
}

const THEMES: Record<'light' | 'dark', ITheme> = {
  light: {
    background: '#ffffff', foreground: '#1f2328', cursor: '#1f2328', cursorAccent: '#ffffff', selectionBackground: '#add6ff',
    black: '#24292f', red: '#cf222e', green: '#1a7f37', yellow: '#9a6700', blue: '#0969da', magenta: '#8250df', cyan: '#1b7c83', white: '#6e7781',
    brightBlack: '#57606a', brightRed: '#a40e26', brightGreen: '#116329', brightYellow: '#7d4e00', brightBlue: '#0550ae', brightMagenta: '#6639ba', brightCyan: '#3192aa', brightWhite: '#8c959f',
  },
  dark: {
    background: '#0d1117', foreground: '#e6edf3', cursor: '#e6edf3', cursorAccent: '#0d1117', selectionBackground: '#264f78',
    black: '#484f58', red: '#ff7b72', green: '#3fb950', yellow: '#d29922', blue: '#58a6ff', magenta: '#bc8cff', cyan: '#39c5cf', white: '#b1bac4',
    brightBlack: '#6e7681', brightRed: '#ffa198', brightGreen: '#56d364', brightYellow: '#e3b341', brightBlue: '#79c0ff', brightMagenta: '#d2a8ff', brightCyan: '#56d4dd', brightWhite: '#f0f6fc',
  },
}

/**
 * The terminal panel: tabs of terminals (+ adds one, × closes one), each an xterm over its own shell
 * session on `runtime`, fitted to the panel and themed like the app. Opens with one terminal.
 */
export function Terminals(props: { runtime: Pick<Runtime, 'spawn'>; theme: 'light' | 'dark'; cwd?: string; ref?: (api: TerminalsApi) => void }) {
  const [entries, setEntries] = createSignal<Entry[]>([])
  const [active, setActive] = createSignal<number | null>(null)
  const focusers = new Map<number, () => void>()
  let nextId = 1

  function add(): Entry {
    const session = createShellSession(props.runtime, { cwd: props.cwd })
    const [state, setState] = createSignal(session.state())
    const entry: Entry = {
      id: nextId++,
      session,
      state,
      pending: [],
      sink: (text) => entry.pending.push(text),
      dispose: () => {
        unsubscribe()
        session.dispose()
      },
    }
    const unsubscribe = session.subscribe((event) => (event.type === 'write' ? entry.sink(event.text) : setState(event.state)))
    session.start()
    setEntries((list) => [...list, entry])
    setActive(entry.id)
    return entry
  }

  function close(id: number) {
    const list = entries()
    const index = list.findIndex((e) => e.id === id)
    if (index < 0) return
    list[index]!.dispose()
    const rest = list.filter((e) => e.id !== id)
    setEntries(rest)
    if (active() === id) setActive(rest[Math.min(index, rest.length - 1)]?.id ?? null)
  }

  const focus = () => queueMicrotask(() => focusers.get(active() ?? -1)?.())
  const api: TerminalsApi = {
    run(line) {
      const current = entries().find((e) => e.id === active())
      const target = current && current.state().running === null ? current : add()
      setActive(target.id)
      target.session.run(typeof line === 'string' ? line : line(target.state().cwd))
      focus()
    },
    create() {
      add()
      focus()
    },
    focus,
  }

  add()
  props.ref?.(api)
  onCleanup(() => entries().forEach((e) => e.dispose()))

  const title = (e: Entry, index: number) => `${index + 1}: ${e.state().running?.trim().split(/\s+/)[0] ?? 'sh'}`

  return (
    <div class="terminals">
      <div class="terminal-tabs" role="tablist" aria-label="Terminals">
        <For each={entries()}>
          {(e, index) => (
            <span class="terminal-tab" classList={{ active: e.id === active(), failed: e.state().lastCode !== 0 && !e.state().running }}>
              <button type="button" role="tab" aria-selected={e.id === active()} title={e.state().running ?? e.state().cwd} onClick={() => (setActive(e.id), focus())}>
                {title(e, index())}
              </button>
              <button type="button" class="close" aria-label={`Close terminal ${index() + 1}`} onClick={() => close(e.id)}>×</button>
            </span>
          )}
        </For>
        <button type="button" class="add" aria-label="New terminal" title="New terminal (Ctrl+Shift+`)" onClick={() => api.create()}>+</button>
      </div>
      <Show when={entries().length > 0} fallback={<p class="hint terminal-empty">No terminal open. <button type="button" class="link" onClick={() => api.create()}>Open one</button></p>}>
        <div class="terminal-views">
          <For each={entries()}>
            {(e) => <XtermView entry={e} theme={props.theme} visible={e.id === active()} focuser={(f) => (f ? focusers.set(e.id, f) : focusers.delete(e.id))} />}
          </For>
        </div>
      </Show>
    </div>
  )
}

/** One xterm bound to a shell session: keystrokes go to the session, its output to the screen. */
function XtermView(props: { entry: Entry; theme: 'light' | 'dark'; visible: boolean; focuser(focus: (() => void) | null): void }) {
  let host!: HTMLDivElement
  onMount(() => {
    const { entry } = props
    const term = new Terminal({
      theme: THEMES[props.theme],
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
      fontSize: 13,
      cursorBlink: true,
      scrollback: 5000,
      allowProposedApi: false,
    })
    const fit = new FitAddon()
    term.loadAddon(fit)
    term.open(host)
    // Copy with Ctrl-C when text is selected, and let the browser paste Ctrl-V: both reach the shell otherwise.
    term.attachCustomKeyEventHandler((e) => {
      if (e.type !== 'keydown' || !(e.ctrlKey || e.metaKey) || e.altKey) return true
      const key = e.key.toLowerCase()
      if (key === 'c' && term.hasSelection()) return false
      if (key === 'v') return false
      // Ctrl-Shift-` (new terminal) and other IDE commands with Shift are the workbench's.
      if (e.shiftKey && key !== 'c') return false
      return true
    })
    const resize = () => {
      if (!host.offsetWidth || !host.offsetHeight) return
      fit.fit()
      entry.session.resize(term.cols)
    }
    let frame = 0
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame)
      frame = requestAnimationFrame(resize)
    })
    observer.observe(host)
    resize()
    for (const text of entry.pending) term.write(text)
    entry.pending.length = 0
    entry.sink = (text) => term.write(text)
    const input = term.onData((data) => entry.session.input(data))
    props.focuser(() => term.focus())
    createEffect(() => (term.options.theme = THEMES[props.theme]))
    createEffect(() => {
      if (props.visible) requestAnimationFrame(resize)
    })
    onCleanup(() => {
      props.focuser(null)
      cancelAnimationFrame(frame)
      observer.disconnect()
      input.dispose()
      entry.sink = (text) => entry.pending.push(text)
      term.dispose()
    })
  })
  return <div class="terminal-view" ref={host} style={{ display: props.visible ? 'block' : 'none' }} data-terminal={props.entry.id} />
}
