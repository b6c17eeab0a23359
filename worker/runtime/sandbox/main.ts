/**
 * @module The sandbox: one process of the embedded runtime, in a fresh worker the host terminates
 * when it is done, killed or out of time. It runs Node-style code over an in-memory copy of the
 * workspace; its file changes and output stream back to the host.
 */
import type { FsChange } from '../../../shared/protocol'
import type { OutputChunk, TestFailure } from '../../../shared/runtime'
import type { HostToSandbox, SandboxRun, SandboxTests, SandboxToHost } from '../messages'
import { createSyncCaller } from '../sync'
import { createBuiltins, createMemFs, createProcess } from './node'
import { createConsole } from './console'
import { createLoader, type CompiledModule, type Loader } from './loader'
import { createTestHarness, type TestHarness } from './test'
import { installTimers } from './timers'
import { runWasi } from './wasi'

const scope = self as unknown as DedicatedWorkerGlobalScope
const post = (message: SandboxToHost, transfer: Transferable[] = []) => scope.postMessage(message, transfer)

/** Thrown by process.exit to unwind the running code; never reported as an error. */
class ProcessExit {
  constructor(readonly code: number) {}
}

let started = false
const stdinListeners: Array<(text: string | null) => void> = []

scope.addEventListener('message', (event: MessageEvent<HostToSandbox>) => {
  const message = event.data
  if (message.type === 'run' && !started) {
    started = true
    void run(message)
  } else if (message.type === 'stdin') for (const fn of stdinListeners) fn(message.text)
  else if (message.type === 'sigint') for (const fn of sigintListeners) fn()
})
const sigintListeners: Array<() => void> = []
post({ type: 'ready' })

