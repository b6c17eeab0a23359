/**
 * @module The model proxy: OpenAI Chat Completions (`POST /v1/chat/completions`) and Anthropic
 * Messages (`POST /v1/messages`), forwarded to the upstream configuration names for the model,
 * metered and charged. Each call holds credits for its worst case (prompt + max_tokens at the
 * model's prices), streams the upstream's answer through as it arrives, reads the token usage the
 * upstream reports, and settles the hold: captures the actual cost and releases the rest. The
 * hold is also where spending caps apply (per UTC day for the account and the project
 * `coder-project`, and the budget `coder-run-budget` of the run `coder-run`). The client's abort
 * cancels the upstream call. Our own refusals use each API's error shape, so the official SDKs
 * understand them; a 402 says which limit refused in `coder-refusal: credits | cap`.
 */
import { Hono, type Context } from 'hono'
import { requireUser } from './auth/sessions'
import type { AppEnv, Env } from './env'
import { ApiError } from './errors'
import { capMessage, ledgerOf, type HoldOutcome } from './ledger'
import { readBoundedBody } from './request'
import { estimatePromptTokens } from '../shared/models'

type Format = 'openai' | 'anthropic'

/** One upstream: which API it speaks, where, and which models it serves (`*` globs). */
export interface ModelUpstream {
  name: string
  format: Format
  baseUrl: string
  models: string[]
}

/** Credits per million tokens. */
export interface ModelPrice {
  input: number
  output: number
}

/** Requests larger than this are refused before anything is held. */
const MAX_REQUEST_BYTES = 4 * 1024 * 1024
/** The completion budget assumed when a request names none. */
const DEFAULT_MAX_TOKENS = 4096

function parseJson<T>(text: string | undefined, name: string, fallback: T): T {
  if (!text) return fallback
  try {
    return JSON.parse(text) as T
  } catch {
    throw new ApiError(500, 'internal', `The edge's ${name} is not valid JSON`)
  }
}

const globMatch = (pattern: string, name: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(name)

/** The upstream that serves `model` in `format`, or null. */
export function upstreamFor(env: Env, format: Format, model: string): ModelUpstream | null {
  const upstreams = parseJson<ModelUpstream[]>(env.MODEL_UPSTREAMS, 'MODEL_UPSTREAMS', [])
  return upstreams.find((u) => u.format === format && u.models.some((m) => globMatch(m, model))) ?? null
}

/** The model's price, or null when the price table does not list it (such a model is refused: it could not be charged). */
export function priceOf(env: Env, model: string): ModelPrice | null {
  const prices = parseJson<Record<string, ModelPrice>>(env.MODEL_PRICES, 'MODEL_PRICES', {})
  const key = Object.keys(prices).find((p) => globMatch(p, model))
  return key ? prices[key]! : null
}

/** Micro-credits for `tokens` at `perMillion` credits per million tokens, rounded up. */
const micros = (tokens: number, perMillion: number) => Math.ceil(tokens * perMillion)

/** An error in the shape the API's SDK expects. */
function apiError(format: Format, status: number, type: string, message: string, headers: Record<string, string> = {}): Response {
  const body = format === 'openai' ? { error: { message, type, param: null, code: type } } : { type: 'error', error: { type, message } }
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })
}

/** The 402 for a refused hold; `coder-refusal` tells the tab which kind of limit it met. */
function refusal(format: Format, outcome: Exclude<HoldOutcome, { ok: true }>, model: string, holdMicros: number): Response {
  const type = format === 'openai' ? 'insufficient_quota' : 'billing_error'
  if (outcome.refusal === 'cap') return apiError(format, 402, type, capMessage(outcome.cap, 'call'), { 'coder-refusal': 'cap' })
  return apiError(format, 402, type, `Not enough credits for this call to ${model}: it may cost up to ${(holdMicros / 1e6).toFixed(4)} credits. Buy credits, or lower max_tokens.`, { 'coder-refusal': 'credits' })
}

/** Longest `coder-project` / `coder-run` the ledger keeps. */
const MAX_META = 200

/**
 * What this isolate last heard about the room a user had for holds (per project and run: the least
 * of available credits and the caps that applied), so a call can open its upstream request while
 * its hold is being placed instead of after. Only a forecast: the hold itself decides, and a call
 * whose forecast was wrong is aborted upstream and refused. Unknown or short room: the call waits
 * for its hold first, so a refused call normally never reaches the upstream.
 */
class RoomForecast {
  /** How long a reported room is trusted: other isolates and the user's other tabs spend too. */
  static readonly TRUST_MS = 60_000
  #room = new Map<string, { micros: number; until: number }>()

