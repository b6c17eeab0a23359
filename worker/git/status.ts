import * as git from 'isomorphic-git'
import type { TreeEntry } from 'isomorphic-git'
import { AppError } from '../../shared/errors'
import { isWithin, type FileService, type Namespace, type Stat } from '../../shared/namespace'
import type { FsAdapter } from '../namespace'
import type { Repo } from './repo'

/** One row of a status matrix: path, then HEAD (0/1), workdir (0/1/2) and stage (0/1/2/3), as isomorphic-git defines them. */
export type StatusRow = [string, number, number, number]

/** A stage-0 entry of `.git/index`, with the stat cache fields isomorphic-git compares. */
interface IndexEntry {
  ctimeSeconds: number
  ctimeNanoseconds: number
  mtimeSeconds: number
  mtimeNanoseconds: number
  ino: number
  mode: number
  uid: number
  gid: number
  size: number
  oid: string
  intentToAdd: boolean
}

/** Paths of a tree (HEAD's or the index's): its blobs, and every directory that holds one. */
interface PathSet<T> {
  files: Map<string, T>
  dirs: Set<string>
}

const MAX_UINT32 = 2 ** 32
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'
// Keys of what a status keeps in a repo's cache: HEAD's trees by oid, and the parsed index.
const HEAD_TREES = Symbol('HEAD trees')
const INDEX = Symbol('index')
// Above this many entries to refresh, one full walk that writes the index once beats a walk per path.
const REFRESH_BY_PATH_MAX = 32
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/**
 * The rows isomorphic-git's `statusMatrix` gives for `repo` (HEAD against index against working
 * tree), in the same order, without its per-file walker: it reads `.git/index` and HEAD's trees
 * itself, lstats the working tree through `repo.service`, and hashes only files whose stat no
 * longer matches the index. `filepaths` keeps rows under those paths (files or directories).
 * What it does not parse (index v4, merge conflicts, submodules, a `.git` file) goes to
 * isomorphic-git's own walk. Like git, it refreshes the index's stat cache for files whose
 * stat changed but whose content did not.
 */
export async function statusMatrix(repo: Repo, filepaths?: string[]): Promise<StatusRow[]> {
  if (filepaths?.length === 0) return []
  const rows = await fastStatusMatrix(repo, filepaths)
  if (rows) return rows
  return (await git.statusMatrix({ fs: repo.fs, dir: repo.dir, cache: repo.cache, filepaths })) as StatusRow[]
}

