import { Buffer } from 'buffer'
import { EventEmitter } from './events'
import { createCodedError } from './errors'

/* Node's stream classes are plain constructor functions (old libraries call `Readable.call(this)`),
   so they are written as functions with prototypes rather than classes. State lives in
   `_readableState` / `_writableState` as in Node, which some libraries inspect. */

type Callback = (error?: Error | null) => void
type AnyStream = any

const tick = (fn: () => void) => queueMicrotask(fn)
const toBuffer = (chunk: unknown, encoding?: string) => (typeof chunk === 'string' ? Buffer.from(chunk, (encoding || 'utf8') as 'utf8') : chunk instanceof Uint8Array && !Buffer.isBuffer(chunk) ? Buffer.from(chunk.buffer as ArrayBuffer, chunk.byteOffset, chunk.byteLength) : chunk)
const sizeOf = (chunk: any, objectMode: boolean) => (objectMode ? 1 : chunk.length)

function inherit(ctor: Function, parent: Function, methods: Record<string, any>): void {
  Object.setPrototypeOf(ctor.prototype, parent.prototype)
  Object.setPrototypeOf(ctor, parent)
  Object.defineProperties(ctor.prototype, Object.getOwnPropertyDescriptors(methods))
}

/** Options accepted by the stream constructors (Node's names). */
export interface StreamOptions {
  objectMode?: boolean
  readableObjectMode?: boolean
  writableObjectMode?: boolean
  highWaterMark?: number
  encoding?: string
  defaultEncoding?: string
  decodeStrings?: boolean
  autoDestroy?: boolean
  emitClose?: boolean
  allowHalfOpen?: boolean
  signal?: AbortSignal
  read?(this: AnyStream, size: number): void
  write?(this: AnyStream, chunk: any, encoding: string, cb: Callback): void
  writev?(this: AnyStream, chunks: Array<{ chunk: any; encoding: string }>, cb: Callback): void
  final?(this: AnyStream, cb: Callback): void
  destroy?(this: AnyStream, error: Error | null, cb: Callback): void
  transform?(this: AnyStream, chunk: any, encoding: string, cb: (error?: Error | null, data?: any) => void): void
  flush?(this: AnyStream, cb: (error?: Error | null, data?: any) => void): void
  construct?(this: AnyStream, cb: Callback): void
}

/** The legacy base `Stream` (an EventEmitter with `pipe`). */
export function Stream(this: AnyStream, options?: StreamOptions): void {
  EventEmitter.call(this, options)
}
inherit(Stream, EventEmitter, {
  pipe(this: AnyStream, dest: AnyStream, options: { end?: boolean } = {}): AnyStream {
    this.on('data', (chunk: unknown) => dest.write(chunk) === false && this.pause?.())
    dest.on('drain', () => this.resume?.())
    if (options.end !== false) this.on('end', () => dest.end())
    dest.emit('pipe', this)
    return dest
  },
})

function destroyImpl(this: AnyStream, error?: Error | null, cb?: Callback): AnyStream {
  const r = this._readableState
  const w = this._writableState
  if ((r && r.destroyed) || (w && w.destroyed)) {
    if (typeof cb === 'function') cb(error)
    return this
  }
  for (const s of [r, w]) if (s) {
    s.destroyed = true
    if (error) s.errored = error
  }
  this._destroy(error ?? null, (err?: Error | null) => {
    tick(() => {
      if (err && !(r?.errorEmitted || w?.errorEmitted)) {
        for (const s of [r, w]) if (s) { s.errorEmitted = true; s.errored = err }
        this.emit('error', err)
      }
      for (const s of [r, w]) if (s) s.closed = true
      if ((r ?? w).emitClose) this.emit('close')
      cb?.(err)
    })
  })
  return this
}

function defaultDestroy(this: AnyStream, error: Error | null, cb: Callback): void {
  cb(error)
}

// ---------------------------------------------------------------- Readable

