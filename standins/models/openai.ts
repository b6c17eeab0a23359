/** OpenAI's Chat Completions wire format: `POST /v1/chat/completions` (JSON or SSE) and `GET /v1/models`. */
import { contentText, planReply, retryHeaders, runStream, sendJson, type Exchange, type Plan } from './exchange.ts'
import { pickScript, type RequestFacts, type Script, type ScriptError } from './script.ts'

/** OpenAI's error `type` and `code` for a status. */
function errorKind(status: number): { type: string; code: string | null } {
  switch (status) {
    case 400:
      return { type: 'invalid_request_error', code: null }
    case 401:
      return { type: 'invalid_request_error', code: 'invalid_api_key' }
    case 403:
      return { type: 'invalid_request_error', code: 'unsupported_country_region_territory' }
    case 404:
      return { type: 'invalid_request_error', code: 'model_not_found' }
    case 429:
      return { type: 'requests', code: 'rate_limit_exceeded' }
    case 503:
      return { type: 'server_error', code: 'service_unavailable' }
    default:
      return { type: status >= 500 ? 'server_error' : 'invalid_request_error', code: null }
  }
}

/** The error body as OpenAI sends it. */
function errorBody(status: number, message: string, param: string | null = null, code?: string | null) {
  const kind = errorKind(status)
  return { error: { message, type: kind.type, param, code: code === undefined ? kind.code : code } }
}

/** Answers with an OpenAI-shaped error. */
export function sendOpenAIError(ex: Exchange, status: number, message: string, param: string | null = null, code?: string | null, headers: Record<string, string> = {}): void {
  sendJson(ex, status, errorBody(status, message, param, code), { 'x-request-id': `req_standin_${ex.record.seq}`, ...headers })
}

/** Whether the request carries a usable key (`Authorization: Bearer <key>`; `accept('')` says whether none will do); answers 401 when not. */
export function authorizeOpenAI(ex: Exchange, accept: (key: string) => boolean): boolean {
  const header = String(ex.req.headers.authorization ?? '')
  const key = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? ''
  if (accept(key)) return true
  const message = key
    ? `Incorrect API key provided: ${key.length > 8 ? `${key.slice(0, 3)}…${key.slice(-4)}` : '***'}. This is the model stand-in; use a configured key.`
    : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
  sendOpenAIError(ex, 401, message, null, key ? 'invalid_api_key' : null)
  return false
}

/** `GET /v1/models`. */
export function listOpenAIModels(ex: Exchange, models: string[]): void {
  const created = ex.nowSeconds()
  sendJson(ex, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created, owned_by: 'model-standin' })) })
}

interface ChatBody {
  model?: unknown
  messages?: unknown
  stream?: unknown
  stream_options?: { include_usage?: unknown } | null
  tools?: unknown
}

/** Reads what scripts match on; null (after answering 400) when the body is not a chat request. */
function readFacts(ex: Exchange, body: unknown): (RequestFacts & { body: ChatBody }) | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    sendOpenAIError(ex, 400, 'We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly. The OpenAI API expects a JSON payload.)')
    return null
  }
  const chat = body as ChatBody
  if (typeof chat.model !== 'string' || !chat.model) {
    sendOpenAIError(ex, 400, 'you must provide a model parameter', null)
    return null
  }
  if (!Array.isArray(chat.messages)) {
    sendOpenAIError(ex, 400, "Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter')
    return null
  }
  if (chat.messages.length === 0) {
    sendOpenAIError(ex, 400, "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'messages', 'empty_array')
    return null
  }
  const messages = chat.messages as { role?: unknown; content?: unknown }[]
  const lastUser = [...messages].reverse().find((m) => m?.role === 'user')
  return {
    api: 'openai',
    model: chat.model,
    lastUserText: contentText(lastUser?.content),
    hasTools: Array.isArray(chat.tools) && chat.tools.length > 0,
    turn: messages.filter((m) => m?.role === 'assistant').length,
    body: chat,
  }
}

const FINISH = { end: 'stop', tool_use: 'tool_calls', max_tokens: 'length' } as const

/** `POST /v1/chat/completions`: picks the script and answers as JSON or as a chunk stream. */
export async function handleChatCompletion(ex: Exchange, scripts: readonly Script[]): Promise<void> {
  const facts = readFacts(ex, ex.record.body)
  if (!facts) return
  const script = pickScript(scripts, facts)
  ex.record.script = script.name ?? null
  const plan = planReply(script, 'openai', ex.record.seq, facts.body)
  const stream = facts.body.stream === true
  ex.record.stream = stream
  if (plan.error && (!stream || plan.error.afterChunks === undefined)) {
    const e = plan.error
    sendOpenAIError(ex, e.status, e.message ?? defaultMessage(e), null, undefined, retryHeaders(e))
    return
  }
  const id = `chatcmpl-standin-${ex.record.seq}`
  const created = ex.nowSeconds()
  const usage = {
    prompt_tokens: plan.usage.input,
    completion_tokens: plan.usage.output,
    total_tokens: plan.usage.input + plan.usage.output,
  }
  if (!stream) {
    sendJson(ex, 200, {
      id,
      object: 'chat.completion',
      created,
      model: facts.model,
      choices: [{ index: 0, message: message(plan), logprobs: null, finish_reason: FINISH[plan.stop] }],
      usage,
      system_fingerprint: 'fp_standin',
    }, { 'x-request-id': `req_standin_${ex.record.seq}` })
    return
  }
  const includeUsage = facts.body.stream_options?.include_usage === true
  const write = (choices: unknown[], extra: Record<string, unknown> = {}) => {
    const chunk = { id, object: 'chat.completion.chunk', created, model: facts.model, system_fingerprint: 'fp_standin', choices, ...(includeUsage ? { usage: null } : {}), ...extra }
    ex.res.write(`data: ${JSON.stringify(chunk)}\n\n`)
  }
  const delta = (d: Record<string, unknown>, finish: string | null = null) => write([{ index: 0, delta: d, logprobs: null, finish_reason: finish }])
  await runStream(ex, plan, {
    start: () => delta({ role: 'assistant', content: '', refusal: null }),
    piece: (p) => {
      if (p.type === 'text') delta({ content: p.text })
      else if (p.type === 'tool_start') delta({ tool_calls: [{ index: p.index, id: p.id, type: 'function', function: { name: p.name, arguments: '' } }] })
      else delta({ tool_calls: [{ index: p.index, function: { arguments: p.json } }] })
    },
    // OpenAI reports a failure after the stream began as a data line with an `error` object.
    fail: (e: ScriptError) => ex.res.write(`data: ${JSON.stringify(errorBody(e.status, e.message ?? defaultMessage(e)))}\n\n`),
    finish: () => {
      delta({}, FINISH[plan.stop])
      if (includeUsage) write([], { usage })
      ex.res.write('data: [DONE]\n\n')
    },
  })
}

function message(plan: Plan) {
  return {
    role: 'assistant',
    content: plan.text || (plan.toolCalls.length ? null : ''),
    refusal: null,
    annotations: [],
    ...(plan.toolCalls.length
      ? { tool_calls: plan.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } })) }
      : {}),
  }
}

function defaultMessage(error: ScriptError): string {
  if (error.status === 429) return 'Rate limit reached for requests (model stand-in script). Please try again in 1s.'
  if (error.status >= 500) return 'The server had an error while processing your request. Sorry about that! (model stand-in script)'
  return `Scripted error ${error.status} (model stand-in).`
}
