import { isDeepEqual } from './deep-equal'
import { invalidArgType } from './errors'
import { inspect, type InspectOptions } from './inspect'

const diffInspect: InspectOptions = { compact: false, customInspect: false, depth: 1000, maxArrayLength: Infinity, showHidden: false, sorted: true, getters: true, breakLength: Infinity }
const show = (v: unknown) => inspect(v, diffInspect)

const headers: Record<string, string> = {
  deepStrictEqual: 'Expected values to be strictly deep-equal:',
  strictEqual: 'Expected values to be strictly equal:',
  strictEqualObject: 'Expected "actual" to be reference-equal to "expected":',
  deepEqual: 'Expected values to be loosely deep-equal:',
  notDeepStrictEqual: 'Expected "actual" not to be strictly deep-equal to:',
  notStrictEqual: 'Expected "actual" to be strictly unequal to:',
  notStrictEqualObject: 'Expected "actual" not to be reference-equal to "expected":',
  notDeepEqual: 'Expected "actual" not to be loosely deep-equal to:',
  notIdentical: 'Values identical but not reference-equal:',
  notDeepEqualUnequal: 'Expected values not to be loosely deep-equal:',
}

/** Lines of a `+ actual - expected` diff (longest common subsequence of the inspected lines). */
function diffLines(actual: string[], expected: string[]): string {
  const n = actual.length
  const m = expected.length
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array(m + 1).fill(0))
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = actual[i] === expected[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1])
  const out: string[] = []
  let i = 0
  let j = 0
  let plus: string[] = []
  let minus: string[] = []
  const flush = () => {
    out.push(...plus.map((l) => `+ ${l}`), ...minus.map((l) => `- ${l}`))
    plus = []
    minus = []
  }
  while (i < n || j < m) {
    if (i < n && j < m && actual[i] === expected[j]) {
      flush()
      out.push(`  ${actual[i]}`)
      i++
      j++
    } else if (j >= m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1])) plus.push(actual[i++])
    else minus.push(expected[j++])
  }
  flush()
  return out.join('\n')
}

function generatedMessage(actual: unknown, expected: unknown, operator: string): string {
  const a = show(actual)
  const e = show(expected)
  const aLines = a.split('\n')
  const eLines = e.split('\n')
  const isObject = (v: unknown) => typeof v === 'object' && v !== null || typeof v === 'function'
  switch (operator) {
    case 'deepStrictEqual':
    case 'strictEqual': {
      let header = headers[operator]
      if (operator === 'strictEqual' && isObject(actual) && isObject(expected)) {
        if (a === e) return `Values have same structure but are not reference-equal:\n\n${a}\n`
        header = headers.strictEqualObject
      }
      if (aLines.length === 1 && eLines.length === 1 && a !== e && (!isObject(actual) || !isObject(expected))) return `${header}\n\n${a} !== ${e}\n`
      return `${header}\n+ actual - expected\n\n${diffLines(aLines, eLines)}\n`
    }
    case 'deepEqual':
      return `${headers.deepEqual}\n\n${a}\n\nshould loosely deep-equal\n\n${e}`
    case 'notDeepStrictEqual':
      return `${headers.notDeepStrictEqual}\n\n${a}\n`
    case 'notDeepEqual':
      return `${headers.notDeepEqual}\n\n${a}`
    case 'notStrictEqual':
      if (isObject(actual)) return `${headers.notStrictEqualObject}\n\n${a}\n`
      return aLines.length === 1 ? `${headers.notStrictEqual} ${a}` : `${headers.notStrictEqual}\n\n${a}\n`
    default:
      return `${inspect(actual)} ${operator} ${inspect(expected)}`
  }
}

/** Options of `new AssertionError()`. */
export interface AssertionErrorOptions {
  message?: string | Error
  actual?: unknown
  expected?: unknown
  operator?: string
  stackStartFn?: Function
}

/** Node's `assert.AssertionError`: `code` 'ERR_ASSERTION', the compared values, the operator, and whether the message was generated. */
export class AssertionError extends Error {
  actual: unknown
  expected: unknown
  operator: string | undefined
  generatedMessage: boolean
  code = 'ERR_ASSERTION' as const