function readableState(options: StreamOptions, duplex: boolean) {
  const objectMode = !!(options.objectMode || (duplex && options.readableObjectMode))
  return {
    objectMode,
    highWaterMark: options.highWaterMark ?? (objectMode ? 16 : 16384),
    buffer: [] as any[],
    length: 0,
    flowing: null as boolean | null,
    ended: false,
    endEmitted: false,
    reading: false,
    readingMore: false,
    readableListening: false,
    emittedReadable: false,
    flowScheduled: false,
    destroyed: false,
    closed: false,
    errored: null as Error | null,
    errorEmitted: false,
    autoDestroy: options.autoDestroy ?? true,
    emitClose: options.emitClose ?? true,
    decoder: options.encoding ? new TextDecoder(options.encoding === 'utf8' ? 'utf-8' : options.encoding) : null,
    encoding: options.encoding ?? null,
    pipes: [] as AnyStream[],
  }
}

/** Node's `stream.Readable`. */
export function Readable(this: AnyStream, options: StreamOptions = {}): AnyStream {
  if (!((this as object) instanceof Readable)) return new (Readable as any)(options)
  Stream.call(this, options)
  this._readableState = readableState(options, this instanceof Duplex)
  if (typeof options.read === 'function') this._read = options.read
  if (typeof options.destroy === 'function') this._destroy = options.destroy
  if (typeof options.construct === 'function') options.construct.call(this, (err) => err && this.destroy(err))
  options.signal?.addEventListener('abort', () => this.destroy(abortError()))
}

function scheduleReadable(stream: AnyStream): void {
  const state = stream._readableState
  if (state.emittedReadable || state.flowing) return
  state.emittedReadable = true
  tick(() => {
    state.emittedReadable = false
    if (state.destroyed) return
    if (state.length > 0 || state.ended) stream.emit('readable')
    maybeEnd(stream)
  })
}

function scheduleFlow(stream: AnyStream): void {
  const state = stream._readableState
  if (state.flowScheduled) return
  state.flowScheduled = true
  tick(() => {
    state.flowScheduled = false
    flow(stream)
  })
}

function flow(stream: AnyStream): void {
  const state = stream._readableState
  while (state.flowing && state.length > 0 && !state.destroyed) {
    const chunk = state.buffer.shift()
    state.length -= sizeOf(chunk, state.objectMode)
    stream.emit('data', chunk)
  }
  if (state.flowing && !state.ended && !state.destroyed) pull(stream)
  maybeEnd(stream)
}

function pull(stream: AnyStream): void {
  const state = stream._readableState
  if (state.reading || state.ended || state.destroyed || state.length >= state.highWaterMark) return
  state.reading = true
  try {
    stream._read(state.highWaterMark)
  } catch (error) {
    stream.destroy(error)
  }
}

function maybeEnd(stream: AnyStream, force = false): void {
  const state = stream._readableState
  if (!state.ended || state.length > 0 || state.endEmitted || state.destroyed) return
  if (!force && !state.flowing && !state.readableListening) return
  state.endEmitted = true
  tick(() => {
    stream.emit('end')
    const w = stream._writableState
    if (w && !w.ending && stream.allowHalfOpen === false) stream.end()
    if (state.autoDestroy && (!w || w.finished || w.destroyed)) stream.destroy()
  })
}

