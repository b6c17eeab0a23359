type Fn = (...args: unknown[]) => unknown
type Result = { type: 'return' | 'throw' | 'incomplete'; value: unknown }

/** What vitest's `fn.mock` holds. */
export interface ViMockState {
  calls: unknown[][]
  results: Result[]
  settledResults: Array<{ type: 'fulfilled' | 'rejected' | 'incomplete'; value: unknown }>
  instances: unknown[]
  contexts: unknown[]
  invocationCallOrder: number[]
  lastCall: unknown[] | undefined
}

/** A vitest/jest mock function (`vi.fn()`, `vi.spyOn()`). */
export type ViMock = Fn & Record<string, unknown> & { mock: ViMockState; _isMockFunction: true; getMockName(): string }

/** Whether `value` is a mock function made by {@link createViMocks}. */
export function isViMock(value: unknown): value is ViMock {
  return typeof value === 'function' && (value as { _isMockFunction?: unknown })._isMockFunction === true
}

/**
 * vitest's mock functions over one registry (so `clearAllMocks`/`resetAllMocks`/`restoreAllMocks`
 * reach every mock made here, and only those).
 */
export function createViMocks() {
  const all = new Set<ViMock>()
  let order = 0

  function fn(impl?: Fn, restore?: () => void, name = 'spy'): ViMock {
    const state = (): ViMockState => ({ calls: [], results: [], settledResults: [], instances: [], contexts: [], invocationCallOrder: [], lastCall: undefined })
    let current = impl
    let once: Fn[] = []
    let mockName = name
    const mock = function (this: unknown, ...args: unknown[]) {
      const s = spy.mock
      s.calls.push(args)
      s.lastCall = args
      s.contexts.push(this)
      s.instances.push(new.target ? this : undefined)
      s.invocationCallOrder.push(++order)
      const result: Result = { type: 'incomplete', value: undefined }
      s.results.push(result)
      const settled = { type: 'incomplete' as 'fulfilled' | 'rejected' | 'incomplete', value: undefined as unknown }
      s.settledResults.push(settled)
      const f = once.shift() ?? current
      try {
        const value = f ? (new.target ? Reflect.construct(f, args, new.target) : f.apply(this, args)) : undefined
        Object.assign(result, { type: 'return', value })
        if (value instanceof Promise) {
          value.then((v) => Object.assign(settled, { type: 'fulfilled', value: v }), (e) => Object.assign(settled, { type: 'rejected', value: e }))
        } else Object.assign(settled, { type: 'fulfilled', value })
        return value
      } catch (error) {
        Object.assign(result, { type: 'throw', value: error })
        Object.assign(settled, { type: 'rejected', value: error })
        throw error
      }
    }
    const spy = mock as unknown as ViMock
    const self = <A extends unknown[]>(f: (...a: A) => void) => (...a: A) => (f(...a), spy)
    Object.assign(spy, {
      _isMockFunction: true,
      mock: state(),
      getMockName: () => mockName,
      mockName: self((n: string) => (mockName = n)),
      getMockImplementation: () => current,
      mockClear: self(() => (spy.mock = state())),
      mockReset: self(() => {
        spy.mock = state()
        current = impl
        once = []
      }),
      mockRestore: self(() => {
        spy.mock = state()
        current = impl
        once = []
        restore?.()
      }),
      mockImplementation: self((f: Fn) => (current = f)),
      mockImplementationOnce: self((f: Fn) => once.push(f)),
      mockReturnThis: self(() => (current = function (this: unknown) { return this })),
      mockReturnValue: self((v: unknown) => (current = () => v)),
      mockReturnValueOnce: self((v: unknown) => once.push(() => v)),
      mockResolvedValue: self((v: unknown) => (current = () => Promise.resolve(v))),
      mockResolvedValueOnce: self((v: unknown) => once.push(() => Promise.resolve(v))),
      mockRejectedValue: self((v: unknown) => (current = () => Promise.reject(v))),
      mockRejectedValueOnce: self((v: unknown) => once.push(() => Promise.reject(v))),
      withImplementation(f: Fn, cb: () => unknown) {
        const prev = current
        current = f
        const r = cb()
        if (r instanceof Promise) return r.finally(() => (current = prev))
        current = prev
        return spy
      },
    })
    all.add(spy)
    return spy
  }

  function spyOn(object: Record<string, unknown>, key: string, access?: 'get' | 'set'): ViMock {
    let owner: object | null = object
    let descriptor: PropertyDescriptor | undefined
    while (owner && !(descriptor = Object.getOwnPropertyDescriptor(owner, key))) owner = Object.getPrototypeOf(owner)
    if (!descriptor) throw new TypeError(`${key} does not exist`)
    const original = descriptor
    const own = owner === object
    const restore = () => {
      if (own) Object.defineProperty(object, key, original)
      else delete object[key]
    }
    if (access) {
      const target = original[access] as Fn | undefined
      if (!target) throw new TypeError(`${key} has no ${access}ter`)
      const spy = fn(target, restore, key)
      Object.defineProperty(object, key, { ...original, [access]: spy, configurable: true })
      return spy
    }
    const value = original.value
    if (typeof value !== 'function') throw new TypeError(`cannot spy on ${key}: it is not a function`)
    if (isViMock(value)) return value
    const spy = fn(value as Fn, restore, key)
    Object.defineProperty(object, key, { value: spy, writable: true, enumerable: original.enumerable, configurable: true })
    return spy
  }

  return {
    fn: (impl?: Fn) => fn(impl),
    spyOn,
    clearAllMocks: () => all.forEach((m) => (m.mockClear as Fn)()),
    resetAllMocks: () => all.forEach((m) => (m.mockReset as Fn)()),
    restoreAllMocks: () => all.forEach((m) => (m.mockRestore as Fn)()),
  }
}