  constructor(options: AssertionErrorOptions) {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options)
    const { message, actual, expected, operator } = options
    const generated = message == null
    let text = generated ? generatedMessage(actual, expected, operator ?? '==') : String(message)
    // Node 22 keeps the comparison under a custom message for the strict operators.
    if (!generated && typeof message === 'string' && (operator === 'strictEqual' || operator === 'deepStrictEqual')) {
      const body = generatedMessage(actual, expected, operator)
      text = `${message}${body.slice(body.indexOf('\n'))}`
    }
    super(text)
    this.generatedMessage = generated
    this.actual = actual
    this.expected = expected
    this.operator = operator
    Object.defineProperty(this, 'name', { value: 'AssertionError [ERR_ASSERTION]', enumerable: false, writable: true, configurable: true })
    const capture = (Error as { captureStackTrace?: (target: object, fn?: Function) => void }).captureStackTrace
    capture?.(this, options.stackStartFn)
    if (!capture) this.stack = `AssertionError [ERR_ASSERTION]: ${this.message}`
    delete (this as { name?: string }).name
  }

  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}`
  }
}
Object.defineProperty(AssertionError.prototype, 'name', { value: 'AssertionError', enumerable: false, writable: true, configurable: true })

type Message = string | Error | undefined
type Validator = RegExp | Function | object

function fail(actual: unknown, expected: unknown, message: Message, operator: string, fn: Function): never {
  if (message instanceof Error) throw message
  throw new AssertionError({ actual, expected, message, operator, stackStartFn: fn })
}

function checkError(actual: unknown, expected: Validator | undefined, message: Message, fn: Function): void {
  if (expected === undefined) return
  if (expected instanceof RegExp) {
    const str = String(actual)
    if (expected.test(str)) return
    const error = new AssertionError({ actual, expected, operator: fn.name, stackStartFn: fn, message: message ?? `The input did not match the regular expression ${inspect(expected)}. Input:\n\n${inspect(str)}\n` })
    error.generatedMessage = !message
    throw error
  }
  if (typeof expected === 'function') {
    if (expected.prototype !== undefined && actual instanceof (expected as new () => unknown)) return
    if (Error.isPrototypeOf(expected) || expected === Error) {
      if (!message) {
        const received = actual instanceof Error ? `"${actual.constructor?.name ?? actual.name}"` : inspect(actual, { depth: -1 })
        message = `The error is expected to be an instance of "${expected.name}". Received ${received}\n\nError message:\n\n${(actual as Error)?.message ?? String(actual)}`
        const error = new AssertionError({ actual, expected, operator: fn.name, stackStartFn: fn, message })
        error.generatedMessage = true
        throw error
      }
      fail(actual, expected, message, fn.name, fn)
    }
    const result = (expected as Function).call({}, actual)
    if (result !== true) {
      const generated = !message
      if (!message) {
        const name = expected.name ? `"${expected.name}" ` : ''
        message = `The ${name}validation function is expected to return "true". Received ${inspect(result)}\n\nCaught error:\n\n${actual instanceof Error ? String(actual) : inspect(actual)}`
      }
      const error = new AssertionError({ actual, expected, operator: fn.name, stackStartFn: fn, message })
      error.generatedMessage = generated
      throw error
    }
    return
  }
  if (typeof expected !== 'object' || expected === null) throw invalidArgType('expected', 'of type function or an instance of Error, RegExp, or Object', expected)
  const keys = Object.keys(expected)
  if (expected instanceof Error) keys.push('name', 'message')
  for (const key of keys) {
    const want = (expected as any)[key]
    const got = (actual as any)?.[key]
    if (typeof got === 'string' && want instanceof RegExp && want.test(got)) continue
    if (key in Object(actual) && isDeepEqual(got, want, true)) continue
    class Comparison {
      constructor(source: any) {
        for (const k of keys) if (k in Object(source)) (this as any)[k] = source[k]
      }
    }
    const error = new AssertionError({ actual: new Comparison(actual), expected: new Comparison(expected), operator: 'deepStrictEqual', stackStartFn: fn, message })
    error.operator = fn.name
    throw error
  }
}

function getActual(fn: () => unknown, name: string): { threw: boolean; error?: unknown } {
  if (typeof fn !== 'function') throw invalidArgType('fn', 'of type function', fn)
  try {
    fn()
  } catch (error) {
    return { threw: true, error }
  }
  return { threw: false }
}

async function waitForActual(value: unknown): Promise<{ threw: boolean; error?: unknown }> {
  try {
    const promise = typeof value === 'function' ? value() : value
    if (!promise || typeof (promise as Promise<unknown>).then !== 'function') {
      throw invalidArgType('promiseFn', 'of type function or an instance of Promise', promise)
    }
    await promise
  } catch (error) {
    return { threw: true, error }
  }
  return { threw: false }
}

function splitArgs(expected: unknown, message: unknown): [Validator | undefined, Message] {
  if (typeof expected === 'string') return [undefined, expected]
  return [expected as Validator | undefined, message as Message]
}

/** The `assert` function with Node's methods; `strict` makes `equal`/`deepEqual` strict. */
export type AssertModule = ((value: unknown, message?: Message) => void) & Record<string, any>

function createAssert(strictMode: boolean): AssertModule {
  function ok(this: unknown, ...args: unknown[]): void {
    if (args.length === 0) {
      const error = new AssertionError({ message: 'No value argument passed to `assert.ok()`', actual: undefined, expected: true, operator: '==', stackStartFn: ok })
      error.generatedMessage = true
      throw error
    }
    if (!args[0]) {
      const error = new AssertionError({ actual: args[0], expected: true, operator: '==', message: args[1] as Message, stackStartFn: ok })
      if (args[1] instanceof Error) throw args[1]
      throw error
    }
  }
  const assert = function assert(...args: unknown[]) {
    ok(...args)
  } as AssertModule
  const methods = {
    ok,
    fail(message?: Message) {
      if (message instanceof Error) throw message
      const error = new AssertionError({ message: message ?? 'Failed', operator: 'fail', stackStartFn: methods.fail })
      error.generatedMessage = message === undefined
      throw error
    },
    equal(actual: unknown, expected: unknown, message?: Message) {
      if (!(actual == expected || (actual !== actual && expected !== expected))) fail(actual, expected, message, '==', methods.equal)
    },
    notEqual(actual: unknown, expected: unknown, message?: Message) {
      if (actual == expected || (actual !== actual && expected !== expected)) fail(actual, expected, message, '!=', methods.notEqual)
    },
    strictEqual(actual: unknown, expected: unknown, message?: Message) {
      if (!Object.is(actual, expected)) fail(actual, expected, message, 'strictEqual', methods.strictEqual)
    },
    notStrictEqual(actual: unknown, expected: unknown, message?: Message) {
      if (Object.is(actual, expected)) fail(actual, expected, message, 'notStrictEqual', methods.notStrictEqual)
    },
    deepEqual(actual: unknown, expected: unknown, message?: Message) {
      if (!isDeepEqual(actual, expected, false)) fail(actual, expected, message, 'deepEqual', methods.deepEqual)
    },
    notDeepEqual(actual: unknown, expected: unknown, message?: Message) {
      if (isDeepEqual(actual, expected, false)) fail(actual, expected, message, 'notDeepEqual', methods.notDeepEqual)
    },
    deepStrictEqual(actual: unknown, expected: unknown, message?: Message) {
      if (!isDeepEqual(actual, expected, true)) fail(actual, expected, message, 'deepStrictEqual', methods.deepStrictEqual)
    },
    notDeepStrictEqual(actual: unknown, expected: unknown, message?: Message) {
      if (isDeepEqual(actual, expected, true)) fail(actual, expected, message, 'notDeepStrictEqual', methods.notDeepStrictEqual)
    },
    throws(fn: () => unknown, expectedOrMessage?: unknown, maybeMessage?: unknown) {
      const [expected, message] = splitArgs(expectedOrMessage, maybeMessage)
      const result = getActual(fn, 'throws')
      if (!result.threw) {
        const detail = (expected as Function | undefined)?.name ? ` (${(expected as Function).name})` : ''
        const text = message ? `: ${message}` : '.'
        const error = new AssertionError({ actual: undefined, expected, operator: 'throws', message: `Missing expected exception${detail}${text}`, stackStartFn: methods.throws })
        error.generatedMessage = false
        throw error
      }
      checkError(result.error, expected, message, methods.throws)
    },
    doesNotThrow(fn: () => unknown, expectedOrMessage?: unknown, maybeMessage?: unknown) {
      const [expected, message] = splitArgs(expectedOrMessage, maybeMessage)
      const result = getActual(fn, 'doesNotThrow')
      if (!result.threw) return
      if (typeof expected === 'function' && expected.prototype !== undefined && !(result.error instanceof (expected as new () => unknown))) throw result.error
      const detail = message ? `: ${message}` : '.'
      const error = new AssertionError({ actual: result.error, expected, operator: 'doesNotThrow', message: `Got unwanted exception${detail}\nActual message: "${(result.error as Error)?.message}"`, stackStartFn: methods.doesNotThrow })
      error.generatedMessage = false
      throw error
    },
    async rejects(promiseFn: unknown, expectedOrMessage?: unknown, maybeMessage?: unknown) {
      const [expected, message] = splitArgs(expectedOrMessage, maybeMessage)
      const result = await waitForActual(promiseFn)
      if (!result.threw) {
        const detail = (expected as Function | undefined)?.name ? ` (${(expected as Function).name})` : ''
        const error = new AssertionError({ actual: undefined, expected, operator: 'rejects', message: `Missing expected rejection${detail}${message ? `: ${message}` : '.'}`, stackStartFn: methods.rejects })
        error.generatedMessage = !message
        throw error
      }
      checkError(result.error, expected, message, methods.rejects)
    },
    async doesNotReject(promiseFn: unknown, expectedOrMessage?: unknown, maybeMessage?: unknown) {
      const [, message] = splitArgs(expectedOrMessage, maybeMessage)
      const result = await waitForActual(promiseFn)
      if (!result.threw) return
      const error = new AssertionError({ actual: result.error, operator: 'doesNotReject', message: `Got unwanted rejection${message ? `: ${message}` : '.'}\nActual message: "${(result.error as Error)?.message}"`, stackStartFn: methods.doesNotReject })
      error.generatedMessage = false
      throw error
    },
    match(string: unknown, regexp: RegExp, message?: Message) {
      if (!(regexp instanceof RegExp)) throw invalidArgType('regexp', 'an instance of RegExp', regexp)
      if (typeof string === 'string' && regexp.test(string)) return
      if (message instanceof Error) throw message
      const text = typeof string !== 'string'
        ? `The "string" argument must be of type string. Received type ${typeof string} (${inspect(string)})`
        : `The input did not match the regular expression ${inspect(regexp)}. Input:\n\n${inspect(string)}\n`
      const error = new AssertionError({ actual: string, expected: regexp, operator: 'match', message: message ?? text, stackStartFn: methods.match })
      error.generatedMessage = !message
      throw error
    },
    doesNotMatch(string: unknown, regexp: RegExp, message?: Message) {
      if (!(regexp instanceof RegExp)) throw invalidArgType('regexp', 'an instance of RegExp', regexp)
      if (typeof string === 'string' && !regexp.test(string)) return
      if (message instanceof Error) throw message
      const text = typeof string !== 'string'
        ? `The "string" argument must be of type string. Received type ${typeof string} (${inspect(string)})`
        : `The input was expected to not match the regular expression ${inspect(regexp)}. Input:\n\n${inspect(string)}\n`
      const error = new AssertionError({ actual: string, expected: regexp, operator: 'doesNotMatch', message: message ?? text, stackStartFn: methods.doesNotMatch })
      error.generatedMessage = !message
      throw error
    },
    ifError(err: unknown) {
      if (err === null || err === undefined) return
      let message = 'ifError got unwanted exception: '
      message += typeof err === 'object' && typeof (err as Error).message === 'string' ? ((err as Error).message.length === 0 && (err as Error).constructor ? (err as Error).constructor.name : (err as Error).message) : inspect(err)
      const error = new AssertionError({ actual: err, expected: null, operator: 'ifError', message, stackStartFn: methods.ifError })
      error.generatedMessage = false
      throw error
    },
  }
  Object.assign(assert, methods, { AssertionError })
  if (strictMode) Object.assign(assert, { equal: methods.strictEqual, notEqual: methods.notStrictEqual, deepEqual: methods.deepStrictEqual, notDeepEqual: methods.notDeepStrictEqual })
  return assert
}

/** Creates the `assert` module; `assert.strict` (also served as `assert/strict`) is the strict variant. */
export function createAssertModule(): AssertModule {
  const assert = createAssert(false)
  const strict = createAssert(true)
  assert.strict = strict
  strict.strict = strict
  return assert
}
