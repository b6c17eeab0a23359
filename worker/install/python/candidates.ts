import type { IndexFile } from './simple-index'
import { parseSpecifiers, satisfiesAll } from './specifiers'
import { compareVersions, formatVersion, parseVersion, tryParseVersion, type Version } from './version'
import { parseWheelFilename, sdistVersion, tagRank } from './wheel'
import type { PythonTarget } from './environment'

/** A version of a project that can be installed: from the environment, or a wheel on an index. */
export interface Candidate {
  /** The normalised project name. */
  key: string
  /** The name to show (as the index or the metadata writes it). */
  name: string
  version: Version
  /** Normalised (`1.0rc1`). */
  versionText: string
  /** Already in the environment: nothing to download. */
  installed: boolean
  /** The wheel to download, for a candidate from an index. */
  file: IndexFile | null
}

/** A version of a project that exists on the index but cannot be installed in the tab, and why. */
export interface SkippedVersion {
  version: Version
  versionText: string
  why: 'sdist-only' | 'no-compatible-wheel' | 'requires-python'
  /** The wheels' tags, or the Requires-Python that excludes this Python. */
  detail: string
}

/** What an index offers for one project. */
export interface Availability {
  /** One per version (its best wheel), highest version first. */
  candidates: Candidate[]
  skipped: SkippedVersion[]
}

/**
 * Sorts the files an index lists for project `key` into installable candidates — for each
 * version, the wheel whose tags rank best among `target.tags`, if its Requires-Python admits
 * `target.pythonVersion` — and versions that cannot be installed (only an sdist, only wheels for
 * other platforms, or a Python it does not support). Files whose names are not a wheel or sdist
 * of `key`, or whose version is not PEP 440, are ignored, as pip ignores them.
 */
export function availableFrom(key: string, name: string, files: readonly IndexFile[], target: PythonTarget): Availability {
  const python = parseVersion(target.pythonVersion)
  const byVersion = new Map<string, { version: Version; wheels: Array<{ file: IndexFile; rank: number; tags: string[] }>; sdist: boolean; pythonExcluded: string | null }>()
  for (const file of files) {
    const wheel = parseWheelFilename(file.filename)
    const written = wheel ? (normalizeWheelName(wheel.name) === key ? wheel.version : null) : sdistVersion(file.filename, key)
    const version = written === null ? null : tryParseVersion(written)
    if (!version) continue
    const text = formatVersion(version)
    const entry = byVersion.get(text) ?? { version, wheels: [], sdist: false, pythonExcluded: null }
    byVersion.set(text, entry)
    if (!wheel) {
      entry.sdist = true
      continue
    }
    if (file.requiresPython && !pythonAllowed(file.requiresPython, python)) {
      entry.pythonExcluded = file.requiresPython
      continue
    }
    entry.wheels.push({ file, rank: tagRank(wheel.tags, target.tags), tags: wheel.tags })
  }
  const candidates: Candidate[] = []
  const skipped: SkippedVersion[] = []
  for (const [versionText, entry] of byVersion) {
    const usable = entry.wheels.filter((w) => w.rank >= 0).sort((a, b) => a.rank - b.rank || Number(a.file.yanked !== null) - Number(b.file.yanked !== null))
    if (usable.length) candidates.push({ key, name, version: entry.version, versionText, installed: false, file: usable[0]!.file })
    else if (entry.wheels.length) skipped.push({ version: entry.version, versionText, why: 'no-compatible-wheel', detail: [...new Set(entry.wheels.flatMap((w) => w.tags))].join(', ') })
    else if (entry.pythonExcluded) skipped.push({ version: entry.version, versionText, why: 'requires-python', detail: entry.pythonExcluded })
    else if (entry.sdist) skipped.push({ version: entry.version, versionText, why: 'sdist-only', detail: '' })
  }
  const descending = <T extends { version: Version }>(a: T, b: T) => compareVersions(b.version, a.version)
  return { candidates: candidates.sort(descending), skipped: skipped.sort(descending) }
}

/** Whether a Requires-Python specifier list admits `python`; an unreadable one admits it, as pip lets it. */
export function pythonAllowed(requiresPython: string, python: Version): boolean {
  try {
    return satisfiesAll(parseSpecifiers(requiresPython), python)
  } catch {
    return true
  }
}

function normalizeWheelName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase()
}
