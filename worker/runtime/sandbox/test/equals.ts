import { inspect, isAsymmetric } from './format'

const tag = (v: unknown) => Object.prototype.toString.call(v)

function ownKeys(v: object, strict: boolean): Array<string | symbol> {
  const keys: Array<string | symbol> = Object.keys(v)
  for (const s of Object.getOwnPropertySymbols(v)) if (Object.prototype.propertyIsEnumerable.call(v, s)) keys.push(s)
  return strict ? keys : keys.filter((k) => (v as Record<string | symbol, unknown>)[k] !== undefined)
}

/**
 * Deep equality as vitest's `toEqual` (`strict` false: undefined properties and class types are
 * ignored) and `toStrictEqual` (`strict` true) decide it. Asymmetric matchers on either side match.
 */
export function equals(a: unknown, b: unknown, strict = false, seen: Array<[unknown, unknown]> = []): boolean {
  if (isAsymmetric(a) && !isAsymmetric(b)) return a.asymmetricMatch(b)
  if (isAsymmetric(b) && !isAsymmetric(a)) return b.asymmetricMatch(a)
  if (Object.is(a, b)) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (tag(a) !== tag(b)) return false
  if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false
  if (a instanceof Date || a instanceof Number || a instanceof Boolean || a instanceof String) return Object.is(a.valueOf(), (b as Date).valueOf())
  if (a instanceof RegExp) return String(a) === String(b)
  if (a instanceof Error && b instanceof Error && (a.message !== b.message || a.name !== b.name)) return false
  if (seen.some(([x, y]) => x === a && y === b)) return true
  seen = [...seen, [a, b]]
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false
    for (const [k, v] of a) {
      if (b.has(k) ? !equals(v, b.get(k), strict, seen) : ![...b].some(([k2, v2]) => equals(k, k2, strict, seen) && equals(v, v2, strict, seen))) return false
    }
    return true
  }
  if (a instanceof Set && b instanceof Set) {
    if (a.size !== b.size) return false
    for (const v of a) if (!b.has(v) && ![...b].some((w) => equals(v, w, strict, seen))) return false
    return true
  }
  if (Array.isArray(a) || ArrayBuffer.isView(a)) {
    const x = a as unknown as ArrayLike<unknown>
    const y = b as unknown as ArrayLike<unknown>
    if (x.length !== y.length) return false
    for (let i = 0; i < x.length; i++) {
      if (strict && i in x !== i in y) return false
      if (!equals(x[i], y[i], strict, seen)) return false
    }
  }
  const ka = ownKeys(a, strict).filter((k) => !Array.isArray(a) || typeof k !== 'string' || !/^\d+$/.test(k))
  const kb = ownKeys(b, strict).filter((k) => !Array.isArray(b) || typeof k !== 'string' || !/^\d+$/.test(k))
  if (ka.length !== kb.length) return false
  const rb = b as Record<string | symbol, unknown>
  const ra = a as Record<string | symbol, unknown>
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && equals(ra[k], rb[k], strict, seen))
}

/** Whether `object` has every property of `subset` (recursively; arrays must match element-wise), as `toMatchObject` decides. */
export function matchesSubset(object: unknown, subset: unknown, seen: unknown[] = []): boolean {
  if (isAsymmetric(subset) || typeof subset !== 'object' || subset === null || typeof object !== 'object' || object === null) return equals(object, subset)
  if (seen.includes(subset)) return true
  seen = [...seen, subset]
  if (Array.isArray(subset)) {
    return Array.isArray(object) && object.length === subset.length && subset.every((v, i) => matchesSubset(object[i], v, seen))
  }
  if (subset instanceof Date || subset instanceof RegExp || subset instanceof Map || subset instanceof Set) return equals(object, subset)
  return ownKeys(subset, true).every(
    (k) => k in object && matchesSubset((object as Record<string | symbol, unknown>)[k], (subset as Record<string | symbol, unknown>)[k], seen),
  )
}

abstract class Asymmetric {
  readonly $$typeof = Symbol.for('jest.asymmetricMatcher')
  constructor(readonly inverse = false) {}
  abstract matches(other: unknown): boolean
  abstract name(): string
  asymmetricMatch(other: unknown): boolean {
    return this.matches(other) !== this.inverse
  }
  toString(): string {
    return `${this.inverse ? 'Not' : ''}${this.name()}`
  }
}

abstract class WithSample<T> extends Asymmetric {
  constructor(
    readonly sample: T,
    inverse = false,
  ) {
    super(inverse)
  }
}

class Any extends Asymmetric {
  readonly #type: unknown
  constructor(type: unknown) {
    super()
    this.#type = type
  }
  matches(other: unknown): boolean {
    const s = this.#type
    if (s === String) return typeof other === 'string' || other instanceof String
    if (s === Number) return typeof other === 'number' || other instanceof Number
    if (s === Boolean) return typeof other === 'boolean' || other instanceof Boolean
    if (s === Function) return typeof other === 'function'
    if (s === BigInt) return typeof other === 'bigint'
    if (s === Symbol) return typeof other === 'symbol'
    if (s === Object) return typeof other === 'object' && other !== null
    return other instanceof (s as new () => unknown)
  }
  name(): string {
    return `Any<${(this.#type as { name?: string }).name ?? inspect(this.#type)}>`
  }
}

class Anything extends Asymmetric {
  matches(other: unknown): boolean {
    return other !== null && other !== undefined
  }
  name(): string {
    return 'Anything'
  }
}

class ObjectContaining extends WithSample<Record<string, unknown>> {
  matches(other: unknown): boolean {
    if (typeof other !== 'object' || other === null) return false
    return Object.keys(this.sample).every((k) => k in other && equals((other as Record<string, unknown>)[k], this.sample[k]))
  }
  name(): string {
    return 'ObjectContaining'
  }
}

class ArrayContaining extends WithSample<unknown[]> {
  matches(other: unknown): boolean {
    return Array.isArray(other) && this.sample.every((v) => other.some((o) => equals(o, v)))
  }
  name(): string {
    return 'ArrayContaining'
  }
}

class StringContaining extends WithSample<string> {
  matches(other: unknown): boolean {
    return typeof other === 'string' && other.includes(this.sample)
  }
  name(): string {
    return 'StringContaining'
  }
}

class StringMatching extends WithSample<RegExp> {
  matches(other: unknown): boolean {
    return typeof other === 'string' && this.sample.test(other)
  }
  name(): string {
    return 'StringMatching'
  }
}

class CloseTo extends WithSample<number> {
  constructor(
    sample: number,
    readonly digits = 2,
    inverse = false,
  ) {
    super(sample, inverse)
  }
  matches(other: unknown): boolean {
    return typeof other === 'number' && Math.abs(other - this.sample) < 10 ** -this.digits / 2
  }
  name(): string {
    return 'NumberCloseTo'
  }
}

/** The asymmetric matchers of `expect` (and of `expect.not`, with `inverse`). */
export function createAsymmetricMatchers(inverse = false) {
  return {
    any: (type: unknown) => new Any(type),
    anything: () => new Anything(),
    objectContaining: (sample: Record<string, unknown>) => new ObjectContaining(sample, inverse),
    arrayContaining: (sample: unknown[]) => new ArrayContaining(sample, inverse),
    stringContaining: (sample: string) => new StringContaining(sample, inverse),
    stringMatching: (sample: string | RegExp) => new StringMatching(typeof sample === 'string' ? new RegExp(sample) : sample, inverse),
    closeTo: (sample: number, digits?: number) => new CloseTo(sample, digits, inverse),
  }
}
