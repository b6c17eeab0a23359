/**
 * @module Python in the tab: a PythonRunner runs `python …` command lines (scripts, `-c`, `-m`,
 * `-m unittest`) in pyodide, in a nested worker it keeps warm between runs, as CPython would.
 */
import type { TestCaseReport } from '../../../shared/runtime'
import type { FromPyodide, ToPyodide, WireFile } from './protocol'

/** Where pyodide is served from on our origin, in the dev server and in builds (scripts/pyodide-assets.ts). */
export const PYODIDE_INDEX_URL: string = typeof __CODER_PYODIDE_BASE__ === 'string' ? __CODER_PYODIDE_BASE__ : '/assets/pyodide/'

declare const __CODER_PYODIDE_BASE__: string | undefined

/** A workspace file: an absolute path under /workspace, its bytes and its POSIX mode (0o100644). */
export interface PythonFile {
  path: string
  data: Uint8Array
  mode: number
}

/** One `python` command line to run. */
export interface PythonRunRequest {
  /** As typed: `['python', 'main.py', 'x']`, `['python', '-m', 'unittest', '-v']`, `['python', '-c', code]`. */
  argv: string[]
  /** An absolute path under /workspace. */
  cwd: string
  /** The environment, over pyodide's defaults (HOME, ...). */
  env: Record<string, string>
  /**
   * The whole workspace, every run: only what changed since the last run is copied into pyodide,
   * and what is missing is deleted there. The arrays must not be changed after being passed.
   */
  files: PythonFile[]
  /** What `input()` and `sys.stdin` read; end of file after it. */
  stdin?: string
  /** Interrupted (then killed) after this long: exit code 124, `timedOut`. */
  timeoutMs?: number
}

/** A change the program made under /workspace. */
export type PythonChange = { type: 'write'; path: string; data: Uint8Array; mode: number } | { type: 'remove'; path: string }

/** How a run ended. */
export interface PythonRunResult {
  /** CPython's exit code: SystemExit's code, 1 on an uncaught exception, 130 after Ctrl-C, 124 after a timeout. */
  code: number
  /** SIGINT when a KeyboardInterrupt ended it after an abort or timeout, SIGKILL when the worker had to be terminated. */
  signal: 'SIGINT' | 'SIGKILL' | null
  timedOut: boolean
  /** Files the program created, changed or deleted under /workspace (empty when it was killed). */
  changes: PythonChange[]
  /** One entry per test for `-m unittest` runs (file relative to /workspace); null for other runs. */
  tests: TestCaseReport[] | null
}

/** Where a run's output goes, in order, in batches while it runs. */
export interface PythonIO {
  stdout(text: string): void
  stderr(text: string): void
}

/** Loading progress: `phase` names the step, `loaded` of `total` steps done. */
export interface PythonLoadProgress {
  phase: string
  loaded: number
  total: number
}

/** Runs Python programs one at a time in a pyodide worker it keeps between runs. */
export interface PythonRunner {
  /**
   * Starts the worker and loads pyodide unless already loaded; resolves to how long that took
   * (0 when it was loaded already). Rejects when pyodide cannot be loaded.
   */
  load(onProgress?: (p: PythonLoadProgress) => void): Promise<{ loadMs: number }>
  /**
   * Runs one command line (after the previous run has ended), loading pyodide first if needed.
   * Aborting `signal` is Ctrl-C: KeyboardInterrupt, then the worker is killed if the program has
   * not ended 2 s later (at once when the page is not cross-origin isolated). Resolves for every
   * way a program ends; rejects only if pyodide cannot be loaded or the runner was disposed.
   */
  run(request: PythonRunRequest, io: PythonIO, signal?: AbortSignal): Promise<PythonRunResult>
  /** Terminates the worker; pending and later calls reject. */
  dispose(): void
}

/** Options for createPythonRunner. */
export interface PythonRunnerOptions {
  /** pyodide's files on our origin, normally PYODIDE_INDEX_URL. */
  indexURL: string
  /** Starts the pyodide worker; defaults to the bundled pyodide-worker.ts. */
  createWorker?: () => Worker
}

