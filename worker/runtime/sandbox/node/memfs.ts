import { createSystemError } from './errors'
import { createPathModule } from './path'
import { Stats } from './stats'

/** A change the process made to the tree (the host applies these to the workspace). */
export type { FsChange } from '../../../../shared/protocol'
import type { FsChange } from '../../../../shared/protocol'

/** One path present when the sandbox starts. Files without `data` are loaded on first read. */
export interface MemFsEntry {
  path: string
  type: 'file' | 'dir' | 'symlink'
  mode: number
  size: number
  mtimeMs: number
  data?: Uint8Array
  target?: string
}

/** The starting snapshot: every entry, a synchronous loader for the contents not given, and a change listener. */
export interface MemFsInit {
  entries: MemFsEntry[]
  load?(path: string): Uint8Array
  onChange?(change: FsChange): void
}

/**
 * A synchronous in-memory POSIX-like tree. Paths are absolute (relative ones resolve against `/`);
 * every failure throws a Node-style system error (`code`, `errno`, `syscall`, `path`) whose
 * syscall is the one Node's matching `fs.*Sync` reports.
 */
export interface MemFs {
  /** The tree's own bytes: callers must not modify them. */
  readFile(path: string): Uint8Array
  /** Keeps `data` (no copy). `flag` 'wx' fails with EEXIST when the file exists. */
  writeFile(path: string, data: Uint8Array, options?: { mode?: number; flag?: 'w' | 'wx' }): void
  appendFile(path: string, data: Uint8Array, options?: { mode?: number }): void
  stat(path: string): Stats
  lstat(path: string): Stats
  /** Entry names, sorted. */
  readdir(path: string): string[]
  /** Resolves to the first directory created (recursive) or undefined. */
  mkdir(path: string, options?: { recursive?: boolean; mode?: number }): string | undefined
  rmdir(path: string): void
  unlink(path: string): void
  rm(path: string, options?: { recursive?: boolean; force?: boolean }): void
  rename(from: string, to: string): void
  /** `exclusive` fails with EEXIST when `dest` exists (COPYFILE_EXCL). */
  copyFile(src: string, dest: string, exclusive?: boolean): void
  symlink(target: string, path: string): void
  readlink(path: string): string
  realpath(path: string): string
  exists(path: string): boolean
  /** Throws ENOENT (syscall `access`) when the path does not exist. */
  access(path: string): void
  utimes(path: string, atimeMs: number, mtimeMs: number): void
  chmod(path: string, mode: number): void
  truncate(path: string, length: number): void
}

const S_IFMT = 0o170000
const S_IFREG = 0o100000
const S_IFDIR = 0o040000
const S_IFLNK = 0o120000

interface Inode {
  kind: 'file' | 'dir' | 'symlink'
  ino: number
  mode: number
  atimeMs: number
  mtimeMs: number
  ctimeMs: number
  birthtimeMs: number
  data?: Uint8Array
  size: number
  source?: string
  children?: Map<string, Inode>
  target?: string
}

interface Found {
  parent: Inode
  name: string
  node: Inode | undefined
  /** The real path of the entry (symlinks in parent directories resolved). */
  path: string
}

const TYPE_BITS = { file: S_IFREG, dir: S_IFDIR, symlink: S_IFLNK } as const
const DEFAULT_MODE = { file: 0o644, dir: 0o755, symlink: 0o777 } as const

