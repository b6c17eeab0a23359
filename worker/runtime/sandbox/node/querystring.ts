/** Node's `querystring.unescape`: percent-decoding that survives malformed escapes. */
export function unescape(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
  }
}

/** Node's `querystring.escape`. */
export function escape(s: unknown): string {
  return encodeURIComponent(typeof s === 'string' ? s : String(s))
}

/** Node's `querystring.parse`: repeated keys become arrays; '+' is a space; the result has a null prototype. */
export function parse(str: string, sep = '&', eq = '=', options: { maxKeys?: number; decodeURIComponent?: (s: string) => string } = {}): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null)
  if (typeof str !== 'string' || str.length === 0) return out
  const decode = options.decodeURIComponent ?? unescape
  const maxKeys = options.maxKeys ?? 1000
  let pairs = str.split(sep || '&')
  if (maxKeys > 0) pairs = pairs.slice(0, maxKeys)
  for (const pair of pairs) {
    if (pair === '' && pairs.length > 1) continue
    const at = pair.indexOf(eq || '=')
    const rawKey = at >= 0 ? pair.slice(0, at) : pair
    const rawValue = at >= 0 ? pair.slice(at + (eq || '=').length) : ''
    const key = decode(rawKey.replace(/\+/g, ' '))
    const value = decode(rawValue.replace(/\+/g, ' '))
    const prev = out[key]
    if (prev === undefined) out[key] = value
    else if (Array.isArray(prev)) prev.push(value)
    else out[key] = [prev, value]
  }
  return out
}

function primitive(v: unknown): string {
  if (typeof v === 'string') return v
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'bigint' || typeof v === 'boolean') return String(v)
  return ''
}

/** Node's `querystring.stringify`: arrays repeat the key; non-primitive values become ''. */
export function stringify(obj: unknown, sep = '&', eq = '=', options: { encodeURIComponent?: (s: string) => string } = {}): string {
  if (obj === null || typeof obj !== 'object') return ''
  const encode = options.encodeURIComponent ?? escape
  const parts: string[] = []
  for (const [key, value] of Object.entries(obj)) {
    const k = encode(primitive(key)) + eq
    if (Array.isArray(value)) for (const v of value) parts.push(k + encode(primitive(v)))
    else parts.push(k + encode(primitive(value)))
  }
  return parts.join(sep)
}

/** Creates the `querystring` module. */
export function createQuerystringModule() {
  return { parse, stringify, escape, unescape, decode: parse, encode: stringify, unescapeBuffer: (s: string) => new TextEncoder().encode(unescape(s)) }
}
