/** Anthropic's Messages wire format: `POST /v1/messages` (JSON or SSE events) and `GET /v1/models`. */
import { contentText, planReply, retryHeaders, runStream, sendJson, type Exchange, type Plan } from './exchange.ts'
import { pickScript, type RequestFacts, type Script, type ScriptError } from './script.ts'

/** Anthropic's error `type` for a status. */
function errorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error'
    case 401:
      return 'authentication_error'
    case 402:
      return 'billing_error'
    case 403:
      return 'permission_error'
    case 404:
      return 'not_found_error'
    case 413:
      return 'request_too_large'
    case 429:
      return 'rate_limit_error'
    case 504:
      return 'timeout_error'
    case 529:
      return 'overloaded_error'
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error'
  }
}

function errorBody(ex: Exchange, status: number, message: string) {
  return { type: 'error', error: { type: errorType(status), message }, request_id: requestId(ex) }
}

const requestId = (ex: Exchange) => `req_standin_${ex.record.seq}`

/** Answers with an Anthropic-shaped error. */
export function sendAnthropicError(ex: Exchange, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(ex, status, errorBody(ex, status, message), { 'request-id': requestId(ex), ...headers })
}

/**
 * Whether the request carries a usable key (`x-api-key`, or `Authorization: Bearer` as the SDK's
 * `authToken` sends) and the `anthropic-version` header; answers 401 / 400 when not.
 */
export function authorizeAnthropic(ex: Exchange, accept: (key: string) => boolean): boolean {
  const headers = ex.req.headers
  const key = String(headers['x-api-key'] ?? '').trim() || (/^Bearer\s+(.+)$/i.exec(String(headers.authorization ?? ''))?.[1]?.trim() ?? '')
  if (!key && !accept('')) {
    sendAnthropicError(ex, 401, 'x-api-key header is required')
    return false
  }
  if (!accept(key)) {
    sendAnthropicError(ex, 401, 'invalid x-api-key')
    return false
  }
  // Anthropic refuses calls from a web page unless the client says it knows the key is exposed there.
  if (headers.origin && headers['anthropic-dangerous-direct-browser-access'] !== 'true') {
    sendAnthropicError(ex, 401, "CORS requests must set 'anthropic-dangerous-direct-browser-access' header")
    return false
  }
  if (!headers['anthropic-version']) {
    sendAnthropicError(ex, 400, 'anthropic-version: header is required')
    return false
  }
  return true
}

/** `GET /v1/models` in Anthropic's shape (chosen when the request carries Anthropic's headers). */
export function listAnthropicModels(ex: Exchange, models: string[]): void {
  const createdAt = new Date(ex.nowSeconds() * 1000).toISOString()
  const data = models.map((id) => ({ type: 'model', id, display_name: id, created_at: createdAt }))
  sendJson(ex, 200, { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null }, { 'request-id': requestId(ex) })
}

interface MessagesBody {
  model?: unknown
  messages?: unknown
  max_tokens?: unknown
  stream?: unknown
  tools?: unknown
}

/** Reads what scripts match on; null (after answering 400) when the body is not a Messages request. */
function readFacts(ex: Exchange, body: unknown): (RequestFacts & { body: MessagesBody }) | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    sendAnthropicError(ex, 400, 'Request body must be a JSON object')
    return null
  }
  const request = body as MessagesBody
  const missing = (['model', 'messages', 'max_tokens'] as const).filter((f) => request[f] === undefined)
  if (missing.length) {
    sendAnthropicError(ex, 400, missing.map((f) => `${f}: Field required`).join('; '))
    return null
  }
  if (typeof request.model !== 'string' || !request.model) {
    sendAnthropicError(ex, 400, 'model: Input should be a valid string')
    return null
  }
  if (!Array.isArray(request.messages) || request.messages.length === 0) {
    sendAnthropicError(ex, 400, 'messages: at least one message is required')
    return null
  }
  if (typeof request.max_tokens !== 'number' || request.max_tokens < 1) {
    sendAnthropicError(ex, 400, 'max_tokens: Input should be a valid integer greater than or equal to 1')
    return null
  }
  const messages = request.messages as { role?: unknown; content?: unknown }[]
  // Tool results travel in user turns here; like OpenAI's `tool` messages they are not the user's text.
  const lastUser = [...messages].reverse().find((m) => m?.role === 'user' && contentText(m.content))
  return {
    api: 'anthropic',
    model: request.model,
    lastUserText: contentText(lastUser?.content),
    hasTools: Array.isArray(request.tools) && request.tools.length > 0,
    turn: messages.filter((m) => m?.role === 'assistant').length,
    body: request,
  }
}

