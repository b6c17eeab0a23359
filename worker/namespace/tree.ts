import { AppError, fsError, type FsErrorCode } from '../../shared/errors'
import { MODE, basename, dirname, normalizePath, type EntryType, type FileService, type Stat } from '../../shared/namespace'

/** One stored entry: its stat plus, for symlinks, the target. */
export interface Entry extends Stat {
  target?: string
}

/** Where a tree keeps its entries beyond memory. */
export interface TreeStore {
  /** Every entry of this tree, read once when the tree opens. */
  load(): Promise<Array<[string, Entry]>>
  /** Content of a file not held in memory; undefined if the store has none. */
  readData(ino: number): Promise<Uint8Array | undefined>
  /** Applies all changes in one atomic step (null deletes). */
  commit(meta: Map<string, Entry | null>, data: Map<number, Uint8Array | null>): Promise<void>
}

interface Saved<T> {
  dirty: boolean
  dirtyValue: T | null | undefined
  value: T | undefined
}

const MAX_LINKS = 40
const CACHE_BYTES = 64 * 1024 * 1024

/** Resolves on the next task without the 4 ms clamp nested timers get in browsers. */
function nextTask(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (fn: () => void) => void }).setImmediate
  if (immediate) return new Promise((r) => immediate(r))
  return new Promise((r) => {
    const channel = new MessageChannel()
    channel.port1.onmessage = () => {
      channel.port1.close()
      r()
    }
    channel.port2.postMessage(null)
  })
}

/**
 * A file tree held in memory (metadata always, content as a cache when a store is given).
 * Without a store it is the memory backend. With one, every change is committed to the store:
 * changes made in the same task share one commit, a `batch` commits once at its end or rolls
 * everything back, and a call resolves only after its change is durable.
 */
export class Tree implements FileService {
  readonly readOnly = false
  #entries = new Map<string, Entry>()
  #children = new Map<string, Set<string>>()
  #data = new Map<number, Uint8Array>()
  #cacheBytes = 0
  #nextIno = 1
  #lastTime = 0
  #symlinks = 0
  #store: TreeStore | null
  #dirtyMeta = new Map<string, Entry | null>()
  #dirtyData = new Map<number, Uint8Array | null>()
  #waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = []
  #scheduled = false
  #writing: Promise<void> = Promise.resolve()
  #batchDepth = 0
  #metaJournal: Map<string, Saved<Entry>> | null = null
  #dataJournal: Map<number, Saved<Uint8Array>> | null = null
  #batchQueue: Promise<unknown> = Promise.resolve()

  private constructor(store: TreeStore | null) {
    this.#store = store
  }

  /** An empty tree in memory only. */
  static memory(): Tree {
    const tree = new Tree(null)
    tree.#setEntry('/', tree.#newEntry('dir', MODE.dir, 0))
    return tree
  }

  /** A tree over `store`, with everything the store holds loaded. */
  static async open(store: TreeStore): Promise<Tree> {
    const tree = new Tree(store)
    await tree.#load()
    return tree
  }