/** The matrix, or null when the repository holds something only isomorphic-git's walk handles. */
async function fastStatusMatrix(repo: Repo, filepaths: string[] | undefined): Promise<StatusRow[] | null> {
  const { dir } = repo
  const wanted = filepaths ? (path: string) => filepaths.some((base) => worthWalking(path, base)) : () => true
  const work = direct(repo.service, dir)
  const at = (path: string) => (path === '' ? work.root : work.root === '/' ? `/${path}` : `${work.root}/${path}`)

  const dotGit = await lstatOrNull(work.service, at('.git'))
  if (dotGit && dotGit.type !== 'dir') return null
  const [index, head, filemode, autocrlf, ids] = await Promise.all([
    readIndex(work.service, at('.git/index'), repo.cache),
    readHead(repo, wanted),
    git.getConfig({ fs: repo.fs, dir, path: 'core.filemode' }),
    git.getConfig({ fs: repo.fs, dir, path: 'core.autocrlf' }),
    // uid and gid as the fs adapter reports them, which is what isomorphic-git wrote into the index.
    repo.fs.promises.lstat(dir),
  ])
  if (!index || !head) return null
  const known = (path: string) => index.files.has(path) || index.dirs.has(path) || head.files.has(path) || head.dirs.has(path)

  // The working tree: tracked entries, and untracked ones that are not ignored. As in
  // isomorphic-git, an ignored untracked directory is not entered and `.git` is always ignored.
  // One directory at a time, its entries at once: tens of thousands of pending lstats cost more.
  const files = new Map<string, Stat>()
  const ignoreFs = createMemoFs(repo.fs)
  const isIgnored = async (filepath: string) => filepath.slice(filepath.lastIndexOf('/') + 1) === '.git' || git.isIgnored({ fs: ignoreFs, dir, filepath })
  const pending = ['']
  while (pending.length > 0) {
    const rel = pending.pop()!
    let names: string[]
    try {
      names = await work.service.readdir(at(rel))
    } catch (error) {
      if (isGone(error)) continue
      throw error
    }
    const paths = names.map((name) => (rel === '' ? name : `${rel}/${name}`)).filter(wanted)
    const stats = await Promise.all(paths.map((path) => lstatOrNull(work.service, at(path))))
    const untracked: Promise<void>[] = []
    const add = (path: string, stat: Stat) => {
      if (stat.type === 'dir') pending.push(path)
      else files.set(path, stat)
    }
    for (let i = 0; i < paths.length; i++) {
      const path = paths[i]
      const stat = stats[i]
      if (!stat) continue
      if (known(path)) add(path, stat)
      else untracked.push(isIgnored(path).then((ignored) => void (ignored || add(path, stat))))
    }
    await Promise.all(untracked)
  }

  const rows: StatusRow[] = []
  const hashing: Promise<void>[] = []
  const refresh: string[] = []
  const addRow = (path: string, h: string | undefined, w: Stat | undefined, s: IndexEntry | undefined) => {
    if (!w || (s && !isStale(w, s, ids, filemode !== false))) {
      rows.push(toRow(path, h, w && s?.oid, s?.oid))
      return
    }
    hashing.push(hashWorkFile(work.service, at(path), w, autocrlf).then((oid) => {
      rows.push(toRow(path, h, oid, s?.oid))
      if (s && !s.intentToAdd && oid === s.oid && (filemode === false || normalizeMode(w.mode) === normalizeMode(s.mode))) refresh.push(path)
    }))
  }
  for (const [path, s] of index.files) if (wanted(path)) addRow(path, head.files.get(path), files.get(path), s)
  for (const [path, h] of head.files) if (!index.files.has(path) && wanted(path)) addRow(path, h, files.get(path), undefined)
  // Untracked: isomorphic-git tells them apart from an absent HEAD and index without a hash.
  for (const path of files.keys()) if (!index.files.has(path) && !head.files.has(path)) rows.push([path, 0, 2, 0])
  await Promise.all(hashing)

  // Files rewritten with the same content keep being hashed until the index learns their new stat.
  // isomorphic-git's walk writes that under its own index lock.
  if (refresh.length > 0) {
    await git.statusMatrix({ fs: repo.fs, dir, cache: repo.cache, filepaths: refresh.length <= REFRESH_BY_PATH_MAX ? refresh : undefined })
  }
  // isomorphic-git walks each directory's names in order, depth first: sort with '/' below every other character.
  const keyed = rows.map((row) => ({ row, key: row[0].replaceAll('/', '\0') }))
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  return keyed.map((k) => k.row)
}

/** A row as isomorphic-git numbers it: each oid by where it first appears in [absent, HEAD, workdir, stage]. */
function toRow(path: string, head: string | undefined, workdir: string | undefined, stage: string | undefined): StatusRow {
  if (head !== undefined && head === workdir && head === stage) return [path, 1, 1, 1]
  const oids = [undefined, head, workdir, stage]
  return [path, oids.indexOf(head), oids.indexOf(workdir), oids.indexOf(stage)]
}

/**
 * The service that holds all of `dir` and the path of `dir` in it: when `service` is a namespace
 * with no other mount below `dir`, its mount's own service, so that reads skip the namespace's
 * path handling (which more than doubles the cost of an lstat). Otherwise `service` itself.
 */
