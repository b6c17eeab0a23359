/**
 * Node's deep equality (`assert.deepEqual` / `deepStrictEqual`, `util.isDeepStrictEqual`).
 * Strict mode compares with Object.is, prototypes and type tags; loose mode with `==` for primitives.
 */
export function isDeepEqual(a: unknown, b: unknown, strict: boolean, memo: Map<object, object> = new Map()): boolean {
  if (strict ? Object.is(a, b) : a === b || (a == b && (typeof a !== 'object' || a === null) && (typeof b !== 'object' || b === null))) return true
  if (!strict && (a === null || typeof a !== 'object') && (b === null || typeof b !== 'object')) {
    // Loose: NaN equals NaN.
    return Number.isNaN(a) && Number.isNaN(b)
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    if (typeof a === 'function' || typeof b === 'function') return false
    return false
  }
  const tagA = Object.prototype.toString.call(a)
  if (tagA !== Object.prototype.toString.call(b)) return false
  if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (a instanceof Date) {
    if (a.getTime() !== (b as Date).getTime()) return false
  } else if (a instanceof RegExp) {
    if (String(a) !== String(b) || a.lastIndex !== (b as RegExp).lastIndex) return false
  } else if (a instanceof Error) {
    if (a.message !== (b as Error).message || a.name !== (b as Error).name) return false
  } else if (ArrayBuffer.isView(a)) {
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
    const y = new Uint8Array((b as ArrayBufferView).buffer, (b as ArrayBufferView).byteOffset, (b as ArrayBufferView).byteLength)
    if (x.length !== y.length) return false
    if (!strict && !(a instanceof Uint8Array) && !(a instanceof Int8Array) && !(a instanceof Uint8ClampedArray)) {
      const ea = a as unknown as ArrayLike<number>
      const eb = b as unknown as ArrayLike<number>
      for (let i = 0; i < ea.length; i++) if (ea[i] != eb[i]) return false
    } else {
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false
    }
  } else if (a instanceof ArrayBuffer) {
    if (!isDeepEqual(new Uint8Array(a), new Uint8Array(b as ArrayBuffer), strict, memo)) return false
  } else if (['[object Number]', '[object String]', '[object Boolean]', '[object BigInt]', '[object Symbol]'].includes(tagA)) {
    if (!Object.is((a as any).valueOf(), (b as any).valueOf())) return false
  } else if (a instanceof WeakMap || a instanceof WeakSet || a instanceof Promise) {
    return false
  }
  const seen = memo.get(a)
  if (seen === b) return true
  memo.set(a, b)
  try {
    const keysA = ownKeys(a, strict)
    const keysB = ownKeys(b, strict)
    if (keysA.length !== keysB.length) return false
    for (const k of keysA) {
      if (!Object.prototype.propertyIsEnumerable.call(b, k)) return false
      if (!isDeepEqual((a as any)[k], (b as any)[k], strict, memo)) return false
    }
    if (a instanceof Set) return setEqual(a, b as Set<unknown>, strict, memo)
    if (a instanceof Map) return mapEqual(a, b as Map<unknown, unknown>, strict, memo)
    return true
  } finally {
    memo.delete(a)
  }
}

function ownKeys(o: object, strict: boolean): PropertyKey[] {
  const keys: PropertyKey[] = Object.keys(o)
  if (ArrayBuffer.isView(o)) return keys.filter((k) => !/^\d+$/.test(k as string))
  if (strict) for (const s of Object.getOwnPropertySymbols(o)) if (Object.prototype.propertyIsEnumerable.call(o, s)) keys.push(s)
  return keys
}

function setEqual(a: Set<unknown>, b: Set<unknown>, strict: boolean, memo: Map<object, object>): boolean {
  if (a.size !== b.size) return false
  const rest: unknown[] = []
  for (const v of a) {
    if (typeof v === 'object' && v !== null) rest.push(v)
    else if (!b.has(v) && (strict || ![...b].some((w) => isDeepEqual(v, w, false, memo)))) return false
  }
  if (rest.length === 0) return true
  const candidates = [...b].filter((v) => typeof v === 'object' && v !== null)
  for (const v of rest) {
    const i = candidates.findIndex((w) => isDeepEqual(v, w, strict, memo))
    if (i === -1) return false
    candidates.splice(i, 1)
  }
  return true
}

function mapEqual(a: Map<unknown, unknown>, b: Map<unknown, unknown>, strict: boolean, memo: Map<object, object>): boolean {
  if (a.size !== b.size) return false
  const restKeys: Array<[unknown, unknown]> = []
  for (const [k, v] of a) {
    if (typeof k === 'object' && k !== null) restKeys.push([k, v])
    else if (!b.has(k) || !isDeepEqual(v, b.get(k), strict, memo)) return false
  }
  const candidates = [...b].filter(([k]) => typeof k === 'object' && k !== null)
  for (const [k, v] of restKeys) {
    const i = candidates.findIndex(([k2, v2]) => isDeepEqual(k, k2, strict, memo) && isDeepEqual(v, v2, strict, memo))
    if (i === -1) return false
    candidates.splice(i, 1)
  }
  return true
}
