/** The platform an install targets, in Node's names (`process.platform`, `process.arch`). */
export interface Platform {
  os: string
  cpu: string
  /** `glibc` or `musl` on Linux; unknown (so any `libc` list fails, as in npm) when absent. */
  libc?: string
}

/**
 * Whether a package's `os`, `cpu` and `libc` lists (as in package.json or the lockfile) allow `platform`,
 * by npm's rules: a list allows a value it names, or, when every entry is a `!negation`, any value
 * it does not negate; a missing list or `['any']` allows all. npm skips optional packages that
 * fail this and refuses required ones.
 */
export function platformAllows(pkg: { os?: readonly string[] | string; cpu?: readonly string[] | string; libc?: readonly string[] | string }, platform: Platform): boolean {
  // npm checks libc only on Linux: a package that names a libc fails everywhere else.
  const libc = pkg.libc === undefined || (platform.os === 'linux' && platform.libc !== undefined && allows(platform.libc, pkg.libc))
  return allows(platform.os, pkg.os) && allows(platform.cpu, pkg.cpu) && libc
}

function allows(value: string, list: readonly string[] | string | undefined): boolean {
  if (list === undefined) return true
  const entries = typeof list === 'string' ? [list] : list
  if (entries.length === 0 || (entries.length === 1 && entries[0] === 'any')) return true
  let negated = 0
  let match = false
  for (const entry of entries) {
    if (entry.startsWith('!')) {
      negated++
      if (value === entry.slice(1)) return false
    } else if (value === entry) match = true
  }
  return match || negated === entries.length
}
