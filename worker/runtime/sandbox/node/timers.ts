import { createCodedError } from './errors'

type Global = typeof globalThis & { setImmediate?: (fn: (...a: unknown[]) => void, ...args: unknown[]) => unknown; clearImmediate?: (h: unknown) => void }

function abortError(signal?: AbortSignal): Error {
  const error = createCodedError('ABORT_ERR', 'The operation was aborted')
  error.name = 'AbortError'
  ;(error as { cause?: unknown }).cause = signal?.reason
  return error
}

/** Creates the `timers` module: the global timer functions, looked up at call time (the sandbox installs Node-flavoured ones). */
export function createTimersModule() {
  const g = globalThis as Global
  const setImmediate = (fn: (...a: unknown[]) => void, ...args: unknown[]) => (g.setImmediate ? g.setImmediate(fn, ...args) : g.setTimeout(fn, 0, ...args))
  const clearImmediate = (h: unknown) => (g.clearImmediate ? g.clearImmediate(h) : g.clearTimeout(h as number))
  return {
    setTimeout: (...args: Parameters<typeof setTimeout>) => g.setTimeout(...args),
    clearTimeout: (h: unknown) => g.clearTimeout(h as number),
    setInterval: (...args: Parameters<typeof setInterval>) => g.setInterval(...args),
    clearInterval: (h: unknown) => g.clearInterval(h as number),
    setImmediate,
    clearImmediate,
    promises: createTimersPromises(setImmediate, clearImmediate),
  }
}

/** `timers/promises`: promise forms of the timers, an async-iterator `setInterval`, and `scheduler`. */
export function createTimersPromises(setImmediate: (fn: () => void) => unknown, clearImmediate: (h: unknown) => void) {
  const g = globalThis
  const delay = <T>(start: (done: () => void) => unknown, stop: (h: unknown) => void, value: T, options: { signal?: AbortSignal } = {}) =>
    new Promise<T>((resolve, reject) => {
      const signal = options.signal
      if (signal?.aborted) return reject(abortError(signal))
      const onAbort = () => {
        stop(handle)
        reject(abortError(signal))
      }
      const handle = start(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve(value)
      })
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  const setTimeoutP = <T = void>(ms?: number, value?: T, options?: { signal?: AbortSignal }) => delay((done) => g.setTimeout(done, ms), (h) => g.clearTimeout(h as number), value as T, options)
  const setImmediateP = <T = void>(value?: T, options?: { signal?: AbortSignal }) => delay((done) => setImmediate(done), clearImmediate, value as T, options)
  async function* setIntervalP<T = void>(ms?: number, value?: T, options: { signal?: AbortSignal } = {}): AsyncGenerator<T> {
    let ticks = 0
    let wake: (() => void) | null = null
    const handle = g.setInterval(() => {
      ticks++
      wake?.()
    }, ms)
    try {
      while (true) {
        if (options.signal?.aborted) throw abortError(options.signal)
        if (ticks === 0) await new Promise<void>((resolve) => ((wake = resolve), options.signal?.addEventListener('abort', () => resolve(), { once: true })))
        wake = null
        if (options.signal?.aborted) throw abortError(options.signal)
        for (; ticks > 0; ticks--) yield value as T
      }
    } finally {
      g.clearInterval(handle)
    }
  }
  return {
    setTimeout: setTimeoutP,
    setImmediate: setImmediateP,
    setInterval: setIntervalP,
    scheduler: {
      wait: (ms: number, options?: { signal?: AbortSignal }) => setTimeoutP(ms, undefined, options),
      yield: () => setImmediateP(),
    },
  }
}