  /** True when `micros` fit in the room last reported (and takes them from it); false when the call should wait for its hold. */
  expect(key: string, micros: number, now: number): boolean {
    const known = this.#room.get(key)
    if (!known || known.until < now || known.micros < micros) return false
    known.micros -= micros
    return true
  }

  /** Records what a hold's answer said about the room left (0 after a refusal). */
  learn(key: string, micros: number, now: number): void {
    if (this.#room.size >= 10_000) this.#room.clear()
    this.#room.set(key, { micros, until: now + RoomForecast.TRUST_MS })
  }
}

/** Token usage as the upstream reported it, read from its JSON answer or from its stream. */
interface Usage {
  input: number
  output: number
  /** Characters of text and tool arguments streamed so far: the estimate when a stream ends before its usage. */
  streamedChars?: number
}

/** Runs `work` after the response, where the runtime allows it (waitUntil), else in the background. */
function afterResponse(c: Context<AppEnv>, work: Promise<unknown>): void {
  const logged = work.catch((error: unknown) => console.error('model call: settling its credits failed', error))
  try {
    c.executionCtx.waitUntil(logged)
  } catch {
    void logged
  }
}

/** Reads usage out of SSE `data:` payloads as they pass, without changing a byte. */
function usageTap(format: Format, usage: Usage): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder()
  let buffer = ''
  const read = (line: string) => {
    if (!line.startsWith('data:')) return
    const data = line.slice(5).trim()
    if (!data || data === '[DONE]') return
    try {
      const event = JSON.parse(data) as Record<string, any>
      if (format === 'openai' && event.usage) {
        usage.input = event.usage.prompt_tokens ?? usage.input
        usage.output = event.usage.completion_tokens ?? usage.output
      }
      const delta = format === 'openai' ? event.choices?.[0]?.delta : event.delta
      const text = [delta?.content, delta?.text, delta?.partial_json, ...(delta?.tool_calls ?? []).map((t: any) => t?.function?.arguments)].filter((x) => typeof x === 'string').join('')
      usage.streamedChars = (usage.streamedChars ?? 0) + text.length
      if (format === 'anthropic') {
        const u = event.type === 'message_start' ? event.message?.usage : event.type === 'message_delta' ? event.usage : null
        if (u?.input_tokens !== undefined) usage.input = u.input_tokens
        if (u?.output_tokens !== undefined) usage.output = u.output_tokens
      }
    } catch {
      // Not JSON: not ours to judge, it passes through as it came.
    }
  }
  return new TransformStream({
    transform(chunk, controller) {
      controller.enqueue(chunk)
      buffer += decoder.decode(chunk, { stream: true })
      const lines = buffer.split('\n')
      buffer = lines.pop() ?? ''
      for (const line of lines) read(line.trimEnd())
    },
    flush() {
      if (buffer) read(buffer.trim())
    },
  })
}

function usageFromJson(format: Format, body: Record<string, any>): Usage | null {
  const u = body?.usage
  if (!u) return null
  return format === 'openai' ? { input: u.prompt_tokens ?? 0, output: u.completion_tokens ?? 0 } : { input: u.input_tokens ?? 0, output: u.output_tokens ?? 0 }
}