inherit(Readable, Stream, {
  push(this: AnyStream, chunk: any, encoding?: string): boolean {
    const state = this._readableState
    state.reading = false
    if (state.destroyed) return false
    if (chunk === null) {
      state.ended = true
      if (state.decoder) {
        const rest = state.decoder.decode()
        if (rest) state.buffer.push(rest), (state.length += rest.length)
      }
      if (state.flowing) scheduleFlow(this)
      else scheduleReadable(this)
      return false
    }
    if (state.ended) {
      const error = createCodedError('ERR_STREAM_PUSH_AFTER_EOF', 'stream.push() after EOF')
      this.destroy(error)
      return false
    }
    if (!state.objectMode) {
      if (state.decoder) chunk = state.decoder.decode(toBuffer(chunk, encoding), { stream: true })
      else chunk = toBuffer(chunk, encoding)
      if (chunk.length === 0) return state.length < state.highWaterMark
    }
    state.buffer.push(chunk)
    state.length += sizeOf(chunk, state.objectMode)
    if (state.flowing) scheduleFlow(this)
    else scheduleReadable(this)
    return state.length < state.highWaterMark
  },
  unshift(this: AnyStream, chunk: any, encoding?: string): boolean {
    const state = this._readableState
    if (chunk === null) return this.push(null)
    if (!state.objectMode) chunk = state.decoder && typeof chunk !== 'string' ? state.decoder.decode(toBuffer(chunk)) : state.decoder ? chunk : toBuffer(chunk, encoding)
    state.buffer.unshift(chunk)
    state.length += sizeOf(chunk, state.objectMode)
    return state.length < state.highWaterMark
  },
  read(this: AnyStream, n?: number): any {
    const state = this._readableState
    let out: any = null
    if (state.length > 0) {
      if (state.objectMode) out = state.buffer.shift()
      else if (n === undefined || n >= state.length) {
        out = state.decoder ? state.buffer.join('') : Buffer.concat(state.buffer)
        state.buffer = []
      } else if (n > 0) {
        const all = state.decoder ? state.buffer.join('') : Buffer.concat(state.buffer)
        out = all.slice(0, n)
        state.buffer = [all.slice(n)]
      }
      if (out !== null) state.length -= sizeOf(out, state.objectMode)
    }
    if (state.length === 0 && state.ended) maybeEnd(this, true)
    else if (state.length < state.highWaterMark) pull(this)
    if (out !== null) this.emit('data', out)
    return out
  },
  _read(this: AnyStream): void {
    throw createCodedError('ERR_METHOD_NOT_IMPLEMENTED', 'The _read() method is not implemented')
  },
  on(this: AnyStream, name: string | symbol, listener: (...args: any[]) => void): AnyStream {
    EventEmitter.prototype.on.call(this, name, listener)
    const state = this._readableState
    if (name === 'data' && state.flowing !== false) this.resume()
    else if (name === 'readable' && !state.endEmitted) {
      state.readableListening = true
      state.flowing = false
      if (state.length > 0 || state.ended) scheduleReadable(this)
      else tick(() => pull(this))
    }
    return this
  },
  addListener(this: AnyStream, name: string | symbol, listener: (...args: any[]) => void): AnyStream {
    return this.on(name, listener)
  },
  resume(this: AnyStream): AnyStream {
    const state = this._readableState
    if (!state.flowing) {
      state.flowing = !state.readableListening
      scheduleFlow(this)
      tick(() => this.emit('resume'))
    }
    return this
  },
  pause(this: AnyStream): AnyStream {
    const state = this._readableState
    if (state.flowing !== false) {
      state.flowing = false
      this.emit('pause')
    }
    return this
  },
  isPaused(this: AnyStream): boolean {
    return this._readableState.flowing === false
  },
  setEncoding(this: AnyStream, encoding: string): AnyStream {
    const state = this._readableState
    state.encoding = encoding
    state.decoder = new TextDecoder(encoding === 'utf8' ? 'utf-8' : encoding)
    state.buffer = state.buffer.map((b: any) => (typeof b === 'string' ? b : state.decoder.decode(b, { stream: true })))
    return this
  },
  pipe(this: AnyStream, dest: AnyStream, options: { end?: boolean } = {}): AnyStream {
    const state = this._readableState
    state.pipes.push(dest)
    const onData = (chunk: any) => {
      if (dest.write(chunk) === false) {
        this.pause()
        dest.once('drain', () => this.resume())
      }
    }
    const onEnd = () => {
      if (options.end !== false && dest !== (globalThis as any).process?.stdout && dest !== (globalThis as any).process?.stderr) dest.end()
    }
    this.on('data', onData)
    this.once('end', onEnd)
    ;(dest as AnyStream).__unpipe ??= new Map()
    dest.__unpipe.set(this, () => {
      this.removeListener('data', onData)
      this.removeListener('end', onEnd)
    })
    dest.emit('pipe', this)
    if (!state.flowing) this.resume()
    return dest
  },
  unpipe(this: AnyStream, dest?: AnyStream): AnyStream {
    const state = this._readableState
    for (const d of dest ? [dest] : [...state.pipes]) {
      d.__unpipe?.get(this)?.()
      state.pipes = state.pipes.filter((p: AnyStream) => p !== d)
      d.emit('unpipe', this)
    }
    return this
  },
  destroy: destroyImpl,
  _destroy: defaultDestroy,
  [Symbol.asyncIterator](this: AnyStream): AsyncIterator<any> {
    return iterate(this)
  },
  async toArray(this: AnyStream): Promise<any[]> {
    const out: any[] = []
    for await (const chunk of this) out.push(chunk)
    return out
  },
  get readable() {
    const s = (this as AnyStream)._readableState
    return !s.destroyed && !s.endEmitted && !s.errored
  },
  get readableEnded() {
    return (this as AnyStream)._readableState.endEmitted
  },
  get readableFlowing() {
    return (this as AnyStream)._readableState.flowing
  },
  get readableLength() {
    return (this as AnyStream)._readableState.length
  },
  get readableObjectMode() {
    return (this as AnyStream)._readableState.objectMode
  },
  get readableHighWaterMark() {
    return (this as AnyStream)._readableState.highWaterMark
  },
  get readableEncoding() {
    return (this as AnyStream)._readableState.encoding
  },
  get destroyed() {
    const s = (this as AnyStream)._readableState ?? (this as AnyStream)._writableState
    return s.destroyed
  },
  get closed() {
    const s = (this as AnyStream)._readableState ?? (this as AnyStream)._writableState
    return s.closed
  },
  get errored() {
    const s = (this as AnyStream)._readableState ?? (this as AnyStream)._writableState
    return s.errored
  },
})

