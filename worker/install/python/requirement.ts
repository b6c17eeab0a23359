import { AppError } from '../../../shared/errors'
import { evaluateMarker, formatMarker, parseMarker, type Marker } from './markers'
import { formatSpecifiers, parseSpecifiers, type Specifier } from './specifiers'
import type { MarkerEnvironment } from './environment'

/** A PEP 508 requirement (`requests[socks] >=2.8, <3 ; python_version >= "3.8"`), parsed. */
export interface Requirement {
  /** As written. */
  name: string
  /** Normalised (PEP 503): `Foo.Bar_baz` → `foo-bar-baz`. */
  key: string
  /** Normalised, sorted, without duplicates. */
  extras: string[]
  specifiers: Specifier[]
  /** `name @ https://…`: a direct reference. */
  url: string | null
  marker: Marker | null
}

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/

/** A project name as PEP 503 compares names: runs of `-`, `_`, `.` become one `-`, lowercase. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase()
}

/**
 * Parses one requirement as PEP 508 writes it, version specifiers in parentheses or not.
 * Throws BAD_INPUT naming the requirement and what is wrong with it.
 */
export function parseRequirement(text: string): Requirement {
  const source = text.trim()
  const bad = (why: string) => new AppError('BAD_INPUT', `invalid requirement "${source}": ${why}`, { requirement: source })
  if (!source) throw bad('it is empty')
  const direct = /^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@/.test(source)
  if (!direct && (/^(\.{0,2}\/|[a-z][a-z0-9+.-]*:\/\/)/i.test(source) || /\.(whl|tar\.gz|zip)$/i.test(source))) throw bad('installing from a path or URL is not supported in the tab: name a package from the index')
  const nameMatch = NAME.exec(source)
  if (!nameMatch) throw bad('it does not start with a package name')
  const name = nameMatch[0]
  let rest = source.slice(name.length)
  const extras = new Set<string>()
  const bracket = /^\s*\[([^\]]*)\]/.exec(rest)
  if (bracket) {
    for (const extra of bracket[1].split(',').map((e) => e.trim())) {
      if (!extra) continue
      if (!NAME.test(extra) || NAME.exec(extra)![0] !== extra) throw bad(`"${extra}" is not a valid extra name`)
      extras.add(normalizeName(extra))
    }
    rest = rest.slice(bracket[0].length)
  } else if (/^\s*\[/.test(rest)) throw bad('its extras are missing a closing "]"')

  let url: string | null = null
  let specifiers: Specifier[] = []
  let markerText: string | null = null
  const at = /^\s*@\s*/.exec(rest)
  if (at) {
    // A URL ends at whitespace; a marker after it needs a space before the ";".
    const m = /^(\S+)(?:\s+;(.*))?\s*$/s.exec(rest.slice(at[0].length))
    if (!m) throw bad('expected a URL after "@"')
    url = m[1]
    markerText = m[2] ?? null
  } else {
    const semicolon = rest.indexOf(';')
    let spec = semicolon < 0 ? rest : rest.slice(0, semicolon)
    markerText = semicolon < 0 ? null : rest.slice(semicolon + 1)
    spec = spec.trim()
    if (spec.startsWith('(')) {
      if (!spec.endsWith(')')) throw bad('its version specifiers are missing a closing ")"')
      spec = spec.slice(1, -1)
    }
    if (spec && !/^(~=|===|==|!=|<=|>=|<|>)/.test(spec.trim())) throw bad(`expected a version specifier (such as ==1.0 or >=2) or ";", found "${spec.trim()}"`)
    try {
      specifiers = parseSpecifiers(spec)
    } catch (error) {
      throw bad(error instanceof Error ? error.message.replace(/^invalid version specifier /, 'the version specifier ') : String(error))
    }
  }
  const marker = markerText === null ? null : parseMarker(markerText, source)
  return { name, key: normalizeName(name), extras: [...extras].sort(), specifiers, url, marker }
}

/** The requirement written back out, normalised: `tool-kit[fancy]<2,>=1.5; sys_platform == "win32"`. */
export function formatRequirement(r: Requirement): string {
  const extras = r.extras.length ? `[${r.extras.join(',')}]` : ''
  const spec = r.url ? ` @ ${r.url}` : formatSpecifiers(r.specifiers)
  return `${r.name}${extras}${spec}${r.marker ? `; ${formatMarker(r.marker)}` : ''}`
}

/**
 * Whether the requirement applies in `env` when installing with `extras` (its marker holds for no
 * extra or for one of them).
 */
export function requirementApplies(r: Requirement, env: MarkerEnvironment, extras: readonly string[] = []): boolean {
  if (!r.marker) return true
  return ['', ...extras].some((extra) => evaluateMarker(r.marker!, { ...env, extra }))
}