async function forward(c: Context<AppEnv>, format: Format, forecast: RoomForecast): Promise<Response> {
  const user = c.get('user')
  if (!user) return apiError(format, 401, format === 'openai' ? 'invalid_api_key' : 'authentication_error', 'Sign in to Coder to use models through the edge')
  let raw: Uint8Array
  try {
    raw = await readBoundedBody(c, MAX_REQUEST_BYTES, 'The request')
  } catch (error) {
    return apiError(format, 413, 'invalid_request_error', (error as Error).message)
  }
  let body: Record<string, any>
  try {
    body = JSON.parse(new TextDecoder().decode(raw)) as Record<string, any>
  } catch {
    return apiError(format, 400, 'invalid_request_error', 'The request body is not valid JSON')
  }
  const model = typeof body?.model === 'string' ? body.model : ''
  if (!model || !Array.isArray(body.messages)) return apiError(format, 400, 'invalid_request_error', '`model` and `messages` are required')
  const upstream = upstreamFor(c.env, format, model)
  if (!upstream) return apiError(format, 404, format === 'openai' ? 'model_not_found' : 'not_found_error', `No upstream serves ${model} here (the edge's MODEL_UPSTREAMS)`)
  const price = priceOf(c.env, model)
  if (!price) return apiError(format, 400, 'invalid_request_error', `${model} has no price in the edge's MODEL_PRICES, so it cannot be charged`)
  const key = parseJson<Record<string, string>>(c.env.MODEL_KEYS, 'MODEL_KEYS', {})[upstream.name]
  if (!key) return apiError(format, 500, 'api_error', `The edge has no key for the upstream ${upstream.name} (MODEL_KEYS)`)
  const project = c.req.header('coder-project') || undefined
  const runId = c.req.header('coder-run') || undefined
  const budgetHeader = c.req.header('coder-run-budget')
  if ((project?.length ?? 0) > MAX_META || (runId?.length ?? 0) > MAX_META) return apiError(format, 400, 'invalid_request_error', `coder-project and coder-run must be at most ${MAX_META} characters`)
  let runBudgetMicros: number | undefined
  if (budgetHeader !== undefined) {
    runBudgetMicros = /^\d{1,15}$/.test(budgetHeader.trim()) ? Number(budgetHeader.trim()) : NaN
    if (!Number.isSafeInteger(runBudgetMicros)) return apiError(format, 400, 'invalid_request_error', `coder-run-budget must be a whole number of micro-credits (1 credit = 1,000,000), not "${budgetHeader.slice(0, 40)}"`)
    if (!runId) return apiError(format, 400, 'invalid_request_error', 'coder-run-budget needs coder-run: the run whose budget it is')
  }

  // The worst case is held: the prompt (estimated as the tab's budget check does) and the whole completion budget.
  const maxTokens = Number(body.max_tokens ?? body.max_completion_tokens ?? DEFAULT_MAX_TOKENS) || DEFAULT_MAX_TOKENS
  const promptTokens = estimatePromptTokens(body)
  const holdMicros = Math.max(1, micros(promptTokens, price.input) + micros(maxTokens, price.output))
  const ref = `model:${crypto.randomUUID()}`
  const meta = { model, project, runId }
  const room = `${user.id}\n${project ?? ''}\n${runId ?? ''}`
  const ledger = ledgerOf(c.env, user.id)
  const now = Date.now()

  const streaming = body.stream === true
  // OpenAI streams report usage only when asked.
  if (format === 'openai' && streaming) body.stream_options = { ...(body.stream_options ?? {}), include_usage: true }
  const headers = new Headers({ 'content-type': 'application/json', accept: c.req.header('accept') ?? 'application/json' })
  if (format === 'openai') headers.set('authorization', `Bearer ${key}`)
  else {
    headers.set('x-api-key', key)
    headers.set('anthropic-version', c.req.header('anthropic-version') ?? '2023-06-01')
    const beta = c.req.header('anthropic-beta')
    if (beta) headers.set('anthropic-beta', beta)
  }
  const controller = new AbortController()
  // The client going away cancels the upstream call.
  c.req.raw.signal?.addEventListener('abort', () => controller.abort())
  const url = `${upstream.baseUrl.replace(/\/+$/, '')}${format === 'openai' ? '/chat/completions' : '/v1/messages'}`
  const callUpstream = () => {
    const call = fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: controller.signal })
    call.catch(() => undefined) // awaited below; until then, a failure is not "unhandled"
    return call
  }

  // The hold and the upstream call overlap when this isolate lately saw room for the hold: the
  // hold's round trip (a Durable Object write) then costs the first token nothing. Otherwise the
  // hold comes first, so a refused call normally never reaches the upstream.
  const upstreamCall = forecast.expect(room, holdMicros, now) ? callUpstream() : null
  let held: HoldOutcome
  try {
    // The upstream request leaves first: on local workerd the Durable Object shares this thread,
    // and its commit (an fsync) would otherwise hold the request back.
    if (upstreamCall) await new Promise((resolve) => setTimeout(resolve, 0))
    held = await ledger.hold({ amountMicros: holdMicros, ref, memo: `${model} call`, meta, ...(runBudgetMicros === undefined ? {} : { runBudgetMicros }) }, now)
  } catch (error) {
    controller.abort()
    throw error
  }
  forecast.learn(room, held.ok ? (held.result.headroomMicros ?? 0) : 0, Date.now())
  if (!held.ok) {
    // Nothing was held, so nothing is charged; an upstream call already under way is abandoned.
    controller.abort()
    void upstreamCall?.then((res) => res.body?.cancel(), () => undefined)
    return refusal(format, held, model, holdMicros)
  }

  // From here every path settles the hold exactly once: captures what was used, releases the rest.
  const settle = async (usage: Usage | null) => {
    const cost = usage ? micros(usage.input, price.input) + micros(usage.output, price.output) : holdMicros
    const spent = Math.min(holdMicros, cost)
    await ledger.apply({ kind: 'settle', amountMicros: spent, ref, holdRef: ref, memo: `${model}: ${usage?.input ?? '?'} in, ${usage?.output ?? '?'} out`, meta })
  }
  let answer: Response
  try {
    answer = await (upstreamCall ?? callUpstream())
  } catch (error) {
    afterResponse(c, settle({ input: 0, output: 0 }))
    return apiError(format, 502, 'api_error', `Could not reach ${upstream.name}: ${(error as Error).message}`)
  }
  const out = new Headers({ 'content-type': answer.headers.get('content-type') ?? 'application/json', 'cache-control': 'no-store' })
  for (const name of ['retry-after', 'x-request-id', 'request-id']) {
    const value = answer.headers.get(name)
    if (value) out.set(name, value)
  }
  if (!answer.ok || !streaming || !answer.body) {
    // Errors and whole answers: read, charge what was used, pass on as they came.
    let text: string
    try {
      text = await answer.text()
    } catch (error) {
      afterResponse(c, settle({ input: 0, output: 0 }))
      return apiError(format, 502, 'api_error', `${upstream.name} broke off its answer: ${(error as Error).message}`)
    }
    let usage: Usage | null = { input: 0, output: 0 }
    if (answer.ok) {
      try {
        usage = usageFromJson(format, JSON.parse(text) as Record<string, any>)
      } catch {
        usage = null
      }
    }
    afterResponse(c, settle(usage))
    return new Response(text, { status: answer.status, headers: out })
  }
  const usage: Usage = { input: 0, output: 0 }
  let settled = false
  const finish = () => {
    if (settled) return
    settled = true
    // A stream cut short may not have reported its output yet: what was streamed is the estimate.
    if (!usage.output && usage.streamedChars) usage.output = Math.ceil(usage.streamedChars / 4)
    if (!usage.input) usage.input = promptTokens
    afterResponse(c, settle(usage))
  }
  // The relay settles when the stream ends, fails, or the client stops reading (which also aborts the upstream call).
  const reader = answer.body.pipeThrough(usageTap(format, usage)).getReader()
  const relay = new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      let chunk: ReadableStreamReadResult<Uint8Array>
      try {
        chunk = await reader.read()
      } catch (error) {
        finish()
        ctrl.error(error)
        return
      }
      if (chunk.done) {
        finish()
        ctrl.close()
      } else ctrl.enqueue(chunk.value)
    },
    async cancel(reason) {
      controller.abort()
      await reader.cancel(reason).catch(() => undefined)
      finish()
    },
  })
  return new Response(relay, { status: answer.status, headers: out })
}

