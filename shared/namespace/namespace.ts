import { AppError, fsError } from '../errors'
import { basename, dirname, isWithin, normalizePath, relativeTo } from './path'
import { MODE, type FileService, type Mount, type Stat } from './types'

/** A mount table: path prefix → file service, longest prefix wins. Immutable once built. */
export interface Namespace extends FileService {
  readonly mounts: readonly Mount[]
  /** The mount that owns `path` and the path inside it, or null when no mount covers it. */
  resolve(path: string): { mount: Mount; path: string } | null
}

/** What `createNamespace` takes for each mount. */
export interface MountSpec {
  path: string
  service: FileService
  readOnly?: boolean
}

const SYNTHETIC_DIR: Stat = { type: 'dir', mode: MODE.dir, size: 0, ino: 0, mtimeMs: 0, ctimeMs: 0 }

/**
 * Builds a namespace over `specs`. Every path is normalised before lookup, so `..` and
 * repeated slashes cannot leave the mount the normalised path names; the service then sees
 * only its own part. Directories above mount points exist (read-only) so the tree can be walked.
 * A change that spans mounts is atomic per mount.
 */
export function createNamespace(specs: readonly MountSpec[]): Namespace {
  const mounts: Mount[] = specs.map((s) => ({ path: normalizePath(s.path), service: s.service, readOnly: Boolean(s.readOnly || s.service.readOnly) }))
  const seen = new Set<string>()
  for (const m of mounts) {
    if (seen.has(m.path)) throw new AppError('BAD_INPUT', `two mounts at '${m.path}'`, { path: m.path })
    seen.add(m.path)
  }
  // Longest prefix first, so the first match wins.
  const ordered = [...mounts].sort((a, b) => b.path.length - a.path.length)
  Object.freeze(mounts)

  function resolve(path: string): { mount: Mount; path: string } | null {
    const p = normalizePath(path)
    const mount = ordered.find((m) => isWithin(p, m.path))
    return mount ? { mount, path: relativeTo(p, mount.path) } : null
  }

  /** Names of mount points directly below `dir` (which makes `dir` exist even with no service). */
  function childMounts(dir: string): string[] {
    const names = new Set<string>()
    for (const m of mounts) {
      if (m.path !== dir && isWithin(m.path, dir)) names.add(relativeTo(m.path, dir).split('/')[1])
    }
    return [...names]
  }

  function target(op: string, path: string, write: boolean): { service: FileService; path: string; full: string } {
    const full = normalizePath(path)
    const hit = resolve(full)
    const holdsMounts = full === '/' || childMounts(full).length > 0
    if (!hit) {
      if (write) throw fsError(holdsMounts ? 'EEXIST' : 'EACCES', op, full, 'outside every mount')
      throw fsError(holdsMounts ? 'EISDIR' : 'ENOENT', op, full)
    }
    if (write && hit.mount.readOnly) throw fsError('EROFS', op, full, `${hit.mount.path} is mounted read-only`)
    // A directory holding mount points is part of the mount table, whatever the service below says.
    if (write && holdsMounts) throw fsError(op === 'open' || op === 'mkdir' || op === 'symlink' ? 'EEXIST' : 'EACCES', op, full, 'mount points are below it')
    return { service: hit.mount.service, path: hit.path, full }
  }

  /** Runs a read; a directory above a mount point exists even when the service below lacks it. */
  async function readAbove<T>(full: string, op: Promise<T>, synthetic: () => T): Promise<T> {
    try {
      return await op
    } catch (error) {
      if (error instanceof AppError && (error.code === 'ENOENT' || error.code === 'ENOTDIR') && childMounts(full).length > 0) return synthetic()
      throw error
    }
  }

  async function rethrowWithFullPath<T>(full: string, op: Promise<T>): Promise<T> {
    try {
      return await op
    } catch (error) {
      // Services speak in their own paths; callers should see the namespace path.
      if (error instanceof AppError && error.path !== undefined && error.code !== 'EXDEV') {
        const hit = resolve(full)
        const mountPath = hit?.mount.path ?? '/'
        const outer = mountPath === '/' ? error.path : mountPath + (error.path === '/' ? '' : error.path)
        throw new AppError(error.code, error.message.replace(`'${error.path}'`, `'${outer}'`), { ...error.data, path: outer })
      }
      throw error
    }
  }

  const ns: Namespace = {
    readOnly: false,
    mounts,
    resolve,
    async readFile(path) {
      const t = target('open', path, false)
      return rethrowWithFullPath(t.full, t.service.readFile(t.path))
    },
    async writeFile(path, data, options) {
      const t = target('open', path, true)
      return rethrowWithFullPath(t.full, t.service.writeFile(t.path, data, options))
    },
    async mkdir(path) {
      const t = target('mkdir', path, true)
      return rethrowWithFullPath(t.full, t.service.mkdir(t.path))
    },
    async readdir(path) {
      const full = normalizePath(path)
      const hit = resolve(full)
      const extra = childMounts(full)
      if (!hit) {
        if (extra.length === 0) throw fsError('ENOENT', 'scandir', full)
        return extra.sort()
      }
      const own = await readAbove(full, rethrowWithFullPath(full, hit.mount.service.readdir(hit.path)), () => [])
      return extra.length === 0 ? own : [...new Set([...own, ...extra])].sort()
    },
    async stat(path) {
      const full = normalizePath(path)
      const hit = resolve(full)
      if (!hit) {
        if (full === '/' || childMounts(full).length > 0) return { ...SYNTHETIC_DIR }
        throw fsError('ENOENT', 'stat', full)
      }
      return readAbove(full, rethrowWithFullPath(full, hit.mount.service.stat(hit.path)), () => ({ ...SYNTHETIC_DIR }))
    },
    async lstat(path) {
      const full = normalizePath(path)
      const hit = resolve(full)
      if (!hit) {
        if (full === '/' || childMounts(full).length > 0) return { ...SYNTHETIC_DIR }
        throw fsError('ENOENT', 'lstat', full)
      }
      return readAbove(full, rethrowWithFullPath(full, hit.mount.service.lstat(hit.path)), () => ({ ...SYNTHETIC_DIR }))
    },
    async unlink(path) {
      const t = target('unlink', path, true)
      return rethrowWithFullPath(t.full, t.service.unlink(t.path))
    },
    async rmdir(path) {
      const t = target('rmdir', path, true)
      if (t.path === '/') throw fsError('EACCES', 'rmdir', t.full, 'a mount point cannot be removed')
      return rethrowWithFullPath(t.full, t.service.rmdir(t.path))
    },
    async rename(from, to) {
      const a = target('rename', from, true)
      const b = target('rename', to, true)
      if (a.service !== b.service || resolve(a.full)!.mount !== resolve(b.full)!.mount) {
        throw fsError('EXDEV', 'rename', a.full, `to '${b.full}' is on another mount`)
      }
      if (a.path === '/' || b.path === '/') throw fsError('EACCES', 'rename', a.full, 'a mount point cannot be moved')
      return rethrowWithFullPath(a.full, a.service.rename(a.path, b.path))
    },
    async symlink(targetPath, path) {
      const t = target('symlink', path, true)
      return rethrowWithFullPath(t.full, t.service.symlink(targetPath, t.path))
    },
    async readlink(path) {
      const t = target('readlink', path, false)
      return rethrowWithFullPath(t.full, t.service.readlink(t.path))
    },
    async batch(fn) {
      // Each writable service wraps the next, so a throw rolls every one of them back.
      const services = [...new Set(mounts.filter((m) => !m.readOnly).map((m) => m.service))]
      const run = services.reduceRight<() => Promise<unknown>>((inner, service) => () => service.batch(inner), fn)
      return (await run()) as Awaited<ReturnType<typeof fn>>
    },
  }
  return ns
}

/** Creates `path` and its missing parents; fine when it already is a directory. */
export async function mkdirp(fs: Pick<FileService, 'mkdir' | 'stat'>, path: string): Promise<void> {
  const p = normalizePath(path)
  if (p === '/') return
  try {
    const s = await fs.stat(p)
    if (s.type === 'dir') return
    throw fsError('ENOTDIR', 'mkdir', p)
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'ENOENT') throw error
  }
  await mkdirp(fs, dirname(p))
  try {
    await fs.mkdir(p)
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'EEXIST')) throw error
  }
}

/** Every file below `dir` (recursively), as normalised paths, sorted. Symlinks count as files. */
export async function walkFiles(fs: Pick<FileService, 'readdir' | 'lstat'>, dir: string): Promise<string[]> {
  const out: string[] = []
  const root = normalizePath(dir)
  async function visit(d: string): Promise<void> {
    for (const name of await fs.readdir(d)) {
      const p = d === '/' ? `/${name}` : `${d}/${name}`
      const s = await fs.lstat(p)
      if (s.type === 'dir') await visit(p)
      else out.push(p)
    }
  }
  await visit(root)
  return out.sort()
}

export { basename, dirname }