async function* iterate(stream: AnyStream): AsyncGenerator<any> {
  const state = stream._readableState
  let error: unknown = null
  let done = false
  stream.on('error', (e: unknown) => (error = e))
  stream.on('end', () => (done = true))
  stream.on('close', () => (done = true))
  stream.on('readable', () => {})
  try {
    while (true) {
      const chunk = state.destroyed ? null : stream.read()
      if (chunk !== null) {
        yield chunk
        continue
      }
      if (error) throw error
      if (done || state.endEmitted || state.destroyed) {
        if (state.destroyed && !state.endEmitted && !error) throw createCodedError('ERR_STREAM_PREMATURE_CLOSE', 'Premature close')
        return
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          for (const name of ['readable', 'end', 'error', 'close']) stream.removeListener(name, wake)
          resolve()
        }
        for (const name of ['readable', 'end', 'error', 'close']) stream.once(name, wake)
      })
    }
  } finally {
    if (!state.endEmitted && !state.destroyed) stream.destroy()
  }
}

/** `Readable.from(iterable)`: a stream of the items (object mode unless told otherwise); strings and buffers are one chunk. */
Readable.from = function from(iterable: any, options: StreamOptions = {}): AnyStream {
  if (typeof iterable === 'string' || iterable instanceof Uint8Array) {
    return new (Readable as any)({ objectMode: true, ...options, read(this: AnyStream) { this.push(iterable); this.push(null) } })
  }
  const iterator = iterable[Symbol.asyncIterator]?.() ?? iterable[Symbol.iterator]?.()
  if (!iterator) throw createCodedError('ERR_INVALID_ARG_TYPE', 'The "iterable" argument must be an instance of Iterable.', TypeError)
  let pulling = false
  return new (Readable as any)({
    objectMode: true,
    ...options,
    read(this: AnyStream) {
      if (pulling) return
      pulling = true
      const step = async () => {
        try {
          while (true) {
            const { value, done } = await iterator.next()
            if (done) return this.push(null)
            if (!this.push(await value)) break
          }
        } catch (error) {
          this.destroy(error)
        } finally {
          pulling = false
        }
      }
      void step()
    },
    destroy(error: Error | null, cb: Callback) {
      Promise.resolve(iterator.return?.()).then(() => cb(error), () => cb(error))
    },
  })
}

