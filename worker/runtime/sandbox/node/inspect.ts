/** Options of Node's `util.inspect` that the sandbox honours (colors are never used). */
export interface InspectOptions {
  depth?: number | null
  showHidden?: boolean
  compact?: boolean | number
  breakLength?: number
  maxArrayLength?: number | null
  maxStringLength?: number | null
  sorted?: boolean
  getters?: boolean
  colors?: boolean
  customInspect?: boolean
  showProxy?: boolean
}

interface Context {
  depth: number
  showHidden: boolean
  compact: number | boolean
  breakLength: number
  maxArrayLength: number
  maxStringLength: number
  sorted: boolean
  customInspect: boolean
  seen: unknown[]
  circular: Map<unknown, number>
  indentationLvl: number
  currentDepth: number
  options: InspectOptions
}

/** The symbol objects use to customise their `inspect` output (`Symbol.for('nodejs.util.inspect.custom')`). */
export const inspectCustom = Symbol.for('nodejs.util.inspect.custom')

const ARRAY = 1
const OBJECT = 0
const keyRe = /^[a-zA-Z_][a-zA-Z_0-9]*$/
const meta: Record<string, string> = { '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r', '\\': '\\\\', '\v': '\\v' }

function strEscape(str: string): string {
  let quote = "'"
  if (str.includes("'")) {
    if (!str.includes('"')) quote = '"'
    else if (!str.includes('`') && !str.includes('${')) quote = '`'
  }
  let out = ''
  for (const ch of str) {
    const code = ch.charCodeAt(0)
    if (ch === quote) out += `\\${ch}`
    else if (meta[ch]) out += meta[ch]
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`
    else out += ch
  }
  return `${quote}${out}${quote}`
}

function formatNumber(n: number): string {
  return Object.is(n, -0) ? '-0' : `${n}`
}

function formatPrimitive(ctx: Context, value: unknown): string {
  switch (typeof value) {
    case 'string': {
      let trailer = ''
      if (value.length > ctx.maxStringLength) {
        const remaining = value.length - ctx.maxStringLength
        value = value.slice(0, ctx.maxStringLength)
        trailer = `... ${remaining} more character${remaining > 1 ? 's' : ''}`
      }
      const str = value as string
      if (ctx.compact !== true && str.length > 16 && str.length > ctx.breakLength - ctx.indentationLvl - 4) {
        const lines = str.split(/(?<=\n)/)
        if (lines.length > 1) return lines.map(strEscape).join(` +\n${' '.repeat(ctx.indentationLvl + 2)}`) + trailer
      }
      return strEscape(str) + trailer
    }
    case 'number':
      return formatNumber(value)
    case 'bigint':
      return `${value}n`
    case 'boolean':
      return `${value}`
    case 'undefined':
      return 'undefined'
    case 'symbol':
      return value.toString()
  }
  return String(value)
}

function constructorName(obj: object): string | null {
  let o: object | null = obj
  while (o !== null) {
    const desc = Object.getOwnPropertyDescriptor(o, 'constructor')
    if (desc !== undefined && typeof desc.value === 'function' && desc.value.name !== '') return desc.value.name
    o = Object.getPrototypeOf(o)
  }
  return null
}

function prefix(constructor: string | null, tag: string, fallback: string, size = ''): string {
  if (constructor === null) {
    if (tag !== '' && fallback !== tag) return `[${fallback}${size}: null prototype] [${tag}] `
    return `[${fallback}${size}: null prototype] `
  }
  if (tag !== '' && constructor !== tag) return `${constructor}${size} [${tag}] `
  return `${constructor}${size} `
}

function functionBase(value: Function, constructor: string | null, tag: string): string {
  const source = Function.prototype.toString.call(value)
  if (source.startsWith('class') && /^class(?:\s|\{)/.test(source)) {
    let base = `[class ${value.name || '(anonymous)'}`
    if (constructor !== 'Function' && constructor !== null) base += ` [${constructor}]`
    if (tag !== '' && constructor !== tag) base += ` [${tag}]`
    if (constructor === null) base += ' [null prototype]'
    const superName = Object.getPrototypeOf(value)?.name
    if (superName) base += ` extends ${superName}`
    return `${base}]`
  }
  let type = 'Function'
  const ctor = Object.getPrototypeOf(value)?.constructor?.name
  if (ctor === 'AsyncFunction' || ctor === 'GeneratorFunction' || ctor === 'AsyncGeneratorFunction') type = ctor
  let base = `[${type}`
  if (constructor === null) base += ' (null prototype)'
  base += value.name === '' ? ' (anonymous)' : `: ${value.name}`
  base += ']'
  if (constructor !== type && constructor !== null) base += ` ${constructor}`
  if (tag !== '' && constructor !== tag) base += ` [${tag}]`
  return base
}

function getKeys(value: object, showHidden: boolean): Array<string | symbol> {
  const symbols = Object.getOwnPropertySymbols(value)
  if (showHidden) return [...Object.getOwnPropertyNames(value), ...symbols]
  const keys: Array<string | symbol> = Object.keys(value)
  for (const s of symbols) if (Object.prototype.propertyIsEnumerable.call(value, s)) keys.push(s)
  return keys
}

function formatError(err: Error, constructor: string | null, ctx: Context, keys: Array<string | symbol>): string {
  const name = err.name != null ? String(err.name) : 'Error'
  let stack = typeof err.stack === 'string' && err.stack ? err.stack : Error.prototype.toString.call(err)
  const removeKey = (k: string) => {
    const i = keys.indexOf(k)
    if (i !== -1 && stack.includes(String((err as any)[k]))) keys.splice(i, 1)
  }
  removeKey('name')
  removeKey('message')
  // Node's improveStack: name the real class when the stack's first word would hide it.
  let len = name.length
  if (constructor === null || (name.endsWith('Error') && stack.startsWith(name) && (stack.length === len || stack[len] === ':' || stack[len] === '\n'))) {
    let fallback = 'Error'
    if (constructor === null) {
      const start = /^([A-Z][a-z_ A-Z0-9[\]()-]+)(?::|\n\s+at)/.exec(stack) || /^([a-z_A-Z0-9-]*Error)$/.exec(stack)
      fallback = start?.[1] || ''
      len = fallback.length
      fallback ||= 'Error'
    }
    const p = prefix(constructor, '', fallback).slice(0, -1)
    if (name !== p) {
      if (p.includes(name)) stack = len === 0 ? `${p}: ${stack}` : `${p}${stack.slice(len)}`
      else stack = `${p} [${name}]${stack.slice(len)}`
    }
  }
  if ('cause' in err && !keys.includes('cause')) keys.push('cause')
  const lines = stack.indexOf('\n    at')
  if (lines === -1) stack = `[${stack}]`
  if (ctx.indentationLvl !== 0) stack = stack.replaceAll('\n', `\n${' '.repeat(ctx.indentationLvl)}`)
  return stack
}

function formatValue(ctx: Context, value: unknown, recurseTimes: number, typedArray = false): string {
  if (typeof value !== 'object' && typeof value !== 'function') return formatPrimitive(ctx, value)
  if (value === null) return 'null'
  if (ctx.customInspect) {
    const custom = (value as any)[inspectCustom]
    if (typeof custom === 'function' && custom !== inspect && !(Object.getOwnPropertyDescriptor(value, 'constructor')?.value?.prototype === value)) {
      const depth = ctx.depth === Infinity ? Infinity : ctx.depth - recurseTimes
      const ret = custom.call(value, depth, { ...ctx.options, depth, stylize: (s: string) => s }, inspect)
      if (ret !== value) {
        if (typeof ret !== 'string') return formatValue(ctx, ret, recurseTimes)
        return ret.replaceAll('\n', `\n${' '.repeat(ctx.indentationLvl)}`)
      }
    }
  }
  if (ctx.seen.includes(value)) {
    let index = ctx.circular.get(value)
    if (index === undefined) ctx.circular.set(value, (index = ctx.circular.size + 1))
    return `[Circular *${index}]`
  }
  return formatRaw(ctx, value as object, recurseTimes, typedArray)
}

function formatRaw(ctx: Context, value: object, recurseTimes: number, typedArray: boolean): string {
  let keys: Array<string | symbol> = []
  const constructor = constructorName(value)
  let tag = (value as any)[Symbol.toStringTag]
  if (typeof tag !== 'string' || (tag !== '' && (ctx.showHidden ? Object.prototype.hasOwnProperty : Object.prototype.propertyIsEnumerable).call(value, Symbol.toStringTag))) tag = ''
  let base = ''
  let braces: [string, string]
  let extrasType = OBJECT
  let formatter: (ctx: Context, value: any, recurseTimes: number) => string[] = formatObjectEntries
  let noIterator = true
  const tagOf = Object.prototype.toString.call(value).slice(8, -1)

  if (Symbol.iterator in value || constructor === null) {
    noIterator = false
    if (Array.isArray(value)) {
      const p = constructor !== 'Array' || tag !== '' ? prefix(constructor, tag, 'Array', `(${value.length})`) : ''
      keys = getKeys(value, ctx.showHidden).filter((k) => typeof k !== 'string' || !/^(0|[1-9]\d*)$/.test(k) || Number(k) >= value.length)
      if (!ctx.showHidden) keys = keys.filter((k) => k !== 'length')
      braces = [`${p}[`, ']']
      if (value.length === 0 && keys.length === 0) return `${braces[0]}]`
      extrasType = ARRAY
      formatter = formatArray
    } else if (value instanceof Set) {
      keys = getKeys(value, ctx.showHidden)
      const p = prefix(constructor, tag === 'Set' ? '' : tag, 'Set', `(${value.size})`)
      formatter = formatSet
      if (value.size === 0 && keys.length === 0) return `${p}{}`
      braces = [`${p}{`, '}']
    } else if (value instanceof Map) {
      keys = getKeys(value, ctx.showHidden)
      const p = prefix(constructor, tag === 'Map' ? '' : tag, 'Map', `(${value.size})`)
      formatter = formatMap
      if (value.size === 0 && keys.length === 0) return `${p}{}`
      braces = [`${p}{`, '}']
    } else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      const ta = value as unknown as ArrayLike<number>
      keys = getKeys(value, ctx.showHidden).filter((k) => typeof k !== 'string' || !/^(0|[1-9]\d*)$/.test(k))
      const fallback = tagOf
      const p = prefix(constructor, tag !== fallback ? tag : '', fallback, `(${ta.length})`)
      braces = [`${p}[`, ']']
      if (ta.length === 0 && keys.length === 0 && !ctx.showHidden) return `${braces[0]}]`
      formatter = formatTypedArray
      extrasType = ARRAY
    } else if (tagOf === 'Map Iterator' || tagOf === 'Set Iterator') {
      braces = [`[${tag}] {`, '}']
      formatter = (c, v) => [...v].map((e: unknown) => formatValue(c, e, recurseTimes + 1))
    } else {
      noIterator = true
    }
  }
  if (noIterator) {
    keys = getKeys(value, ctx.showHidden)
    braces = ['{', '}']
    if (constructor === 'Object' && !(typeof value === 'function')) {
      if (tagOf === 'Arguments') braces[0] = '[Arguments] ['
      else if (tag !== '') braces[0] = `${prefix(constructor, tag, 'Object')}{`
      if (tagOf === 'Arguments') {
        braces[1] = ']'
        extrasType = ARRAY
        formatter = formatArray
        keys = keys.filter((k) => typeof k !== 'string' || !/^\d+$/.test(k))
      }
      if (keys.length === 0 && tagOf !== 'Arguments') return `${braces[0]}}`
      if (tagOf === 'Arguments' && (value as any).length === 0 && keys.length === 0) return '[Arguments] []'
    } else if (typeof value === 'function') {
      base = functionBase(value, constructor, tag)
      keys = keys.filter((k) => !['length', 'name', 'prototype', 'arguments', 'caller'].includes(k as string) || (ctx.showHidden && k === 'prototype' && false))
      if (keys.length === 0) return base
    } else if (value instanceof RegExp) {
      base = RegExp.prototype.toString.call(value)
      const p = prefix(constructor, tag, 'RegExp')
      if (p !== 'RegExp ') base = `${p}${base}`
      keys = keys.filter((k) => k !== 'lastIndex')
      if (keys.length === 0) return base
    } else if (value instanceof Date) {
      base = Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()
      const p = prefix(constructor, tag, 'Date')
      if (p !== 'Date ') base = `${p}${base}`
      if (keys.length === 0) return base
    } else if (value instanceof Error) {
      base = formatError(value, constructor, ctx, keys)
      keys = keys.filter((k) => k !== 'stack')
      if (keys.length === 0) return base
    } else if (value instanceof ArrayBuffer || tagOf === 'SharedArrayBuffer') {
      const bytes = new Uint8Array(value as ArrayBuffer)
      const hex = [...bytes.subarray(0, Math.min(ctx.maxArrayLength, bytes.length))].map((b) => b.toString(16).padStart(2, '0'))
      let contents = `<${hex.join(' ')}${bytes.length > ctx.maxArrayLength ? ` ... ${bytes.length - ctx.maxArrayLength} more byte${bytes.length - ctx.maxArrayLength > 1 ? 's' : ''}` : ''}>`
      const p = prefix(constructor, tag, tagOf)
      if (recurseTimes > ctx.depth) return `[${p.trim()}]`
      braces = [`${p}{`, '}']
      const entries = [`[Uint8Contents]: ${contents}`, `[byteLength]: ${formatNumber(bytes.length)}`]
      contents = ''
      formatter = () => entries
    } else if (tagOf === 'Promise') {
      braces = [`${prefix(constructor, tag, 'Promise')}{`, '}']
      formatter = () => ['<pending>']
    } else if (tagOf === 'WeakMap' || tagOf === 'WeakSet') {
      braces = [`${prefix(constructor, tag, tagOf)}{`, '}']
      formatter = () => ['<items unknown>']
    } else if (tagOf === 'Number' || tagOf === 'String' || tagOf === 'Boolean' || tagOf === 'BigInt' || tagOf === 'Symbol') {
      const primitive = (value as any).valueOf()
      base = `[${tagOf}${constructor !== tagOf ? ` (${constructor})` : ''}: ${formatPrimitive({ ...ctx, compact: true }, primitive)}]`
      if (tagOf === 'String') keys = keys.filter((k) => typeof k !== 'string' || !/^\d+$/.test(k) || Number(k) >= primitive.length)
      if (keys.length === 0) return base
    } else {
      if (constructor === null) braces[0] = `${prefix(constructor, tag, 'Object')}{`
      else braces[0] = `${prefix(constructor, tag, 'Object')}{`
      if (keys.length === 0) return `${braces[0]}}`
    }
  }
  if (recurseTimes > ctx.depth) {
    const name = (constructor ?? tagOf).replace(/^\[|\]$/g, '')
    return `[${constructor === null ? `${tagOf}: null prototype` : Array.isArray(value) ? 'Array' : name}]`
  }
  recurseTimes += 1
  ctx.seen.push(value)
  ctx.currentDepth = recurseTimes
  let output: string[]
  try {
    output = formatter(ctx, value, recurseTimes)
    for (const key of ctx.sorted ? keys.sort() : keys) output.push(formatProperty(ctx, value, recurseTimes, key, extrasType))
  } finally {
    ctx.seen.pop()
  }
  const ref = ctx.circular.get(value)
  if (ref !== undefined) {
    const reference = `<ref *${ref}> `
    if (base === '') braces![0] = `${reference}${braces![0]}`
    else base = `${reference}${base}`
  }
  return reduceToSingleString(ctx, output, base, braces!, extrasType, recurseTimes, value)
}

function formatProperty(ctx: Context, value: any, recurseTimes: number, key: string | symbol | number, type: number): string {
  const desc = Object.getOwnPropertyDescriptor(value, key) ?? { value: value[key], enumerable: true }
  let str: string
  if (desc.value !== undefined) {
    ctx.indentationLvl += 2
    str = formatValue(ctx, desc.value, recurseTimes)
    ctx.indentationLvl -= 2
  } else if (desc.get !== undefined) {
    str = desc.set !== undefined ? '[Getter/Setter]' : '[Getter]'
  } else if (desc.set !== undefined) {
    str = '[Setter]'
  } else {
    str = 'undefined'
  }
  if (type === ARRAY && typeof key === 'number') return str
  let name: string
  if (typeof key === 'symbol') name = `[${key.toString()}]`
  else if (key === '__proto__') name = "['__proto__']"
  else if (desc.enumerable === false) name = `[${key}]`
  else if (keyRe.test(key as string)) name = key as string
  else name = strEscape(key as string)
  return `${name}: ${str}`
}

function formatArray(ctx: Context, value: any[], recurseTimes: number): string[] {
  const output: string[] = []
  const length = value.length
  const max = Math.min(ctx.maxArrayLength, length)
  let holes = 0
  let i = 0
  for (; i < length && output.length < max; i++) {
    if (!Object.prototype.hasOwnProperty.call(value, i)) {
      holes++
      continue
    }
    if (holes > 0) {
      output.push(`<${holes} empty item${holes > 1 ? 's' : ''}>`)
      holes = 0
      if (output.length >= max) break
    }
    output.push(formatProperty(ctx, value, recurseTimes, i, ARRAY))
  }
  if (holes > 0 && output.length < max) output.push(`<${holes} empty item${holes > 1 ? 's' : ''}>`)
  const remaining = length - i
  if (remaining > 0) output.push(`... ${remaining} more item${remaining > 1 ? 's' : ''}`)
  return output
}

function formatTypedArray(ctx: Context, value: ArrayLike<number | bigint>, recurseTimes: number): string[] {
  const max = Math.min(ctx.maxArrayLength, value.length)
  const output: string[] = []
  for (let i = 0; i < max; i++) output.push(formatPrimitive(ctx, value[i]))
  if (value.length > max) output.push(`... ${value.length - max} more item${value.length - max > 1 ? 's' : ''}`)
  if (ctx.showHidden) {
    ctx.indentationLvl += 2
    const view = value as unknown as ArrayBufferView & { length: number }
    output.push(`[BYTES_PER_ELEMENT]: ${(view as any).BYTES_PER_ELEMENT}`, `[length]: ${view.length}`, `[byteLength]: ${view.byteLength}`, `[byteOffset]: ${view.byteOffset}`, `[buffer]: ${formatValue(ctx, view.buffer, recurseTimes)}`)
    ctx.indentationLvl -= 2
  }
  return output
}

function formatSet(ctx: Context, value: Set<unknown>, recurseTimes: number): string[] {
  const max = Math.min(ctx.maxArrayLength, value.size)
  const output: string[] = []
  ctx.indentationLvl += 2
  for (const v of value) {
    if (output.length >= max) break
    output.push(formatValue(ctx, v, recurseTimes))
  }
  if (value.size > max) output.push(`... ${value.size - max} more item${value.size - max > 1 ? 's' : ''}`)
  ctx.indentationLvl -= 2
  return output
}

function formatMap(ctx: Context, value: Map<unknown, unknown>, recurseTimes: number): string[] {
  const max = Math.min(ctx.maxArrayLength, value.size)
  const output: string[] = []
  ctx.indentationLvl += 2
  for (const [k, v] of value) {
    if (output.length >= max) break
    output.push(`${formatValue(ctx, k, recurseTimes)} => ${formatValue(ctx, v, recurseTimes)}`)
  }
  if (value.size > max) output.push(`... ${value.size - max} more item${value.size - max > 1 ? 's' : ''}`)
  ctx.indentationLvl -= 2
  return output
}

function formatObjectEntries(): string[] {
  return []
}

function isBelowBreakLength(ctx: Context, output: string[], start: number, base: string): boolean {
  let total = output.length + start
  if (total + output.length > ctx.breakLength) return false
  for (const entry of output) {
    total += entry.length
    if (total > ctx.breakLength) return false
  }
  return base === '' || !base.includes('\n')
}

function groupArrayElements(ctx: Context, output: string[], value: unknown): string[] {
  let totalLength = 0
  let maxLength = 0
  let outputLength = output.length
  if (output.length > 0 && output[output.length - 1].startsWith('... ') && output[output.length - 1].includes(' more item')) outputLength--
  const separatorSpace = 2
  const dataLen: number[] = []
  for (let i = 0; i < outputLength; i++) {
    const len = output[i].length
    dataLen[i] = len
    totalLength += len + separatorSpace
    if (maxLength < len) maxLength = len
  }
  const actualMax = maxLength + separatorSpace
  if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength && (totalLength / actualMax > 5 || maxLength <= 6)) {
    const averageBias = Math.sqrt(actualMax - totalLength / output.length)
    const biasedMax = Math.max(actualMax - 3 - averageBias, 1)
    const columns = Math.min(
      Math.round(Math.sqrt(2.5 * biasedMax * outputLength) / biasedMax),
      Math.floor((ctx.breakLength - ctx.indentationLvl) / actualMax),
      (ctx.compact as number) * 4,
      15,
    )
    if (columns <= 1) return output
    const tmp: string[] = []
    const maxLineLength: number[] = []
    for (let i = 0; i < columns; i++) {
      let lineLength = 0
      for (let j = i; j < output.length; j += columns) if (dataLen[j] > lineLength) lineLength = dataLen[j]
      maxLineLength.push(lineLength + separatorSpace)
    }
    let padStart = true
    if (value !== undefined) {
      for (let i = 0; i < output.length; i++) {
        const v = (value as any)[i]
        if (typeof v !== 'number' && typeof v !== 'bigint') {
          padStart = false
          break
        }
      }
    }
    for (let i = 0; i < outputLength; i += columns) {
      const max = Math.min(i + columns, outputLength)
      let str = ''
      let j = i
      for (; j < max - 1; j++) {
        const cell = `${output[j]}, `
        str += padStart ? cell.padStart(maxLineLength[j - i]) : cell.padEnd(maxLineLength[j - i])
      }
      str += padStart ? output[j].padStart(maxLineLength[j - i] - separatorSpace) : output[j]
      tmp.push(str)
    }
    if (outputLength < output.length) tmp.push(output[outputLength])
    return tmp
  }
  return output
}

function reduceToSingleString(ctx: Context, output: string[], base: string, braces: [string, string], extrasType: number, recurseTimes: number, value: unknown): string {
  if (ctx.compact !== true) {
    if (typeof ctx.compact === 'number' && ctx.compact >= 1) {
      const entries = output.length
      if (extrasType === ARRAY && entries > 6) output = groupArrayElements(ctx, output, value)
      if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
        const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10
        if (isBelowBreakLength(ctx, output, start, base)) {
          const joined = output.join(', ')
          if (!joined.includes('\n')) return `${base ? `${base} ` : ''}${braces[0]} ${joined} ${braces[1]}`
        }
      }
    }
    const indentation = `\n${' '.repeat(ctx.indentationLvl)}`
    return `${base ? `${base} ` : ''}${braces[0]}${indentation}  ${output.join(`,${indentation}  `)}${indentation}${braces[1]}`
  }
  if (isBelowBreakLength(ctx, output, 0, base)) return `${braces[0]}${base ? ` ${base}` : ''} ${output.join(', ')} ${braces[1]}`
  const indentation = ' '.repeat(ctx.indentationLvl)
  const ln = base === '' && braces[0].length === 1 ? ' ' : `${base ? ` ${base}` : ''}\n${indentation}  `
  return `${braces[0]}${ln}${output.join(`,\n${indentation}  `)} ${braces[1]}`
}

/** Node's `util.inspect`: the same text Node prints for common values (no colors; promise state is not observable and shows as `<pending>`). */
export function inspect(value: unknown, options?: InspectOptions | boolean, depthArg?: number): string {
  let opts: InspectOptions = {}
  if (typeof options === 'boolean') opts = { showHidden: options, depth: depthArg }
  else if (options) opts = options
  const ctx: Context = {
    depth: opts.depth === null ? Infinity : (opts.depth ?? inspect.defaultOptions.depth ?? 2),
    showHidden: opts.showHidden ?? false,
    compact: opts.compact ?? 3,
    breakLength: opts.breakLength ?? 80,
    maxArrayLength: opts.maxArrayLength === null ? Infinity : (opts.maxArrayLength ?? 100),
    maxStringLength: opts.maxStringLength === null ? Infinity : (opts.maxStringLength ?? 10000),
    sorted: opts.sorted ?? false,
    customInspect: opts.customInspect ?? true,
    seen: [],
    circular: new Map(),
    indentationLvl: 0,
    currentDepth: 0,
    options: opts,
  }
  return formatValue(ctx, value, 0)
}
inspect.custom = inspectCustom as typeof inspectCustom
inspect.defaultOptions = { depth: 2 } as InspectOptions

/** Node's `util.format`: printf-like `%s %d %i %f %j %o %O %c %%`, the remaining arguments inspected and joined by spaces. */
export function format(...args: unknown[]): string {
  return formatWithOptions({}, ...args)
}

/** `util.format` with inspect options for the inspected arguments. */
export function formatWithOptions(options: InspectOptions, ...args: unknown[]): string {
  const first = args[0]
  let a = 0
  let str = ''
  let join = ''
  if (typeof first === 'string') {
    if (args.length === 1) return first
    let lastPos = 0
    let tempStr: string | undefined
    for (let i = 0; i < first.length - 1; i++) {
      if (first.charCodeAt(i) !== 37) continue
      const nextChar = first.charCodeAt(++i)
      if (a + 1 !== args.length) {
        switch (nextChar) {
          case 115: {
            const arg = args[++a]
            if (typeof arg === 'number') tempStr = formatNumber(arg)
            else if (typeof arg === 'bigint') tempStr = `${arg}n`
            else if (typeof arg !== 'object' || arg === null || !hasBuiltInToString(arg)) tempStr = String(arg)
            else tempStr = inspect(arg, { ...options, depth: 0, colors: false, compact: 3 })
            break
          }
          case 106:
            tempStr = tryStringify(args[++a])
            break
          case 100: {
            const n = args[++a]
            if (typeof n === 'bigint') tempStr = `${n}n`
            else if (typeof n === 'symbol') tempStr = 'NaN'
            else tempStr = formatNumber(Number(n))
            break
          }
          case 79:
            tempStr = inspect(args[++a], options)
            break
          case 111:
            tempStr = inspect(args[++a], { ...options, showHidden: true, showProxy: true, depth: 4 })
            break
          case 105: {
            const n = args[++a]
            if (typeof n === 'bigint') tempStr = `${n}n`
            else if (typeof n === 'symbol') tempStr = 'NaN'
            else tempStr = formatNumber(Number.parseInt(n as string))
            break
          }
          case 102: {
            const n = args[++a]
            tempStr = typeof n === 'symbol' ? 'NaN' : formatNumber(Number.parseFloat(n as string))
            break
          }
          case 99:
            a += 1
            tempStr = ''
            break
          case 37:
            str += first.slice(lastPos, i)
            lastPos = i + 1
            continue
          default:
            continue
        }
        if (lastPos !== i - 1) str += first.slice(lastPos, i - 1)
        str += tempStr
        lastPos = i + 1
      } else if (nextChar === 37) {
        str += first.slice(lastPos, i)
        lastPos = i + 1
      }
    }
    if (lastPos !== 0) {
      a++
      join = ' '
      if (lastPos < first.length) str += first.slice(lastPos)
    }
  }
  while (a < args.length) {
    const value = args[a]
    str += join
    str += typeof value !== 'string' ? inspect(value, options) : value
    join = ' '
    a++
  }
  return str
}

const builtInNames = new Set(['Object', 'Array', 'Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError', 'Date', 'RegExp', 'Function', 'Map', 'Set', 'WeakMap', 'WeakSet', 'Promise', 'Number', 'String', 'Boolean', 'Symbol', 'BigInt', 'ArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'])

function hasBuiltInToString(value: object): boolean {
  if (typeof (value as any).toString !== 'function') return true
  if (Object.prototype.hasOwnProperty.call(value, 'toString')) return false
  let pointer: any = value
  do {
    pointer = Object.getPrototypeOf(pointer)
  } while (pointer !== null && !Object.prototype.hasOwnProperty.call(pointer, 'toString'))
  if (pointer === null) return true
  const desc = Object.getOwnPropertyDescriptor(pointer, 'constructor')
  return desc !== undefined && typeof desc.value === 'function' && builtInNames.has(desc.value.name)
}

function tryStringify(value: unknown): string {
  try {
    return JSON.stringify(value) as string
  } catch (error) {
    if ((error as Error).message.includes('circular')) return '[Circular]'
    throw error
  }
}