/** One call a Node `mock.fn()` recorded. */
export interface NodeMockCall {
  arguments: unknown[]
  result: unknown
  error: unknown
  this: unknown
  target: unknown
  stack: Error
}

/** `node:test`'s `MockTracker`: `mock.fn`, `mock.method`, `mock.reset`, `mock.restoreAll`. */
export function createNodeMockTracker() {
  const restorers = new Set<() => void>()
  const contexts = new Set<{ resetCalls(): void }>()

  function fn(original: Fn = () => {}, implementation: Fn = original, options: { times?: number } = {}, restore?: () => void) {
    let current = implementation
    let calls: NodeMockCall[] = []
    const onceAt = new Map<number, Fn>()
    let remaining = options.times ?? Infinity
    const context = {
      get calls() {
        return calls.slice()
      },
      callCount: () => calls.length,
      mockImplementation: (f: Fn) => void (current = f),
      mockImplementationOnce: (f: Fn, onCall = calls.length) => void onceAt.set(onCall, f),
      resetCalls: () => void (calls = []),
      restore: () => {
        current = original
        restore?.()
      },
    }
    const mocked = function (this: unknown, ...args: unknown[]) {
      const index = calls.length
      const f = onceAt.get(index) ?? (remaining-- > 0 ? current : original)
      onceAt.delete(index)
      const call: NodeMockCall = { arguments: args, result: undefined, error: undefined, this: this, target: new.target, stack: new Error() }
      try {
        call.result = new.target ? Reflect.construct(f, args, new.target) : f.apply(this, args)
        return call.result
      } catch (error) {
        call.error = error
        throw error
      } finally {
        calls.push(call)
      }
    }
    Object.defineProperty(mocked, 'mock', { value: context })
    contexts.add(context)
    if (restore) restorers.add(context.restore)
    return mocked as typeof mocked & { mock: typeof context }
  }

  function method(object: Record<string, unknown>, name: string, implementation?: Fn, options: { getter?: boolean; setter?: boolean; times?: number } = {}) {
    let owner: object | null = object
    let descriptor: PropertyDescriptor | undefined
    while (owner && !(descriptor = Object.getOwnPropertyDescriptor(owner, name))) owner = Object.getPrototypeOf(owner)
    if (!descriptor) throw new TypeError(`The argument 'methodName' must be a method. Received undefined`)
    const kind = options.getter ? 'get' : options.setter ? 'set' : 'value'
    const original = descriptor[kind] as Fn
    if (typeof original !== 'function') throw new TypeError(`The argument 'methodName' must be a method. Received ${typeof original}`)
    const saved = descriptor
    const own = owner === object
    const mocked = fn(original, implementation ?? original, options, () => {
      if (own) Object.defineProperty(object, name, saved)
      else delete object[name]
    })
    Object.defineProperty(object, name, { ...saved, [kind]: mocked, configurable: true })
    return mocked
  }

  return {
    fn: (original?: Fn, implementation?: Fn, options?: { times?: number }) => fn(original, implementation ?? original, options),
    method,
    getter: (object: Record<string, unknown>, name: string, implementation?: Fn) => method(object, name, implementation, { getter: true }),
    setter: (object: Record<string, unknown>, name: string, implementation?: Fn) => method(object, name, implementation, { setter: true }),
    restoreAll: () => restorers.forEach((r) => r()),
    reset: () => {
      restorers.forEach((r) => r())
      restorers.clear()
      contexts.forEach((c) => c.resetCalls())
      contexts.clear()
    },
  }
}
