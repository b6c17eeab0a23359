import { AppError } from '../../../shared/errors'
import { parseSpecifiers, specifierMatches } from './specifiers'
import { tryParseVersion } from './version'
import type { MarkerEnvironment } from './environment'

/** A PEP 508 environment marker (`python_version >= "3.8" and sys_platform != "win32"`), parsed. */
export type Marker =
  | { type: 'and' | 'or'; left: Marker; right: Marker }
  | { type: 'compare'; left: Operand; op: MarkerOp; right: Operand }

/** A marker variable or a quoted string. */
export type Operand = { variable: string } | { value: string }

export type MarkerOp = '<=' | '<' | '!=' | '===' | '==' | '>=' | '>' | '~=' | 'in' | 'not in'

const VARIABLES: Record<string, keyof MarkerEnvironment | 'extra'> = {
  python_version: 'python_version',
  python_full_version: 'python_full_version',
  os_name: 'os_name',
  sys_platform: 'sys_platform',
  platform_release: 'platform_release',
  platform_system: 'platform_system',
  platform_version: 'platform_version',
  platform_machine: 'platform_machine',
  platform_python_implementation: 'platform_python_implementation',
  implementation_name: 'implementation_name',
  implementation_version: 'implementation_version',
  extra: 'extra',
  // The spellings of PEP 345, still found in old metadata.
  'os.name': 'os_name',
  'sys.platform': 'sys_platform',
  'platform.version': 'platform_version',
  'platform.machine': 'platform_machine',
  'platform.python_implementation': 'platform_python_implementation',
  python_implementation: 'platform_python_implementation',
}

const TOKEN = /\s*(?:(\()|(\))|(<=|<|!=|===|==|>=|>|~=|not\s+in\b|in\b)|(and\b|or\b)|'([^']*)'|"([^"]*)"|([A-Za-z_][A-Za-z0-9_.]*))/y

/** Parses a marker expression; throws BAD_INPUT (naming `context`, e.g. the requirement) when it is not one. */
export function parseMarker(text: string, context = text): Marker {
  type Token = { kind: 'open' | 'close' | 'op' | 'bool' | 'string' | 'name'; value: string; at: number }
  const tokens: Token[] = []
  TOKEN.lastIndex = 0
  let at = 0
  while (at < text.length && text.slice(at).trim()) {
    TOKEN.lastIndex = at
    const m = TOKEN.exec(text)
    if (!m) throw bad(context, `unexpected "${text.slice(at).trim().slice(0, 20)}" in the marker`)
    const kind = m[1] ? 'open' : m[2] ? 'close' : m[3] ? 'op' : m[4] ? 'bool' : m[5] !== undefined || m[6] !== undefined ? 'string' : 'name'
    tokens.push({ kind, value: m[3] ? m[3].replace(/\s+/, ' ') : (m[5] ?? m[6] ?? m[7] ?? m[4] ?? m[0].trim()), at })
    at = TOKEN.lastIndex
  }
  let i = 0
  const peek = () => tokens[i]
  const expect = (kind: Token['kind'], what: string) => {
    const t = tokens[i]
    if (!t || t.kind !== kind) throw bad(context, `expected ${what} in the marker${t ? ` at "${t.value}"` : ', found its end'}`)
    i++
    return t
  }
  const operand = (): Operand => {
    const t = tokens[i]
    if (t?.kind === 'string') {
      i++
      return { value: t.value }
    }
    if (t?.kind === 'name') {
      if (!Object.hasOwn(VARIABLES, t.value)) throw bad(context, `"${t.value}" is not a marker variable (python_version, sys_platform, platform_system, extra, …)`)
      i++
      return { variable: VARIABLES[t.value] }
    }
    throw bad(context, `expected a marker variable or a quoted string${t ? ` at "${t.value}"` : ', found the end'}`)
  }
  const atom = (): Marker => {
    if (peek()?.kind === 'open') {
      i++
      const inner = or()
      expect('close', '")"')
      return inner
    }
    const left = operand()
    const op = expect('op', 'a comparison (==, !=, <, >=, in, …)').value as MarkerOp
    const right = operand()
    return { type: 'compare', left, op, right }
  }
  const and = (): Marker => {
    let left = atom()
    while (peek()?.kind === 'bool' && peek()!.value === 'and') {
      i++
      left = { type: 'and', left, right: atom() }
    }
    return left
  }
  const or = (): Marker => {
    let left = and()
    while (peek()?.kind === 'bool' && peek()!.value === 'or') {
      i++
      left = { type: 'or', left, right: and() }
    }
    return left
  }
  if (!tokens.length) throw bad(context, 'the marker after ";" is empty')
  const marker = or()
  if (i < tokens.length) throw bad(context, `unexpected "${tokens[i]!.value}" in the marker`)
  return marker
}

/**
 * Whether `marker` holds in `env` (with `extra` set to the extra being installed, '' for none).
 * Versions compare as PEP 440 versions when both sides are versions, as strings otherwise.
 */
export function evaluateMarker(marker: Marker, env: MarkerEnvironment & { extra?: string }): boolean {
  switch (marker.type) {
    case 'and':
      return evaluateMarker(marker.left, env) && evaluateMarker(marker.right, env)
    case 'or':
      return evaluateMarker(marker.left, env) || evaluateMarker(marker.right, env)
    case 'compare': {
      const isExtra = ('variable' in marker.left && marker.left.variable === 'extra') || ('variable' in marker.right && marker.right.variable === 'extra')
      const value = (o: Operand) => {
        const raw = 'value' in o ? o.value : (env[o.variable as keyof typeof env] ?? '')
        // Extras compare by their normalised names (`Foo_Bar` is `foo-bar`).
        return isExtra ? normalizeExtra(raw) : raw
      }
      return compare(value(marker.left), marker.op, value(marker.right))
    }
  }
}

function compare(left: string, op: MarkerOp, right: string): boolean {
  if (op === 'in') return right.includes(left)
  if (op === 'not in') return !right.includes(left)
  const version = tryParseVersion(left)
  if (version) {
    try {
      const [spec] = parseSpecifiers(`${op}${right}`)
      return specifierMatches(spec!, version)
    } catch {
      // Not a version on the right: compared as strings below.
    }
  }
  switch (op) {
    case '==':
    case '===':
      return left === right
    case '!=':
      return left !== right
    case '<':
      return left < right
    case '<=':
      return left <= right
    case '>':
      return left > right
    case '>=':
      return left >= right
    case '~=':
      return false
  }
}

/** The marker written back out (for messages: `sys_platform == "win32"`). */
export function formatMarker(marker: Marker, parent: 'and' | 'or' | null = null): string {
  if (marker.type === 'compare') {
    const side = (o: Operand) => ('value' in o ? JSON.stringify(o.value) : o.variable)
    return `${side(marker.left)} ${marker.op} ${side(marker.right)}`
  }
  const text = `${formatMarker(marker.left, marker.type)} ${marker.type} ${formatMarker(marker.right, marker.type)}`
  return parent === 'and' && marker.type === 'or' ? `(${text})` : text
}

function normalizeExtra(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase()
}

function bad(context: string, why: string): AppError {
  return new AppError('BAD_INPUT', `invalid requirement "${context}": ${why}`, { requirement: context })
}
