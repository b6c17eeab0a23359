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