function direct(service: FileService, dir: string): { service: FileService; root: string } {
  const ns = service as Partial<Namespace>
  const hit = typeof ns.resolve === 'function' ? ns.resolve(dir) : null
  if (!hit || !ns.mounts || ns.mounts.some((m) => m !== hit.mount && isWithin(m.path, dir))) return { service, root: dir }
  return { service: hit.mount.service, root: hit.path }
}

/** isomorphic-git's filter for `filepaths`: `filepath` is `root`, inside it, or a directory above it. */
function worthWalking(filepath: string, root: string): boolean {
  if (filepath === '.' || root == null || root.length === 0 || root === '.') return true
  const base = root.endsWith('/') ? root.slice(0, -1) : root
  if (base === '.') return true
  if (base.length >= filepath.length) return base === filepath || base.startsWith(`${filepath}/`)
  return filepath.startsWith(`${base}/`)
}

function isGone(error: unknown): boolean {
  return error instanceof AppError && (error.code === 'ENOENT' || error.code === 'ENOTDIR')
}

async function lstatOrNull(service: FileService, path: string): Promise<Stat | null> {
  try {
    return await service.lstat(path)
  } catch (error) {
    if (isGone(error)) return null
    throw error
  }
}

/** isomorphic-git's `normalizeMode`: file type bits plus 0755 or 0644 for regular files. */
function normalizeMode(mode: number): number {
  let type = mode > 0 ? mode >> 12 : 0
  if (type !== 0b0100 && type !== 0b1000 && type !== 0b1010 && type !== 0b1110) type = 0b1000
  let permissions = mode & 0o777
  permissions = permissions & 0b001001001 ? 0o755 : 0o644
  if (type !== 0b1000) permissions = 0
  return (type << 12) + permissions
}

// Seconds and nanoseconds of a millisecond time, rounded the way isomorphic-git writes them into the index.
function seconds(ms: number): number {
  return Math.floor(ms / 1000) % MAX_UINT32
}

function nanoseconds(ms: number): number {
  const s = Math.floor(ms / 1000)
  return Math.floor((ms - s * 1000) * 1000000) % MAX_UINT32
}

/** isomorphic-git's `compareStats` (with inode numbers trusted): true when the index's stat cache no longer matches. */
function isStale(w: Stat, e: IndexEntry, ids: { uid: number; gid: number }, filemode: boolean): boolean {
  return (
    (filemode && normalizeMode(w.mode % MAX_UINT32) !== normalizeMode(e.mode)) ||
    seconds(w.mtimeMs) !== e.mtimeSeconds ||
    nanoseconds(w.mtimeMs) !== e.mtimeNanoseconds ||
    seconds(w.ctimeMs) !== e.ctimeSeconds ||
    nanoseconds(w.ctimeMs) !== e.ctimeNanoseconds ||
    ids.uid % MAX_UINT32 !== e.uid ||
    ids.gid % MAX_UINT32 !== e.gid ||
    w.ino % MAX_UINT32 !== e.ino ||
    (w.size > -1 ? w.size % MAX_UINT32 : 0) !== e.size
  )
}

/** The blob id of a working-tree file as isomorphic-git computes it: a symlink's target, or the content after core.autocrlf. */
async function hashWorkFile(service: FileService, path: string, stat: Stat, autocrlf: unknown): Promise<string | undefined> {
  let bytes: Uint8Array
  try {
    bytes = stat.type === 'symlink' ? new TextEncoder().encode(await service.readlink(path)) : await service.readFile(path)
  } catch (error) {
    if (isGone(error)) return undefined
    throw error
  }
  if (stat.type !== 'symlink' && autocrlf === 'true') {
    try {
      bytes = new TextEncoder().encode(new TextDecoder('utf8', { fatal: true }).decode(bytes).replace(/\r\n/g, '\n'))
    } catch {
      // Not UTF-8: hashed as it is, as isomorphic-git does.
    }
  }
  return (await git.hashBlob({ object: bytes })).oid
}

