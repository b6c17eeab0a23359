import { Buffer } from 'buffer'
import { createCodedError, createSystemError, invalidArgType, type SystemError } from './errors'
import type { MemFs } from './memfs'
import { createPathModule } from './path'
import { Dirent, Stats } from './stats'
import { Readable, Writable } from './stream'
import { fileURLToPath } from './url'

/** What the `fs` module needs besides the tree: the working directory and the standard streams. */
export interface FsModuleOptions {
  /** The process's working directory, for relative paths (default `/workspace`). */
  cwd?(): string
  /** Receives writes to fd 1 and 2. */
  writeStdio?(fd: 1 | 2, data: Uint8Array): void
  /** The whole of stdin, for reads of fd 0 and `/dev/stdin`. */
  readStdin?(): Uint8Array
}

type PathLike = string | Uint8Array | URL
type Encoding = 'utf8' | 'utf-8' | 'hex' | 'base64' | 'base64url' | 'latin1' | 'binary' | 'ascii' | 'ucs2' | 'ucs-2' | 'utf16le' | 'utf-16le'
type Callback = (error: Error | null, ...values: any[]) => void

/** Node's `fs.constants` (Linux values). */
export const constants = {
  F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1,
  O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, O_CREAT: 64, O_EXCL: 128, O_NOCTTY: 256, O_TRUNC: 512, O_APPEND: 1024, O_DIRECTORY: 65536, O_NOFOLLOW: 131072, O_SYNC: 1052672, O_DSYNC: 4096, O_NONBLOCK: 2048,
  S_IFMT: 0o170000, S_IFREG: 0o100000, S_IFDIR: 0o040000, S_IFLNK: 0o120000, S_IFCHR: 0o020000, S_IFBLK: 0o060000, S_IFIFO: 0o010000, S_IFSOCK: 0o140000,
  S_IRWXU: 448, S_IRUSR: 256, S_IWUSR: 128, S_IXUSR: 64, S_IRWXG: 56, S_IRGRP: 32, S_IWGRP: 16, S_IXGRP: 8, S_IRWXO: 7, S_IROTH: 4, S_IWOTH: 2, S_IXOTH: 1,
  COPYFILE_EXCL: 1, COPYFILE_FICLONE: 2, COPYFILE_FICLONE_FORCE: 4, UV_FS_COPYFILE_EXCL: 1, UV_FS_COPYFILE_FICLONE: 2, UV_FS_COPYFILE_FICLONE_FORCE: 4,
}

interface OpenFlags {
  read: boolean
  write: boolean
  create: boolean
  truncate: boolean
  exclusive: boolean
  append: boolean
}

function parseFlags(flags: string | number = 'r'): OpenFlags {
  if (typeof flags === 'number') {
    const access = flags & 3
    return { read: access !== 1, write: access !== 0, create: !!(flags & 64), exclusive: !!(flags & 128), truncate: !!(flags & 512), append: !!(flags & 1024) }
  }
  const table: Record<string, OpenFlags> = {
    r: { read: true, write: false, create: false, truncate: false, exclusive: false, append: false },
    'r+': { read: true, write: true, create: false, truncate: false, exclusive: false, append: false },
    w: { read: false, write: true, create: true, truncate: true, exclusive: false, append: false },
    'w+': { read: true, write: true, create: true, truncate: true, exclusive: false, append: false },
    a: { read: false, write: true, create: true, truncate: false, exclusive: false, append: true },
    'a+': { read: true, write: true, create: true, truncate: false, exclusive: false, append: true },
  }
  const base = flags.replace(/[xs]/g, '').replace('rs', 'r')
  const parsed = table[base]
  if (!parsed) throw createCodedError('ERR_INVALID_ARG_VALUE', `The argument 'flags' is invalid. Received '${flags}'`, TypeError)
  return { ...parsed, exclusive: flags.includes('x') }
}

interface OpenFile {
  path: string
  shown: string
  flags: OpenFlags
  position: number
}

const ENCODINGS = new Set(['utf8', 'utf-8', 'hex', 'base64', 'base64url', 'latin1', 'binary', 'ascii', 'ucs2', 'ucs-2', 'utf16le', 'utf-16le', 'buffer'])