/** How long an interrupted program has to end before its worker is terminated. */
const KILL_AFTER_MS = 2_000

interface Session {
  worker: Worker
  ready: Promise<number>
  /** What pyodide's /workspace holds, as far as the runner knows. */
  files: Map<string, { data: Uint8Array; mode: number }>
  listener: ((message: Extract<FromPyodide, { type: 'output' | 'done' | 'fatal' }>) => void) | null
  fail: (error: Error) => void
}

/**
 * Creates a runner whose pyodide worker starts on the first `load` or `run`. Never uses a CDN:
 * everything comes from `indexURL`.
 */
export function createPythonRunner(options: PythonRunnerOptions): PythonRunner {
  const createWorker = options.createWorker ?? (() => new Worker(new URL('./pyodide-worker.ts', import.meta.url), { type: 'module' }))
  const interruptBuffer = typeof SharedArrayBuffer === 'function' && globalThis.crossOriginIsolated ? new SharedArrayBuffer(1) : null
  const interrupt = interruptBuffer ? new Uint8Array(interruptBuffer) : null
  let session: Session | null = null
  let disposed = false
  let queue: Promise<unknown> = Promise.resolve()

  function start(onProgress?: (p: PythonLoadProgress) => void): Session {
    if (disposed) throw new Error('the Python runner was disposed')
    if (session) return session
    const worker = createWorker()
    let resolveReady!: (ms: number) => void
    let rejectReady!: (error: Error) => void
    const ready = new Promise<number>((resolve, reject) => {
      resolveReady = resolve
      rejectReady = reject
    })
    const s: Session = {
      worker,
      ready,
      files: new Map(),
      listener: null,
      fail: (error) => {
        rejectReady(error)
        const listener = s.listener
        s.listener = null
        if (listener) listener({ type: 'fatal', message: error.message })
      },
    }
    worker.onmessage = (event: MessageEvent<FromPyodide>) => {
      const message = event.data
      switch (message.type) {
        case 'progress':
          onProgress?.(message)
          return
        case 'loaded':
          resolveReady(message.loadMs)
          return
        case 'load-failed':
          stop(s)
          s.fail(new Error(`pyodide could not be loaded: ${message.message}`))
          return
        case 'output':
        case 'done':
        case 'fatal':
          s.listener?.(message)
          return
        default:
          unreachable(message)
      }
    }
    worker.onerror = (event) => {
      event.preventDefault()
      stop(s)
      s.fail(new Error(`the pyodide worker failed: ${event.message || 'could not start'}`))
    }
    send(s, { type: 'load', indexURL: options.indexURL, interrupt: interruptBuffer })
    session = s
    return s
  }

  function stop(s: Session): void {
    s.worker.terminate()
    if (session === s) session = null
  }

  function send(s: Session, message: ToPyodide, transfer: Transferable[] = []): void {
    s.worker.postMessage(message, transfer)
  }

  async function load(onProgress?: (p: PythonLoadProgress) => void): Promise<{ loadMs: number }> {
    const fresh = !session
    const loadMs = await start(onProgress).ready
    return { loadMs: fresh ? loadMs : 0 }
  }

  async function execute(request: PythonRunRequest, io: PythonIO, signal?: AbortSignal): Promise<PythonRunResult> {
    const s = start()
    await s.ready
    const output = createOutputBatcher(io)
    const { writes, removes } = diff(s.files, request.files)
    return new Promise<PythonRunResult>((resolve, reject) => {
      let interrupted = false
      let timedOut = false
      let killTimer: ReturnType<typeof setTimeout> | undefined
      let timeoutTimer: ReturnType<typeof setTimeout> | undefined
      const finish = (result: PythonRunResult | Error) => {
        clearTimeout(killTimer)
        clearTimeout(timeoutTimer)
        signal?.removeEventListener('abort', onAbort)
        s.listener = null
        output.flush()
        if (result instanceof Error) reject(result)
        else resolve(result)
      }
      const kill = () => {
        stop(s)
        finish({ code: timedOut ? 124 : 130, signal: 'SIGKILL', timedOut, changes: [], tests: null })
      }
      const interruptRun = () => {
        if (interrupted) return
        interrupted = true
        if (!interrupt) return kill()
        Atomics.store(interrupt, 0, 2)
        killTimer = setTimeout(kill, KILL_AFTER_MS)
      }
      const onAbort = () => interruptRun()
      s.listener = (message) => {
        switch (message.type) {
          case 'output':
            output.push(message.stream, message.text)
            return
          case 'done': {
            for (const change of message.changes) {
              if (change.type === 'write') s.files.set(change.path, { data: change.data, mode: change.mode })
              else s.files.delete(change.path)
            }
            const byInterrupt = interrupted && message.code === 130
            finish({
              code: timedOut ? 124 : message.code,
              signal: byInterrupt ? 'SIGINT' : null,
              timedOut,
              changes: message.changes,
              tests: message.tests,
            })
            return
          }
          case 'fatal':
            stop(s)
            if (disposed) finish(new Error('the Python runner was disposed'))
            else {
              output.push('stderr', `Fatal Python error: ${message.message}\n`)
              finish({ code: 134, signal: 'SIGKILL', timedOut, changes: [], tests: null })
            }
            return
          default:
            unreachable(message)
        }
      }
      for (const file of writes) s.files.set(file.path, { data: file.data, mode: file.mode })
      for (const path of removes) s.files.delete(path)
      if (interrupt) Atomics.store(interrupt, 0, 0)
      send(s, { type: 'run', argv: request.argv, cwd: request.cwd, env: request.env, stdin: request.stdin ?? '', writes, removes })
      if (request.timeoutMs !== undefined) {
        timeoutTimer = setTimeout(() => {
          timedOut = true
          interruptRun()
        }, request.timeoutMs)
      }
      if (signal?.aborted) interruptRun()
      else signal?.addEventListener('abort', onAbort)
    })
  }

  return {
    load,
    run(request, io, signal) {
      const result = queue.then(() => execute(request, io, signal))
      queue = result.catch(() => undefined)
      return result
    },
    dispose() {
      disposed = true
      const s = session
      if (s) {
        stop(s)
        s.fail(new Error('the Python runner was disposed'))
      }
    },
  }
}

