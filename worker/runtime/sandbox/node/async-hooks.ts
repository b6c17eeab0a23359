/**
 * `async_hooks` with a synchronous `AsyncLocalStorage`: the store is visible inside `run()`'s
 * callback and whatever it calls synchronously, not after an `await` (no async context tracking in a tab).
 */
export function createAsyncHooksModule() {
  class AsyncLocalStorage<T> {
    #store: T | undefined
    #enabled = true
    static bind<F extends (...args: any[]) => any>(fn: F): F {
      return fn
    }
    static snapshot() {
      return <R>(fn: (...args: any[]) => R, ...args: any[]) => fn(...args)
    }
    getStore(): T | undefined {
      return this.#enabled ? this.#store : undefined
    }
    run<R>(store: T, fn: (...args: any[]) => R, ...args: any[]): R {
      const previous = this.#store
      this.#store = store
      this.#enabled = true
      try {
        return fn(...args)
      } finally {
        this.#store = previous
      }
    }
    exit<R>(fn: (...args: any[]) => R, ...args: any[]): R {
      const previous = this.#store
      this.#store = undefined
      try {
        return fn(...args)
      } finally {
        this.#store = previous
      }
    }
    enterWith(store: T): void {
      this.#store = store
      this.#enabled = true
    }
    disable(): void {
      this.#enabled = false
      this.#store = undefined
    }
  }
  let nextId = 2
  class AsyncResource {
    readonly type: string
    #id = nextId++
    constructor(type: string) {
      this.type = type
    }
    static bind<F extends (...args: any[]) => any>(fn: F): F {
      return fn
    }
    runInAsyncScope<R>(fn: (...args: any[]) => R, thisArg?: unknown, ...args: any[]): R {
      return fn.apply(thisArg, args)
    }
    bind<F extends (...args: any[]) => any>(fn: F): F {
      return fn.bind(this) as F
    }
    emitDestroy(): this {
      return this
    }
    asyncId(): number {
      return this.#id
    }
    triggerAsyncId(): number {
      return 1
    }
  }
  return {
    AsyncLocalStorage,
    AsyncResource,
    createHook: () => ({ enable() { return this }, disable() { return this } }),
    executionAsyncId: () => 1,
    triggerAsyncId: () => 0,
    executionAsyncResource: () => ({}),
  }
}
