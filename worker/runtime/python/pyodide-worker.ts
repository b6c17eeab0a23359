/**
 * @module The pyodide worker: a module Worker, started by a PythonRunner, that loads pyodide once
 * from our own origin (`indexURL`, never a CDN), keeps it between runs, mirrors the workspace in
 * its /workspace, runs one program at a time and reports what the program changed there.
 */
import type { PyodideAPI } from 'pyodide'
import { DRIVER_FILENAME, DRIVER_SOURCE } from './driver-source'
import type { TestCaseReport } from '../../../shared/runtime'
import type { FromPyodide, ToPyodide, WireChange, WireFile } from './protocol'

declare const self: DedicatedWorkerGlobalScope

const WORKSPACE = '/workspace'

interface Snapshot {
  data: Uint8Array
  mode: number
  mtime: number
  size: number
}

let pyodide: PyodideAPI | null = null
let interrupt: Uint8Array | null = null
/** What /workspace held after the last sync or run, to tell what a program changed. */
const snapshot = new Map<string, Snapshot>()

function post(message: FromPyodide, transfer: Transferable[] = []): void {
  self.postMessage(message, transfer)
}

self.onmessage = (event: MessageEvent<ToPyodide>) => {
  const message = event.data
  switch (message.type) {
    case 'load':
      void load(message.indexURL, message.interrupt)
      return
    case 'run':
      run(message)
      return
    default:
      unreachable(message)
  }
}

function unreachable(x: never): never {
  throw new Error(`unexpected message ${JSON.stringify(x)}`)
}

async function load(indexURL: string, buffer: SharedArrayBuffer | null): Promise<void> {
  const t0 = performance.now()
  try {
    const total = 3
    post({ type: 'progress', phase: 'import', loaded: 0, total })
    const base = new URL(indexURL, self.location.href).href
    const { loadPyodide } = (await import(/* @vite-ignore */ new URL('pyodide.mjs', base).href)) as typeof import('pyodide')
    post({ type: 'progress', phase: 'boot', loaded: 1, total })
    const py = await loadPyodide({ indexURL: base, env: { HOME: '/home/pyodide', PYTHONDONTWRITEBYTECODE: '1' } })
    post({ type: 'progress', phase: 'driver', loaded: 2, total })
    const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() }
    for (const stream of ['stdout', 'stderr'] as const) {
      const write = (buffer: Uint8Array) => {
        const text = decoders[stream].decode(buffer, { stream: true })
        if (text) post({ type: 'output', stream, text })
        return buffer.length
      }
      if (stream === 'stdout') py.setStdout({ write, isatty: false })
      else py.setStderr({ write, isatty: false })
    }
    // sys.stdin is replaced for every run; the process's fd 0 is at end of file.
    py.setStdin({ stdin: () => null })
    if (buffer) {
      interrupt = new Uint8Array(buffer)
      py.setInterruptBuffer(interrupt)
    }
    py.FS.mkdirTree(WORKSPACE)
    py.runPython(`
import sys, types
sys.dont_write_bytecode = True
_m = types.ModuleType('_coder_driver')
_m.__file__ = ${JSON.stringify(DRIVER_FILENAME)}
sys.modules['_coder_driver'] = _m
exec(compile(${JSON.stringify(DRIVER_SOURCE)}, ${JSON.stringify(DRIVER_FILENAME)}, 'exec'), _m.__dict__)
del _m
`)
    pyodide = py
    post({ type: 'progress', phase: 'ready', loaded: total, total })
    post({ type: 'loaded', loadMs: performance.now() - t0 })
  } catch (error) {
    post({ type: 'load-failed', message: error instanceof Error ? error.stack ?? error.message : String(error) })
  }
}

function dirname(path: string): string {
  return path.slice(0, path.lastIndexOf('/')) || '/'
}