function encodingOf(options: unknown): Encoding | 'buffer' | undefined {
  const encoding = typeof options === 'string' ? options : (options as { encoding?: string } | null | undefined)?.encoding ?? undefined
  if (encoding == null) return undefined
  if (!ENCODINGS.has(String(encoding).toLowerCase())) throw createCodedError('ERR_INVALID_ARG_VALUE', `The argument 'encoding' is invalid encoding. Received '${encoding}'`, TypeError)
  return encoding.toLowerCase() as Encoding
}

function toBytes(data: unknown, encoding?: string): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, (encoding ?? 'utf8') as Encoding)
  // Copied: the tree keeps the bytes, and the caller may reuse its buffer.
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice()
  throw invalidArgType('data', 'of type string or an instance of Buffer, TypedArray, or DataView', data)
}

const decode = (bytes: Uint8Array, encoding: Encoding | 'buffer' | undefined) => {
  const buffer = Buffer.from(bytes)
  return encoding && encoding !== 'buffer' ? buffer.toString(encoding) : buffer
}

/**
 * Creates Node's `fs` module over a MemFs: the sync functions, their callback forms (called back
 * on a microtask), `fs.promises`, streams and the fd table. Errors carry the path as the caller
 * wrote it, as Node's do. `watch`/`watchFile` throw ERR_FEATURE_UNAVAILABLE.
 */
