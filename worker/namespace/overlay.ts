import { AppError, fsError } from '../../shared/errors'
import { basename, dirname, mkdirp, normalizePath, walkFiles, type FileService, type Stat } from '../../shared/namespace'
import { copyTree, exists, removeTree } from './ops'

/** One path an overlay changes relative to its lower layer. */
export interface OverlayChange {
  path: string
  kind: 'added' | 'modified' | 'deleted'
}

/** A copy-on-write view: reads fall through to `lower`, every write stays in `upper`. */
export interface Overlay extends FileService {
  /** Files the overlay adds, modifies or deletes, sorted by path. */
  changes(): Promise<OverlayChange[]>
  /** Applies the change set to the lower layer (atomically there), then empties the overlay. */
  commit(): Promise<OverlayChange[]>
  /** Drops every change; the view is the lower layer again. */
  discard(): Promise<void>
}

/** Name of the file in the upper layer that records deletions (whiteouts); never visible. */
export const WHITEOUTS = '/.oanix-whiteouts.json'

type Layer = 'upper' | 'lower'

/**
 * Builds an overlay. `upper` must be empty or a previous overlay's upper layer (its
 * deletions are kept in it, so an IndexedDB upper survives reloads). `lower` is never written
 * except by `commit`.
 */
export async function createOverlay({ lower, upper }: { lower: FileService; upper: FileService }): Promise<Overlay> {
  let whiteouts = new Set<string>()
  try {
    whiteouts = new Set(JSON.parse(new TextDecoder().decode(await upper.readFile(WHITEOUTS))) as string[])
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'ENOENT')) throw error
  }

  async function saveWhiteouts(): Promise<void> {
    await upper.writeFile(WHITEOUTS, new TextEncoder().encode(JSON.stringify([...whiteouts].sort())))
  }

  function guard(op: string, path: string): string {
    const p = normalizePath(path)
    if (p === WHITEOUTS) throw fsError('EACCES', op, p, 'reserved by the overlay')
    return p
  }

  /** True when a deletion hides `p` in the lower layer. */
  function lowerHidden(p: string): boolean {
    for (let a = p; ; a = dirname(a)) {
      if (whiteouts.has(a)) return true
      if (a === '/') return false
    }
  }

  async function find(p: string): Promise<{ layer: Layer; stat: Stat } | null> {
    try {
      return { layer: 'upper', stat: await upper.lstat(p) }
    } catch (error) {
      if (!(error instanceof AppError && (error.code === 'ENOENT' || error.code === 'ENOTDIR'))) throw error
    }
    if (lowerHidden(p)) return null
    try {
      return { layer: 'lower', stat: await lower.lstat(p) }
    } catch (error) {
      if (error instanceof AppError && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) return null
      throw error
    }
  }

  /**
   * The real path `p` names in the merged view: symbolic links in directory positions are
   * followed (the last one only when `followLast`) whichever layer holds them, so each layer
   * is asked only for paths it holds as they are. Never ends on the whiteout file.
   */
  async function locate(op: string, p: string, followLast: boolean): Promise<string> {
    let segments = guard(op, p).split('/').filter(Boolean)
    let current = '/'
    let hops = 0
    for (let i = 0; i < segments.length; i++) {
      const next = current === '/' ? `/${segments[i]}` : `${current}/${segments[i]}`
      const hit = i < segments.length - 1 || followLast ? await find(next) : null
      if (hit?.stat.type === 'symlink') {
        if (++hops > 40) throw fsError('ELOOP', op, p)
        const target = await (hit.layer === 'upper' ? upper : lower).readlink(next)
        segments = [...normalizePath(target.startsWith('/') ? target : `${current}/${target}`).split('/').filter(Boolean), ...segments.slice(i + 1)]
        current = '/'
        i = -1
        continue
      }
      current = next
    }
    // A link may point at the whiteout file; it stays out of reach that way too.
    if (current === WHITEOUTS) throw fsError('EACCES', op, p, 'reserved by the overlay')
    return current
  }

  /** `dir` (a real path) must be a directory in the merged view. */
  async function requireDir(op: string, dir: string, full: string): Promise<void> {
    const hit = await find(dir)
    if (!hit) throw fsError('ENOENT', op, full)
    if (hit.stat.type !== 'dir') throw fsError('ENOTDIR', op, full)
  }

  /** Makes `dir` and its ancestors exist in the upper layer (copying the merged view's shape). */
  async function copyUpDirs(dir: string): Promise<void> {
    await mkdirp(upper, dir)
  }

  async function remove(op: string, full: string, expectDir: boolean): Promise<void> {
    const p = await locate(op, full, false)
    const hit = await find(p)
    if (!hit) throw fsError('ENOENT', op, full)
    if (expectDir && hit.stat.type !== 'dir') throw fsError('ENOTDIR', op, full)
    if (!expectDir && hit.stat.type === 'dir') throw fsError('EISDIR', op, full)
    if (expectDir && (await overlay.readdir(p)).length > 0) throw fsError('ENOTEMPTY', op, full)
    if (hit.layer === 'upper') {
      if (expectDir) await upper.rmdir(p)
      else await upper.unlink(p)
    }
    if (!lowerHidden(p) && (await exists(lower, p))) {
      whiteouts.add(p)
      await saveWhiteouts()
    }
  }

  const overlay: Overlay = {
    readOnly: false,
    async readFile(path) {
      const p = guard('open', path)
      const real = await locate('open', p, true)
      const hit = await find(real)
      if (!hit) throw fsError('ENOENT', 'open', p)
      if (hit.stat.type === 'dir') throw fsError('EISDIR', 'read', p)
      return (hit.layer === 'upper' ? upper : lower).readFile(real)
    },
    async stat(path) {
      const p = guard('stat', path)
      const hit = await find(await locate('stat', p, true))
      if (!hit) throw fsError('ENOENT', 'stat', p)
      return hit.stat
    },
    async lstat(path) {
      const p = guard('lstat', path)
      const hit = await find(await locate('lstat', p, false))
      if (!hit) throw fsError('ENOENT', 'lstat', p)
      return hit.stat
    },
    async readlink(path) {
      const p = guard('readlink', path)
      const real = await locate('readlink', p, false)
      const hit = await find(real)
      if (!hit) throw fsError('ENOENT', 'readlink', p)
      return (hit.layer === 'upper' ? upper : lower).readlink(real)
    },
    async readdir(path) {
      const p = guard('scandir', path)
      const real = await locate('scandir', p, true)
      const hit = await find(real)
      if (!hit) throw fsError('ENOENT', 'scandir', p)
      if (hit.stat.type !== 'dir') throw fsError('ENOTDIR', 'scandir', p)
      const names = new Set<string>()
      if (await exists(upper, real)) for (const n of await upper.readdir(real)) names.add(n)
      if (!lowerHidden(real) && (await exists(lower, real))) {
        for (const n of await lower.readdir(real)) {
          const child = real === '/' ? `/${n}` : `${real}/${n}`
          if (!whiteouts.has(child)) names.add(n)
        }
      }
      if (real === '/') names.delete(basename(WHITEOUTS))
      return [...names].sort()
    },
    async writeFile(path, data, options) {
      const p = guard('open', path)
      // Through a final link too, even a dangling one: the file lands where the link points.
      const target = await locate('open', p, true)
      const hit = await find(target)
      if (hit?.stat.type === 'dir') throw fsError('EISDIR', 'open', p)
      await requireDir('open', dirname(target), p)
      await copyUpDirs(dirname(target))
      await upper.writeFile(target, data, { mode: options?.mode ?? hit?.stat.mode })
    },
    async mkdir(path) {
      const p = guard('mkdir', path)
      const real = await locate('mkdir', p, false)
      if (await find(real)) throw fsError('EEXIST', 'mkdir', p)
      await requireDir('mkdir', dirname(real), p)
      await copyUpDirs(dirname(real))
      await upper.mkdir(real)
    },
    async symlink(target, path) {
      const p = guard('symlink', path)
      const real = await locate('symlink', p, false)
      if (await find(real)) throw fsError('EEXIST', 'symlink', p)
      await requireDir('symlink', dirname(real), p)
      await copyUpDirs(dirname(real))
      await upper.symlink(target, real)
    },
    async unlink(path) {
      await remove('unlink', guard('unlink', path), false)
    },
    async rmdir(path) {
      const p = guard('rmdir', path)
      if (p === '/') throw fsError('EACCES', 'rmdir', p, 'the root cannot be removed')
      await remove('rmdir', p, true)
    },
    async rename(from, to) {
      const a = await locate('rename', from, false)
      const b = await locate('rename', to, false)
      const src = await find(a)
      if (!src) throw fsError('ENOENT', 'rename', a)
      if (a === '/' || b === '/') throw fsError('EACCES', 'rename', a, 'the root cannot be moved')
      if (a === b) return
      if (src.stat.type === 'dir' && b.startsWith(a + '/')) throw fsError('EINVAL', 'rename', a, `cannot move a directory into itself ('${b}')`)
      await requireDir('rename', dirname(b), b)
      const dst = await find(b)
      if (dst) {
        if (src.stat.type === 'dir' && dst.stat.type !== 'dir') throw fsError('ENOTDIR', 'rename', b)
        if (src.stat.type !== 'dir' && dst.stat.type === 'dir') throw fsError('EISDIR', 'rename', b)
        if (dst.stat.type === 'dir' && (await overlay.readdir(b)).length > 0) throw fsError('ENOTEMPTY', 'rename', b)
      }
      await overlay.batch(async () => {
        if (dst) await removeTree(overlay, b)
        await copyTree(overlay, a, overlay, b)
        await removeTree(overlay, a)
      })
    },
    async batch(fn) {
      const saved = new Set(whiteouts)
      try {
        return await upper.batch(fn)
      } catch (error) {
        whiteouts = saved
        throw error
      }
    },
    async changes() {
      const out = new Map<string, OverlayChange['kind']>()
      for (const w of whiteouts) {
        if (!(await exists(lower, w))) continue
        const gone = (await lower.lstat(w)).type === 'dir' ? await walkFiles(lower, w) : [w]
        for (const f of gone) out.set(f, 'deleted')
      }
      for (const f of await walkFiles(upper, '/')) {
        if (f === WHITEOUTS) continue
        const inLower = !lowerHidden(f) || out.has(f) ? await exists(lower, f) : false
        if (!inLower) {
          out.set(f, out.get(f) === 'deleted' ? 'modified' : 'added')
          continue
        }
        if (await sameFile(upper, lower, f)) out.delete(f)
        else out.set(f, 'modified')
      }
      return [...out].map(([path, kind]) => ({ path, kind })).sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0))
    },
    async commit() {
      const changed = await overlay.changes()
      await lower.batch(async () => {
        for (const w of [...whiteouts].sort()) await removeTree(lower, w)
        await applyUpper(upper, lower, '/')
      })
      await overlay.discard()
      return changed
    },
    async discard() {
      await upper.batch(async () => {
        for (const name of await upper.readdir('/')) await removeTree(upper, `/${name}`)
      })
      whiteouts = new Set()
    },
  }
  return overlay
}

