import { isDeepEqual } from './deep-equal'
import { createCodedError, invalidArgType } from './errors'
import { format, formatWithOptions, inspect } from './inspect'

const customPromisify = Symbol.for('nodejs.util.promisify.custom')
const tagOf = (v: unknown) => Object.prototype.toString.call(v).slice(8, -1)
const ctorOf = (v: unknown) => (typeof v === 'function' ? Object.getPrototypeOf(v)?.constructor?.name : undefined)

/** `util.types`: the type checks of Node that can be answered without V8 internals. */
export const types = {
  isPromise: (v: unknown): v is Promise<unknown> => tagOf(v) === 'Promise',
  isDate: (v: unknown): v is Date => v instanceof Date,
  isRegExp: (v: unknown): v is RegExp => v instanceof RegExp,
  isNativeError: (v: unknown): v is Error => v instanceof Error,
  isMap: (v: unknown) => v instanceof Map,
  isSet: (v: unknown) => v instanceof Set,
  isWeakMap: (v: unknown) => v instanceof WeakMap,
  isWeakSet: (v: unknown) => v instanceof WeakSet,
  isAsyncFunction: (v: unknown) => ctorOf(v) === 'AsyncFunction' || ctorOf(v) === 'AsyncGeneratorFunction',
  isGeneratorFunction: (v: unknown) => ctorOf(v) === 'GeneratorFunction' || ctorOf(v) === 'AsyncGeneratorFunction',
  isGeneratorObject: (v: unknown) => tagOf(v) === 'Generator',
  isArrayBuffer: (v: unknown) => v instanceof ArrayBuffer,
  isSharedArrayBuffer: (v: unknown) => tagOf(v) === 'SharedArrayBuffer',
  isAnyArrayBuffer: (v: unknown) => v instanceof ArrayBuffer || tagOf(v) === 'SharedArrayBuffer',
  isArrayBufferView: (v: unknown) => ArrayBuffer.isView(v),
  isTypedArray: (v: unknown) => ArrayBuffer.isView(v) && !(v instanceof DataView),
  isUint8Array: (v: unknown) => v instanceof Uint8Array,
  isUint16Array: (v: unknown) => v instanceof Uint16Array,
  isUint32Array: (v: unknown) => v instanceof Uint32Array,
  isInt8Array: (v: unknown) => v instanceof Int8Array,
  isInt16Array: (v: unknown) => v instanceof Int16Array,
  isInt32Array: (v: unknown) => v instanceof Int32Array,
  isFloat32Array: (v: unknown) => v instanceof Float32Array,
  isFloat64Array: (v: unknown) => v instanceof Float64Array,
  isBigInt64Array: (v: unknown) => v instanceof BigInt64Array,
  isBigUint64Array: (v: unknown) => v instanceof BigUint64Array,
  isDataView: (v: unknown) => v instanceof DataView,
  isBoxedPrimitive: (v: unknown) => typeof v === 'object' && v !== null && ['Number', 'String', 'Boolean', 'BigInt', 'Symbol'].includes(tagOf(v)),
  isNumberObject: (v: unknown) => typeof v === 'object' && tagOf(v) === 'Number',
  isStringObject: (v: unknown) => typeof v === 'object' && tagOf(v) === 'String',
  isBooleanObject: (v: unknown) => typeof v === 'object' && tagOf(v) === 'Boolean',
  isSymbolObject: (v: unknown) => typeof v === 'object' && tagOf(v) === 'Symbol',
  isBigIntObject: (v: unknown) => typeof v === 'object' && tagOf(v) === 'BigInt',
  isMapIterator: (v: unknown) => tagOf(v) === 'Map Iterator',
  isSetIterator: (v: unknown) => tagOf(v) === 'Set Iterator',
  isArgumentsObject: (v: unknown) => tagOf(v) === 'Arguments',
  isProxy: (_v: unknown) => false,
  isExternal: (_v: unknown) => false,
  isModuleNamespaceObject: (v: unknown) => tagOf(v) === 'Module',
  isKeyObject: (_v: unknown) => false,
  isCryptoKey: (v: unknown) => tagOf(v) === 'CryptoKey',
}

type Callback = (error: unknown, ...values: unknown[]) => void

/** `util.promisify`: honours `fn[util.promisify.custom]`; resolves with the callback's first value. */
export function promisify(fn: Function): (...args: unknown[]) => Promise<unknown> {
  if (typeof fn !== 'function') throw invalidArgType('original', 'of type function', fn)
  const custom = (fn as any)[customPromisify]
  if (typeof custom === 'function') return custom
  function promisified(this: unknown, ...args: unknown[]) {
    return new Promise((resolve, reject) => {
      fn.call(this, ...args, (error: unknown, value: unknown) => (error ? reject(error) : resolve(value)))
    })
  }
  Object.setPrototypeOf(promisified, Object.getPrototypeOf(fn))
  Object.defineProperty(promisified, customPromisify, { value: promisified })
  return Object.defineProperties(promisified, Object.getOwnPropertyDescriptors(fn))
}
promisify.custom = customPromisify

