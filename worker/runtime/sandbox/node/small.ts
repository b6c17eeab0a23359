/* The built-ins that are a few lines each: tty, perf_hooks, async_hooks, diagnostics_channel, module, stream/consumers. */
import { Buffer } from 'buffer'
import { Readable, Writable } from './stream'

/** `tty`: nothing in the sandbox is a terminal (`isatty` is false unless the process says otherwise). */
export function createTtyModule(isTTY = false) {
  return { isatty: (_fd: number) => isTTY, ReadStream: Readable, WriteStream: Writable }
}

/** `perf_hooks`: the worker's `performance` and little else. */
export function createPerfHooksModule() {
  const g = globalThis as { PerformanceObserver?: unknown; PerformanceEntry?: unknown }
  return {
    performance: globalThis.performance,
    PerformanceObserver: g.PerformanceObserver,
    PerformanceEntry: g.PerformanceEntry,
    constants: { NODE_PERFORMANCE_GC_MAJOR: 4, NODE_PERFORMANCE_GC_MINOR: 1, NODE_PERFORMANCE_GC_INCREMENTAL: 8, NODE_PERFORMANCE_GC_WEAKCB: 16 },
    monitorEventLoopDelay: () => ({ enable() {}, disable() {}, reset() {}, percentile: () => 0, min: 0, max: 0, mean: 0, stddev: 0, percentiles: new Map(), exceeds: 0 }),
  }
}

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

/** `diagnostics_channel`: working publish/subscribe channels (nothing in the sandbox publishes). */
export function createDiagnosticsChannelModule() {
  const channels = new Map<string | symbol, ReturnType<typeof makeChannel>>()
  function makeChannel(name: string | symbol) {
    const subscribers = new Set<(message: unknown, name: string | symbol) => void>()
    return {
      name,
      get hasSubscribers() {
        return subscribers.size > 0
      },
      publish: (message: unknown) => subscribers.forEach((fn) => fn(message, name)),
      subscribe: (fn: (message: unknown, name: string | symbol) => void) => void subscribers.add(fn),
      unsubscribe: (fn: (message: unknown, name: string | symbol) => void) => subscribers.delete(fn),
      bindStore() {},
      unbindStore() {},
      runStores: <R>(_data: unknown, fn: (...a: any[]) => R, thisArg?: unknown, ...args: any[]) => fn.apply(thisArg, args),
    }
  }
  const channel = (name: string | symbol) => {
    let c = channels.get(name)
    if (!c) channels.set(name, (c = makeChannel(name)))
    return c
  }
  return {
    channel,
    hasSubscribers: (name: string | symbol) => channels.get(name)?.hasSubscribers ?? false,
    subscribe: (name: string | symbol, fn: (message: unknown, name: string | symbol) => void) => channel(name).subscribe(fn),
    unsubscribe: (name: string | symbol, fn: (message: unknown, name: string | symbol) => void) => channel(name).unsubscribe(fn),
    tracingChannel: (name: string) => {
      const parts = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'].map((p) => [p, channel(`tracing:${name}:${p}`)])
      return { ...Object.fromEntries(parts), hasSubscribers: false, subscribe() {}, unsubscribe() {}, traceSync: (fn: () => unknown) => fn(), tracePromise: (fn: () => unknown) => fn(), traceCallback: (fn: () => unknown) => fn() }
    },
    Channel: Object,
  }
}

/** `stream/consumers`: read a whole stream (or async iterable) as text, JSON, bytes or a Blob. */
export function createStreamConsumersModule() {
  const collect = async (stream: AsyncIterable<unknown>) => {
    const chunks: Uint8Array[] = []
    for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array))
    return Buffer.concat(chunks)
  }
  return {
    buffer: collect,
    arrayBuffer: async (s: AsyncIterable<unknown>) => {
      const b = await collect(s)
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)
    },
    text: async (s: AsyncIterable<unknown>) => (await collect(s)).toString('utf8'),
    json: async (s: AsyncIterable<unknown>) => JSON.parse((await collect(s)).toString('utf8')),
    blob: async (s: AsyncIterable<unknown>) => new Blob([await collect(s)]),
  }
}
