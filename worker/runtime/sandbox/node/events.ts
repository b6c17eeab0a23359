import { createCodedError } from './errors'

type Listener = (...args: any[]) => unknown
interface Wrapped extends Listener {
  listener?: Listener
}

/** Node's `EventEmitter` instance API. */
export interface EventEmitter {
  _events: Record<string | symbol, Wrapped[]>
  _maxListeners: number | undefined
  on(name: string | symbol, listener: Listener): this
  addListener(name: string | symbol, listener: Listener): this
  prependListener(name: string | symbol, listener: Listener): this
  once(name: string | symbol, listener: Listener): this
  prependOnceListener(name: string | symbol, listener: Listener): this
  removeListener(name: string | symbol, listener: Listener): this
  off(name: string | symbol, listener: Listener): this
  removeAllListeners(name?: string | symbol): this
  emit(name: string | symbol, ...args: any[]): boolean
  setMaxListeners(n: number): this
  getMaxListeners(): number
  listeners(name: string | symbol): Listener[]
  rawListeners(name: string | symbol): Listener[]
  listenerCount(name: string | symbol, listener?: Listener): number
  eventNames(): Array<string | symbol>
}

/** Node's `EventEmitter` constructor and statics (callable as `EventEmitter.call(this)` by ES5-style subclasses). */
export interface EventEmitterConstructor {
  new (options?: { captureRejections?: boolean }): EventEmitter
  (this: unknown, options?: unknown): void
  prototype: EventEmitter
  EventEmitter: EventEmitterConstructor
  defaultMaxListeners: number
  readonly errorMonitor: symbol
  readonly captureRejectionSymbol: symbol
  init(this: unknown): void
  once(emitter: EventEmitter | EventTarget, name: string | symbol, options?: { signal?: AbortSignal }): Promise<any[]>
  on(emitter: EventEmitter, name: string | symbol, options?: { signal?: AbortSignal }): AsyncIterableIterator<any[]>
  listenerCount(emitter: EventEmitter, name: string | symbol): number
  getEventListeners(emitter: EventEmitter, name: string | symbol): Listener[]
  setMaxListeners(n?: number, ...emitters: EventEmitter[]): void
}

const errorMonitor = Symbol('events.errorMonitor')

/** Node's `EventEmitter`: listeners run synchronously in order; an 'error' without listeners throws. */
export const EventEmitter = function EventEmitter(this: EventEmitter) {
  ;(EventEmitter as EventEmitterConstructor).init.call(this)
} as unknown as EventEmitterConstructor

const statics = {
  defaultMaxListeners: 10,
  errorMonitor,
  captureRejectionSymbol: Symbol.for('nodejs.rejection'),
  init(this: EventEmitter) {
    if (!this._events || this._events === Object.getPrototypeOf(this)._events) {
      this._events = Object.create(null)
    }
    this._maxListeners ??= undefined
  },
  once(emitter: EventEmitter | EventTarget, name: string | symbol, options: { signal?: AbortSignal } = {}): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      if (!(emitter instanceof EventEmitter)) {
        ;(emitter as EventTarget).addEventListener(name as string, (event) => resolve([event]), { once: true })
        return
      }
      const onError = (error: unknown) => {
        emitter.removeListener(name, onEvent)
        reject(error)
      }
      const onEvent = (...args: unknown[]) => {
        if (name !== 'error') emitter.removeListener('error', onError)
        resolve(args)
      }
      emitter.once(name, onEvent)
      if (name !== 'error') emitter.once('error', onError)
      options.signal?.addEventListener('abort', () => {
        emitter.removeListener(name, onEvent)
        emitter.removeListener('error', onError)
        reject(abortError())
      })
    })
  },
  on(emitter: EventEmitter, name: string | symbol, options: { signal?: AbortSignal } = {}): AsyncIterableIterator<unknown[]> {
    const queue: unknown[][] = []
    const waiting: Array<{ resolve(v: IteratorResult<unknown[]>): void; reject(e: unknown): void }> = []
    let error: unknown
    let done = false
    const onEvent = (...args: unknown[]) => {
      const next = waiting.shift()
      if (next) next.resolve({ value: args, done: false })
      else queue.push(args)
    }
    const onError = (e: unknown) => {
      const next = waiting.shift()
      if (next) next.reject(e)
      else error = e
      finish()
    }
    const finish = () => {
      done = true
      emitter.removeListener(name, onEvent)
      emitter.removeListener('error', onError)
      for (const w of waiting.splice(0)) w.resolve({ value: undefined, done: true })
      return Promise.resolve({ value: undefined, done: true as const })
    }
    emitter.on(name, onEvent)
    if (name !== 'error') emitter.on('error', onError)
    options.signal?.addEventListener('abort', () => onError(abortError()))
    return {
      next() {
        if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false })
        if (error !== undefined) {
          const e = error
          error = undefined
          return Promise.reject(e)
        }
        if (done) return Promise.resolve({ value: undefined, done: true })
        return new Promise((resolve, reject) => waiting.push({ resolve, reject }))
      },
      return: finish,
      throw(e: unknown) {
        onError(e)
        return Promise.reject(e)
      },
      [Symbol.asyncIterator]() {
        return this
      },
    } as AsyncIterableIterator<unknown[]>
  },
  listenerCount: (emitter: EventEmitter, name: string | symbol) => emitter.listenerCount(name),
  getEventListeners: (emitter: EventEmitter, name: string | symbol) => emitter.listeners(name),
  setMaxListeners(n = 10, ...emitters: EventEmitter[]) {
    if (emitters.length === 0) EventEmitter.defaultMaxListeners = n
    for (const e of emitters) e.setMaxListeners(n)
  },
}
Object.assign(EventEmitter, statics)
EventEmitter.EventEmitter = EventEmitter

