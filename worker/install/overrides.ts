import semver from 'semver'
import { AppError } from '../../shared/errors'

/**
 * One level of a package.json `overrides` tree, as npm's OverrideSet: the root (no name) or a rule
 * for `name` (optionally only where the original spec intersects `keySpec`), whose `value`
 * replaces the spec and whose children apply below the packages it matched.
 */
export interface OverrideRule {
  /** The key as written (`left-pad`, `left-pad@^1`); undefined for the root. */
  key?: string
  name?: string
  /** The version range of the key (`*` when the key names no range). */
  keySpec?: string
  /** The spec that replaces the original one; `*` keeps the original; `$name` refers to the root's own dependency. */
  value?: string
  parent: OverrideRule | null
  children: Map<string, OverrideRule>
}

type Json = Record<string, unknown>

/**
 * The override tree of a root package.json's `overrides` field, or null when it has none.
 * A string value is `{ ".": value }`; an empty string keeps the original spec. Throws BAD_INPUT
 * for a key without a package name or a value that is neither a string nor an object.
 */
export function parseOverrides(overrides: unknown): OverrideRule | null {
  if (!isObject(overrides) || Object.keys(overrides).length === 0) return null
  return build(overrides, null, undefined)
}

function build(overrides: Json | string, parent: OverrideRule | null, key: string | undefined): OverrideRule {
  const map: Json = typeof overrides === 'string' ? { '.': overrides } : { ...overrides }
  if (map['.'] === '') map['.'] = '*'
  const rule: OverrideRule = { parent, children: new Map() }
  if (parent && key !== undefined) {
    const { name, range } = splitKey(key)
    rule.key = key
    rule.name = name
    rule.keySpec = range
    const dot = map['.']
    if (dot !== undefined && typeof dot !== 'string') throw bad(`the value of "${key}"."." must be a string`)
    rule.value = (dot as string | undefined) || range
  }
  for (const [childKey, value] of Object.entries(map)) {
    if (childKey === '.') continue
    if (typeof value !== 'string' && !isObject(value)) throw bad(`the value of "${childKey}" must be a version spec or an object`)
    const child = build(value, rule, childKey)
    rule.children.set(childKey, child)
  }
  return rule
}

/** `name` and `name@range` (scoped names too); the range is `*` when there is none. */
function splitKey(key: string): { name: string; range: string } {
  const at = key.indexOf('@', key.startsWith('@') ? 1 : 0)
  const name = at < 0 ? key : key.slice(0, at)
  const range = at < 0 ? '*' : key.slice(at + 1) || '*'
  if (!name || (name.startsWith('@') && !name.includes('/'))) throw bad(`the key "${key}" names no package`)
  return { name, range }
}

/** The rules in force at `set`: its children, then itself, then each ancestor's, nearest first. */
function ruleset(set: OverrideRule): OverrideRule[] {
  const out = new Map<string, OverrideRule>()
  for (let at: OverrideRule | null = set; at; at = at.parent) {
    for (const [key, kid] of at.children) if (!out.has(key)) out.set(key, kid)
    if (at.parent && at.key !== undefined && !out.has(at.key)) out.set(at.key, at)
  }
  return [...out.values()]
}

/**
 * The rule an edge `name@raw` out of a package with override set `set` gets (npm's
 * getEdgeRule): the first rule for that name whose key range intersects the edge's range (any
 * rule when the spec is a dist-tag), else `set` itself.
 */
export function edgeRule(set: OverrideRule, name: string, raw: string): OverrideRule {
  for (const rule of ruleset(set)) {
    if (rule.name !== name) continue
    if (rule.keySpec === '*') return rule
    let range = raw.trim()
    if (range.startsWith('npm:')) {
      const rest = range.slice(4)
      const at = rest.indexOf('@', rest.startsWith('@') ? 1 : 0)
      range = at < 0 ? '*' : rest.slice(at + 1)
    }
    if (semver.validRange(range || '*', { loose: true }) === null) return rule
    try {
      if (semver.intersects(range || '*', rule.keySpec!, { loose: true })) return rule
    } catch {
      return rule
    }
  }
  return set
}

/**
 * The spec an edge resolves with under `rule`: the override's value when the rule is for this
 * name (a `$name` value is the root package's own spec for `name`, from devDependencies,
 * optionalDependencies, dependencies or peerDependencies, else the depending package's), else
 * `raw`. Throws BAD_INPUT when a `$name` reference has nothing to refer to.
 */
export function overriddenSpec(rule: OverrideRule | null, name: string, raw: string, rootPkg: Json, fromPkg: Json): string {
  if (!rule?.value || rule.value === '*' || rule.name !== name) return raw
  if (!rule.value.startsWith('$')) return rule.value
  const ref = rule.value.slice(1)
  const found = referenced(rootPkg, ref) ?? referenced(fromPkg, ref)
  if (found === undefined) throw bad(`Unable to resolve reference ${rule.value}: the root package.json does not depend on ${ref}`)
  return found
}

function referenced(pkg: Json, name: string): string | undefined {
  for (const field of ['devDependencies', 'optionalDependencies', 'dependencies', 'peerDependencies']) {
    const deps = pkg[field]
    if (isObject(deps) && typeof deps[name] === 'string' && deps[name]) return deps[name] as string
  }
  return undefined
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function bad(why: string): AppError {
  return new AppError('BAD_INPUT', `npm error: package.json "overrides": ${why}`)
}