// ---------------------------------------------------------------- Writable

function writableState(options: StreamOptions, duplex: boolean) {
  const objectMode = !!(options.objectMode || (duplex && options.writableObjectMode))
  return {
    objectMode,
    highWaterMark: options.highWaterMark ?? (objectMode ? 16 : 16384),
    decodeStrings: options.decodeStrings !== false,
    defaultEncoding: options.defaultEncoding ?? 'utf8',
    length: 0,
    writing: false,
    corked: 0,
    queue: [] as Array<{ chunk: any; encoding: string; cb: Callback }>,
    ending: false,
    ended: false,
    finished: false,
    finalCalled: false,
    needDrain: false,
    destroyed: false,
    closed: false,
    errored: null as Error | null,
    errorEmitted: false,
    autoDestroy: options.autoDestroy ?? true,
    emitClose: options.emitClose ?? true,
    pendingCb: 0,
  }
}

/** Node's `stream.Writable`. */
export function Writable(this: AnyStream, options: StreamOptions = {}): AnyStream {
  if (!((this as object) instanceof Writable) && !((this as object) instanceof Duplex)) return new (Writable as any)(options)
  Stream.call(this, options)
  initWritable(this, options)
}

function initWritable(stream: AnyStream, options: StreamOptions): void {
  stream._writableState = writableState(options, stream instanceof Duplex)
  if (typeof options.write === 'function') stream._write = options.write
  if (typeof options.writev === 'function') stream._writev = options.writev
  if (typeof options.final === 'function') stream._final = options.final
  if (typeof options.destroy === 'function') stream._destroy = options.destroy
}

function doWrite(stream: AnyStream, entry: { chunk: any; encoding: string; cb: Callback }): void {
  const state = stream._writableState
  state.writing = true
  let sync = true
  const len = sizeOf(entry.chunk, state.objectMode)
  const onWrite = (error?: Error | null) => {
    state.writing = false
    state.length -= len
    const after = () => {
      state.pendingCb--
      if (error) {
        entry.cb(error)
        return
      }
      entry.cb(null)
      if (state.needDrain && state.length === 0 && !state.ending && !state.destroyed) {
        state.needDrain = false
        stream.emit('drain')
      }
      maybeFinish(stream)
    }
    if (error) {
      stream.destroy(error)
      tick(after)
      return
    }
    if (state.queue.length > 0 && !state.corked && !state.destroyed) doWrite(stream, state.queue.shift()!)
    if (sync) tick(after)
    else after()
  }
  try {
    stream._write(entry.chunk, entry.encoding, onWrite)
  } catch (error) {
    onWrite(error as Error)
  }
  sync = false
}

function maybeFinish(stream: AnyStream): void {
  const state = stream._writableState
  if (!state.ending || state.finished || state.writing || state.queue.length > 0 || state.pendingCb > 0 || state.destroyed) return
  const finish = () => {
    state.finished = true
    stream.emit('finish')
    const r = stream._readableState
    if (state.autoDestroy && (!r || r.endEmitted || r.destroyed)) stream.destroy()
  }
  if (state.finalCalled) return
  state.finalCalled = true
  if (typeof stream._final === 'function') {
    state.pendingCb++
    stream._final((error?: Error | null) => {
      state.pendingCb--
      if (error) return stream.destroy(error)
      tick(finish)
    })
  } else {
    tick(finish)
  }
}