function list(emitter: EventEmitter, name: string | symbol): Wrapped[] | undefined {
  if (!emitter._events) EventEmitter.init.call(emitter)
  return emitter._events[name]
}

function checkListener(listener: unknown): void {
  if (typeof listener !== 'function') {
    throw createCodedError('ERR_INVALID_ARG_TYPE', `The "listener" argument must be of type function. Received ${listener === null ? 'null' : typeof listener === 'object' ? 'an instance of Object' : `type ${typeof listener} (${String(listener)})`}`, TypeError)
  }
}

function add(emitter: EventEmitter, name: string | symbol, listener: Wrapped, prepend: boolean): EventEmitter {
  checkListener(listener)
  if (list(emitter, 'newListener')) emitter.emit('newListener', name, listener.listener ?? listener)
  let listeners = list(emitter, name)
  if (!listeners) emitter._events[name] = listeners = []
  if (prepend) listeners.unshift(listener)
  else listeners.push(listener)
  const max = emitter.getMaxListeners()
  if (max > 0 && listeners.length > max && !(listeners as any).warned) {
    ;(listeners as any).warned = true
    const owner = emitter.constructor?.name || 'EventEmitter'
    const text = `Possible EventEmitter memory leak detected. ${listeners.length} ${String(name)} listeners added to [${owner}]. MaxListeners is ${max}. Use emitter.setMaxListeners() to increase limit`
    ;(globalThis as any).process?.emitWarning?.(text, 'MaxListenersExceededWarning')
  }
  return emitter
}

function onceWrapper(emitter: EventEmitter, name: string | symbol, listener: Listener): Wrapped {
  let fired = false
  const wrapped: Wrapped = function (this: unknown, ...args: unknown[]) {
    if (fired) return
    fired = true
    emitter.removeListener(name, wrapped)
    return listener.apply(emitter, args)
  }
  wrapped.listener = listener
  return wrapped
}

const proto: Omit<EventEmitter, '_events' | '_maxListeners'> & ThisType<EventEmitter> = {
  on(name, listener) {
    return add(this, name, listener, false) as any
  },
  addListener(name, listener) {
    return add(this, name, listener, false) as any
  },
  prependListener(name, listener) {
    return add(this, name, listener, true) as any
  },
  // Through `on`/`prependListener`, as in Node, so subclasses overriding `on` (Readable) see `once` too.
  once(name, listener) {
    checkListener(listener)
    return this.on(name, onceWrapper(this, name, listener))
  },
  prependOnceListener(name, listener) {
    checkListener(listener)
    return this.prependListener(name, onceWrapper(this, name, listener))
  },
  removeListener(name, listener) {
    const listeners = list(this, name)
    if (!listeners) return this
    for (let i = listeners.length - 1; i >= 0; i--) {
      if (listeners[i] === listener || listeners[i].listener === listener) {
        listeners.splice(i, 1)
        if (listeners.length === 0) delete this._events[name]
        if (list(this, 'removeListener')) this.emit('removeListener', name, listener)
        break
      }
    }
    return this
  },
  off(name, listener) {
    return this.removeListener(name, listener)
  },
  removeAllListeners(name) {
    if (!this._events) EventEmitter.init.call(this)
    if (name === undefined) {
      for (const key of Reflect.ownKeys(this._events)) if (key !== 'removeListener') this.removeAllListeners(key)
      delete this._events.removeListener
      return this
    }
    const listeners = list(this, name)
    if (listeners) for (let i = listeners.length - 1; i >= 0; i--) this.removeListener(name, listeners[i])
    return this
  },
  emit(name, ...args) {
    if (name === 'error') {
      const monitors = list(this, errorMonitor)
      if (monitors) for (const m of [...monitors]) m.apply(this, args)
    }
    const listeners = list(this, name)
    if (!listeners || listeners.length === 0) {
      if (name !== 'error') return false
      const error = args[0]
      if (error instanceof Error) throw error
      const wrapped = createCodedError('ERR_UNHANDLED_ERROR', `Unhandled error. (${describe(error)})`)
      ;(wrapped as any).context = error
      throw wrapped
    }
    for (const listener of [...listeners]) listener.apply(this, args)
    return true
  },
  setMaxListeners(n) {
    this._maxListeners = n
    return this
  },
  getMaxListeners() {
    return this._maxListeners ?? EventEmitter.defaultMaxListeners
  },
  listeners(name) {
    return (list(this, name) ?? []).map((l) => l.listener ?? l)
  },
  rawListeners(name) {
    return [...(list(this, name) ?? [])]
  },
  listenerCount(name, listener) {
    const listeners = list(this, name) ?? []
    return listener ? listeners.filter((l) => l === listener || l.listener === listener).length : listeners.length
  },
  eventNames() {
    if (!this._events) EventEmitter.init.call(this)
    return Reflect.ownKeys(this._events)
  },
}
Object.assign(EventEmitter.prototype, proto)
Object.defineProperty(EventEmitter.prototype, 'constructor', { value: EventEmitter, enumerable: false, writable: true, configurable: true })

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

function abortError(): Error {
  const error = createCodedError('ABORT_ERR', 'The operation was aborted')
  error.name = 'AbortError'
  return error
}

/** The `events` module: `EventEmitter` itself (as Node exports it), with `once`, `on` and friends as statics. */
export function createEventsModule(): EventEmitterConstructor {
  return EventEmitter
}
