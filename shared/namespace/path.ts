import { AppError } from '../errors'

/**
 * Normalises a path to an absolute one: repeated slashes collapse, `.` drops, `..` pops a
 * segment and stops at the root (so it can never climb above it), a trailing slash goes.
 * Relative paths are taken from the root. NUL bytes and non-strings are refused (EINVAL).
 */
export function normalizePath(path: string): string {
  if (typeof path !== 'string') throw new AppError('EINVAL', `EINVAL: path must be a string, got ${typeof path}`, { path: String(path) })
  if (path.includes('\0')) throw new AppError('EINVAL', `EINVAL: path contains a NUL byte: '${path.replace(/\0/g, '\\0')}'`, { path })
  const out: string[] = []
  for (const segment of path.replace(/\\/g, '/').split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') out.pop()
    else out.push(segment)
  }
  return '/' + out.join('/')
}

/** Parent of a normalised path (`/` for `/` itself). */
export function dirname(path: string): string {
  const i = path.lastIndexOf('/')
  return i <= 0 ? '/' : path.slice(0, i)
}

/** Last segment of a normalised path (empty for `/`). */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

/** Joins segments and normalises the result. */
export function joinPath(...parts: string[]): string {
  return normalizePath(parts.join('/'))
}

/** True when `path` is `dir` or inside it (both normalised). */
export function isWithin(path: string, dir: string): boolean {
  return dir === '/' || path === dir || path.startsWith(dir + '/')
}

/** `path` relative to `dir` as an absolute in-service path (`/workspace/a` in `/workspace` → `/a`). */
export function relativeTo(path: string, dir: string): string {
  if (dir === '/') return path
  return path === dir ? '/' : path.slice(dir.length)
}