export function createFsModule(memfs: MemFs, options: FsModuleOptions = {}) {
  const path = createPathModule(() => options.cwd?.() ?? '/workspace')
  const files = new Map<number, OpenFile>()
  let nextFd = 3

  function toPath(p: unknown, name = 'path'): string {
    if (typeof p === 'string') {
      if (p.includes('\u0000')) throw createCodedError('ERR_INVALID_ARG_VALUE', `The argument '${name}' must be a string, Uint8Array, or URL without null bytes. Received ${JSON.stringify(p)}`, TypeError)
      return p
    }
    if (p instanceof URL) return fileURLToPath(p)
    if (p instanceof Uint8Array) return Buffer.from(p).toString()
    throw invalidArgType(name, 'of type string or an instance of Buffer or URL', p)
  }
  const resolve = (p: string) => {
    const abs = path.resolve(p)
    return p.length > 1 && p.endsWith('/') && abs !== '/' ? `${abs}/` : abs
  }

  /** Runs a MemFs call on absolute paths, reporting errors with the caller's paths. */
  function run<T>(fn: (abs: string, absDest: string) => T, shown: string, shownDest?: string): T {
    const abs = resolve(shown)
    const absDest = shownDest === undefined ? '' : resolve(shownDest)
    try {
      return fn(abs, absDest)
    } catch (error) {
      throw relabel(error, abs, shown, absDest, shownDest)
    }
  }
  function relabel(error: unknown, abs: string, shown: string, absDest?: string, shownDest?: string): unknown {
    const e = error as SystemError
    if (!e || typeof e.syscall !== 'string') return error
    const p = e.path === abs || e.path === abs.replace(/\/$/, '') ? shown : e.path
    const d = e.dest !== undefined && (e.dest === absDest || e.dest === absDest?.replace(/\/$/, '')) ? shownDest : e.dest
    if (e.code === 'ERR_FS_EISDIR') {
      e.message = e.message.replace(e.path!, p!)
      e.path = p
      return e
    }
    const relabelled = createSystemError(e.code, e.syscall, p, d)
    return relabelled
  }
  function fdEntry(fd: number, syscall: string): OpenFile {
    if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) throw invalidArgType('fd', 'of type number', fd)
    const entry = files.get(fd)
    if (!entry) throw createSystemError('EBADF', syscall)
    return entry
  }
  const stdin = () => options.readStdin?.() ?? new Uint8Array(0)

  function readFileSync(file: PathLike | number, opts?: unknown) {
    const encoding = encodingOf(opts)
    if (typeof file === 'number') {
      if (file === 0) return decode(stdin(), encoding)
      const entry = fdEntry(file, 'read')
      const data = memfs.readFile(entry.path)
      const out = data.subarray(entry.position)
      entry.position = data.length
      return decode(out, encoding)
    }
    const p = toPath(file)
    if (resolve(p) === '/dev/stdin') return decode(stdin(), encoding)
    if (resolve(p) === '/dev/null') return decode(new Uint8Array(0), encoding)
    const flag = (opts as { flag?: string } | undefined)?.flag
    if (flag && flag !== 'r') closeSync(openSync(p, flag))
    return decode(run((abs) => memfs.readFile(abs), p), encoding)
  }

  function writeFileSync(file: PathLike | number, data: unknown, opts?: unknown): void {
    const o = (typeof opts === 'string' ? { encoding: opts } : (opts ?? {})) as { encoding?: string; mode?: number; flag?: string }
    const bytes = toBytes(data, encodingOf(o) === 'buffer' ? undefined : encodingOf(o))
    if (typeof file === 'number') {
      writeSync(file, bytes)
      return
    }
    const p = toPath(file)
    const flags = parseFlags(o.flag ?? 'w')
    const abs = resolve(p)
    if (abs === '/dev/stdout' || abs === '/dev/stderr') return options.writeStdio?.(abs === '/dev/stdout' ? 1 : 2, bytes)
    if (abs === '/dev/null') return
    if (flags.exclusive && memfs.exists(abs)) throw createSystemError('EEXIST', 'open', p)
    run((a) => (flags.append ? memfs.appendFile(a, bytes, { mode: o.mode }) : memfs.writeFile(a, bytes, { mode: o.mode })), p)
  }

  function appendFileSync(file: PathLike | number, data: unknown, opts?: unknown): void {
    const o = (typeof opts === 'string' ? { encoding: opts } : (opts ?? {})) as { encoding?: string; mode?: number; flag?: string }
    writeFileSync(file, data, { ...o, flag: o.flag ?? 'a' })
  }

  function statSync(p: PathLike, opts?: { throwIfNoEntry?: boolean; bigint?: boolean }): Stats | undefined {
    try {
      return run((abs) => memfs.stat(abs), toPath(p))
    } catch (error) {
      if (opts?.throwIfNoEntry === false && (error as SystemError).code === 'ENOENT') return undefined
      throw error
    }
  }
  function lstatSync(p: PathLike, opts?: { throwIfNoEntry?: boolean }): Stats | undefined {
    try {
      return run((abs) => memfs.lstat(abs), toPath(p))
    } catch (error) {
      if (opts?.throwIfNoEntry === false && (error as SystemError).code === 'ENOENT') return undefined
      throw error
    }
  }

  function readdirSync(p: PathLike, opts?: unknown): Array<string | Buffer | Dirent> {
    const shown = toPath(p)
    const o = (typeof opts === 'string' ? { encoding: opts } : (opts ?? {})) as { encoding?: string; withFileTypes?: boolean; recursive?: boolean }
    const encoding = encodingOf(o)
    const root = resolve(shown).replace(/\/$/, '') || '/'
    const out: Array<string | Buffer | Dirent> = []
    const queue: string[] = ['']
    while (queue.length > 0) {
      const rel = queue.shift()!
      const dir = rel ? path.join(root, rel) : root
      const names = rel ? memfs.readdir(dir) : run((abs) => memfs.readdir(abs), shown)
      for (const name of names) {
        const childRel = rel ? `${rel}/${name}` : name
        const mode = memfs.lstat(path.join(dir, name)).mode
        if (o.withFileTypes) out.push(new Dirent(name, rel ? path.join(shown, rel) : shown, mode))
        else out.push(encoding === 'buffer' ? Buffer.from(childRel) : childRel)
        if (o.recursive && (mode & 0o170000) === 0o040000) queue.push(childRel)
      }
    }
    return out
  }

  function mkdirSync(p: PathLike, opts?: number | { recursive?: boolean; mode?: number }): string | undefined {
    const o = typeof opts === 'number' ? { mode: opts } : (opts ?? {})
    return run((abs) => memfs.mkdir(abs.replace(/(.)\/$/, '$1'), o), toPath(p))
  }

  function rmSync(p: PathLike, opts: { recursive?: boolean; force?: boolean } = {}): void {
    run((abs) => memfs.rm(abs, opts), toPath(p))
  }
  function rmdirSync(p: PathLike, opts: { recursive?: boolean } = {}): void {
    if (opts.recursive) return rmSync(p, { recursive: true, force: true })
    run((abs) => memfs.rmdir(abs), toPath(p))
  }

  function cpSync(src: PathLike, dest: PathLike, opts: { recursive?: boolean; force?: boolean; errorOnExist?: boolean; filter?(s: string, d: string): boolean; dereference?: boolean } = {}): void {
    const s = toPath(src, 'src')
    const d = toPath(dest, 'dest')
    const from = resolve(s)
    const to = resolve(d)
    const copy = (a: string, b: string) => {
      if (opts.filter && !opts.filter(a, b)) return
      const st = run((x) => (opts.dereference ? memfs.stat(x) : memfs.lstat(x)), a)
      if (st.isDirectory()) {
        if (!opts.recursive) throw createCodedError('ERR_FS_EISDIR', `Recursive option not enabled, cannot copy a directory: ${s.endsWith('/') ? s : `${s}/`}`)
        if (!memfs.exists(b)) memfs.mkdir(b, { recursive: true })
        for (const name of memfs.readdir(a)) copy(path.join(a, name), path.join(b, name))
      } else if (st.isSymbolicLink()) {
        if (memfs.exists(b) || isLink(b)) {
          if (opts.force === false) return
          memfs.unlink(b)
        }
        memfs.symlink(memfs.readlink(a), b)
      } else {
        if (memfs.exists(b)) {
          if (opts.errorOnExist && opts.force === false) throw createSystemError('EEXIST', 'cp', b)
          if (opts.force === false) return
        }
        memfs.copyFile(a, b)
      }
    }
    const isLink = (x: string) => {
      try {
        return memfs.lstat(x).isSymbolicLink()
      } catch {
        return false
      }
    }
    copy(from, to)
  }

  function mkdtempSync(prefix: string, opts?: unknown): string {
    if (typeof prefix !== 'string') throw invalidArgType('prefix', 'of type string', prefix)
    const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
    for (;;) {
      const random = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => chars[b % chars.length]).join('')
      const p = `${prefix}${random}`
      if (memfs.exists(resolve(p))) continue
      try {
        memfs.mkdir(resolve(p), { mode: 0o700 })
      } catch (error) {
        throw createSystemError((error as SystemError).code, 'mkdtemp', `${prefix}XXXXXX`)
      }
      return encodingOf(opts) === 'buffer' ? (Buffer.from(p) as unknown as string) : p
    }
  }

  function openSync(file: PathLike, flags: string | number = 'r', mode?: number): number {
    const shown = toPath(file)
    const f = parseFlags(flags)
    const abs = resolve(shown)
    run((a) => {
      const exists = memfs.exists(a)
      if (exists && f.create && f.exclusive) throw createSystemError('EEXIST', 'open', a)
      if (exists) {
        const st = memfs.stat(a)
        if (st.isDirectory() && f.write) throw createSystemError('EISDIR', 'open', a)
        if (f.truncate) memfs.writeFile(a, new Uint8Array(0))
      } else if (f.create) {
        memfs.writeFile(a, new Uint8Array(0), { mode })
      } else {
        try {
          memfs.stat(a)
        } catch (error) {
          throw createSystemError((error as SystemError).code, 'open', a)
        }
      }
    }, shown)
    const fd = nextFd++
    files.set(fd, { path: memfs.realpath(abs), shown, flags: f, position: 0 })
    return fd
  }

  function closeSync(fd: number): void {
    fdEntry(fd, 'close')
    files.delete(fd)
  }

  function readSync(fd: number, buffer: Uint8Array, offsetOrOptions?: number | { offset?: number; length?: number; position?: number | bigint | null }, length?: number, position?: number | bigint | null): number {
    let offset = 0
    if (typeof offsetOrOptions === 'object' && offsetOrOptions !== null) {
      ;({ offset = 0, length, position } = offsetOrOptions)
    } else offset = offsetOrOptions ?? 0
    length ??= buffer.byteLength - offset
    if (fd === 0) {
      const data = stdin()
      const entry = files.get(0) ?? { path: '', shown: '', flags: parseFlags('r'), position: 0 }
      files.set(0, entry)
      const n = Math.max(0, Math.min(length, data.length - entry.position))
      buffer.set(data.subarray(entry.position, entry.position + n), offset)
      entry.position += n
      return n
    }
    const entry = fdEntry(fd, 'read')
    if (!entry.flags.read) throw createSystemError('EBADF', 'read')
    let data: Uint8Array
    try {
      data = memfs.readFile(entry.path)
    } catch (error) {
      throw createSystemError((error as SystemError).code, 'read')
    }
    const pos = position == null || position === -1 ? entry.position : Number(position)
    const n = Math.max(0, Math.min(length, data.length - pos))
    buffer.set(data.subarray(pos, pos + n), offset)
    if (position == null || position === -1) entry.position += n
    return n
  }

  function writeSync(fd: number, data: unknown, a?: unknown, b?: unknown, c?: unknown): number {
    let bytes: Uint8Array
    let position: number | null | undefined
    if (typeof data === 'string') {
      bytes = Buffer.from(data, ((typeof b === 'string' ? b : undefined) ?? 'utf8') as Encoding)
      position = a as number | null | undefined
    } else {
      const all = toBytes(data)
      if (typeof a === 'object' && a !== null) {
        const o = a as { offset?: number; length?: number; position?: number | null }
        bytes = all.subarray(o.offset ?? 0, (o.offset ?? 0) + (o.length ?? all.length - (o.offset ?? 0)))
        position = o.position
      } else {
        const offset = (a as number | undefined) ?? 0
        bytes = all.subarray(offset, offset + ((b as number | undefined) ?? all.length - offset))
        position = c as number | null | undefined
      }
    }
    if (fd === 1 || fd === 2) {
      options.writeStdio?.(fd, bytes)
      return bytes.length
    }
    const entry = fdEntry(fd, 'write')
    if (!entry.flags.write) throw createSystemError('EBADF', 'write')
    const old = memfs.readFile(entry.path)
    const pos = entry.flags.append ? old.length : typeof position === 'number' && position >= 0 ? position : entry.position
    const next = new Uint8Array(Math.max(old.length, pos + bytes.length))
    next.set(old)
    next.set(bytes, pos)
    memfs.writeFile(entry.path, next)
    if (!(typeof position === 'number' && position >= 0) || entry.flags.append) entry.position = pos + bytes.length
    return bytes.length
  }

  function fstatSync(fd: number): Stats {
    if (fd >= 0 && fd <= 2 && !files.has(fd)) return new Stats({ mode: 0o020620, nlink: 1, blksize: 1024, uid: 1000, gid: 1000 })
    return memfs.stat(fdEntry(fd, 'fstat').path)
  }

  function accessSync(p: PathLike, _mode?: number): void {
    run((abs) => memfs.access(abs), toPath(p))
  }
  function existsSync(p: unknown): boolean {
    try {
      return memfs.exists(resolve(toPath(p)))
    } catch {
      return false
    }
  }
  function toMs(time: unknown): number {
    if (time instanceof Date) return time.getTime()
    if (typeof time === 'number') return time * 1000
    if (typeof time === 'string' && time !== '' && Number.isFinite(Number(time))) return Number(time) * 1000
    throw invalidArgType('time', 'of type number or an instance of Date', time)
  }
  function realpathSync(p: PathLike, opts?: unknown): string {
    const shown = toPath(p)
    const real = memfs.realpath(resolve(shown).replace(/(.)\/$/, '$1'))
    return encodingOf(opts) === 'buffer' ? (Buffer.from(real) as unknown as string) : real
  }
  realpathSync.native = realpathSync

  const unsupported = (name: string) => (..._args: unknown[]): never => {
    throw createCodedError('ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', `fs.${name} is not supported in the embedded runtime: the sandbox works on a snapshot of the files and sees no outside changes.`, Error)
  }

  const sync = {
    readFileSync,
    writeFileSync,
    appendFileSync,
    existsSync,
    statSync,
    lstatSync,
    readdirSync,
    mkdirSync,
    rmSync,
    rmdirSync,
    unlinkSync: (p: PathLike) => run((abs) => memfs.unlink(abs), toPath(p)),
    renameSync: (from: PathLike, to: PathLike) => run((a, b) => memfs.rename(a, b), toPath(from, 'oldPath'), toPath(to, 'newPath')),
    copyFileSync: (src: PathLike, dest: PathLike, mode = 0) => run((a, b) => memfs.copyFile(a, b, (mode & 1) === 1), toPath(src, 'src'), toPath(dest, 'dest')),
    cpSync,
    symlinkSync: (target: PathLike, p: PathLike) => {
      const t = toPath(target, 'target')
      const shown = toPath(p)
      const abs = resolve(shown)
      try {
        memfs.symlink(t, abs)
      } catch (error) {
        const e = error as SystemError
        throw e.syscall ? createSystemError(e.code, 'symlink', t, shown) : e
      }
    },
    linkSync: (existing: PathLike, newPath: PathLike) => run((a, b) => memfs.copyFile(a, b, true), toPath(existing, 'existingPath'), toPath(newPath, 'newPath')),
    readlinkSync: (p: PathLike, opts?: unknown) => {
      const target = run((abs) => memfs.readlink(abs), toPath(p))
      return encodingOf(opts) === 'buffer' ? Buffer.from(target) : target
    },
    realpathSync,
    accessSync,
    mkdtempSync,
    truncateSync: (p: PathLike | number, len = 0) => (typeof p === 'number' ? memfs.truncate(fdEntry(p, 'ftruncate').path, len) : run((abs) => memfs.truncate(abs, len), toPath(p))),
    ftruncateSync: (fd: number, len = 0) => memfs.truncate(fdEntry(fd, 'ftruncate').path, len),
    chmodSync: (p: PathLike, mode: number | string) => run((abs) => memfs.chmod(abs, typeof mode === 'string' ? parseInt(mode, 8) : mode), toPath(p)),
    fchmodSync: (fd: number, mode: number) => memfs.chmod(fdEntry(fd, 'fchmod').path, mode),
    lchmodSync: (p: PathLike, mode: number) => run((abs) => memfs.chmod(abs, mode), toPath(p)),
    chownSync: (p: PathLike) => void run((abs) => memfs.stat(abs), toPath(p)),
    fchownSync: (fd: number) => void fdEntry(fd, 'fchown'),
    lchownSync: (p: PathLike) => void run((abs) => memfs.lstat(abs), toPath(p)),
    utimesSync: (p: PathLike, atime: unknown, mtime: unknown) => run((abs) => memfs.utimes(abs, toMs(atime), toMs(mtime)), toPath(p)),
    lutimesSync: (p: PathLike, atime: unknown, mtime: unknown) => run((abs) => memfs.utimes(abs, toMs(atime), toMs(mtime)), toPath(p)),
    futimesSync: (fd: number, atime: unknown, mtime: unknown) => memfs.utimes(fdEntry(fd, 'futime').path, toMs(atime), toMs(mtime)),
    openSync,
    closeSync,
    readSync,
    writeSync,
    fstatSync,
    fsyncSync: (fd: number) => void fdEntry(fd, 'fsync'),
    fdatasyncSync: (fd: number) => void fdEntry(fd, 'fdatasync'),
    opendirSync: (p: PathLike) => createDir(toPath(p)),
  }

  function createDir(shown: string) {
    const entries = readdirSync(shown, { withFileTypes: true }) as Dirent[]
    let closed = false
    const dir = {
      path: shown,
      readSync: () => (closed ? null : (entries.shift() ?? null)),
      read: (cb?: Callback) => {
        const value = dir.readSync()
        if (cb) queueMicrotask(() => cb(null, value))
        else return Promise.resolve(value)
      },
      closeSync: () => void (closed = true),
      close: (cb?: Callback) => {
        closed = true
        if (cb) queueMicrotask(() => cb(null))
        else return Promise.resolve()
      },
      async *[Symbol.asyncIterator]() {
        let entry
        while ((entry = dir.readSync())) yield entry
        closed = true
      },
      *[Symbol.iterator]() {
        let entry
        while ((entry = dir.readSync())) yield entry
        closed = true
      },
    }
    return dir
  }

  // Callback forms: same arguments plus a callback, called on a microtask.
  const callbacks: Record<string, any> = {}
  for (const [name, fn] of Object.entries(sync)) {
    const short = name.replace(/Sync$/, '')
    if (short === 'exists') continue
    callbacks[short] = (...args: unknown[]) => {
      const cb = args.pop()
      if (typeof cb !== 'function') throw invalidArgType('cb', 'of type function', cb)
      let result: unknown
      try {
        result = (fn as Function)(...args)
      } catch (error) {
        queueMicrotask(() => cb(error))
        return
      }
      queueMicrotask(() => cb(null, result))
    }
  }
  callbacks.exists = (p: unknown, cb: (exists: boolean) => void) => {
    const result = existsSync(p)
    queueMicrotask(() => cb(result))
  }
  callbacks.read = (fd: number, buffer: Uint8Array, ...rest: unknown[]) => {
    const cb = rest.pop() as Callback
    try {
      const n = readSync(fd, buffer, ...(rest as [number, number, number]))
      queueMicrotask(() => cb(null, n, buffer))
    } catch (error) {
      queueMicrotask(() => cb(error as Error))
    }
  }
  callbacks.write = (fd: number, data: unknown, ...rest: unknown[]) => {
    const cb = rest.pop() as Callback
    try {
      const n = writeSync(fd, data, ...rest)
      queueMicrotask(() => cb(null, n, data))
    } catch (error) {
      queueMicrotask(() => cb(error as Error))
    }
  }

  // Promise forms.
  const promises: Record<string, any> = { constants }
  for (const [name, fn] of Object.entries(sync)) {
    const short = name.replace(/Sync$/, '')
    if (['exists', 'openSync', 'closeSync', 'readSync', 'writeSync', 'fstatSync', 'fsyncSync', 'fdatasyncSync', 'ftruncateSync', 'fchmodSync', 'fchownSync', 'futimesSync'].includes(short) || /^f(stat|sync|datasync|truncate|chmod|chown|utimes)$|^(open|close|read|write|exists)$/.test(short)) continue
    promises[short] = async (...args: unknown[]) => (fn as Function)(...args)
  }
  promises.opendir = async (p: PathLike) => createDir(toPath(p))
  promises.open = async (p: PathLike, flags?: string | number, mode?: number) => createFileHandle(openSync(p, flags, mode))
  promises.watch = unsupported('promises.watch')

  function createFileHandle(fd: number) {
    return {
      fd,
      readFile: async (opts?: unknown) => readFileSync(fd, opts),
      writeFile: async (data: unknown, opts?: unknown) => {
        const bytes = toBytes(data, encodingOf(opts) as string | undefined)
        writeSync(fd, bytes)
      },
      appendFile: async (data: unknown, opts?: unknown) => void writeSync(fd, toBytes(data, encodingOf(opts) as string | undefined)),
      read: async (buffer: Uint8Array = Buffer.alloc(16384), offset?: number, length?: number, position?: number | null) => ({ bytesRead: readSync(fd, buffer, offset, length, position), buffer }),
      write: async (data: unknown, ...rest: unknown[]) => ({ bytesWritten: writeSync(fd, data, ...rest), buffer: data }),
      stat: async () => fstatSync(fd),
      truncate: async (len = 0) => sync.ftruncateSync(fd, len),
      sync: async () => {},
      datasync: async () => {},
      chmod: async (mode: number) => sync.fchmodSync(fd, mode),
      close: async () => closeSync(fd),
      readLines: () => {
        const text = String(readFileSync(fd, 'utf8'))
        return Readable.from(text.split(/\r?\n/).filter((line, i, all) => i < all.length - 1 || line !== ''))
      },
      createReadStream: (opts: object = {}) => createReadStream('', { ...opts, fd }),
      createWriteStream: (opts: object = {}) => createWriteStream('', { ...opts, fd }),
    }
  }

  function createReadStream(p: PathLike, opts: string | { encoding?: string; start?: number; end?: number; highWaterMark?: number; fd?: number; flags?: string; autoClose?: boolean } = {}) {
    const o = typeof opts === 'string' ? { encoding: opts } : opts
    const shown = o.fd === undefined ? toPath(p) : ''
    let fd = o.fd ?? -1
    let position = o.start ?? 0
    const end = o.end ?? Infinity
    const stream: any = new (Readable as any)({
      highWaterMark: o.highWaterMark ?? 65536,
      encoding: o.encoding,
      read(this: any, size: number) {
        try {
          if (fd === -1) return
          const want = Math.min(size, end - position + 1)
          const buffer = Buffer.alloc(Math.max(0, want))
          const n = want > 0 ? readSync(fd, buffer, 0, want, position) : 0
          position += n
          stream.bytesRead += n
          this.push(n > 0 ? buffer.subarray(0, n) : null)
        } catch (error) {
          this.destroy(error)
        }
      },
      destroy(error: Error | null, cb: (e: Error | null) => void) {
        if (fd !== -1 && o.fd === undefined && files.has(fd)) closeSync(fd)
        cb(error)
      },
    })
    stream.path = shown
    stream.bytesRead = 0
    stream.pending = true
    stream.close = (cb?: Callback) => {
      if (cb) stream.once('close', cb)
      stream.destroy()
    }
    queueMicrotask(() => {
      try {
        if (fd === -1) fd = openSync(shown, o.flags ?? 'r')
        stream.fd = fd
        stream.pending = false
        stream.emit('open', fd)
        stream.emit('ready')
        // A read asked for before the file was open is retried now.
        if (stream._readableState.reading) {
          stream._readableState.reading = false
          stream.read(0)
        }
      } catch (error) {
        stream.destroy(error)
      }
    })
    return stream
  }

  function createWriteStream(p: PathLike, opts: string | { encoding?: string; flags?: string; mode?: number; fd?: number; start?: number } = {}) {
    const o = typeof opts === 'string' ? { encoding: opts } : opts
    const shown = o.fd === undefined ? toPath(p) : ''
    let fd = o.fd ?? -1
    let openError: unknown = null
    if (fd === -1) {
      try {
        fd = openSync(shown, o.flags ?? 'w', o.mode)
      } catch (error) {
        openError = error
      }
    }
    let position = o.start
    const stream: any = new (Writable as any)({
      decodeStrings: true,
      defaultEncoding: o.encoding ?? 'utf8',
      write(chunk: Uint8Array, _encoding: string, cb: (e?: Error | null) => void) {
        try {
          const n = writeSync(fd, chunk, 0, chunk.length, position ?? null)
          if (position !== undefined) position += n
          stream.bytesWritten += n
          cb()
        } catch (error) {
          cb(error as Error)
        }
      },
      destroy(error: Error | null, cb: (e: Error | null) => void) {
        if (fd !== -1 && o.fd === undefined && files.has(fd)) closeSync(fd)
        cb(error)
      },
    })
    stream.path = shown
    stream.fd = fd === -1 ? null : fd
    stream.bytesWritten = 0
    stream.pending = false
    stream.close = (cb?: Callback) => {
      if (cb) stream.once('close', () => cb(null))
      stream.end()
    }
    queueMicrotask(() => {
      if (openError) return stream.destroy(openError)
      stream.emit('open', fd)
      stream.emit('ready')
    })
    return stream
  }

  const fs = {
    ...sync,
    ...callbacks,
    promises,
    constants,
    ...constants,
    Stats,
    Dirent,
    createReadStream,
    createWriteStream,
    ReadStream: Readable,
    WriteStream: Writable,
    watch: unsupported('watch'),
    watchFile: unsupported('watchFile'),
    unwatchFile: () => {},
  }
  return fs as typeof fs & Record<string, any>
}

/** The shape of the `fs` module this file builds. */
export type FsModule = ReturnType<typeof createFsModule>
