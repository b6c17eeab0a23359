import { normalizeName } from './requirement'
import { tryParseVersion } from './version'

/** What a wheel's file name says (PEP 427). */
export interface WheelName {
  /** The distribution name as written in the file name (`tool_kit`). */
  name: string
  version: string
  build: string | null
  /** Every `python-abi-platform` combination the compressed tag set names (`py2.py3-none-any` → two). */
  tags: string[]
}

/** The parts of a wheel file name, or null when `filename` is not one. */
export function parseWheelFilename(filename: string): WheelName | null {
  if (!filename.endsWith('.whl')) return null
  const parts = filename.slice(0, -4).split('-')
  if (parts.length !== 5 && parts.length !== 6) return null
  const [name, version] = parts as [string, string]
  const build = parts.length === 6 ? parts[2]! : null
  if (build !== null && !/^[0-9]/.test(build)) return null
  const [py, abi, platform] = parts.slice(-3) as [string, string, string]
  const tags: string[] = []
  for (const p of py.split('.')) for (const a of abi.split('.')) for (const pl of platform.split('.')) tags.push(`${p}-${a}-${pl}`.toLowerCase())
  return { name, version, build, tags }
}

const SDIST = /\.(tar\.gz|tgz|zip|tar\.bz2|tar\.xz|tar)$/i

/**
 * The version of a source distribution of project `key` (`tool-kit-1.0.tar.gz` → `1.0`), or null
 * when `filename` is not an sdist of it (or its version is not PEP 440). Old sdists keep `-` in names, so the split point is the
 * one whose prefix normalises to `key`.
 */
export function sdistVersion(filename: string, key: string): string | null {
  const m = SDIST.exec(filename)
  if (!m) return null
  const stem = filename.slice(0, m.index)
  for (let i = stem.indexOf('-'); i > 0; i = stem.indexOf('-', i + 1)) {
    if (normalizeName(stem.slice(0, i)) === key) return tryParseVersion(stem.slice(i + 1)) ? stem.slice(i + 1) : null
  }
  return null
}

/** The best (lowest) index in `supported` of any of the wheel's tags, or -1 when none is supported. */
export function tagRank(tags: readonly string[], supported: readonly string[]): number {
  let best = -1
  for (const tag of tags) {
    const i = supported.indexOf(tag)
    if (i >= 0 && (best < 0 || i < best)) best = i
  }
  return best
}

/** The fields of a METADATA (or PKG-INFO) file an installer needs. */
export interface DistMetadata {
  name: string
  version: string
  summary: string
  requiresDist: string[]
  requiresPython: string | null
  providesExtra: string[]
  /** Every header, by lowercase name, in order. */
  headers: Record<string, string[]>
}

/**
 * Reads core metadata (RFC 822 style headers, continuation lines indented, the body after the
 * first blank line is the description and is ignored).
 */
export function parseMetadata(text: string): DistMetadata {
  const headers: Record<string, string[]> = {}
  let last: { key: string; index: number } | null = null
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break
    if (/^[ \t]/.test(line) && last) {
      headers[last.key]![last.index] += `\n${line.trim()}`
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const key = line.slice(0, colon).trim().toLowerCase()
    const list = (headers[key] ??= [])
    list.push(line.slice(colon + 1).trim())
    last = { key, index: list.length - 1 }
  }
  const one = (key: string) => headers[key]?.[0] ?? ''
  return {
    name: one('name'),
    version: one('version'),
    summary: one('summary'),
    requiresDist: headers['requires-dist'] ?? [],
    requiresPython: headers['requires-python']?.[0] ?? null,
    providesExtra: (headers['provides-extra'] ?? []).map(normalizeName),
    headers,
  }
}