/** Writes every directory, file and symlink of `upper` below `dir` into `lower` where it differs. */
async function applyUpper(upper: FileService, lower: FileService, dir: string): Promise<void> {
  for (const name of await upper.readdir(dir)) {
    const p = dir === '/' ? `/${name}` : `${dir}/${name}`
    if (p === WHITEOUTS) continue
    const s = await upper.lstat(p)
    const there = (await exists(lower, p)) ? await lower.lstat(p) : null
    if (there && there.type !== s.type) await removeTree(lower, p)
    if (s.type === 'dir') {
      if (!there || there.type !== 'dir') await lower.mkdir(p)
      await applyUpper(upper, lower, p)
    } else if (s.type === 'symlink') {
      const target = await upper.readlink(p)
      if (there?.type === 'symlink' && (await lower.readlink(p)) === target) continue
      if (there?.type === 'symlink') await lower.unlink(p)
      await lower.symlink(target, p)
    } else if (!(there?.type === 'file' && (await sameFile(upper, lower, p)))) {
      await lower.writeFile(p, await upper.readFile(p), { mode: s.mode })
    }
  }
}

async function sameFile(a: FileService, b: FileService, p: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([a.lstat(p), b.lstat(p)])
  if (sa.type !== sb.type || sa.mode !== sb.mode || sa.size !== sb.size) return false
  if (sa.type === 'symlink') return (await a.readlink(p)) === (await b.readlink(p))
  const [x, y] = await Promise.all([a.readFile(p), b.readFile(p)])
  return x.length === y.length && x.every((v, i) => v === y[i])
}
