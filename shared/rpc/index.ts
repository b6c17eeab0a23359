/** @module Typed request/response over a MessagePort-like endpoint, with progress, cancel, timeouts and worker death. */
import { AppError, toAppError, type AppErrorJSON } from '../errors'

/** A map of method name → [params, result, progress]. */
export type ApiMap = Record<string, { params: unknown; result: unknown; progress?: unknown }>

/** Messages between caller and handler, derived from nothing but ids and method names. */
export type RpcMessage =
  | { kind: 'call'; id: number; method: string; params: unknown }
  | { kind: 'cancel'; id: number }
  | { kind: 'progress'; id: number; data: unknown }
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: AppErrorJSON }

/** What `postMessage` / `onmessage` give us (a Worker, a MessagePort, a worker's global scope). */
export interface Endpoint {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
}

/** Options of one call. */
export interface CallOptions<P> {
  signal?: AbortSignal
  onProgress?: (progress: P) => void
  /** Milliseconds without a result or progress before the call fails with TIMEOUT; 0 never. */
  timeoutMs?: number
}

/** The caller's side: `call` resolves to the handler's result or rejects with its AppError. */
export interface RpcClient<A extends ApiMap> {
  call<M extends keyof A & string>(method: M, params: A[M]['params'], options?: CallOptions<A[M]['progress']>): Promise<A[M]['result']>
  /** Rejects every pending call (e.g. when the worker died) and refuses new ones. */
  close(reason: AppError): void
}

/** Creates a client over `endpoint`. Pending calls time out and are all rejected on `close`. */
export function createRpcClient<A extends ApiMap>(endpoint: Endpoint, defaults: { timeoutMs?: number } = {}): RpcClient<A> {
  let nextId = 1
  let closed: AppError | null = null
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: AppError) => void; onProgress?: (p: never) => void; touch: () => void }>()

  endpoint.addEventListener('message', (event: { data: unknown }) => {
    const msg = event.data as RpcMessage
    if (!msg || typeof msg !== 'object' || !('id' in msg)) return
    const p = pending.get(msg.id)
    if (!p) return
    if (msg.kind === 'progress') {
      p.touch()
      p.onProgress?.(msg.data as never)
    } else if (msg.kind === 'result') {
      if (msg.ok) p.resolve(msg.value)
      else p.reject(AppError.fromJSON(msg.error))
    }
  })

  return {
    call(method, params, options = {}) {
      if (closed) return Promise.reject(closed)
      const id = nextId++
      const timeoutMs = options.timeoutMs ?? defaults.timeoutMs ?? 30_000
      return new Promise((resolve, reject) => {
        let timer: number | undefined
        const finish = () => {
          clearTimeout(timer)
          pending.delete(id)
          options.signal?.removeEventListener('abort', onAbort)
        }
        const touch = () => {
          if (timeoutMs <= 0) return
          clearTimeout(timer)
          timer = setTimeout(() => {
            finish()
            endpoint.postMessage({ kind: 'cancel', id } satisfies RpcMessage)
            reject(new AppError('TIMEOUT', `'${method}' got no answer for ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}`, { method, timeoutMs }))
          }, timeoutMs)
        }
        // The caller stops waiting at once, whatever the handler does with its cancel.
        const onAbort = () => {
          finish()
          endpoint.postMessage({ kind: 'cancel', id } satisfies RpcMessage)
          reject(new AppError('ABORTED', `'${method}' was cancelled`, { method }))
        }
        if (options.signal?.aborted) return reject(new AppError('ABORTED', `'${method}' was cancelled`, { method }))
        options.signal?.addEventListener('abort', onAbort)
        pending.set(id, {
          resolve: (v) => (finish(), resolve(v as never)),
          reject: (e) => (finish(), reject(e)),
          onProgress: options.onProgress as ((p: never) => void) | undefined,
          touch,
        })
        touch()
        endpoint.postMessage({ kind: 'call', id, method, params } satisfies RpcMessage)
      })
    },
    close(reason) {
      closed = reason
      for (const p of [...pending.values()]) p.reject(reason)
    },
  }
}

/** A handler gets the params, an AbortSignal (cancel from the caller) and a progress reporter. */
export type Handlers<A extends ApiMap> = {
  [M in keyof A]: (params: A[M]['params'], ctx: { signal: AbortSignal; progress: (p: NonNullable<A[M]['progress']>) => void }) => Promise<A[M]['result']> | A[M]['result']
}

/**
 * Serves `handlers` on `endpoint`. A throwing handler becomes an error result (its AppError
 * code intact); an unknown method is a BAD_INPUT error; nothing a handler does kills the server.
 */
export function serveRpc<A extends ApiMap>(endpoint: Endpoint, handlers: Handlers<A>): () => void {
  const running = new Map<number, AbortController>()
  const listener = async (event: { data: unknown }) => {
    const msg = event.data as RpcMessage
    if (!msg || typeof msg !== 'object') return
    if (msg.kind === 'cancel') {
      running.get(msg.id)?.abort()
      return
    }
    if (msg.kind !== 'call') return
    const controller = new AbortController()
    running.set(msg.id, controller)
    try {
      const handler = Object.prototype.hasOwnProperty.call(handlers, msg.method) ? handlers[msg.method as keyof A] : undefined
      if (!handler) throw new AppError('BAD_INPUT', `unknown method '${msg.method}'`, { method: msg.method })
      const value = await handler(msg.params as never, {
        signal: controller.signal,
        progress: (data) => endpoint.postMessage({ kind: 'progress', id: msg.id, data } satisfies RpcMessage),
      })
      endpoint.postMessage({ kind: 'result', id: msg.id, ok: true, value } satisfies RpcMessage)
    } catch (error) {
      const e = controller.signal.aborted && !(error instanceof AppError && error.code !== 'INTERNAL') ? new AppError('ABORTED', 'cancelled') : toAppError(error)
      endpoint.postMessage({ kind: 'result', id: msg.id, ok: false, error: e.toJSON() } satisfies RpcMessage)
    } finally {
      running.delete(msg.id)
    }
  }
  endpoint.addEventListener('message', listener)
  return () => endpoint.removeEventListener('message', listener)
}
