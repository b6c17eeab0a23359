import { createAsymmetricMatchers, equals, matchesSubset } from './equals'
import { inspect, isAsymmetric } from './format'
import { isViMock, type ViMock } from './mock'

/** A failed `expect`: `expected`/`actual` hold the compared values when a diff makes sense. */
export class AssertionError extends Error {
  override name = 'AssertionError'
  declare expected?: unknown
  declare actual?: unknown
  constructor(message: string, diff?: { expected: unknown; actual: unknown }) {
    super(message)
    if (diff) Object.assign(this, diff)
  }
}

type Outcome = { pass: boolean; message: (not: boolean) => string; expected?: unknown; actual?: unknown }
type Matcher = (received: unknown, ...args: unknown[]) => Outcome
type CustomMatcher = (this: MatcherContext, received: unknown, ...args: unknown[]) => { pass: boolean; message: () => string } | Promise<{ pass: boolean; message: () => string }>
type MatcherContext = { isNot: boolean; promise: string; equals: typeof equals; utils: Record<string, unknown> }

const e = (value: unknown) => inspect(value)
const to = (not: boolean) => (not ? 'not to' : 'to')
const toNot = (not: boolean) => (not ? 'to not' : 'to')
const ordinal = (n: number) => `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`

function spyOf(received: unknown): ViMock {
  if (!isViMock(received)) throw new TypeError(`${e(received)} is not a spy or a call to a spy!`)
  return received
}

function pathOf(path: unknown): Array<string | number> {
  if (Array.isArray(path)) return path
  return String(path)
    .split(/\.|\[(\d+)\]/)
    .filter((p) => p !== undefined && p !== '')
}

function thrown(received: unknown, promise: string): { threw: boolean; error: unknown } {
  if (promise === 'rejects') return { threw: true, error: received }
  if (typeof received !== 'function') throw new TypeError(`expected ${e(received)} to be a function`)
  try {
    received()
    return { threw: false, error: undefined }
  } catch (error) {
    return { threw: true, error }
  }
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : typeof error === 'string' ? error : e(error))

