/**
 * @module Runs a WASI (preview 1) command over the sandbox's in-memory workspace with
 * `@bjorn3/browser_wasi_shim`: `/workspace` and the working directory are preopened, output
 * streams out as the program writes it, and file changes are written back when it ends.
 */
import { ConsoleStdout, Directory, File, OpenDirectory, OpenFile, PreopenDirectory, WASI, WASIProcExit, type Inode } from '@bjorn3/browser_wasi_shim'

/** The few synchronous file operations the WASI runner needs from the sandbox's in-memory file system. */
export interface WasiFs {
  /** Throws when nothing is there. */
  readFile(path: string): Uint8Array
  readdir(path: string): string[]
  /** null when nothing is there */
  kind(path: string): 'file' | 'dir' | null
  writeFile(path: string, data: Uint8Array): void
  /** The parent exists. */
  mkdir(path: string): void
  /** A file, or a folder with its contents. */
  remove(path: string): void
}

/** One WASI process to run. */
export interface WasiRun {
  /** argv[0] is the absolute path of the .wasm, e.g. /workspace/bin/hello.wasm; the program sees it as its name. */
  argv: string[]
  env: Record<string, string>
  /** e.g. /workspace/sub: what relative paths resolve against. Outside /workspace (or missing), /workspace is used. */
  cwd: string
  /** The whole of standard input; null for none. */
  stdin: string | null
}

const WORKSPACE = '/workspace'
/** Shell conventions: the file is not something we can execute / a crash (128 + SIGABRT). */
const NOT_EXECUTABLE = 126
const NOT_FOUND = 127
const TRAPPED = 134

/**
 * Runs `run.argv[0]` to completion on the calling thread and resolves to its exit code: the code
 * it passed to `proc_exit`, 0 when `_start` returns, 134 after a trap (reported on stderr as
 * `wasm trap: <message>`), 126 when the file is not a WASI command and 127 when it is missing.
 * stdout and stderr reach `io` while the program runs, decoded as UTF-8 across writes. Files the
 * program created, changed or deleted under /workspace are written back to `fs` once it ends,
 * trap or not; until then `fs` is only read, a folder at a time as the program looks into it.
 * Never rejects for the program's own faults.
 */
export async function runWasi(run: WasiRun, fs: WasiFs, io: { stdout(text: string): void; stderr(text: string): void }): Promise<number> {
  const program = run.argv[0] ?? ''
  if (fs.kind(program) !== 'file') {
    io.stderr(`${program}: no such file\n`)
    return NOT_FOUND
  }
  const bytes = fs.readFile(program)
  if (!(bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d)) {
    io.stderr(`${program}: not a WebAssembly binary\n`)
    return NOT_EXECUTABLE
  }
  let module: WebAssembly.Module
  try {
    // compile takes no SharedArrayBuffer views.
    module = await WebAssembly.compile(bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes))
  } catch (error) {
    io.stderr(`${program}: invalid WebAssembly: ${describe(error)}\n`)
    return NOT_EXECUTABLE
  }
  const exports = WebAssembly.Module.exports(module)
  if (!exports.some((e) => e.name === '_start' && e.kind === 'function')) {
    io.stderr(`${program}: not a WASI command (it exports no _start function)\n`)
    return NOT_EXECUTABLE
  }
  if (!exports.some((e) => e.name === 'memory' && e.kind === 'memory')) {
    io.stderr(`${program}: not a WASI command (it exports no memory)\n`)
    return NOT_EXECUTABLE
  }

  const root = createLazyDirectory(fs, WORKSPACE)
  const cwd = findDirectory(root, run.cwd)
  const stdout = createOutput(io.stdout)
  const stderr = createOutput(io.stderr)
  const args = run.argv
  const wasi = new WASI(
    args,
    Object.entries(run.env).map(([key, value]) => `${key}=${value}`),
    [
      new OpenFile(new File(new TextEncoder().encode(run.stdin ?? ''), { readonly: true })),
      stdout.fd,
      stderr.fd,
      // wasi-libc (C, Rust, Zig...) starts in "/" and sends a path to the preopen whose name, less
      // a leading "/" or "./", is the longest prefix of the path less its leading "/": "/workspace/x"
      // to the first, "x" and "../x" to the second. A relative "workspace/x" goes to the first too;
      // naming the second by the cwd's absolute path instead would send relative paths nowhere.
      preopen(WORKSPACE, root),
      new CwdPreopen(root, cwd?.dir ?? root, cwd?.relative ?? ''),
    ],
    // Left undefined, 0.4.2 logs every path it opens to the console.
    { debug: false },
  )
  // 0.4.2 sizes the arguments by UTF-16 length but copies UTF-8, overrunning the program's buffer.
  wasi.wasiImport.args_sizes_get = (countPtr: number, sizePtr: number) => {
    const view = new DataView(wasi.inst.exports.memory.buffer)
    view.setUint32(countPtr, args.length, true)
    view.setUint32(sizePtr, args.reduce((size, arg) => size + new TextEncoder().encode(arg).length + 1, 0), true)
    return 0
  }

  let code: number
  try {
    const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport })
    code = wasi.start(instance as unknown as Parameters<WASI['start']>[0])
  } catch (error) {
    if (error instanceof WASIProcExit) code = error.code
    else if (error instanceof WebAssembly.LinkError) {
      io.stderr(`${program}: cannot link: ${describe(error)} (only wasi_snapshot_preview1 imports are provided)\n`)
      return NOT_EXECUTABLE
    } else {
      // Traps, stack overflows, and the shim's own refusals (sockets, proc_raise) alike.
      stderr.flush()
      io.stderr(`wasm trap: ${describe(error)}\n`)
      code = TRAPPED
    }
  }
  stdout.flush()
  stderr.flush()
  writeBack(fs, root)
  return code
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** An fd that hands each write to `write` as text, holding back a UTF-8 sequence split across writes. */
function createOutput(write: (text: string) => void): { fd: ConsoleStdout; flush(): void } {
  const decoder = new TextDecoder()
  const emit = (text: string) => text && write(text)
  return {
    fd: new ConsoleStdout((bytes) => emit(decoder.decode(bytes, { stream: true }))),
    flush: () => emit(decoder.decode()),
  }
}

