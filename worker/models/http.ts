/** What every provider shares on the wire: calling fetch, turning HTTP and in-stream errors into `ModelError`s, abort. */
import { ModelError, type ModelErrorKind, type ModelEvent } from '../../shared/models'
import { parseSse, type SseEvent } from './sse'

/** The part of `fetch` the providers use; tests pass one that goes through the edge app in-process. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>

/** The global fetch, called unbound-safe (a stored `fetch` called as a method throws "Illegal invocation" in browsers). */
export const globalFetch: Fetch = (url, init) => fetch(url, init)

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** The error a stopped call ends with. */
export function abortedError(label: string, cause?: unknown): ModelError {
  return new ModelError('aborted', `${label}: the call was stopped`, undefined, undefined, { cause })
}

/** Error `type`/`code` strings of OpenAI's and Anthropic's bodies and stream events, by what they mean. */
const KIND_BY_TYPE: Record<string, ModelErrorKind> = {
  authentication_error: 'auth',
  invalid_api_key: 'auth',
  permission_error: 'auth',
  insufficient_quota: 'credits',
  billing_error: 'credits',
  not_found_error: 'not_found',
  model_not_found: 'not_found',
  rate_limit_error: 'rate_limit',
  rate_limit_exceeded: 'rate_limit',
  requests: 'rate_limit',
  tokens: 'rate_limit',
  invalid_request_error: 'bad_request',
  request_too_large: 'bad_request',
  overloaded_error: 'upstream',
  api_error: 'upstream',
  server_error: 'upstream',
  timeout_error: 'upstream',
}

function kindForStatus(status: number): ModelErrorKind {
  if (status === 401 || status === 403) return 'auth'
  if (status === 402) return 'credits'
  if (status === 404) return 'not_found'
  if (status === 429) return 'rate_limit'
  if (status >= 400 && status < 500 && status !== 408) return 'bad_request'
  return 'upstream'
}

/** Seconds from `retry-after-ms` (OpenAI) or `retry-after` (seconds or an HTTP date). */
function retryAfterOf(headers: Headers): number | undefined {
  const ms = Number(headers.get('retry-after-ms') ?? NaN)
  if (Number.isFinite(ms) && ms >= 0) return ms / 1000
  const value = headers.get('retry-after')
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds)
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000)
}

/** The `{ message, type, code }` of an error body in either API's shape, or of the edge's own `{ error: { code, message } }`. */
function readErrorBody(text: string): { message?: string; type?: string; code?: string } {
  try {
    const body = JSON.parse(text) as Record<string, any>
    const error = body?.error
    if (typeof error === 'string') return { message: error }
    if (error && typeof error === 'object') {
      return {
        message: typeof error.message === 'string' ? error.message : undefined,
        type: typeof error.type === 'string' ? error.type : undefined,
        code: typeof error.code === 'string' ? error.code : undefined,
      }
    }
    if (typeof body?.message === 'string') return { message: body.message }
  } catch {
    // Not JSON: the text itself says what went wrong.
  }
  return { message: text.trim().slice(0, 300) || undefined }
}

/**
 * The `ModelError` for an HTTP error answer. A 402 whose `coder-refusal: cap` header says a
 * spending cap refused the call is `cap`, any other 402 `credits`; a 429 for an exhausted quota
 * (OpenAI's `insufficient_quota`) is `credits` too.
 */
export async function errorFromResponse(res: Response, label: string): Promise<ModelError> {
  const text = await res.text().catch(() => '')
  const body = readErrorBody(text)
  let kind = kindForStatus(res.status)
  if (res.status === 402 && res.headers.get('coder-refusal') === 'cap') kind = 'cap'
  else if (res.status === 429 && (body.code === 'insufficient_quota' || body.type === 'insufficient_quota')) kind = 'credits'
  const message = body.message ?? `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`
  return new ModelError(kind, `${label}: ${message}`, res.status, retryAfterOf(res.headers))
}

/** The `ModelError` for an error reported inside a stream (OpenAI's `data: {"error": …}`, Anthropic's `event: error`). */
export function errorFromStreamEvent(error: unknown, label: string): ModelError {
  const e = (error && typeof error === 'object' ? error : {}) as { message?: unknown; type?: unknown; code?: unknown }
  const kind = KIND_BY_TYPE[String(e.code)] ?? KIND_BY_TYPE[String(e.type)] ?? 'upstream'
  const message = typeof e.message === 'string' && e.message ? e.message : `the stream reported an error (${String(e.type ?? e.code ?? 'unknown')})`
  return new ModelError(kind, `${label}: ${message}`)
}

/** Sends a request; resolves to an OK response, else throws the `ModelError` it means (`unreachable` when there was no answer). */
export async function send(fetchFn: Fetch, url: string, init: RequestInit, label: string, signal?: AbortSignal): Promise<Response> {
  if (signal?.aborted) throw abortedError(label, signal.reason)
  let res: Response
  try {
    res = await fetchFn(url, { ...init, ...(signal ? { signal } : {}) })
  } catch (error) {
    if (signal?.aborted) throw abortedError(label, error)
    throw new ModelError('unreachable', `${label} could not be reached at ${new URL(url).origin}: ${messageOf(error)}`, undefined, undefined, { cause: error })
  }
  if (!res.ok) throw await errorFromResponse(res, label)
  return res
}

/** GETs JSON from a provider (its model list), with the same error mapping as the calls. */
export async function getJson(fetchFn: Fetch, url: string, init: RequestInit, label: string, signal?: AbortSignal): Promise<unknown> {
  const res = await send(fetchFn, url, { ...init, method: 'GET' }, label, signal)
  try {
    return await res.json()
  } catch (error) {
    if (signal?.aborted) throw abortedError(label, error)
    throw new ModelError('upstream', `${label}: ${url} did not answer with JSON`, res.status, undefined, { cause: error })
  }
}

/** Turns a stream's events into `ModelEvent`s; throws `ModelError` for in-stream errors and for a stream that ends unfinished. */
export type Decoder = (events: AsyncIterable<SseEvent>, label: string) => AsyncGenerator<ModelEvent>

/**
 * POSTs a streaming call and yields its events as they arrive. Aborting `signal` cancels the HTTP
 * call and throws `aborted`, wherever the call was; a connection that breaks is `upstream`.
 */
export async function* streamCall(fetchFn: Fetch, url: string, init: RequestInit, label: string, decode: Decoder, signal?: AbortSignal): AsyncGenerator<ModelEvent> {
  const res = await send(fetchFn, url, { ...init, method: 'POST' }, label, signal)
  if (!res.body) throw new ModelError('upstream', `${label}: the answer had no body`, res.status)
  try {
    yield* decode(parseSse(res.body, signal), label)
  } catch (error) {
    if (signal?.aborted) throw abortedError(label, error)
    if (error instanceof ModelError) throw error
    throw new ModelError('upstream', `${label}: the answer broke off: ${messageOf(error)}`, undefined, undefined, { cause: error })
  }
}

/** Parses tool-call arguments; text that is not JSON comes back as `{ $invalidJson: text }` so the model can be told. */
export function parseArguments(text: string): unknown {
  if (!text.trim()) return {}
  try {
    return JSON.parse(text)
  } catch {
    return { $invalidJson: text }
  }
}

/** The arguments as JSON text again (an invalid text goes back as it came). */
export function argumentsText(input: unknown): string {
  if (input && typeof input === 'object' && '$invalidJson' in input && typeof input.$invalidJson === 'string') return input.$invalidJson
  return JSON.stringify(input ?? {})
}