/**
 * Stage-0 entries of `.git/index` (version 2 or 3) as isomorphic-git's index walker sees them,
 * parsed again only when the file's stat changed (kept in `repo.cache`). Null when its walk
 * should decide: another version, a conflict (stage 1–3), a submodule, or anything it would
 * reject or read oddly. Extensions after the entries hold nothing status needs; like
 * isomorphic-git, it does not read them.
 */
async function readIndex(service: FileService, path: string, repoCache: object): Promise<PathSet<IndexEntry> | null> {
  const cache = repoCache as { [INDEX]?: { key: string; index: PathSet<IndexEntry> | null } }
  const stat = await lstatOrNull(service, path)
  if (!stat) return { files: new Map(), dirs: new Set() }
  if (stat.type !== 'file') return null
  // Every write gives the file a later mtime, so an unchanged stat is an unchanged index.
  const key = `${stat.ino} ${stat.size} ${stat.mtimeMs} ${stat.ctimeMs}`
  if (cache[INDEX]?.key !== key) cache[INDEX] = { key, index: parseIndex(await service.readFile(path)) }
  return cache[INDEX].index
}

function parseIndex(buffer: Uint8Array): PathSet<IndexEntry> | null {
  if (buffer.length < 12 + 20) return null
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  if (view.getUint32(0) !== 0x44495243 /* DIRC */) return null
  const version = view.getUint32(4)
  if (version !== 2 && version !== 3) return null
  const count = view.getUint32(8)
  const end = buffer.length - 20
  const decoder = new TextDecoder()
  const files = new Map<string, IndexEntry>()
  let at = 12
  for (let i = 0; i < count; i++) {
    if (at + 62 > end) return null
    const flags = view.getUint16(at + 60)
    if ((flags & 0x3000) !== 0) return null
    let cursor = at + 62
    let intentToAdd = false
    if (flags & 0x4000) {
      if (cursor + 2 > end) return null
      const extended = view.getUint16(cursor)
      // Bits other than skip-worktree and intent-to-add make isomorphic-git refuse the index.
      if (extended & ~0x6000) return null
      intentToAdd = Boolean(extended & 0x2000)
      cursor += 2
    }
    const nul = buffer.indexOf(0, cursor)
    if (nul <= cursor || nul >= end) return null
    const entryPath = decoder.decode(buffer.subarray(cursor, nul))
    if (!isPlainPath(entryPath)) return null
    const mode = view.getUint32(at + 24)
    const type = mode >> 12
    // Submodules (gitlinks) and odd modes make isomorphic-git drop or refuse rows; let it.
    if (type !== 0b1000 && type !== 0b1010) return null
    let oid = ''
    for (let b = at + 40; b < at + 60; b++) oid += HEX[buffer[b]]
    files.set(entryPath, {
      ctimeSeconds: view.getUint32(at),
      ctimeNanoseconds: view.getUint32(at + 4),
      mtimeSeconds: view.getUint32(at + 8),
      mtimeNanoseconds: view.getUint32(at + 12),
      ino: view.getUint32(at + 20),
      mode,
      uid: view.getUint32(at + 28),
      gid: view.getUint32(at + 32),
      size: view.getUint32(at + 36),
      oid,
      intentToAdd,
    })
    // 1 to 8 NULs pad each entry to a multiple of 8 bytes.
    const padded = 12 + Math.ceil((nul + 1 - 12) / 8) * 8
    if (padded > end) return null
    for (let b = nul; b < padded; b++) if (buffer[b] !== 0) return null
    at = padded
  }
  let dirs = directoriesOf(files.keys())
  // Staging a file 'a' leaves an entry 'a/x' in place; isomorphic-git's index walker never looks
  // below the file 'a', so for status such entries do not exist.
  if ([...dirs].some((d) => files.has(d))) {
    for (const entryPath of [...files.keys()]) {
      if ([...directoriesOf([entryPath])].some((d) => files.has(d))) files.delete(entryPath)
    }
    dirs = directoriesOf(files.keys())
  }
  return { files, dirs }
}

