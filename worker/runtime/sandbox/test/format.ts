/** Whether `value` is an asymmetric matcher (`expect.any(Number)`, ...); `toString()` names it, `sample` is what it holds. */
export function isAsymmetric(value: unknown): value is { asymmetricMatch(other: unknown): boolean; toString(): string; sample?: unknown } {
  return !!value && typeof value === 'object' && typeof (value as { asymmetricMatch?: unknown }).asymmetricMatch === 'function'
}

const identifier = /^[A-Za-z_$][\w$]*$/

function className(value: object): string {
  const proto = Object.getPrototypeOf(value)
  return proto === null ? 'Object' : (proto.constructor?.name ?? 'Object')
}

function entriesOf(value: object): Array<[string | symbol, unknown]> {
  const keys: Array<string | symbol> = Object.keys(value)
  for (const s of Object.getOwnPropertySymbols(value)) if (Object.prototype.propertyIsEnumerable.call(value, s)) keys.push(s)
  return keys.map((k) => [k, (value as Record<string | symbol, unknown>)[k]])
}

function primitive(value: unknown, quote: string): string | null {
  switch (typeof value) {
    case 'string':
      return quote + value.replace(new RegExp(`[\\\\${quote}]`, 'g'), (c) => `\\${c}`) + quote
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value)
    case 'bigint':
      return `${value}n`
    case 'symbol':
    case 'boolean':
    case 'undefined':
      return String(value)
    case 'function':
      return `[Function${value.name ? ` ${value.name}` : ''}]`
  }
  if (value === null) return 'null'
  if (value instanceof Date) return Number.isNaN(+value) ? 'Invalid Date' : value.toISOString()
  if (value instanceof RegExp) return String(value)
  return null
}

/**
 * One-line form of a value, as vitest's (chai's) assertion messages print it: `{ a: 1, b: [ 1, 2 ] }`,
 * `'text'`, `Map{ 'k' => 1 }`, `[Function name]`.
 */
export function inspect(value: unknown, seen: unknown[] = []): string {
  const p = primitive(value, "'")
  if (p !== null) return p
  if (isAsymmetric(value)) return 'sample' in value ? `${value.toString()} ${inspect(value.sample, seen)}` : value.toString()
  const obj = value as object
  if (seen.includes(obj)) return '[Circular]'
  seen = [...seen, obj]
  if (obj instanceof Error) return `${obj.name}: ${obj.message}`
  const wrap = (prefix: string, open: string, items: string[], close: string) =>
    items.length ? `${prefix}${open} ${items.join(', ')} ${close}` : `${prefix}${open}${close}`
  if (Array.isArray(obj)) return wrap('', '[', obj.map((v) => inspect(v, seen)), ']')
  if (obj instanceof Map) return wrap('Map', '{', [...obj].map(([k, v]) => `${inspect(k, seen)} => ${inspect(v, seen)}`), '}')
  if (obj instanceof Set) return wrap('Set', '{', [...obj].map((v) => inspect(v, seen)), '}')
  if (ArrayBuffer.isView(obj) && !(obj instanceof DataView)) {
    return wrap(className(obj), '[', Array.from(obj as unknown as ArrayLike<unknown>, (v) => inspect(v, seen)), ']')
  }
  const name = className(obj)
  const items = entriesOf(obj).map(([k, v]) => `${typeof k === 'symbol' ? `[${String(k)}]` : identifier.test(k) ? k : primitive(k, "'")}: ${inspect(v, seen)}`)
  return wrap(name === 'Object' ? '' : name, '{', items, '}')
}

/**
 * Multi-line form of a value, as pretty-format prints it in vitest's diffs: 2-space indent,
 * quoted keys, trailing commas, insertion order (`{\n  "a": 1,\n}`), `Map {`, `ClassName {`.
 */
export function prettyFormat(value: unknown, indent = '', seen: unknown[] = []): string {
  const p = primitive(value, '"')
  if (p !== null) return p
  if (isAsymmetric(value)) return 'sample' in value ? `${value.toString()} ${prettyFormat(value.sample, indent, seen)}` : value.toString()
  const obj = value as object
  if (seen.includes(obj)) return '[Circular]'
  seen = [...seen, obj]
  if (obj instanceof Error) return `[${obj.name}: ${obj.message}]`
  const inner = `${indent}  `
  const block = (open: string, items: string[], close: string) =>
    items.length ? `${open}\n${items.map((i) => `${inner}${i},\n`).join('')}${indent}${close}` : `${open}${close}`
  const name = className(obj)
  if (Array.isArray(obj)) return block(name === 'Array' ? '[' : `${name} [`, obj.map((v) => prettyFormat(v, inner, seen)), ']')
  if (obj instanceof Map) {
    return block('Map {', [...obj].map(([k, v]) => `${prettyFormat(k, inner, seen)} => ${prettyFormat(v, inner, seen)}`), '}')
  }
  if (obj instanceof Set) return block('Set {', [...obj].map((v) => prettyFormat(v, inner, seen)), '}')
  if (ArrayBuffer.isView(obj) && !(obj instanceof DataView)) {
    return block(`${name} [`, Array.from(obj as unknown as ArrayLike<unknown>, (v) => prettyFormat(v, inner, seen)), ']')
  }
  const items = entriesOf(obj).map(([k, v]) => `${typeof k === 'symbol' ? String(k) : primitive(k, '"')}: ${prettyFormat(v, inner, seen)}`)
  return block(name === 'Object' ? '{' : `${name} {`, items, '}')
}

/**
 * The printable form of an assertion's `expected`/`actual` for a diff: strings as they are (when
 * both sides are strings), everything else through {@link prettyFormat}.
 */
export function formatForDiff(expected: unknown, actual: unknown): { expected: string; actual: string } {
  if (typeof expected === 'string' && typeof actual === 'string') return { expected, actual }
  return { expected: prettyFormat(expected), actual: prettyFormat(actual) }
}
