import { describe, expect, it } from 'vitest'
import type { ExitStatus, OutputChunk, RuntimeProcess, SpawnOptions } from '../../shared/runtime'
import { createShellSession, displayCwd, splitKeys } from './shell-session'

/** A runtime whose `sh -c` understands `cd <dir>`, `echo <text>` and `wait` (runs until killed or fed `end`). */
function fakeRuntime() {
  const spawned: Array<{ line: string; cwd: string | undefined; input: Array<string | null>; killed: boolean }> = []
  return {
    spawned,
    spawn(_command: string, args: string[], options: SpawnOptions = {}): RuntimeProcess {
      const line = args[1]!
      const record = { line, cwd: options.cwd, input: [] as Array<string | null>, killed: false }
      spawned.push(record)
      const chunks: OutputChunk[] = []
      let finish!: (status: ExitStatus) => void
      const exit = new Promise<ExitStatus>((resolve) => (finish = resolve))
      const cwd = options.cwd ?? '/workspace'
      const done = (code: number, next = cwd) => finish({ code, signal: code === 130 ? 'SIGINT' : null, timedOut: false, cwd: next, runs: [] })
      const [name, ...rest] = line.split(' ')
      if (name === 'cd') done(0, rest[0]!.startsWith('/') ? rest[0]! : `${cwd}/${rest[0]}`)
      else if (name === 'echo') {
        chunks.push({ stream: 'stdout', text: `${rest.join(' ')}\n` })
        done(0)
      } else if (name !== 'wait') {
        chunks.push({ stream: 'stderr', text: `sh: ${name}: command not found\n` })
        done(127)
      }
      return {
        exit,
        output: {
          async *[Symbol.asyncIterator]() {
            yield* chunks
            await exit
          },
        },
        write(text) {
          record.input.push(text)
          if (text === 'end\n') done(0)
        },
        kill() {
          record.killed = true
          done(130)
        },
      }
    },
  }
}

function setup(cols = 80) {
  const runtime = fakeRuntime()
  const shell = createShellSession(runtime, { cols })
  let screen = ''
  shell.subscribe((e) => e.type === 'write' && (screen += e.text))
  shell.start()
  const plain = () => screen.replace(/\x1b\[[\d;]*[A-Za-z]/g, '')
  const settle = () => new Promise((r) => setTimeout(r, 0))
  return { runtime, shell, plain, settle, raw: () => screen }
}

describe('the shell session', () => {
  it('splits keys: escape sequences, control characters and pasted text', () => {
    expect(splitKeys('ab\x1b[D\x7f\x1b[3~\rcd\x03')).toEqual(['ab', '\x1b[D', '\x7f', '\x1b[3~', '\r', 'cd', '\x03'])
    expect(displayCwd('/workspace')).toBe('~')
    expect(displayCwd('/workspace/src')).toBe('~/src')
    expect(displayCwd('/tmp')).toBe('/tmp')
  })

  it('edits a line, runs it through sh -c, keeps the directory and turns the prompt red after a failure', async () => {
    const { runtime, shell, plain, settle, raw } = setup()
    shell.input('ecXho hi')
    // Move left 6, delete the X with Backspace... then fix with Delete instead.
    shell.input('\x1b[D'.repeat(5) + '\x7f')
    shell.input('\r')
    await settle()
    expect(runtime.spawned[0]!.line).toBe('echo hi')
    expect(plain()).toContain('hi\r\n~ $ ')
    shell.input('cd src\r')
    await settle()
    shell.input('echo there\r')
    await settle()
    expect(runtime.spawned[2]!.cwd).toBe('/workspace/src')
    expect(plain().endsWith('~/src $ ')).toBe(true)
    shell.input('nope\r')
    await settle()
    expect(shell.state().lastCode).toBe(127)
    expect(raw().endsWith('\x1b[31m$\x1b[0m ')).toBe(true)
  })

  it('supports Home/End, Ctrl-A/E/U/K/W and history', async () => {
    const { runtime, shell, settle } = setup()
    shell.input('world\x01hello \x05!\r')
    await settle()
    expect(runtime.spawned[0]!.line).toBe('hello world!')
    shell.input('echo one two\x17three\r')
    await settle()
    expect(runtime.spawned[1]!.line).toBe('echo one three')
    shell.input('abc\x1b[D\x0b\x1b[H\x1b[3~\r')
    await settle()
    expect(runtime.spawned[2]!.line).toBe('b')
    shell.input('junk\x15\x1b[A\x1b[A\r')
    await settle()
    expect(runtime.spawned[3]!.line).toBe('echo one three')
    expect(shell.history()).toEqual(['hello world!', 'echo one three', 'b', 'echo one three'])
  })

  it('sends typed lines to a running process, Ctrl-D ends its input, Ctrl-C kills it', async () => {
    const { runtime, shell, plain, settle } = setup()
    shell.input('wait\r')
    await settle()
    expect(shell.state().running).toBe('wait')
    expect(shell.run('echo no')).toBe(false)
    shell.input('abc\x7fd\r')
    shell.input('x\x04')
    expect(runtime.spawned[0]!.input).toEqual(['abd\n', 'x', null])
    shell.input('\x03')
    await settle()
    expect(runtime.spawned[0]!.killed).toBe(true)
    expect(plain()).toContain('^C\r\n~ $ ')
    expect(shell.state()).toEqual({ running: null, cwd: '/workspace', lastCode: 130 })
    // Ctrl-C at the prompt drops the line.
    shell.input('half\x03')
    expect(plain().endsWith('half^C\r\n~ $ ')).toBe(true)
  })

  it('clears the screen for clear and Ctrl-L without running anything', async () => {
    const { runtime, shell, raw } = setup()
    shell.input('clear\r')
    expect(runtime.spawned).toHaveLength(0)
    expect(raw()).toContain('\x1b[3J\x1b[H\x1b[2J')
    shell.input('ls\x0c')
    expect(raw().endsWith('ls')).toBe(true)
  })

  it('redraws lines longer than the terminal is wide', () => {
    const { shell, raw } = setup(10)
    // '~ $ ' is 4 columns: 6 characters reach the margin and wrap at once.
    shell.input('abcdef')
    expect(raw()).toContain('abcdef \r')
    shell.input('\x01')
    // From offset 10 (row 1, col 0) back to offset 4 (row 0, col 4).
    expect(raw().endsWith('\x1b[1A\r\x1b[4C')).toBe(true)
  })
})