/** Creates a file tree from a snapshot; `/`, `/workspace` and `/tmp` always exist. */
export function createMemFs(init: MemFsInit): MemFs {
  const path = createPathModule(() => '/')
  let nextIno = 1
  const now = () => Date.now()
  const emit = (change: FsChange) => init.onChange?.(change)

  function makeNode(kind: Inode['kind'], mode?: number, mtimeMs = now()): Inode {
    const perm = mode === undefined ? DEFAULT_MODE[kind] : mode & 0o7777
    const node: Inode = { kind, ino: nextIno++, mode: TYPE_BITS[kind] | perm, atimeMs: mtimeMs, mtimeMs, ctimeMs: mtimeMs, birthtimeMs: mtimeMs, size: 0 }
    if (kind === 'dir') node.children = new Map()
    return node
  }

  const root = makeNode('dir')
  root.children!.set('workspace', makeNode('dir'))
  root.children!.set('tmp', makeNode('dir', 0o1777))

  const split = (p: string) => path.resolve('/', p).split('/').filter(Boolean)

  /** Walks to `p`, following symlinks in parent directories and, when `follow`, in the last component. */
  function lookup(p: string, follow: boolean, syscall: string, shown = p, dest?: string): Found {
    const fail = (code: string) => createSystemError(code, syscall, shown, dest)
    let parts = split(p)
    const mustBeDir = p.length > 1 && p.endsWith('/')
    if (mustBeDir) follow = true
    let links = 0
    let dir = root
    let real = ''
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i]
      const last = i === parts.length - 1
      const node = dir.children!.get(name)
      if (!node) {
        if (last) return { parent: dir, name, node: undefined, path: `${real}/${name}` }
        throw fail('ENOENT')
      }
      if (node.kind === 'symlink' && (follow || !last)) {
        if (++links > 40) throw fail('ELOOP')
        parts = split(path.resolve(real || '/', node.target!, ...parts.slice(i + 1)))
        dir = root
        real = ''
        i = -1
        continue
      }
      if (last) {
        if (mustBeDir && node.kind !== 'dir') throw fail('ENOTDIR')
        return { parent: dir, name, node, path: `${real}/${name}` }
      }
      if (node.kind !== 'dir') throw fail('ENOTDIR')
      dir = node
      real += `/${name}`
    }
    return { parent: root, name: '', node: root, path: '/' }
  }

  function existing(p: string, follow: boolean, syscall: string): Found & { node: Inode } {
    const found = lookup(p, follow, syscall)
    if (!found.node) throw createSystemError('ENOENT', syscall, p)
    return found as Found & { node: Inode }
  }

  function contents(node: Inode): Uint8Array {
    if (!node.data) {
      node.data = node.source !== undefined && init.load ? init.load(node.source) : new Uint8Array(node.size)
      node.size = node.data.length
    }
    return node.data
  }

  function toStats(node: Inode): Stats {
    const size = node.kind === 'dir' ? 4096 : node.kind === 'symlink' ? node.target!.length : node.size
    return new Stats({
      dev: 2049, ino: node.ino, mode: node.mode, nlink: node.kind === 'dir' ? 2 : 1, uid: 1000, gid: 1000, rdev: 0, size, blksize: 4096,
      blocks: Math.ceil(size / 4096) * 8, atimeMs: node.atimeMs, mtimeMs: node.mtimeMs, ctimeMs: node.ctimeMs, birthtimeMs: node.birthtimeMs,
    })
  }

  function store(found: Found, data: Uint8Array, mode: number | undefined, syscall: string, shown: string): void {
    let node = found.node
    if (node?.kind === 'dir') throw createSystemError('EISDIR', syscall, shown)
    if (!node) {
      node = makeNode('file', mode)
      found.parent.children!.set(found.name, node)
      found.parent.mtimeMs = found.parent.ctimeMs = now()
    }
    node.data = data
    node.source = undefined
    node.size = data.length
    node.mtimeMs = node.ctimeMs = now()
    emit({ type: 'write', path: found.path, data, mode: node.mode })
  }

  function rename(from: string, to: string): void {
    const src = lookup(from, false, 'rename', from, to)
    if (!src.node) throw createSystemError('ENOENT', 'rename', from, to)
    const dst = lookup(to, false, 'rename', from, to)
    if (src.node === root || (src.node.kind === 'dir' && (dst.path + '/').startsWith(src.path + '/'))) {
      if (dst.path === src.path) return
      throw createSystemError('EINVAL', 'rename', from, to)
    }
    if (dst.node === src.node) return
    if (dst.node) {
      if (src.node.kind === 'dir' && dst.node.kind !== 'dir') throw createSystemError('ENOTDIR', 'rename', from, to)
      if (src.node.kind !== 'dir' && dst.node.kind === 'dir') throw createSystemError('EISDIR', 'rename', from, to)
      if (dst.node.kind === 'dir' && dst.node.children!.size > 0) throw createSystemError('ENOTEMPTY', 'rename', from, to)
    }
    src.parent.children!.delete(src.name)
    dst.parent.children!.set(dst.name, src.node)
    src.node.ctimeMs = src.parent.mtimeMs = dst.parent.mtimeMs = now()
    emit({ type: 'rename', from: src.path, to: dst.path })
  }

  function removeNode(found: Found): void {
    found.parent.children!.delete(found.name)
    found.parent.mtimeMs = found.parent.ctimeMs = now()
    emit({ type: 'remove', path: found.path })
  }

  for (const entry of init.entries) {
    const parts = split(entry.path)
    if (parts.length === 0) continue
    let dir = root
    for (const name of parts.slice(0, -1)) {
      let next = dir.children!.get(name)
      if (!next) dir.children!.set(name, (next = makeNode('dir', undefined, entry.mtimeMs)))
      if (next.kind !== 'dir') break
      dir = next
    }
    const node = makeNode(entry.type, entry.mode, entry.mtimeMs)
    const previous = dir.children!.get(parts[parts.length - 1])
    if (entry.type === 'dir' && previous?.kind === 'dir') node.children = previous.children
    if (entry.type === 'file') {
      node.size = entry.data ? entry.data.length : entry.size
      if (entry.data) node.data = entry.data
      else node.source = path.resolve('/', entry.path)
    }
    if (entry.type === 'symlink') node.target = entry.target ?? ''
    dir.children!.set(parts[parts.length - 1], node)
  }

  const fs: MemFs = {
    readFile(p) {
      const { node } = existing(p, true, 'open')
      if (node.kind === 'dir') throw createSystemError('EISDIR', 'read')
      node.atimeMs = now()
      return contents(node)
    },
    writeFile(p, data, options = {}) {
      const found = lookup(p, true, 'open')
      if (options.flag === 'wx' && found.node) throw createSystemError('EEXIST', 'open', p)
      store(found, data, options.mode, 'open', p)
    },
    appendFile(p, data, options = {}) {
      const found = lookup(p, true, 'open')
      if (!found.node || found.node.kind !== 'file') return store(found, data, options.mode, 'open', p)
      const old = contents(found.node)
      const joined = new Uint8Array(old.length + data.length)
      joined.set(old)
      joined.set(data, old.length)
      store(found, joined, undefined, 'open', p)
    },
    stat: (p) => toStats(existing(p, true, 'stat').node),
    lstat: (p) => toStats(existing(p, false, 'lstat').node),
    readdir(p) {
      const { node } = existing(p, true, 'scandir')
      if (node.kind !== 'dir') throw createSystemError('ENOTDIR', 'scandir', p)
      return [...node.children!.keys()].sort()
    },
    mkdir(p, options = {}) {
      if (!options.recursive) {
        const found = lookup(p, false, 'mkdir')
        if (found.node) throw createSystemError('EEXIST', 'mkdir', p)
        found.parent.children!.set(found.name, makeNode('dir', options.mode))
        emit({ type: 'mkdir', path: found.path })
        return undefined
      }
      const parts = split(p)
      let first: string | undefined
      for (let i = 1; i <= parts.length; i++) {
        const sub = '/' + parts.slice(0, i).join('/')
        let found: Found
        try {
          found = lookup(sub, true, 'mkdir', p)
        } catch (error) {
          throw createSystemError((error as { code: string }).code, 'mkdir', p)
        }
        if (found.node) {
          if (found.node.kind !== 'dir') throw createSystemError(i === parts.length ? 'EEXIST' : 'ENOTDIR', 'mkdir', p)
          continue
        }
        found.parent.children!.set(found.name, makeNode('dir', options.mode))
        first ??= found.path
        emit({ type: 'mkdir', path: found.path })
      }
      return first
    },
    rmdir(p) {
      const found = existing(p, false, 'rmdir')
      if (found.node.kind !== 'dir') throw createSystemError('ENOTDIR', 'rmdir', p)
      if (found.node.children!.size > 0) throw createSystemError('ENOTEMPTY', 'rmdir', p)
      if (found.node === root) throw createSystemError('EPERM', 'rmdir', p)
      removeNode(found)
    },
    unlink(p) {
      const found = existing(p, false, 'unlink')
      if (found.node.kind === 'dir') throw createSystemError('EISDIR', 'unlink', p)
      removeNode(found)
    },
    rm(p, options = {}) {
      let found: Found
      try {
        found = existing(p, false, 'lstat')
      } catch (error) {
        if (options.force && (error as { code: string }).code === 'ENOENT') return
        throw error
      }
      if (found.node!.kind === 'dir' && !options.recursive) {
        const error = createSystemError('EISDIR', 'rm', p)
        error.message = `Path is a directory: rm returned EISDIR (is a directory) ${p}`
        error.code = 'ERR_FS_EISDIR'
        error.errno = 21
        throw error
      }
      if (found.node === root) throw createSystemError('EPERM', 'rm', p)
      removeNode(found)
    },
    rename,
    copyFile(src, dest, exclusive) {
      const from = lookup(src, true, 'copyfile', src, dest)
      if (!from.node) throw createSystemError('ENOENT', 'copyfile', src, dest)
      if (from.node.kind === 'dir') throw createSystemError('EISDIR', 'copyfile', src, dest)
      const to = lookup(dest, true, 'copyfile', src, dest)
      if (to.node && exclusive) throw createSystemError('EEXIST', 'copyfile', src, dest)
      if (to.node?.kind === 'dir') throw createSystemError('EISDIR', 'copyfile', src, dest)
      store(to, contents(from.node).slice(), to.node ? undefined : from.node.mode & 0o7777, 'copyfile', dest)
    },
    symlink(target, p) {
      const found = lookup(p, false, 'symlink', target, p)
      if (found.node) throw createSystemError('EEXIST', 'symlink', target, p)
      const node = makeNode('symlink')
      node.target = target
      found.parent.children!.set(found.name, node)
      emit({ type: 'symlink', path: found.path, target })
    },
    readlink(p) {
      const { node } = existing(p, false, 'readlink')
      if (node.kind !== 'symlink') throw createSystemError('EINVAL', 'readlink', p)
      return node.target!
    },
    realpath(p) {
      const abs = path.resolve('/', p)
      try {
        const found = lookup(abs, true, 'lstat')
        if (found.node) return found.path
      } catch (error) {
        if ((error as { code?: string }).code !== 'ENOENT') throw error
      }
      // Node walks the path with lstat and names the first component that is missing.
      const parts = split(abs)
      let missing = abs
      for (let i = 1; i <= parts.length; i++) {
        const prefix = `/${parts.slice(0, i).join('/')}`
        if (!fs.exists(prefix)) {
          missing = prefix
          break
        }
      }
      throw createSystemError('ENOENT', 'lstat', missing)
    },
    exists(p) {
      try {
        return lookup(p, true, 'stat').node !== undefined
      } catch {
        return false
      }
    },
    access(p) {
      existing(p, true, 'access')
    },
    utimes(p, atimeMs, mtimeMs) {
      const { node } = existing(p, true, 'utime')
      node.atimeMs = atimeMs
      node.mtimeMs = mtimeMs
    },
    chmod(p, mode) {
      const found = existing(p, true, 'chmod')
      found.node.mode = (found.node.mode & S_IFMT) | (mode & 0o7777)
      found.node.ctimeMs = now()
      if (found.node.kind === 'file') emit({ type: 'write', path: found.path, data: contents(found.node), mode: found.node.mode })
    },
    truncate(p, length) {
      const found = existing(p, true, 'open')
      if (found.node.kind === 'dir') throw createSystemError('EISDIR', 'open', p)
      const old = contents(found.node)
      const data = new Uint8Array(length)
      data.set(old.subarray(0, length))
      store(found, data, undefined, 'open', p)
    },
  }
  return fs
}