/** Every directory above the given paths ('a/b/c' → 'a/b', 'a'). */
function directoriesOf(paths: Iterable<string>): Set<string> {
  const dirs = new Set<string>()
  for (const path of paths) {
    for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
      const dir = path.slice(0, slash)
      if (dirs.has(dir)) break
      dirs.add(dir)
    }
  }
  return dirs
}

/** A relative path without empty, `.` or `..` segments or backslashes (which isomorphic-git splits on). */
function isPlainPath(path: string): boolean {
  return !/\\|\/\/|^\/|\/$|(^|\/)\.\.?(\/|$)/.test(path)
}

/**
 * HEAD's blobs (path → oid) and directories, reading only the trees `wanted` lets in. An unborn
 * branch is the empty tree. Null when HEAD does not resolve otherwise (isomorphic-git's walk
 * reports that) or holds a submodule. Trees are kept in `repo.cache` from one call to the next
 * (an oid names its content for good), so only the trees a commit changed are read again.
 */
async function readHead(repo: Repo, wanted: (path: string) => boolean): Promise<PathSet<string> | null> {
  const { fs, dir } = repo
  const cache = repo.cache as { [HEAD_TREES]?: Map<string, TreeEntry[]> }
  let oid: string
  try {
    oid = await git.resolveRef({ fs, dir, ref: 'HEAD' })
  } catch (error) {
    if ((error as { code?: string }).code !== 'NotFoundError') throw error
    const target = await git.resolveRef({ fs, dir, ref: 'HEAD', depth: 2 }).catch(() => '')
    if (!target.startsWith('refs/heads/')) return null
    oid = EMPTY_TREE
  }
  const files = new Map<string, string>()
  const dirs = new Set<string>()
  const previous = cache[HEAD_TREES] ?? new Map<string, TreeEntry[]>()
  const used = new Map<string, TreeEntry[]>()
  let submodule = false
  async function visit(treeOid: string, prefix: string): Promise<void> {
    const tree = previous.get(treeOid) ?? (await git.readTree({ fs, dir, oid: treeOid, cache: repo.cache })).tree
    used.set(treeOid, tree)
    const subtrees: Promise<void>[] = []
    for (const entry of tree) {
      const path = prefix === '' ? entry.path : `${prefix}/${entry.path}`
      if (entry.type === 'commit') submodule = true
      else if (entry.type === 'tree') {
        dirs.add(path)
        if (wanted(path)) subtrees.push(visit(entry.oid, path))
      } else files.set(path, entry.oid)
    }
    await Promise.all(subtrees)
  }
  if (oid !== EMPTY_TREE) await visit(oid, '')
  // Only this HEAD's trees stay, so the cache never outgrows one commit.
  cache[HEAD_TREES] = used
  return submodule ? null : { files, dirs }
}

/**
 * The fs adapter with reads and stats remembered for one status call: `isIgnored` rereads
 * `.git/info/exclude` and every `.gitignore` above a path for each path it is asked about.
 */
function createMemoFs(fs: FsAdapter): FsAdapter {
  const memo = new Map<string, Promise<unknown>>()
  const remember = <T>(key: string, read: () => Promise<T>): Promise<T> => {
    let hit = memo.get(key) as Promise<T> | undefined
    if (!hit) memo.set(key, (hit = read()))
    return hit
  }
  const p = fs.promises
  return {
    promises: {
      ...p,
      readFile: (path, options) => remember(`readFile ${JSON.stringify(options ?? null)} ${path}`, () => p.readFile(path, options)),
      stat: (path) => remember(`stat ${path}`, () => p.stat(path)),
      lstat: (path) => remember(`lstat ${path}`, () => p.lstat(path)),
    },
  }
}