function createMatchers(promise: () => string): Record<string, Matcher> {
  const compare = (name: string, op: (a: number, b: number) => boolean) => (r: unknown, x: unknown) => {
    if (typeof r !== 'number' && typeof r !== 'bigint') throw new TypeError(`${e(r)} is not a number or bigint`)
    return { pass: op(r as number, x as number), message: (not: boolean) => `expected ${e(r)} ${to(not)} be ${name} ${e(x)}` }
  }
  const calledWith = (spy: ViMock, args: unknown[]) => spy.mock.calls.some((c) => equals(c, args))
  return {
    toBe: (r, x) => ({
      pass: Object.is(r, x),
      message: (not) => `expected ${e(r)} ${to(not)} be ${e(x)} // Object.is equality`,
      expected: x,
      actual: r,
    }),
    toEqual: (r, x) => ({ pass: equals(r, x), message: (not) => `expected ${e(r)} ${toNot(not)} deeply equal ${e(x)}`, expected: x, actual: r }),
    toStrictEqual: (r, x) => ({ pass: equals(r, x, true), message: (not) => `expected ${e(r)} ${toNot(not)} strictly equal ${e(x)}`, expected: x, actual: r }),
    toBeTruthy: (r) => ({ pass: !!r, message: (not) => `expected ${e(r)} ${toNot(not)} be truthy` }),
    toBeFalsy: (r) => ({ pass: !r, message: (not) => `expected ${e(r)} ${toNot(not)} be falsy` }),
    toBeNull: (r) => ({ pass: r === null, message: (not) => `expected ${e(r)} ${to(not)} be null` }),
    toBeUndefined: (r) => ({ pass: r === undefined, message: (not) => `expected ${e(r)} ${to(not)} be undefined` }),
    toBeDefined: (r) => ({ pass: r !== undefined, message: (not) => `expected ${e(r)} ${to(not)} be defined` }),
    toBeNaN: (r) => ({ pass: Number.isNaN(r), message: (not) => `expected ${e(r)} ${to(not)} be NaN` }),
    toContain: (r, x) => ({
      pass: typeof r === 'string' ? r.includes(String(x)) : r != null && typeof (r as Iterable<unknown>)[Symbol.iterator] === 'function' && [...(r as Iterable<unknown>)].includes(x),
      message: (not) => `expected ${e(r)} ${toNot(not)} include ${e(x)}`,
    }),
    toContainEqual: (r, x) => ({
      pass: [...(r as Iterable<unknown>)].some((v) => equals(v, x)),
      message: (not) => `expected ${e(r)} ${toNot(not)} deep equally contain ${e(x)}`,
    }),
    toHaveLength: (r, x) => {
      const length = (r as { length?: unknown } | null)?.length
      return {
        pass: length === x,
        message: (not) => `expected ${e(r)} ${toNot(not)} have a length of ${e(x)}${not ? '' : ` but got ${e(length)}`}`,
        expected: x,
        actual: length,
      }
    },
    toHaveProperty: (r, path, ...value) => {
      let v: unknown = r
      let found = true
      for (const key of pathOf(path)) {
        if (v == null || !(Object(v) as object).hasOwnProperty.call(Object(v), key) && !(key in Object(v))) {
          found = false
          break
        }
        v = (v as Record<string | number, unknown>)[key]
      }
      const shown = Array.isArray(path) ? path.join('.') : String(path)
      const withValue = value.length > 0
      return {
        pass: found && (!withValue || equals(v, value[0])),
        message: (not) => `expected ${e(r)} ${toNot(not)} have property "${shown}"${withValue ? ` with value ${e(value[0])}` : ''}`,
        ...(withValue && found ? { expected: value[0], actual: v } : {}),
      }
    },
    toMatch: (r, x) => {
      if (typeof r !== 'string') throw new TypeError(`.toMatch() expects to receive a string, but got ${typeof r}`)
      return typeof x === 'string'
        ? { pass: r.includes(x), message: (not) => `expected ${e(r)} ${toNot(not)} include ${e(x)}` }
        : { pass: (x as RegExp).test(r), message: (not) => `expected ${e(r)} ${toNot(not)} match ${e(x)}` }
    },
    toMatchObject: (r, x) => ({ pass: matchesSubset(r, x), message: (not) => `expected ${e(r)} ${toNot(not)} match object ${e(x)}`, expected: x, actual: r }),
    toBeGreaterThan: compare('greater than', (a, b) => a > b),
    toBeGreaterThanOrEqual: compare('greater than or equal to', (a, b) => a >= b),
    toBeLessThan: compare('less than', (a, b) => a < b),
    toBeLessThanOrEqual: compare('less than or equal to', (a, b) => a <= b),
    toBeCloseTo: (r, x, digits = 2) => {
      const diff = Math.abs((r as number) - (x as number))
      const max = 10 ** -(digits as number) / 2
      return {
        pass: r === x || diff < max,
        message: (not) => `expected ${e(r)} ${to(not)} be close to ${e(x)}, received difference is ${diff}, but expected ${max}`,
      }
    },
    toBeInstanceOf: (r, x) => ({
      pass: r instanceof (x as new () => unknown),
      message: (not) => `expected ${e(r)} ${to(not)} be an instance of ${(x as { name?: string }).name}`,
    }),
    toBeTypeOf: (r, x) => ({ pass: typeof r === x, message: (not) => `expected ${e(r)} ${to(not)} be type of '${x}'` }),
    toSatisfy: (r, f, message) => ({ pass: !!(f as (v: unknown) => unknown)(r), message: (not) => (message as string) ?? `expected ${e(r)} ${to(not)} satisfy ${e(f)}` }),
    toBeOneOf: (r, list) => ({
      pass: (list as unknown[]).some((v) => equals(r, v)),
      message: (not) => `expected ${e(r)} ${to(not)} be one of ${e(list)}`,
    }),
    toThrow: (r, x) => {
      const { threw, error } = thrown(r, promise())
      const subject = promise() === 'rejects' ? 'promise' : '[Function]'
      const got = threw ? ` but got '${errorText(error)}'` : ''
      if (x === undefined) {
        return { pass: threw, message: (not) => (not ? `expected ${subject} to not throw an error but '${error instanceof Error ? `${error.name}: ${error.message}` : errorText(error)}' was thrown` : `expected ${subject} to throw an error`) }
      }
      if (typeof x === 'string') return { pass: threw && errorText(error).includes(x), message: (not) => `expected ${subject} ${toNot(not)} throw error including '${x}'${got}` }
      if (x instanceof RegExp) return { pass: threw && x.test(errorText(error)), message: (not) => `expected ${subject} ${toNot(not)} throw error matching ${x}${got}` }
      if (typeof x === 'function') {
        return { pass: threw && error instanceof (x as new () => unknown), message: (not) => `expected error ${to(not)} be instance of ${(x as { name: string }).name}` }
      }
      if (isAsymmetric(x)) return { pass: threw && x.asymmetricMatch(error), message: (not) => `expected error ${to(not)} match asymmetric matcher, ${x.toString()}` }
      // vitest 5 compares an expected object with the thrown value by deep equality.
      return { pass: threw && equals(error, x), message: (not) => `expected a thrown value ${toNot(not)} equal ${e(x)}`, expected: x, actual: error }
    },
    toHaveBeenCalled: (r) => {
      const spy = spyOf(r)
      const n = spy.mock.calls.length
      return {
        pass: n > 0,
        message: (not) => (not ? `expected "${spy.getMockName()}" to not be called at all, but actually been called ${n} times` : `expected "${spy.getMockName()}" to be called at least once`),
      }
    },
    toHaveBeenCalledTimes: (r, x) => {
      const spy = spyOf(r)
      const n = spy.mock.calls.length
      return { pass: n === x, message: (not) => `expected "${spy.getMockName()}" ${toNot(not)} be called ${x} times, but got ${n} times` }
    },
    toHaveBeenCalledWith: (r, ...args) => {
      const spy = spyOf(r)
      return {
        pass: calledWith(spy, args),
        message: (not) => `expected "${spy.getMockName()}" ${toNot(not)} be called with arguments: ${e(args)}`,
        expected: args,
        actual: spy.mock.calls.length === 1 ? spy.mock.calls[0] : spy.mock.calls,
      }
    },
    toHaveBeenLastCalledWith: (r, ...args) => {
      const spy = spyOf(r)
      const last = spy.mock.calls.at(-1)
      return {
        pass: !!last && equals(last, args),
        message: (not) => `expected last "${spy.getMockName()}" call ${toNot(not)} have been called with ${e(args)}`,
        expected: args,
        actual: last,
      }
    },
    toHaveBeenNthCalledWith: (r, nth, ...args) => {
      const spy = spyOf(r)
      const call = spy.mock.calls[(nth as number) - 1]
      return {
        pass: !!call && equals(call, args),
        message: (not) => `expected ${ordinal(nth as number)} "${spy.getMockName()}" call ${toNot(not)} have been called with ${e(args)}`,
        expected: args,
        actual: call,
      }
    },
    toHaveReturned: (r) => {
      const spy = spyOf(r)
      return { pass: spy.mock.results.some((x) => x.type === 'return'), message: (not) => `expected "${spy.getMockName()}" ${toNot(not)} be successfully called at least once` }
    },
    toHaveReturnedTimes: (r, n) => {
      const spy = spyOf(r)
      const count = spy.mock.results.filter((x) => x.type === 'return').length
      return { pass: count === n, message: (not) => `expected "${spy.getMockName()}" ${toNot(not)} be successfully called ${n} times` }
    },
    toHaveReturnedWith: (r, x) => {
      const spy = spyOf(r)
      return {
        pass: spy.mock.results.some((v) => v.type === 'return' && equals(v.value, x)),
        message: (not) => `expected "${spy.getMockName()}" ${toNot(not)} return with: ${e(x)} at least once`,
      }
    },
    toHaveLastReturnedWith: (r, x) => {
      const spy = spyOf(r)
      const last = spy.mock.results.at(-1)
      return { pass: last?.type === 'return' && equals(last.value, x), message: (not) => `expected last "${spy.getMockName()}" call ${toNot(not)} return ${e(x)}` }
    },
    toMatchSnapshot: () => {
      throw new Error('Snapshots are not supported by the embedded test runner (toMatchSnapshot / toMatchInlineSnapshot); use an explicit expected value, or run the tests in WebContainer.')
    },
  }
}

