import { AppError } from '../../../shared/errors'

/** A PEP 440 version, parsed. */
export interface Version {
  epoch: number
  release: number[]
  /** `a`, `b` or `rc` with its number. */
  pre: { label: 'a' | 'b' | 'rc'; n: number } | null
  post: number | null
  dev: number | null
  /** Lowercase segments: numbers for digit-only segments, strings for the rest. */
  local: Array<number | string> | null
  /** The text it was parsed from (`===` compares it as written). */
  raw?: string
}

// PEP 440's appendix regex, as `packaging` uses it: every spelling normalised below is accepted.
const VERSION = new RegExp(
  '^\\s*v?(?:(?:(?<epoch>[0-9]+)!)?(?<release>[0-9]+(?:\\.[0-9]+)*)' +
    '(?<pre>[-_.]?(?<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<pre_n>[0-9]+)?)?' +
    '(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?' +
    '(?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?)' +
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?\\s*$',
  'i',
)

/** The version `text` means, or null when it is not a PEP 440 version (`1.0-beta-x`, `latest`). */
export function tryParseVersion(text: string): Version | null {
  const m = VERSION.exec(text)
  if (!m?.groups) return null
  const g = m.groups
  const preLabel = g.pre_l?.toLowerCase()
  return {
    epoch: g.epoch ? Number(g.epoch) : 0,
    release: g.release.split('.').map(Number),
    pre: preLabel ? { label: preLabel === 'alpha' || preLabel === 'a' ? 'a' : preLabel === 'beta' || preLabel === 'b' ? 'b' : 'rc', n: Number(g.pre_n ?? 0) } : null,
    post: g.post ? Number(g.post_n1 ?? g.post_n2 ?? 0) : null,
    dev: g.dev ? Number(g.dev_n ?? 0) : null,
    local: g.local ? g.local.toLowerCase().split(/[-_.]/).map((s) => (/^[0-9]+$/.test(s) ? Number(s) : s)) : null,
    raw: text,
  }
}

/** The version `text` means; throws BAD_INPUT when it is not a PEP 440 version. */
export function parseVersion(text: string): Version {
  const v = tryParseVersion(text)
  if (!v) throw new AppError('BAD_INPUT', `"${text}" is not a valid version (PEP 440)`, { version: text })
  return v
}

/** The normalised spelling: `1!2.0rc1.post3.dev4+ubuntu.1`. */
export function formatVersion(v: Version): string {
  let s = v.epoch ? `${v.epoch}!` : ''
  s += v.release.join('.')
  if (v.pre) s += `${v.pre.label}${v.pre.n}`
  if (v.post !== null) s += `.post${v.post}`
  if (v.dev !== null) s += `.dev${v.dev}`
  if (v.local) s += `+${v.local.join('.')}`
  return s
}

/** A dev or pre-release (what resolvers skip unless asked for, or unless nothing else matches). */
export function isPrerelease(v: Version): boolean {
  return v.pre !== null || v.dev !== null
}

/** The version without its local part (`1.0+abc` → `1.0`). */
export function publicVersion(v: Version): Version {
  return v.local ? { ...v, local: null, raw: undefined } : v
}

/** Epoch and release only (`1!2.0rc1.post1` → `1!2.0`). */
export function baseVersion(v: Version): Version {
  return { epoch: v.epoch, release: v.release, pre: null, post: null, dev: null, local: null }
}

const PRE_RANK = { a: 0, b: 1, rc: 2 } as const

/** Negative, zero or positive as `a` sorts before, with or after `b` (PEP 440 ordering). */
export function compareVersions(a: Version, b: Version): number {
  if (a.epoch !== b.epoch) return a.epoch - b.epoch
  // Trailing zeros do not count: 1.0 == 1.0.0.
  const length = Math.max(a.release.length, b.release.length)
  for (let i = 0; i < length; i++) {
    const d = (a.release[i] ?? 0) - (b.release[i] ?? 0)
    if (d) return d
  }
  const d = preKey(a) - preKey(b) || (a.pre && b.pre ? a.pre.n - b.pre.n : 0)
  if (d) return d
  const post = (a.post ?? -1) - (b.post ?? -1)
  if (post) return post
  // No dev part sorts after any dev part.
  if (a.dev !== b.dev) return a.dev === null ? 1 : b.dev === null ? -1 : a.dev - b.dev
  return compareLocal(a.local, b.local)
}

/** A dev release of the release itself sorts before its pre-releases (1.0.dev0 < 1.0a0 < 1.0). */
function preKey(v: Version): number {
  if (v.pre) return PRE_RANK[v.pre.label]
  if (v.post === null && v.dev !== null) return -1
  return 3
}

/** No local sorts first; numeric segments sort after alphanumeric ones; a longer run wins a tie. */
function compareLocal(a: Version['local'], b: Version['local']): number {
  if (!a || !b) return (a ? 1 : 0) - (b ? 1 : 0)
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]
    const y = b[i]
    if (typeof x === 'number' && typeof y === 'number') {
      if (x !== y) return x - y
    } else if (typeof x === 'number') return 1
    else if (typeof y === 'number') return -1
    else if (x !== y) return x < y ? -1 : 1
  }
  return a.length - b.length
}