const writableMethods = {
  write(this: AnyStream, chunk: any, encoding?: string | Callback, cb?: Callback): boolean {
    const state = this._writableState
    if (typeof encoding === 'function') {
      cb = encoding
      encoding = undefined
    }
    const callback: Callback = cb ?? (() => {})
    if (chunk === null) throw createCodedError('ERR_STREAM_NULL_VALUES', 'May not write null values to stream', TypeError)
    let error: Error | null = null
    if (state.ending) error = createCodedError('ERR_STREAM_WRITE_AFTER_END', 'write after end')
    else if (state.destroyed) error = createCodedError('ERR_STREAM_DESTROYED', 'Cannot call write after a stream was destroyed')
    if (error) {
      tick(() => callback(error))
      if (!state.destroyed) this.destroy(error)
      return false
    }
    if (!state.objectMode) {
      if (typeof chunk === 'string' && state.decodeStrings) {
        chunk = Buffer.from(chunk, (encoding || state.defaultEncoding) as 'utf8')
        encoding = 'buffer'
      } else if (chunk instanceof Uint8Array) {
        chunk = toBuffer(chunk)
        encoding = 'buffer'
      } else if (typeof chunk !== 'string') {
        throw createCodedError('ERR_INVALID_ARG_TYPE', `The "chunk" argument must be of type string or an instance of Buffer or Uint8Array. Received ${typeof chunk}`, TypeError)
      }
    }
    state.length += sizeOf(chunk, state.objectMode)
    const ret = state.length < state.highWaterMark
    if (!ret) state.needDrain = true
    state.pendingCb++
    const entry = { chunk, encoding: (encoding as string) || state.defaultEncoding, cb: callback }
    if (state.writing || state.corked) state.queue.push(entry)
    else doWrite(this, entry)
    return ret
  },
  _write(this: AnyStream, chunk: any, encoding: string, cb: Callback): void {
    if (typeof this._writev === 'function') return this._writev([{ chunk, encoding }], cb)
    throw createCodedError('ERR_METHOD_NOT_IMPLEMENTED', 'The _write() method is not implemented')
  },
  end(this: AnyStream, chunk?: any, encoding?: any, cb?: Callback): AnyStream {
    const state = this._writableState
    if (typeof chunk === 'function') {
      cb = chunk
      chunk = null
      encoding = null
    } else if (typeof encoding === 'function') {
      cb = encoding
      encoding = null
    }
    if (chunk != null) this.write(chunk, encoding)
    if (state.corked) {
      state.corked = 1
      this.uncork()
    }
    if (typeof cb === 'function') {
      if (state.finished) tick(() => cb!(null))
      else {
        this.once('finish', () => cb!(null))
        this.once('error', (e: Error) => cb!(e))
      }
    }
    if (!state.ending) {
      state.ending = true
      state.ended = true
      maybeFinish(this)
    }
    return this
  },
  cork(this: AnyStream): void {
    this._writableState.corked++
  },
  uncork(this: AnyStream): void {
    const state = this._writableState
    if (state.corked > 0 && --state.corked === 0 && !state.writing && state.queue.length > 0) doWrite(this, state.queue.shift()!)
  },
  setDefaultEncoding(this: AnyStream, encoding: string): AnyStream {
    this._writableState.defaultEncoding = encoding
    return this
  },
  get writable() {
    const s = (this as AnyStream)._writableState
    return !s.destroyed && !s.ending && !s.errored
  },
  get writableEnded() {
    return (this as AnyStream)._writableState.ending
  },
  get writableFinished() {
    return (this as AnyStream)._writableState.finished
  },
  get writableLength() {
    return (this as AnyStream)._writableState.length
  },
  get writableHighWaterMark() {
    return (this as AnyStream)._writableState.highWaterMark
  },
  get writableObjectMode() {
    return (this as AnyStream)._writableState.objectMode
  },
  get writableNeedDrain() {
    return (this as AnyStream)._writableState.needDrain
  },
  get writableCorked() {
    return (this as AnyStream)._writableState.corked
  },
}

inherit(Writable, Stream, {
  destroy: destroyImpl,
  _destroy: defaultDestroy,
  get destroyed() {
    return (this as AnyStream)._writableState.destroyed
  },
  get closed() {
    return (this as AnyStream)._writableState.closed
  },
  get errored() {
    return (this as AnyStream)._writableState.errored
  },
})
for (const [key, desc] of Object.entries(Object.getOwnPropertyDescriptors(writableMethods))) Object.defineProperty(Writable.prototype, key, desc)
Object.defineProperty(Writable, Symbol.hasInstance, {
  value(this: Function, object: unknown) {
    if (Function.prototype[Symbol.hasInstance].call(this, object)) return true
    return this === Writable && !!object && !!(object as AnyStream)._writableState && object instanceof Duplex
  },
})