/** `util.callbackify`: the callback gets `(error)` or `(null, value)`; a falsy rejection is wrapped in an Error with `reason`. */
export function callbackify(fn: (...args: any[]) => Promise<unknown>): (...args: unknown[]) => void {
  if (typeof fn !== 'function') throw invalidArgType('original', 'of type function', fn)
  return function (this: unknown, ...args: unknown[]) {
    const callback = args.pop() as Callback
    if (typeof callback !== 'function') throw invalidArgType('last argument', 'of type function', callback)
    fn.apply(this, args).then(
      (value) => queueMicrotask(() => callback(null, value)),
      (reason) => {
        if (!reason) {
          const error = createCodedError('ERR_FALSY_VALUE_REJECTION', 'Promise was rejected with falsy value')
          ;(error as any).reason = reason
          reason = error
        }
        queueMicrotask(() => callback(reason))
      },
    )
  }
}

/** `util.inherits`: sets `ctor.super_` and chains the prototypes. */
export function inherits(ctor: Function, superCtor: Function): void {
  if (typeof ctor !== 'function') throw invalidArgType('ctor', 'of type function', ctor)
  if (typeof superCtor !== 'function') throw invalidArgType('superCtor', 'of type function', superCtor)
  if (superCtor.prototype === undefined) throw invalidArgType('superCtor.prototype', 'of type object', superCtor.prototype)
  Object.defineProperty(ctor, 'super_', { value: superCtor, writable: true, configurable: true })
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype)
}

/** Creates the `util` module; `warn` prints deprecation warnings (the process's emitWarning). */
export function createUtilModule(warn: (message: string, type: string, code?: string) => void = () => {}) {
  const warned = new Set<string>()
  return {
    format,
    formatWithOptions,
    inspect,
    promisify,
    callbackify,
    inherits,
    types,
    isDeepStrictEqual: (a: unknown, b: unknown) => isDeepEqual(a, b, true),
    deprecate<T extends Function>(fn: T, message: string, code?: string): T {
      let done = false
      const wrapped = function (this: unknown, ...args: unknown[]) {
        if (!done && !(code && warned.has(code))) {
          done = true
          if (code) warned.add(code)
          warn(message, 'DeprecationWarning', code)
        }
        return new.target ? Reflect.construct(fn, args, new.target) : fn.apply(this, args)
      }
      Object.setPrototypeOf(wrapped, fn)
      if (fn.prototype) wrapped.prototype = fn.prototype
      return wrapped as unknown as T
    },
    debuglog(section: string) {
      const enabled = new RegExp(`^(${(((globalThis as any).process?.env?.NODE_DEBUG as string) ?? '').replace(/[|\\{}()[\]^$+?.]/g, '\\$&').replace(/\*/g, '.*').replace(/,/g, '$|^')})$`, 'i').test(section)
      const log = (...args: unknown[]) => {
        if (enabled) (globalThis as any).process?.stderr?.write(`${section.toUpperCase()} ${(globalThis as any).process?.pid ?? 1}: ${format(...args)}\n`)
      }
      log.enabled = enabled
      return log
    },
    get debug() {
      return this.debuglog
    },
    stripVTControlCharacters: (str: string) => str.replace(/[\u001B\u009B][[\]()#;?]*(?:(?:(?:(?:;[-a-zA-Z\d\/#&.:=?%@~_]+)*|[a-zA-Z\d]+(?:;[-a-zA-Z\d\/#&.:=?%@~_]*)*)?\u0007)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PR-TZcf-ntqry=><~]))/g, ''),
    styleText: (_format: string | string[], text: string) => text,
    toUSVString: (s: string) => s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'),
    getSystemErrorName: (errno: number) => ({ '-2': 'ENOENT', '-17': 'EEXIST', '-20': 'ENOTDIR', '-21': 'EISDIR', '-22': 'EINVAL', '-39': 'ENOTEMPTY', '-13': 'EACCES', '-1': 'EPERM', '-9': 'EBADF' })[String(errno)] ?? `Unknown system error ${errno}`,
    TextEncoder,
    TextDecoder,
    isArray: Array.isArray,
    isBoolean: (v: unknown) => typeof v === 'boolean',
    isNull: (v: unknown) => v === null,
    isNullOrUndefined: (v: unknown) => v == null,
    isNumber: (v: unknown) => typeof v === 'number',
    isString: (v: unknown) => typeof v === 'string',
    isSymbol: (v: unknown) => typeof v === 'symbol',
    isUndefined: (v: unknown) => v === undefined,
    isRegExp: types.isRegExp,
    isObject: (v: unknown) => v !== null && typeof v === 'object',
    isDate: types.isDate,
    isError: (v: unknown) => v instanceof Error,
    isFunction: (v: unknown) => typeof v === 'function',
    isPrimitive: (v: unknown) => v === null || (typeof v !== 'object' && typeof v !== 'function'),
    aborted: (signal: AbortSignal) => new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true }))),
  }
}