const aliases: Record<string, string> = {
  toThrowError: 'toThrow',
  toBeCalled: 'toHaveBeenCalled',
  toBeCalledTimes: 'toHaveBeenCalledTimes',
  toBeCalledWith: 'toHaveBeenCalledWith',
  lastCalledWith: 'toHaveBeenLastCalledWith',
  toHaveBeenLastCalledWith: 'toHaveBeenLastCalledWith',
  nthCalledWith: 'toHaveBeenNthCalledWith',
  toReturn: 'toHaveReturned',
  toReturnWith: 'toHaveReturnedWith',
  toMatchInlineSnapshot: 'toMatchSnapshot',
  toThrowErrorMatchingSnapshot: 'toMatchSnapshot',
  toThrowErrorMatchingInlineSnapshot: 'toMatchSnapshot',
}

/** Per-test bookkeeping of `expect.assertions(n)` / `expect.hasAssertions()`. */
export interface AssertionCount {
  calls: number
  expected: number | null
  any: boolean
}

/**
 * vitest's `expect`, counting assertions into `count` (the runner resets it per test and checks it
 * with {@link checkAssertionCount}). `expect.extend` adds matchers to this `expect` only.
 */
export function createExpect(count: AssertionCount) {
  const custom: Record<string, CustomMatcher> = {}

  function assertion(received: unknown, not: boolean, promise: '' | 'resolves' | 'rejects'): Record<string, unknown> {
    const builtins = createMatchers(() => promise)
    const target: Record<string, unknown> = {}
    const run = (name: string, args: unknown[]) => {
      count.calls++
      const apply = (value: unknown) => {
        const custom_ = custom[name]
        if (custom_) {
          const check = (r: { pass: boolean; message: () => string }) => {
            if (r.pass === not) throw new AssertionError(r.message())
          }
          const r = custom_.call({ isNot: not, promise, equals, utils: { printReceived: e, printExpected: e, stringify: e } }, value, ...args)
          return r instanceof Promise ? r.then(check) : check(r)
        }
        const outcome = builtins[aliases[name] ?? name](value, ...args)
        if (outcome.pass === not) {
          throw new AssertionError(outcome.message(not), 'expected' in outcome && !not ? { expected: outcome.expected, actual: outcome.actual } : undefined)
        }
      }
      if (!promise) return apply(received)
      if (!(received instanceof Promise) && typeof (received as { then?: unknown })?.then !== 'function') {
        throw new TypeError(`You must provide a Promise to expect() when using .${promise}, not '${typeof received}'.`)
      }
      return (received as Promise<unknown>).then(
        (value) => {
          if (promise === 'rejects') throw new AssertionError(`promise resolved "${e(value)}" instead of rejecting`, { expected: 'Error', actual: value })
          return apply(value)
        },
        (error) => {
          if (promise === 'resolves') throw new AssertionError(`promise rejected "${e(error)}" instead of resolving`)
          return apply(error)
        },
      )
    }
    for (const name of [...Object.keys(builtins), ...Object.keys(aliases), ...Object.keys(custom)]) target[name] = (...args: unknown[]) => run(name, args)
    Object.defineProperty(target, 'not', { get: () => assertion(received, !not, promise) })
    Object.defineProperty(target, 'resolves', { get: () => assertion(received, not, 'resolves') })
    Object.defineProperty(target, 'rejects', { get: () => assertion(received, not, 'rejects') })
    return target
  }

  const expect = Object.assign((received: unknown) => assertion(received, false, ''), createAsymmetricMatchers(), {
    not: createAsymmetricMatchers(true),
    assertions: (n: number) => void (count.expected = n),
    hasAssertions: () => void (count.any = true),
    extend(matchers: Record<string, CustomMatcher>) {
      Object.assign(custom, matchers)
    },
    getState: () => ({ assertionCalls: count.calls, expectedAssertionsNumber: count.expected, isExpectingAssertions: count.any }),
    soft: (received: unknown) => assertion(received, false, ''),
    unreachable: (message?: string) => {
      throw new AssertionError(`expected${message ? ` "${message}"` : ''} not to be reached`)
    },
  })
  return expect
}

/** The error a test ends with when `expect.assertions(n)` / `expect.hasAssertions()` was not met, or null. */
export function checkAssertionCount(count: AssertionCount): AssertionError | null {
  if (count.expected !== null && count.calls !== count.expected) {
    return new AssertionError(`expected number of assertions to be ${count.expected}, but got ${count.calls}`, { expected: count.expected, actual: count.calls })
  }
  if (count.any && count.calls === 0) return new AssertionError('expected any number of assertion, but got none')
  return null
}
