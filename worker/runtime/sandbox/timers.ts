/** Node-style timer handles over the worker's timers, counting the ones that keep the process alive. */
export interface Timers {
  /**
   * Resolves once no referenced timer is left (after letting pending promise callbacks run),
   * which is when Node would exit; or after `maxWaitMs` when given.
   */
  idle(maxWaitMs?: number): Promise<void>
  /** Keeps the process alive (as an open stdin being read does) until the returned function is called. */
  hold(): () => void
}

/** Node's Timeout object: a handle that can be unref'd, refreshed, and turned into a number. */
class Timeout {
  #ref = true
  constructor(
    readonly id: number,
    private readonly live: Set<Timeout>,
    private readonly changed: () => void,
    private readonly restart: (t: Timeout) => void,
  ) {}
  ref(): this {
    this.#ref = true
    this.changed()
    return this
  }
  unref(): this {
    this.#ref = false
    this.changed()
    return this
  }
  hasRef(): boolean {
    return this.#ref && this.live.has(this)
  }
  refresh(): this {
    this.restart(this)
    return this
  }
  close(): this {
    ;(globalThis.clearTimeout as (handle: unknown) => void)(this)
    return this
  }
  [Symbol.toPrimitive](): number {
    return this.id
  }
}

/**
 * Replaces `setTimeout`, `setInterval`, `setImmediate` and their `clear*` on `global` with Node's
 * flavour (handles with ref/unref), keeping count of what is pending.
 */
export function installTimers(global: typeof globalThis): Timers {
  const native = { setTimeout: global.setTimeout.bind(global), clearTimeout: global.clearTimeout.bind(global), setInterval: global.setInterval.bind(global), clearInterval: global.clearInterval.bind(global) }
  const live = new Set<Timeout>()
  const byId = new Map<number, Timeout>()
  let held = 0
  let waiters: Array<() => void> = []
  const busy = () => held > 0 || [...live].some((t) => t.hasRef())
  const changed = () => {
    if (busy()) return
    const ready = waiters
    waiters = []
    for (const fn of ready) fn()
  }
  const toId = (handle: unknown) => (handle instanceof Timeout ? handle.id : typeof handle === 'number' ? handle : -1)

  function schedule(kind: 'timeout' | 'interval', fn: (...a: unknown[]) => void, ms: unknown, args: unknown[]): Timeout {
    if (typeof fn !== 'function') throw Object.assign(new TypeError(`The "callback" argument must be of type function. Received ${typeof fn}`), { code: 'ERR_INVALID_ARG_TYPE' })
    const delay = Math.max(1, Number(ms) || 0)
    const start = (): number =>
      kind === 'timeout'
        ? native.setTimeout(() => {
            live.delete(timer)
            byId.delete(timer.id)
            try {
              fn(...args)
            } finally {
              changed()
            }
          }, delay)
        : native.setInterval(() => fn(...args), delay)
    let timer: Timeout
    const restart = (t: Timeout) => {
      ;(kind === 'timeout' ? native.clearTimeout : native.clearInterval)(current)
      byId.delete(current)
      current = start()
      ;(t as { id: number }).id = current
      byId.set(current, t)
      live.add(t)
    }
    let current = start()
    timer = new Timeout(current, live, changed, restart)
    live.add(timer)
    byId.set(current, timer)
    return timer
  }
  function clear(handle: unknown) {
    const timer = byId.get(toId(handle))
    if (!timer) return
    native.clearTimeout(timer.id)
    native.clearInterval(timer.id)
    live.delete(timer)
    byId.delete(timer.id)
    changed()
  }
  Object.assign(global, {
    setTimeout: (fn: (...a: unknown[]) => void, ms?: unknown, ...args: unknown[]) => schedule('timeout', fn, ms, args),
    setInterval: (fn: (...a: unknown[]) => void, ms?: unknown, ...args: unknown[]) => schedule('interval', fn, ms, args),
    setImmediate: (fn: (...a: unknown[]) => void, ...args: unknown[]) => schedule('timeout', fn, 0, args),
    clearTimeout: clear,
    clearInterval: clear,
    clearImmediate: clear,
  })
  const macrotask = () => new Promise<void>((resolve) => native.setTimeout(resolve, 0))
  return {
    hold() {
      held++
      let released = false
      return () => {
        if (released) return
        released = true
        held--
        changed()
      }
    },
    async idle(maxWaitMs) {
      const deadline = maxWaitMs === undefined ? Infinity : performance.now() + maxWaitMs
      for (;;) {
        // Let promise callbacks and already-due timers run; they may schedule more.
        await macrotask()
        if (!busy()) {
          await macrotask()
          if (!busy()) return
        }
        if (performance.now() >= deadline) return
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          if (deadline !== Infinity) native.setTimeout(resolve, Math.max(0, deadline - performance.now()))
        })
      }
    },
  }
}