// ---------------------------------------------------------------- Duplex, Transform, PassThrough

/** Node's `stream.Duplex`: a Readable that is also Writable. */
export function Duplex(this: AnyStream, options: StreamOptions = {}): AnyStream {
  if (!((this as object) instanceof Duplex)) return new (Duplex as any)(options)
  Readable.call(this, options)
  initWritable(this, options)
  this.allowHalfOpen = options.allowHalfOpen !== false
}
inherit(Duplex, Readable, {})
for (const [key, desc] of Object.entries(Object.getOwnPropertyDescriptors(writableMethods))) Object.defineProperty(Duplex.prototype, key, desc)

/** Node's `stream.Transform`: writes go through `_transform`, whose output is pushed to the readable side. */
export function Transform(this: AnyStream, options: StreamOptions = {}): AnyStream {
  if (!((this as object) instanceof Transform)) return new (Transform as any)(options)
  Duplex.call(this, options)
  if (typeof options.transform === 'function') this._transform = options.transform
  if (typeof options.flush === 'function') this._flush = options.flush
}
inherit(Transform, Duplex, {
  _write(this: AnyStream, chunk: any, encoding: string, cb: Callback): void {
    let called = false
    this._transform(chunk, encoding, (error?: Error | null, data?: any) => {
      if (called) return
      called = true
      if (error) return cb(error)
      if (data != null) this.push(data)
      const r = this._readableState
      // Back-pressure: wait until the reader has taken what was pushed.
      if (r.length < r.highWaterMark || r.flowing) cb()
      else this._pendingCallback = cb
    })
  },
  _read(this: AnyStream): void {
    const cb = this._pendingCallback
    if (cb) {
      this._pendingCallback = null
      cb()
    }
  },
  _final(this: AnyStream, cb: Callback): void {
    const done = (error?: Error | null, data?: any) => {
      if (error) return cb(error)
      if (data != null) this.push(data)
      this.push(null)
      cb()
    }
    if (typeof this._flush === 'function') this._flush(done)
    else done()
  },
  _transform(this: AnyStream): void {
    throw createCodedError('ERR_METHOD_NOT_IMPLEMENTED', 'The _transform() method is not implemented')
  },
})

/** Node's `stream.PassThrough`: a Transform that passes chunks through unchanged. */
export function PassThrough(this: AnyStream, options: StreamOptions = {}): AnyStream {
  if (!((this as object) instanceof PassThrough)) return new (PassThrough as any)(options)
  Transform.call(this, options)
}
inherit(PassThrough, Transform, {
  _transform(chunk: any, _encoding: string, cb: (e: null, d: any) => void) {
    cb(null, chunk)
  },
})

// ---------------------------------------------------------------- helpers

function abortError(): Error {
  const error = createCodedError('ABORT_ERR', 'The operation was aborted')
  error.name = 'AbortError'
  return error
}

/** Calls `callback` once when the stream has ended, finished, errored or closed early; returns a function that stops listening. */
export function finished(stream: AnyStream, options: any, callback?: Callback): () => void {
  if (typeof options === 'function') {
    callback = options
    options = {}
  }
  const readable = options.readable ?? !!stream._readableState
  const writable = options.writable ?? !!stream._writableState
  let done = false
  const call = (error?: Error | null) => {
    if (done) return
    done = true
    cleanup()
    callback!.call(stream, error ?? null)
  }
  const onEnd = () => {
    if (!writable || stream._writableState?.finished) call()
  }
  const onFinish = () => {
    if (!readable || stream._readableState?.endEmitted) call()
  }
  const onError = (error: Error) => call(error)
  const onClose = () => {
    if ((readable && !stream._readableState?.endEmitted) || (writable && !stream._writableState?.finished)) call(createCodedError('ERR_STREAM_PREMATURE_CLOSE', 'Premature close'))
    else call()
  }
  const cleanup = () => {
    stream.removeListener('end', onEnd)
    stream.removeListener('finish', onFinish)
    stream.removeListener('error', onError)
    stream.removeListener('close', onClose)
  }
  stream.on('end', onEnd)
  stream.on('finish', onFinish)
  stream.on('error', onError)
  stream.on('close', onClose)
  const r = stream._readableState
  const w = stream._writableState
  if ((r?.errored ?? w?.errored)) tick(() => call(r?.errored ?? w?.errored))
  else if ((!readable || r?.endEmitted) && (!writable || w?.finished)) tick(() => call())
  return cleanup
}