function preopen(name: string, dir: Directory): PreopenDirectory {
  // The shim wraps the entries it is given in a new Directory; share the tree's own instead, so
  // both preopens see one another's changes.
  const fd = new PreopenDirectory(name, new Map())
  fd.dir = dir
  return fd
}

/**
 * The working directory, preopened as ".". Paths are resolved from /workspace with the cwd in
 * front, so "../x" works as far up as /workspace (the shim refuses ".." above a preopen).
 */
class CwdPreopen extends PreopenDirectory {
  readonly #root: OpenDirectory
  readonly #prefix: string

  /** `relative`: the cwd's path under /workspace, without leading or trailing "/". */
  constructor(root: Directory, cwd: Directory, relative: string) {
    super('.', new Map())
    this.dir = cwd
    this.#root = new OpenDirectory(root)
    this.#prefix = relative ? `${relative}/` : ''
  }

  // Absolute paths are passed on untouched, for the shim to refuse.
  #path(path: string): string {
    return path.startsWith('/') ? path : this.#prefix + path
  }
  override path_create_directory(path: string) {
    return this.#root.path_create_directory(this.#path(path))
  }
  override path_filestat_get(flags: number, path: string) {
    return this.#root.path_filestat_get(flags, this.#path(path))
  }
  override path_filestat_set_times(flags: number, path: string, atim: bigint, mtim: bigint, fstFlags: number) {
    return this.#root.path_filestat_set_times(flags, this.#path(path), atim, mtim, fstFlags)
  }
  override path_link(path: string, inode: Inode, allowDir: boolean) {
    return this.#root.path_link(this.#path(path), inode, allowDir)
  }
  override path_unlink(path: string) {
    return this.#root.path_unlink(this.#path(path))
  }
  override path_lookup(path: string, dirflags: number) {
    return this.#root.path_lookup(this.#path(path), dirflags)
  }
  override path_open(dirflags: number, path: string, oflags: number, rightsBase: bigint, rightsInheriting: bigint, fdFlags: number) {
    return this.#root.path_open(dirflags, this.#path(path), oflags, rightsBase, rightsInheriting, fdFlags)
  }
  override path_readlink(path: string) {
    return this.#root.path_readlink(this.#path(path))
  }
  override path_remove_directory(path: string) {
    return this.#root.path_remove_directory(this.#path(path))
  }
  override path_unlink_file(path: string) {
    return this.#root.path_unlink_file(this.#path(path))
  }
}

/**
 * A directory's entries, read from the WasiFs the first time anything looks at them, so a run
 * only copies the directories its program visits. Every Map method the shim uses loads first.
 */
class LazyEntries extends Map<string, Inode> {
  /** What the WasiFs held here when loaded: each file's bytes, or 'dir'. */
  readonly before = new Map<string, Uint8Array | 'dir'>()
  #fs: WasiFs | null

  constructor(
    fs: WasiFs,
    readonly path: string,
  ) {
    super()
    this.#fs = fs
  }

  get loaded(): boolean {
    return this.#fs === null
  }