async function run(request: SandboxRun): Promise<void> {
  // Output: batched, flushed at least every 16 ms even while the code keeps the thread busy.
  let pending: OutputChunk[] = []
  let lastFlush = performance.now()
  let flushTimer: ReturnType<typeof setTimeout> | null = null
  const realSetTimeout = globalThis.setTimeout.bind(globalThis)
  const flushOutput = () => {
    if (flushTimer !== null) clearTimeout(flushTimer)
    flushTimer = null
    lastFlush = performance.now()
    if (pending.length) post({ type: 'output', chunks: pending })
    pending = []
  }
  const write = (stream: OutputChunk['stream'], text: string) => {
    if (!text) return
    const last = pending[pending.length - 1]
    if (last?.stream === stream) last.text += text
    else pending.push({ stream, text })
    if (performance.now() - lastFlush > 16) flushOutput()
    else flushTimer ??= realSetTimeout(flushOutput, 0)
  }

  // File changes: collected in order, sent before any output that follows them and before exit.
  let changes: FsChange[] = []
  const flushChanges = () => {
    if (changes.length) post({ type: 'fs', changes })
    changes = []
  }
  const sync = request.sync ? createSyncCaller(request.sync, (m) => post(m)) : null
  const memfs = createMemFs({
    entries: request.entries,
    load: (path) => {
      const bytes = sync?.({ op: 'read', path })
      if (!bytes) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT', path })
      return bytes
    },
    onChange: (change) => {
      changes.push(change)
      if (changes.length === 1) queueMicrotask(flushChanges)
    },
  })

  let exiting: number | null = null
  const finish = (code: number, tests: SandboxTests | null = null) => {
    if (exiting !== null) return
    exiting = code
    flushChanges()
    flushOutput()
    post({ type: 'exit', code, tests })
  }

  const proc = createProcess({
    argv: request.argv,
    env: request.env,
    cwd: request.cwd,
    columns: request.columns,
    stdout: (text) => write('stdout', text),
    stderr: (text) => write('stderr', text),
    stdin: request.stdin === null ? { subscribe: (listener) => void stdinListeners.push(listener) } : { text: request.stdin },
    isDirectory: (path) => memfs.exists(path) && memfs.stat(path).isDirectory(),
    exists: (path) => memfs.exists(path),
    // process.exit has emitted 'exit' by now.
    exit: (code) => {
      finish(code)
      throw new ProcessExit(code)
    },
  })
  const builtins = createBuiltins({ memfs, process: proc, cwd: () => proc.cwd() as string, createRequire: (filename) => loader.createRequire(filename) })
  const timers = installTimers(globalThis)
  // Like Node, reading stdin keeps the process alive until it ends.
  const stdin = proc.stdin as { on(event: string, fn: (...args: unknown[]) => void): void }
  let releaseStdin: (() => void) | null = null
  let stdinEnded = false
  stdin.on('newListener', (event) => {
    if ((event === 'data' || event === 'readable') && !releaseStdin && !stdinEnded) releaseStdin = timers.hold()
  })
  stdin.on('end', () => {
    stdinEnded = true
    releaseStdin?.()
  })
  const util = builtins.require('util') as { format(...args: unknown[]): string; inspect(value: unknown, options?: object): string }
  const console = createConsole({ stdout: (text) => write('stdout', text), stderr: (text) => write('stderr', text), format: util.format, inspect: util.inspect })
  Object.assign(globalThis, { process: proc, global: globalThis, console, Buffer: (builtins.require('buffer') as { Buffer: unknown }).Buffer })
  sigintListeners.push(() => {
    if (proc.listenerCount('SIGINT') > 0) proc.emit('SIGINT', 'SIGINT')
    else finish(130)
  })

  if (request.mode === 'wasi') {
    const wasiFs = {
      readFile: (path: string) => memfs.readFile(path),
      readdir: (path: string) => memfs.readdir(path),
      kind: (path: string) => {
        if (!memfs.exists(path)) return null
        const s = memfs.stat(path)
        return s.isDirectory() ? ('dir' as const) : ('file' as const)
      },
      writeFile: (path: string, data: Uint8Array) => memfs.writeFile(path, data),
      mkdir: (path: string) => void memfs.mkdir(path),
      remove: (path: string) => memfs.rm(path, { recursive: true, force: true }),
    }
    const code = await runWasi({ argv: request.argv, env: request.env, cwd: request.cwd, stdin: request.stdin }, wasiFs, {
      stdout: (text) => write('stdout', text),
      stderr: (text) => write('stderr', text),
    })
    finish(code)
    return
  }

  const decoder = new TextDecoder()
  let loader: Loader
  const compile = (path: string, source: string): CompiledModule => {
    const ahead = request.compiled[path]
    if (ahead) return ahead
    if (!sync) throw new Error(`'${path}' was not compiled ahead, and this page cannot ask for it (it is not cross-origin isolated)`)
    const bytes = sync({ op: 'compile', path, source })
    if (!bytes) throw new Error(`could not compile '${path}'`)
    return JSON.parse(decoder.decode(bytes)) as CompiledModule
  }
  const toFailure = (error: unknown): TestFailure => {
    const e = error as { message?: unknown; stack?: unknown; expected?: unknown; actual?: unknown } | null
    const stack = typeof e?.stack === 'string' ? loader.mapStack(e.stack) : null
    const printable = (v: unknown) => (typeof v === 'string' ? v : (builtins.require('util') as { inspect(v: unknown): string }).inspect(v))
    return {
      message: typeof e?.message === 'string' ? e.message : String(error),
      stack,
      ...(e && typeof e === 'object' && 'expected' in e ? { expected: printable(e.expected), actual: printable(e.actual) } : {}),
      location: typeof e?.stack === 'string' ? loader.locate(e.stack) : null,
    }
  }

  let harness: TestHarness | null = null
  const getHarness = () =>
    (harness ??= createTestHarness({
      file: (request.test?.file ?? request.argv[1] ?? '').replace(/^\/workspace\//, ''),
      testName: request.test?.testName,
      timeoutMs: request.test?.timeoutMs,
      now: () => performance.now(),
      onEvent: (event) => post({ type: 'test-event', event }),
      toFailure,
      assert: builtins.require('assert') as Record<string, unknown>,
    }))
  // `require('node:test')` is the test function itself, carrying the rest as properties.
  const nodeTest = () => {
    const exports = getHarness().nodeTest
    return Object.assign(exports.default as object, exports)
  }
  const provided: Record<string, () => unknown> = {
    'node:test': nodeTest,
    vitest: () => getHarness().vitest,
    '@jest/globals': () => getHarness().vitest,
  }
  loader = createLoader({
    fs: {
      readFile: (path) => {
        try {
          return memfs.readFile(path)
        } catch {
          return null
        }
      },
      isFile: (path) => memfs.exists(path) && memfs.stat(path).isFile(),
      isDirectory: (path) => memfs.exists(path) && memfs.stat(path).isDirectory(),
      realpath: (path) => {
        try {
          return memfs.realpath(path)
        } catch {
          return path
        }
      },
    },
    builtins,
    provided,
    compile,
    origin: request.origin,
  })

  /** Node's report of an error nobody caught: the source line, the stack, the version. */
  const reportUncaught = (error: unknown) => {
    if (error instanceof ProcessExit) return
    if (proc.listenerCount('uncaughtException') > 0) {
      proc.emit('uncaughtException', error, 'uncaughtException')
      return
    }
    const stack = error instanceof Error && error.stack ? loader.mapStack(error.stack) : `Uncaught ${(builtins.require('util') as { inspect(v: unknown): string }).inspect(error)}`
    const at = error instanceof Error && error.stack ? loader.locate(error.stack) : null
    let excerpt = ''
    if (at) {
      const lines = decoder.decode(memfs.readFile(at.path)).split('\n')
      const text = lines[at.line - 1]
      if (text !== undefined) excerpt = `${at.path}:${at.line}\n${text}\n${' '.repeat(Math.max(0, at.column - 1))}^\n\n`
    }
    write('stderr', `${excerpt}${stack}\n\nNode.js ${proc.version}\n`)
    finish(1)
  }
  scope.addEventListener('error', (event) => {
    event.preventDefault()
    reportUncaught(event.error)
  })
  scope.addEventListener('unhandledrejection', (event) => {
    event.preventDefault()
    if (proc.listenerCount('unhandledRejection') > 0) proc.emit('unhandledRejection', event.reason, event.promise)
    else reportUncaught(event.reason)
  })

  if (request.mode === 'test') {
    const test = request.test!
    const h = getHarness()
    if (test.runner === 'vitest') Object.assign(globalThis, h.globals)
    let loadError: TestFailure | null = null
    try {
      loader.runMain(`/workspace/${test.file}`)
    } catch (error) {
      if (error instanceof ProcessExit) return
      loadError = toFailure(error)
    }
    const result = loadError ? { tests: [], error: loadError } : await h.run()
    await timers.idle(0)
    const failed = result.error !== null || result.tests.some((t) => t.status === 'failed')
    finish(failed ? 1 : 0, result)
    return
  }

  const entry = request.argv[1]
  if (!entry) {
    write('stderr', 'The embedded runtime has no interactive Node prompt: give a script, e.g. `node index.js`.\n')
    finish(9)
    return
  }
  try {
    loader.runMain(entry)
  } catch (error) {
    reportUncaught(error)
    return
  }
  // Like Node: the process ends when nothing is left to do (no timers, no pending reads).
  await timers.idle()
  // A script that declared node:test tests runs them once it has loaded, as `node file.test.js` does.
  let tests: SandboxTests | null = null
  if (harness) {
    tests = await (harness as TestHarness).run()
    if (tests.error || tests.tests.some((t) => t.status === 'failed')) proc.exitCode = 1
    await timers.idle()
  }
  if (exiting !== null) return
  proc.emit('beforeExit', proc.exitCode ?? 0)
  await timers.idle()
  if (exiting !== null) return
  const code = proc.exitCode ?? 0
  try {
    proc.emit('exit', code)
  } catch (error) {
    reportUncaught(error)
    return
  }
  finish(proc.exitCode ?? code, tests)
}