  async #load(): Promise<void> {
    this.#entries.clear()
    this.#children.clear()
    this.#data.clear()
    this.#cacheBytes = 0
    this.#symlinks = 0
    const rows = await this.#store!.load()
    rows.sort((a, b) => a[0].length - b[0].length)
    for (const [path, entry] of rows) {
      this.#setEntry(path, entry)
    }
    // Another tab may have the same storage open with its own counter: each opening starts at a
    // random point of a 2^51 range (not after the largest ino, which both would pick), so two
    // writers practically never hand out the same ino.
    this.#nextIno = 2 ** 32 + Math.floor(Math.random() * 2 ** 51)
    if (!this.#entries.has('/')) {
      const root = this.#newEntry('dir', MODE.dir, 0)
      this.#setEntry('/', root)
      await this.#store!.commit(new Map([['/', root]]), new Map())
    }
  }

  /** Bytes held in files (what the project's storage costs, near enough). */
  usage(): number {
    let bytes = 0
    for (const e of this.#entries.values()) if (e.type === 'file') bytes += e.size
    return bytes
  }

  // ---- reads ----

  async readFile(path: string): Promise<Uint8Array> {
    const p = this.#resolve('open', path, true)
    const e = this.#entries.get(p)
    if (!e) throw fsError('ENOENT', 'open', normalizePath(path))
    if (e.type === 'dir') throw fsError('EISDIR', 'read', normalizePath(path))
    const held = this.#dirtyData.get(e.ino) ?? this.#data.get(e.ino)
    if (held) return held.slice()
    const stored = this.#store ? await this.#store.readData(e.ino) : undefined
    if (!stored) {
      if (e.size === 0) return new Uint8Array(0)
      throw new AppError('STORAGE', `the content of '${normalizePath(path)}' is missing from storage`, { path: normalizePath(path) })
    }
    this.#cache(e.ino, stored)
    return stored.slice()
  }

  async readdir(path: string): Promise<string[]> {
    const p = this.#resolve('scandir', path, true)
    const e = this.#entries.get(p)
    if (!e) throw fsError('ENOENT', 'scandir', normalizePath(path))
    if (e.type !== 'dir') throw fsError('ENOTDIR', 'scandir', normalizePath(path))
    return [...(this.#children.get(p) ?? [])].sort()
  }

  async stat(path: string): Promise<Stat> {
    const p = this.#resolve('stat', path, true)
    const e = this.#entries.get(p)
    if (!e) throw fsError('ENOENT', 'stat', normalizePath(path))
    return toStat(e)
  }

  async lstat(path: string): Promise<Stat> {
    const p = this.#resolve('lstat', path, false)
    const e = this.#entries.get(p)
    if (!e) throw fsError('ENOENT', 'lstat', normalizePath(path))
    return toStat(e)
  }

  async readlink(path: string): Promise<string> {
    const p = this.#resolve('readlink', path, false)
    const e = this.#entries.get(p)
    if (!e) throw fsError('ENOENT', 'readlink', normalizePath(path))
    if (e.type !== 'symlink') throw fsError('EINVAL', 'readlink', normalizePath(path), 'not a symbolic link')
    return e.target ?? ''
  }

  // ---- writes ----

  async writeFile(path: string, data: Uint8Array, options?: { mode?: number }): Promise<void> {
    if (!(data instanceof Uint8Array)) throw new AppError('EINVAL', `EINVAL: data for '${path}' must be bytes`, { path })
    const p = this.#resolve('open', path, true)
    const existing = this.#entries.get(p)
    if (existing?.type === 'dir') throw fsError('EISDIR', 'open', normalizePath(path))
    if (!existing) this.#requireParentDir('open', p)
    const bytes = data.slice()
    const mode = normalizeMode(options?.mode, existing?.mode ?? MODE.file)
    const entry = existing ? { ...existing, mode, size: bytes.length, mtimeMs: this.#now(), ctimeMs: this.#lastTime } : this.#newEntry('file', mode, bytes.length)
    this.#putEntry(p, entry)
    this.#putData(entry.ino, bytes)
    return this.#persist()
  }

  async mkdir(path: string): Promise<void> {
    const p = this.#resolve('mkdir', path, false)
    if (this.#entries.has(p)) throw fsError('EEXIST', 'mkdir', normalizePath(path))
    this.#requireParentDir('mkdir', p)
    this.#putEntry(p, this.#newEntry('dir', MODE.dir, 0))
    return this.#persist()
  }

  async symlink(target: string, path: string): Promise<void> {
    if (typeof target !== 'string' || target.includes('\0')) throw new AppError('EINVAL', `EINVAL: bad symlink target for '${path}'`, { path })
    const p = this.#resolve('symlink', path, false)
    if (this.#entries.has(p)) throw fsError('EEXIST', 'symlink', normalizePath(path))
    this.#requireParentDir('symlink', p)
    const entry = this.#newEntry('symlink', MODE.symlink, new TextEncoder().encode(target).length)
    entry.target = target
    this.#putEntry(p, entry)
    return this.#persist()
  }

  async unlink(path: string): Promise<void> {
    const p = this.#resolve('unlink', path, false)
    const e = this.#entries.get(p)
    if (!e) throw fsError('ENOENT', 'unlink', normalizePath(path))
    if (e.type === 'dir') throw fsError('EISDIR', 'unlink', normalizePath(path))
    this.#removeEntry(p)
    return this.#persist()
  }

  async rmdir(path: string): Promise<void> {
    const p = this.#resolve('rmdir', path, false)
    const e = this.#entries.get(p)
    if (!e) throw fsError('ENOENT', 'rmdir', normalizePath(path))
    if (e.type !== 'dir') throw fsError('ENOTDIR', 'rmdir', normalizePath(path))
    if (p === '/') throw fsError('EACCES', 'rmdir', '/', 'the root cannot be removed')
    if ((this.#children.get(p)?.size ?? 0) > 0) throw fsError('ENOTEMPTY', 'rmdir', normalizePath(path))
    this.#removeEntry(p)
    return this.#persist()
  }

  async rename(from: string, to: string): Promise<void> {
    const a = this.#resolve('rename', from, false)
    const b = this.#resolve('rename', to, false)
    const src = this.#entries.get(a)
    if (!src) throw fsError('ENOENT', 'rename', normalizePath(from))
    if (a === '/' || b === '/') throw fsError('EACCES', 'rename', normalizePath(from), 'the root cannot be moved')
    if (a === b) return
    if (src.type === 'dir' && b.startsWith(a + '/')) throw fsError('EINVAL', 'rename', normalizePath(from), `cannot move a directory into itself ('${normalizePath(to)}')`)
    this.#requireParentDir('rename', b)
    const dst = this.#entries.get(b)
    if (dst) {
      if (src.type === 'dir' && dst.type !== 'dir') throw fsError('ENOTDIR', 'rename', normalizePath(to))
      if (src.type !== 'dir' && dst.type === 'dir') throw fsError('EISDIR', 'rename', normalizePath(to))
      if (dst.type === 'dir' && (this.#children.get(b)?.size ?? 0) > 0) throw fsError('ENOTEMPTY', 'rename', normalizePath(to))
      this.#removeEntry(b)
    }
    // Parents before children, so every moved entry lands in an existing directory.
    const moved = this.#subtree(a)
    for (const [p, e] of moved) this.#putEntry(b + p.slice(a.length), { ...e, ctimeMs: this.#now() })
    for (const [p] of [...moved].reverse()) this.#dropEntry(p)
    return this.#persist()
  }

  async batch<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#batchDepth > 0) return fn()
    // Batches are serialised so one batch's rollback never undoes another's work.
    const run = this.#batchQueue.then(() => this.#runBatch(fn))
    this.#batchQueue = run.catch(() => undefined)
    return run
  }

  async #runBatch<T>(fn: () => Promise<T>): Promise<T> {
    this.#batchDepth = 1
    this.#metaJournal = new Map()
    this.#dataJournal = new Map()
    let result: T
    try {
      result = await fn()
    } catch (error) {
      this.#rollback()
      this.#endBatch()
      throw error
    }
    this.#endBatch()
    await this.#persist()
    return result
  }

  #endBatch(): void {
    this.#batchDepth = 0
    this.#metaJournal = null
    this.#dataJournal = null
    if (this.#waiters.length > 0) this.#schedule()
  }

  #rollback(): void {
    const meta = this.#metaJournal!
    const data = this.#dataJournal!
    // Undo in reverse order of first touch: what was created last goes first, and a
    // directory is back before the entries that were inside it.
    for (const [path, saved] of [...meta].reverse()) {
      if (this.#entries.has(path)) this.#dropEntry(path)
      if (saved.value) this.#setEntry(path, saved.value)
      if (saved.dirty) this.#dirtyMeta.set(path, saved.dirtyValue ?? null)
      else this.#dirtyMeta.delete(path)
    }
    for (const [ino, saved] of data) {
      if (saved.dirty) this.#dirtyData.set(ino, saved.dirtyValue ?? null)
      else this.#dirtyData.delete(ino)
      this.#data.delete(ino)
      if (saved.value) this.#data.set(ino, saved.value)
    }
  }

  // ---- durability ----

  #persist(): Promise<void> {
    if (!this.#store || this.#batchDepth > 0) return Promise.resolve()
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject })
      this.#schedule()
    })
  }

  #schedule(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    void nextTask().then(() => {
      this.#scheduled = false
      this.#drain()
    })
  }

  #drain(): void {
    if (this.#batchDepth > 0) return
    const waiters = this.#waiters.splice(0)
    const meta = this.#dirtyMeta
    const data = this.#dirtyData
    this.#dirtyMeta = new Map()
    this.#dirtyData = new Map()
    const store = this.#store!
    this.#writing = this.#writing.then(async () => {
      try {
        if (meta.size > 0 || data.size > 0) await store.commit(meta, data)
        for (const [ino, bytes] of data) if (bytes) this.#cache(ino, bytes)
        for (const w of waiters) w.resolve()
      } catch (cause) {
        const error = new AppError('STORAGE', `saving failed: ${cause instanceof Error ? cause.message : String(cause)}`, {}, { cause })
        // Memory must match what is stored: reload it, then report.
        await this.#load().catch(() => undefined)
        for (const w of waiters) w.reject(error)
      }
    })
  }

  // ---- internals ----

  #now(): number {
    // Strictly increasing, so a rewrite of the same size always changes mtime (git's stat cache).
    const t = Math.max(Date.now(), this.#lastTime + 0.001)
    this.#lastTime = t
    return t
  }

  #newEntry(type: EntryType, mode: number, size: number): Entry {
    const t = this.#now()
    return { type, mode, size, ino: this.#nextIno++, mtimeMs: t, ctimeMs: t }
  }

  #cache(ino: number, bytes: Uint8Array): void {
    if (!this.#store) return
    const old = this.#data.get(ino)
    if (old) this.#cacheBytes -= old.length
    this.#data.delete(ino)
    this.#data.set(ino, bytes)
    this.#cacheBytes += bytes.length
    for (const [key, value] of this.#data) {
      if (this.#cacheBytes <= CACHE_BYTES) break
      if (key === ino) continue
      this.#data.delete(key)
      this.#cacheBytes -= value.length
    }
  }

  #saveMeta(path: string): void {
    if (!this.#metaJournal || this.#metaJournal.has(path)) return
    this.#metaJournal.set(path, { dirty: this.#dirtyMeta.has(path), dirtyValue: this.#dirtyMeta.get(path), value: this.#entries.get(path) })
  }

  #saveData(ino: number): void {
    if (!this.#dataJournal || this.#dataJournal.has(ino)) return
    this.#dataJournal.set(ino, { dirty: this.#dirtyData.has(ino), dirtyValue: this.#dirtyData.get(ino), value: this.#data.get(ino) })
  }

  #putEntry(path: string, entry: Entry): void {
    this.#saveMeta(path)
    this.#setEntry(path, entry)
    if (this.#store) this.#dirtyMeta.set(path, entry)
  }

  #putData(ino: number, bytes: Uint8Array): void {
    this.#saveData(ino)
    if (this.#store) {
      this.#dirtyData.set(ino, bytes)
      this.#data.delete(ino)
    } else {
      this.#data.set(ino, bytes)
    }
  }

  /** Removes an entry and, for files, its content. */
  #removeEntry(path: string): void {
    const e = this.#entries.get(path)!
    this.#dropEntry(path)
    if (e.type === 'file') {
      this.#saveData(e.ino)
      this.#data.delete(e.ino)
      if (this.#store) this.#dirtyData.set(e.ino, null)
    }
  }

  /** Removes an entry's metadata only (content may live on under a new path). */
  #dropEntry(path: string): void {
    this.#saveMeta(path)
    const e = this.#entries.get(path)
    if (e?.type === 'symlink') this.#symlinks--
    this.#entries.delete(path)
    this.#children.delete(path)
    this.#children.get(dirname(path))?.delete(basename(path))
    if (this.#store) this.#dirtyMeta.set(path, null)
  }

  #setEntry(path: string, entry: Entry): void {
    const old = this.#entries.get(path)
    if (old?.type === 'symlink') this.#symlinks--
    if (entry.type === 'symlink') this.#symlinks++
    this.#entries.set(path, entry)
    if (entry.type === 'dir' && !this.#children.has(path)) this.#children.set(path, new Set())
    if (path !== '/') {
      const parent = dirname(path)
      let set = this.#children.get(parent)
      if (!set) this.#children.set(parent, (set = new Set()))
      set.add(basename(path))
    }
  }

  /** `root` and everything below it, parents first. */
  #subtree(root: string): Array<[string, Entry]> {
    const out: Array<[string, Entry]> = []
    const visit = (p: string): void => {
      out.push([p, this.#entries.get(p)!])
      for (const name of this.#children.get(p) ?? []) visit(p === '/' ? `/${name}` : `${p}/${name}`)
    }
    visit(root)
    return out
  }

  #requireParentDir(op: string, path: string): void {
    const parent = this.#entries.get(dirname(path))
    if (!parent) throw fsError('ENOENT', op, path)
    if (parent.type !== 'dir') throw fsError('ENOTDIR', op, path)
  }

  /**
   * The real path behind `path`: symbolic links in directory positions are always followed,
   * the last one only when `followLast`. Link targets resolve inside this tree and can never
   * leave it (`..` stops at the root).
   */
  #resolve(op: string, path: string, followLast: boolean): string {
    const p = normalizePath(path)
    if (this.#symlinks === 0) return p
    const direct = this.#entries.get(p)
    if (direct && direct.type !== 'symlink' && this.#parentsAreReal(p)) return p
    let segments = p.split('/').filter(Boolean)
    let current = '/'
    let hops = 0
    for (let i = 0; i < segments.length; i++) {
      const next = current === '/' ? `/${segments[i]}` : `${current}/${segments[i]}`
      const e = this.#entries.get(next)
      const last = i === segments.length - 1
      if (e?.type === 'symlink' && (!last || followLast)) {
        if (++hops > MAX_LINKS) throw fsError('ELOOP', op, p)
        const target = e.target ?? ''
        const resolved = normalizePath(target.startsWith('/') ? target : `${current}/${target}`)
        segments = [...resolved.split('/').filter(Boolean), ...segments.slice(i + 1)]
        current = '/'
        i = -1
        continue
      }
      if (!last && e && e.type !== 'dir') throw fsError('ENOTDIR', op, p)
      current = next
    }
    return current
  }

  #parentsAreReal(p: string): boolean {
    for (let d = dirname(p); d !== '/'; d = dirname(d)) if (this.#entries.get(d)?.type !== 'dir') return false
    return true
  }
}

function toStat(e: Entry): Stat {
  return { type: e.type, mode: e.mode, size: e.size, ino: e.ino, mtimeMs: e.mtimeMs, ctimeMs: e.ctimeMs }
}

/** Accepts a full mode (0o100755) or permission bits (0o755); files are 644 or 755. */
function normalizeMode(mode: number | undefined, fallback: number): number {
  if (mode === undefined) return fallback
  return (mode & 0o111) !== 0 ? MODE.executable : MODE.file
}

export type { FsErrorCode }
