import { AppError } from '../../../shared/errors'
import { baseVersion, compareVersions, formatVersion, isPrerelease, publicVersion, tryParseVersion, type Version } from './version'

/** A PEP 440 comparison operator. */
export type Operator = '~=' | '==' | '!=' | '<=' | '>=' | '<' | '>' | '==='

/** One version specifier (`>=1.5`, `==2.*`, `~=1.4.2`, `===foo`). */
export interface Specifier {
  op: Operator
  /** The version as written (without `.*`). */
  version: string
  /** `==1.0.*` / `!=1.0.*`. */
  wildcard: boolean
  /** Parsed, except for `===`, which compares strings. */
  parsed: Version | null
}

const SPECIFIER = /^\s*(~=|===|==|!=|<=|>=|<|>)\s*(\S*?)\s*$/

/**
 * The specifiers of a comma-separated list (`>=1.5, <2`; '' is none). Throws BAD_INPUT, naming
 * the specifier, for what PEP 440 does not allow: a wildcard other than after `==`/`!=` or after
 * a pre/post/dev/local part, a local version with an ordering operator, `~=` with one segment.
 */
export function parseSpecifiers(text: string): Specifier[] {
  if (!text.trim()) return []
  return text.split(',').map((part) => parseSpecifier(part))
}

function parseSpecifier(text: string): Specifier {
  const m = SPECIFIER.exec(text)
  const bad = (why: string) => new AppError('BAD_INPUT', `invalid version specifier "${text.trim()}": ${why}`, { specifier: text.trim() })
  if (!m || !m[2]) throw bad('expected an operator (==, !=, <, <=, >, >=, ~=, ===) and a version')
  const op = m[1] as Operator
  const written = m[2]
  if (op === '===') return { op, version: written, wildcard: false, parsed: null }
  const wildcard = written.endsWith('.*')
  const version = wildcard ? written.slice(0, -2) : written
  const parsed = tryParseVersion(version)
  if (!parsed) throw bad(`"${version}" is not a valid version`)
  if (wildcard && (op !== '==' && op !== '!=')) throw bad('only == and != take a .* wildcard')
  if (wildcard && (parsed.pre || parsed.post !== null || parsed.dev !== null || parsed.local)) throw bad('a .* wildcard follows a release number only')
  if (parsed.local && op !== '==' && op !== '!=') throw bad('only == and != take a local version (+…)')
  if (op === '~=' && parsed.release.length < 2) throw bad('~= needs at least two release numbers (~=1.4, not ~=1)')
  return { op, version, wildcard, parsed }
}

/** `>=1.5,<2` as written (normalised spacing). */
export function formatSpecifiers(specs: readonly Specifier[]): string {
  return specs.map((s) => `${s.op}${s.version}${s.wildcard ? '.*' : ''}`).join(',')
}

/** Whether `v` satisfies one specifier (pre-releases not excluded here: see `allowsPrereleases`). */
export function specifierMatches(spec: Specifier, v: Version): boolean {
  // Arbitrary equality compares the text as written, as packaging does.
  if (spec.op === '===') return (v.raw ?? formatVersion(v)).toLowerCase() === spec.version.toLowerCase()
  const s = spec.parsed!
  switch (spec.op) {
    case '==':
      return equals(v, s, spec.wildcard)
    case '!=':
      return !equals(v, s, spec.wildcard)
    case '<=':
      return compareVersions(publicVersion(v), s) <= 0
    case '>=':
      return compareVersions(publicVersion(v), s) >= 0
    case '<':
      // `<3` does not admit 3.0a1: a pre-release of the excluded version is not "less".
      return compareVersions(v, s) < 0 && !(!isPrerelease(s) && isPrerelease(v) && sameBase(v, s))
    case '>':
      // `>1.0` does not admit 1.0.post1 or 1.0+local.
      return compareVersions(v, s) > 0 && !(s.post === null && v.post !== null && sameBase(v, s)) && !(v.local && sameBase(v, s))
    case '~=':
      return compareVersions(publicVersion(v), s) >= 0 && prefixEquals(v, { ...s, release: s.release.slice(0, -1) })
  }
}

function equals(v: Version, s: Version, wildcard: boolean): boolean {
  if (wildcard) return prefixEquals(v, s)
  return compareVersions(s.local ? v : publicVersion(v), s) === 0
}

/** `==1.4.*`: same epoch, and the release starts with 1.4 (missing numbers count as 0). */
function prefixEquals(v: Version, prefix: Version): boolean {
  if (v.epoch !== prefix.epoch) return false
  return prefix.release.every((n, i) => (v.release[i] ?? 0) === n)
}

function sameBase(a: Version, b: Version): boolean {
  return compareVersions(baseVersion(a), baseVersion(b)) === 0
}

/** Whether `v` satisfies every specifier. */
export function satisfiesAll(specs: readonly Specifier[], v: Version): boolean {
  return specs.every((s) => specifierMatches(s, v))
}

/** Whether a specifier asks for pre-releases by naming one (`>=2.0b1`, `==1.0rc2`, `~=3.0a1`). */
export function allowsPrereleases(specs: readonly Specifier[]): boolean {
  return specs.some((s) => {
    if (s.op === '!=' || s.op === '<' || s.op === '>') return false
    const v = s.parsed ?? tryParseVersion(s.version)
    return v !== null && isPrerelease(v)
  })
}

/**
 * The items whose version satisfies `specs`, by PEP 440's rule for pre-releases: they are left out
 * unless `pre` is set, a specifier names one, or no final release matches at all.
 */
export function selectMatching<T>(items: readonly T[], versionOf: (item: T) => Version, specs: readonly Specifier[], options: { pre?: boolean } = {}): T[] {
  const matching = items.filter((item) => satisfiesAll(specs, versionOf(item)))
  if (options.pre || allowsPrereleases(specs)) return matching
  const finals = matching.filter((item) => !isPrerelease(versionOf(item)))
  return finals.length ? finals : matching
}