/**
 * What to copy into pyodide and what to delete there so that it holds exactly `files`: only what
 * changed (an installed `.venv` costs nothing on later runs).
 */
function diff(have: Map<string, { data: Uint8Array; mode: number }>, files: PythonFile[]): { writes: WireFile[]; removes: string[] } {
  const writes: WireFile[] = []
  const wanted = new Set<string>()
  for (const file of files) {
    wanted.add(file.path)
    const before = have.get(file.path)
    if (before && (before.mode & 0o7777) === (file.mode & 0o7777) && (before.data === file.data || bytesEqual(before.data, file.data))) {
      // The same bytes in a new array (the workspace was read again): remembered, so that later runs
      // see the same array and skip the file without comparing it byte by byte again.
      before.data = file.data
      continue
    }
    writes.push({ path: file.path, data: file.data, mode: file.mode })
  }
  const removes = [...have.keys()].filter((path) => !wanted.has(path))
  return { writes, removes }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Hands output to `io` in order, merging what arrives within one task into one call per stream run. */
function createOutputBatcher(io: PythonIO): { push(stream: 'stdout' | 'stderr', text: string): void; flush(): void } {
  const pending: Array<{ stream: 'stdout' | 'stderr'; text: string }> = []
  let scheduled = false
  const flush = () => {
    scheduled = false
    for (const chunk of pending.splice(0)) io[chunk.stream](chunk.text)
  }
  return {
    push(stream, text) {
      const last = pending.at(-1)
      if (last?.stream === stream) last.text += text
      else pending.push({ stream, text })
      if (!scheduled) {
        scheduled = true
        setTimeout(flush, 0)
      }
    },
    flush,
  }
}

function unreachable(x: never): never {
  throw new Error(`unexpected message ${JSON.stringify(x)}`)
}