  #load(): void {
    const fs = this.#fs
    if (!fs) return
    this.#fs = null
    for (const name of fs.readdir(this.path)) {
      const path = `${this.path}/${name}`
      const kind = fs.kind(path)
      if (kind === 'dir') {
        this.before.set(name, 'dir')
        super.set(name, createLazyDirectory(fs, path))
      } else if (kind === 'file') {
        const data = fs.readFile(path)
        this.before.set(name, data)
        // File copies the bytes, and the shim writes into its copy in place: `before` stays intact.
        super.set(name, new File(data))
      }
    }
  }

  override get size(): number {
    this.#load()
    return super.size
  }
  override get(key: string): Inode | undefined {
    this.#load()
    return super.get(key)
  }
  override has(key: string): boolean {
    this.#load()
    return super.has(key)
  }
  override set(key: string, value: Inode): this {
    this.#load()
    return super.set(key, value)
  }
  override delete(key: string): boolean {
    this.#load()
    return super.delete(key)
  }
  override clear(): void {
    this.#load()
    super.clear()
  }
  override forEach(fn: (value: Inode, key: string, map: Map<string, Inode>) => void, thisArg?: unknown): void {
    this.#load()
    super.forEach(fn, thisArg)
  }
  override entries(): MapIterator<[string, Inode]> {
    this.#load()
    return super.entries()
  }
  override keys(): MapIterator<string> {
    this.#load()
    return super.keys()
  }
  override values(): MapIterator<Inode> {
    this.#load()
    return super.values()
  }
  override [Symbol.iterator](): MapIterator<[string, Inode]> {
    return this.entries()
  }
}

function createLazyDirectory(fs: WasiFs, path: string): Directory {
  // Entries are set after construction: Directory's constructor walks them (to set parents).
  // Those parents only give ".." its inode number in readdir, which nothing here relies on.
  const dir = new Directory(new Map())
  dir.contents = new LazyEntries(fs, path)
  return dir
}

/** The directory at absolute `path` in the tree rooted at /workspace, with its path relative to it; or null. */
function findDirectory(root: Directory, path: string): { dir: Directory; relative: string } | null {
  if (path !== WORKSPACE && !path.startsWith(`${WORKSPACE}/`)) return null
  const parts = path.slice(WORKSPACE.length).split('/').filter((part) => part !== '' && part !== '.')
  let dir = root
  for (const part of parts) {
    const next = dir.contents.get(part)
    if (!(next instanceof Directory)) return null
    dir = next
  }
  return { dir, relative: parts.join('/') }
}

type Change = { type: 'write'; path: string; data: Uint8Array } | { type: 'mkdir' | 'remove'; path: string }

/** Makes `fs` match the tree: every change is worked out first, while `fs` still holds what unloaded entries need. */
function writeBack(fs: WasiFs, root: Directory): void {
  const changes: Change[] = []
  diff(WORKSPACE, root, true, changes)
  for (const change of changes) {
    switch (change.type) {
      case 'write':
        fs.writeFile(change.path, change.data)
        break
      case 'mkdir':
        fs.mkdir(change.path)
        break
      case 'remove':
        fs.remove(change.path)
        break
      default:
        unreachable(change)
    }
  }
}

/**
 * Adds the changes that make `path` in the WasiFs match `dir`. `original`: `dir` is the one
 * loaded from `path` and `path` was not recreated, so its `before` is what the WasiFs holds there;
 * otherwise the WasiFs has an empty directory there by the time these changes apply.
 */
function diff(path: string, dir: Directory, original: boolean, changes: Change[]): void {
  const entries = dir.contents
  const lazy = entries instanceof LazyEntries ? entries : null
  original &&= lazy?.path === path
  // Never looked into, so unchanged.
  if (original && lazy && !lazy.loaded) return
  const before = original && lazy ? lazy.before : new Map<string, Uint8Array | 'dir'>()
  for (const [name, inode] of entries) {
    const child = `${path}/${name}`
    const was = before.get(name)
    if (inode instanceof Directory) {
      const same = was === 'dir' && inode.contents instanceof LazyEntries && inode.contents.path === child
      if (!same) {
        if (was !== undefined) changes.push({ type: 'remove', path: child })
        changes.push({ type: 'mkdir', path: child })
      }
      diff(child, inode, same, changes)
    } else if (inode instanceof File) {
      if (was instanceof Uint8Array && equalBytes(was, inode.data)) continue
      if (was === 'dir') changes.push({ type: 'remove', path: child })
      changes.push({ type: 'write', path: child, data: inode.data })
    }
  }
  for (const name of before.keys()) if (!entries.has(name)) changes.push({ type: 'remove', path: `${path}/${name}` })
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function unreachable(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`)
}