const STOP = { end: 'end_turn', tool_use: 'tool_use', max_tokens: 'max_tokens' } as const

/** `POST /v1/messages`: picks the script and answers as JSON or as an event stream. */
export async function handleMessages(ex: Exchange, scripts: readonly Script[]): Promise<void> {
  const facts = readFacts(ex, ex.record.body)
  if (!facts) return
  const script = pickScript(scripts, facts)
  ex.record.script = script.name ?? null
  const plan = planReply(script, 'anthropic', ex.record.seq, facts.body)
  const stream = facts.body.stream === true
  ex.record.stream = stream
  if (plan.error && (!stream || plan.error.afterChunks === undefined)) {
    const e = plan.error
    sendAnthropicError(ex, e.status, e.message ?? defaultMessage(e), retryHeaders(e))
    return
  }
  const id = `msg_standin_${ex.record.seq}`
  const usage = { input_tokens: plan.usage.input, output_tokens: plan.usage.output, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }
  if (!stream) {
    sendJson(ex, 200, {
      id,
      type: 'message',
      role: 'assistant',
      model: facts.model,
      content: content(plan),
      stop_reason: STOP[plan.stop],
      stop_sequence: null,
      usage,
    }, { 'request-id': requestId(ex) })
    return
  }
  const event = (type: string, data: Record<string, unknown>) => ex.res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`)
  // Content blocks: the text block (when there is text) comes first, then one block per tool call.
  const textBlock = plan.text ? 0 : -1
  const toolBlock = (index: number) => index + (plan.text ? 1 : 0)
  let open = -1
  const close = () => {
    if (open >= 0) event('content_block_stop', { index: open })
    open = -1
  }
  await runStream(ex, plan, {
    start: () => {
      event('message_start', {
        message: { id, type: 'message', role: 'assistant', model: facts.model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
      })
      if (textBlock === 0) {
        event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } })
        open = 0
      }
      event('ping', {})
    },
    piece: (p) => {
      if (p.type === 'text') event('content_block_delta', { index: textBlock, delta: { type: 'text_delta', text: p.text } })
      else if (p.type === 'tool_start') {
        close()
        open = toolBlock(p.index)
        event('content_block_start', { index: open, content_block: { type: 'tool_use', id: p.id, name: p.name, input: {} } })
      } else event('content_block_delta', { index: toolBlock(p.index), delta: { type: 'input_json_delta', partial_json: p.json } })
    },
    // Anthropic reports a failure after the stream began as an `error` event.
    fail: (e: ScriptError) => event('error', { error: { type: errorType(e.status), message: e.message ?? defaultMessage(e) }, request_id: requestId(ex) }),
    finish: () => {
      close()
      event('message_delta', { delta: { stop_reason: STOP[plan.stop], stop_sequence: null }, usage: { output_tokens: plan.usage.output } })
      event('message_stop', {})
    },
  })
}

function content(plan: Plan) {
  return [
    ...(plan.text ? [{ type: 'text', text: plan.text }] : []),
    ...plan.toolCalls.map((c) => ({ type: 'tool_use', id: c.id, name: c.name, input: c.arguments })),
  ]
}

function defaultMessage(error: ScriptError): string {
  if (error.status === 429) return 'This request would exceed the rate limit for your organization (model stand-in script).'
  if (error.status === 529) return 'Overloaded'
  if (error.status >= 500) return 'Internal server error (model stand-in script)'
  return `Scripted error ${error.status} (model stand-in).`
}