export function createModelRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const forecast = new RoomForecast()
  app.post('/chat/completions', (c) => forward(c, 'openai', forecast))
  app.post('/messages', (c) => forward(c, 'anthropic', forecast))
  // The proxy-ttft benchmark's control (bench/cases/proxy-ttft.mjs): the same request relayed to
  // the upstream as it is, with no session, hold or metering, so the benchmark can tell what the
  // metered path adds from what any relay through this worker (and wrangler dev) costs. Off (404)
  // unless PROXY_BENCH is "on", which only the benchmark sets.
  app.post('/bench/passthrough', async (c) => {
    if (c.env.PROXY_BENCH !== 'on') throw new ApiError(404, 'not_found', `No route for POST ${c.req.path}`)
    const body = await c.req.text()
    const upstream = upstreamFor(c.env, 'openai', (JSON.parse(body) as { model: string }).model)
    if (!upstream) throw new ApiError(404, 'not_found', 'No upstream for that model')
    const key = parseJson<Record<string, string>>(c.env.MODEL_KEYS, 'MODEL_KEYS', {})[upstream.name]
    const answer = await fetch(`${upstream.baseUrl.replace(/\/+$/, '')}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body, signal: c.req.raw.signal })
    return new Response(answer.body, { status: answer.status, headers: { 'content-type': answer.headers.get('content-type') ?? 'application/json' } })
  })
  app.get('/models', (c) => {
    requireUser(c)
    const upstreams = parseJson<ModelUpstream[]>(c.env.MODEL_UPSTREAMS, 'MODEL_UPSTREAMS', [])
    const prices = parseJson<Record<string, ModelPrice>>(c.env.MODEL_PRICES, 'MODEL_PRICES', {})
    return c.json({ object: 'list', data: Object.keys(prices).filter((m) => !m.includes('*') && upstreams.some((u) => u.models.some((p) => globMatch(p, m)))).map((id) => ({ id, object: 'model', owned_by: upstreams.find((u) => u.models.some((p) => globMatch(p, id)))!.name, price: prices[id] })) })
  })
  return app
}