function sync(py: PyodideAPI, writes: WireFile[], removes: string[]): void {
  const FS = py.FS
  for (const path of removes) {
    try {
      FS.unlink(path)
    } catch {
      // Already gone (the program removed it, or it was a directory): nothing to mirror.
    }
    snapshot.delete(path)
    // Folders left empty go too: the workspace only lists files, so they are gone there.
    for (let dir = dirname(path); dir.startsWith(`${WORKSPACE}/`); dir = dirname(dir)) {
      try {
        if (FS.readdir(dir).length > 2) break
        FS.rmdir(dir)
      } catch {
        break
      }
    }
  }
  for (const file of writes) {
    FS.mkdirTree(dirname(file.path))
    FS.writeFile(file.path, file.data)
    FS.chmod(file.path, file.mode & 0o7777)
    const st = FS.stat(file.path)
    snapshot.set(file.path, { data: file.data, mode: file.mode, mtime: Number(st.mtime), size: file.data.length })
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Compares /workspace with the snapshot, updates it and returns the differences. */
function collectChanges(py: PyodideAPI, since: number): { changes: WireChange[]; transfer: ArrayBuffer[] } {
  const FS = py.FS
  const changes: WireChange[] = []
  const transfer: ArrayBuffer[] = []
  const seen = new Set<string>()
  const walk = (dir: string) => {
    let names: string[]
    try {
      names = FS.readdir(dir)
    } catch {
      return
    }
    for (const name of names) {
      if (name === '.' || name === '..' || name === '__pycache__') continue
      const path = `${dir}/${name}`
      const st = FS.lstat(path)
      if (FS.isDir(st.mode)) {
        walk(path)
        continue
      }
      if (!FS.isFile(st.mode)) continue
      seen.add(path)
      const mode = 0o100000 | (st.mode & 0o7777)
      const mtime = Number(st.mtime)
      const before = snapshot.get(path)
      // A file whose size and mtime are as we left them, and which was not touched in the ms the run
      // started (mtime has ms resolution), is unchanged without reading it.
      if (before && before.size === st.size && before.mtime === mtime && mtime < since && (before.mode & 0o7777) === (mode & 0o7777)) continue
      const data = FS.readFile(path) as Uint8Array
      if (before && (before.mode & 0o7777) === (mode & 0o7777) && bytesEqual(before.data, data)) {
        before.mtime = mtime
        continue
      }
      snapshot.set(path, { data, mode, mtime, size: data.length })
      const copy = data.slice()
      changes.push({ type: 'write', path, data: copy, mode })
      transfer.push(copy.buffer)
    }
  }
  walk(WORKSPACE)
  for (const path of [...snapshot.keys()]) {
    if (!seen.has(path)) {
      snapshot.delete(path)
      changes.push({ type: 'remove', path })
    }
  }
  return { changes, transfer }
}

function run(message: Extract<ToPyodide, { type: 'run' }>): void {
  const py = pyodide
  if (!py) {
    post({ type: 'fatal', message: 'pyodide is not loaded' })
    return
  }
  const since = Date.now()
  sync(py, message.writes, message.removes)
  if (interrupt) interrupt[0] = 0
  let code = 1
  let tests: TestCaseReport[] | null = null
  const driver = py.pyimport('_coder_driver')
  const argv = py.toPy(message.argv)
  const env = py.toPy(message.env)
  try {
    const out = JSON.parse(driver.run(argv, message.cwd, env, message.stdin) as string) as {
      code: number
      tests: TestCaseReport[] | null
    }
    code = out.code
    tests = out.tests
  } catch (error) {
    // The driver itself was interrupted (Ctrl-C after the program's end) or failed.
    const text = error instanceof Error ? error.message : String(error)
    if (/KeyboardInterrupt/.test(text)) code = 130
    else post({ type: 'output', stream: 'stderr', text: `${text}\n` })
    if (interrupt) interrupt[0] = 0
    if (!usable(py)) {
      post({ type: 'fatal', message: text })
      return
    }
  } finally {
    for (const proxy of [driver, argv, env]) {
      try {
        proxy.destroy()
      } catch {
        // After a fatal error the proxies cannot be freed; the worker is about to go anyway.
      }
    }
  }
  if (interrupt) interrupt[0] = 0
  const { changes, transfer } = collectChanges(py, since)
  post({ type: 'done', code, tests, changes }, transfer)
}

/** False after a fatal error, when pyodide can run nothing more. */
function usable(py: PyodideAPI): boolean {
  try {
    py.runPython('1')
    return true
  } catch {
    return false
  }
}
