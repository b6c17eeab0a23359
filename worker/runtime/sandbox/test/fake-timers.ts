type Timer = { id: number; at: number; fn: (...a: unknown[]) => void; args: unknown[]; every: number | null }

/**
 * A fake clock over `setTimeout`/`setInterval`/`Date.now`/`performance.now` of `scope` (the
 * worker's global): `install()` swaps them in, `uninstall()` puts the real ones back.
 */
export function createFakeTimers(scope: Record<string, unknown>) {
  let now = 0
  let nextId = 1
  let timers: Timer[] = []
  let saved: Record<string, unknown> | null = null
  const RealDate = scope.Date as DateConstructor

  const add = (fn: unknown, ms: unknown, args: unknown[], every: boolean) => {
    const delay = Math.max(0, Number(ms) || 0)
    const t: Timer = { id: nextId++, at: now + delay, fn: fn as Timer['fn'], args, every: every ? Math.max(1, delay) : null }
    timers.push(t)
    return t.id
  }
  const clear = (id: unknown) => void (timers = timers.filter((t) => t.id !== Number(id)))
  const next = (limit: number) => timers.filter((t) => t.at <= limit).sort((a, b) => a.at - b.at || a.id - b.id)[0]
  const fire = (t: Timer) => {
    now = Math.max(now, t.at)
    if (t.every) t.at += t.every
    else clear(t.id)
    t.fn(...t.args)
  }

  class FakeDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(startWall + now)
      else super(...(args as [string]))
    }
    static override now() {
      return startWall + now
    }
  }
  let startWall = RealDate.now()

  return {
    install(options: { now?: number | Date } = {}) {
      if (saved) return
      startWall = options.now === undefined ? RealDate.now() : +options.now
      now = 0
      const perf = scope.performance as { now(): number } | undefined
      saved = { setTimeout: scope.setTimeout, clearTimeout: scope.clearTimeout, setInterval: scope.setInterval, clearInterval: scope.clearInterval, Date: scope.Date, perfNow: perf?.now }
      Object.assign(scope, {
        setTimeout: (fn: unknown, ms?: number, ...args: unknown[]) => add(fn, ms, args, false),
        setInterval: (fn: unknown, ms?: number, ...args: unknown[]) => add(fn, ms, args, true),
        clearTimeout: clear,
        clearInterval: clear,
        Date: FakeDate,
      })
      if (perf) Object.defineProperty(perf, 'now', { value: () => now, configurable: true, writable: true })
    },
    uninstall() {
      if (!saved) return
      const { perfNow, ...rest } = saved
      Object.assign(scope, rest)
      const perf = scope.performance as object | undefined
      if (perf && perfNow) Object.defineProperty(perf, 'now', { value: perfNow, configurable: true, writable: true })
      saved = null
      timers = []
    },
    get installed() {
      return saved !== null
    },
    advance(ms: number) {
      const end = now + ms
      for (let t = next(end), guard = 0; t && guard < 100_000; t = next(end), guard++) fire(t)
      now = end
    },
    advanceToNext() {
      const t = next(Infinity)
      if (t) fire(t)
    },
    runAll() {
      for (let t = next(Infinity), guard = 0; t; t = next(Infinity)) {
        if (++guard > 10_000) throw new Error('Aborting after running 10000 timers, assuming an infinite loop!')
        fire(t)
      }
    },
    runOnlyPending() {
      const pending = timers.slice().sort((a, b) => a.at - b.at || a.id - b.id)
      for (const t of pending) if (timers.includes(t)) fire(t)
    },
    clearAll: () => void (timers = []),
    count: () => timers.length,
    setSystemTime(time: number | Date) {
      startWall = +time - now
    },
    getRealSystemTime: () => RealDate.now(),
    now: () => startWall + now,
  }
}