/** Pipes streams (or async-generator stages) together, destroying all on error; `callback` gets the first error. Returns the last stream. */
export function pipeline(...args: any[]): AnyStream {
  const callback: Callback = typeof args[args.length - 1] === 'function' && !isStage(args[args.length - 1], args.length - 1) ? args.pop() : () => {}
  const streams: any[] = Array.isArray(args[0]) ? args[0] : args
  if (streams.length < 2) throw createCodedError('ERR_MISSING_ARGS', 'The "streams" argument must be specified', TypeError)
  const chain: AnyStream[] = []
  let error: Error | null = null
  let pending = 0
  let called = false
  const finish = (err?: Error | null) => {
    if (err && !error) {
      error = err
      for (const s of chain) if (!s.destroyed) s.destroy((err as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE' ? undefined : err)
    }
    if (called) return
    if (err || --pending === 0) {
      called = true
      tick(() => callback(error))
    }
  }
  let previous: any = null
  streams.forEach((stage, i) => {
    const last = i === streams.length - 1
    let stream = stage
    if (typeof stage === 'function') {
      const result = stage(previous ?? undefined)
      if (last && result && typeof result.then === 'function') {
        pending++
        result.then(() => finish(), (e: Error) => finish(e))
        stream = null
      } else {
        stream = Readable.from(result)
      }
    } else if (i === 0 && !stage?._readableState && (stage?.[Symbol.asyncIterator] || stage?.[Symbol.iterator])) {
      stream = Readable.from(stage)
    }
    if (stream) {
      chain.push(stream)
      pending++
      finished(stream, { readable: !!stream._readableState && (!last || !stream._writableState), writable: i > 0 && !!stream._writableState }, finish)
      if (previous && previous.pipe && stream.write && typeof stage !== 'function') previous.pipe(stream)
    }
    previous = stream
  })
  return chain[chain.length - 1]
}

function isStage(fn: Function, index: number): boolean {
  // A trailing function is a stage only for async generators; plain functions are the callback.
  return index > 0 && /^async\s*(function)?\s*\*/.test(Function.prototype.toString.call(fn))
}

/** `stream/promises`: `pipeline` and `finished` returning promises. */
export const streamPromises = {
  pipeline: (...streams: any[]) => new Promise<void>((resolve, reject) => pipeline(...streams, (error?: Error | null) => (error ? reject(error) : resolve()))),
  finished: (stream: AnyStream, options: object = {}) => new Promise<void>((resolve, reject) => finished(stream, options, (error?: Error | null) => (error ? reject(error) : resolve()))),
}

/** The `stream` module: `Stream` itself (legacy base) with the classes and helpers as properties. */
export function createStreamModule(): AnyStream {
  return Object.assign(Stream, {
    Stream,
    Readable,
    Writable,
    Duplex,
    Transform,
    PassThrough,
    pipeline,
    finished,
    promises: streamPromises,
    isReadable: (s: AnyStream) => !!s?._readableState && s.readable,
    isErrored: (s: AnyStream) => !!(s?._readableState?.errored ?? s?._writableState?.errored),
    addAbortSignal(signal: AbortSignal, stream: AnyStream) {
      signal.addEventListener('abort', () => stream.destroy(abortError()))
      return stream
    },
  })
}
