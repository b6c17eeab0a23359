/** The three providers (the edge, the user's own key, a local server) and `createProvider`, which picks one from a stored config. */
import { estimatePromptTokens, ModelError, type ModelEvent, type ModelInfo, type ModelPrice, type ModelProvider, type ModelRequest, type ProviderConfig, type ProviderKind, type WireFormat } from '../../shared/models'
import { unreachable } from '../../shared/errors'
import { anthropicBody, decodeAnthropic } from './anthropic'
import { getJson, globalFetch, streamCall, type Fetch } from './http'
import { decodeOpenAI, modelIds, openaiBody, type MaxTokensField } from './openai'

/** Parses an http(s) URL or throws `bad_request` naming what was given. */
function httpUrl(value: string, what: string): URL {
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    throw new ModelError('bad_request', `${what} is not a URL: "${value}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ModelError('bad_request', `${what} must be an http(s) URL: "${value}"`)
  return url
}

/** An OpenAI-style base URL (`…/v1`): a bare origin gets `/v1`, as every OpenAI-compatible server serves it there. */
export function openaiBaseUrl(value: string): string {
  const url = httpUrl(value, 'The base URL')
  const path = url.pathname.replace(/\/+$/, '')
  return `${url.origin}${path || '/v1'}`
}

/** Anthropic's root (the SDK's `baseURL`): `https://api.anthropic.com` and `…/v1` both work. */
export function anthropicRootUrl(value: string): string {
  const url = httpUrl(value, 'The base URL')
  return `${url.origin}${url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}`
}

/** What an OpenAI-format provider varies in: where, how it signs in, and which headers a request adds. */
interface OpenAIWire {
  kind: ProviderKind
  label: string
  fetch: Fetch
  base: string
  headers: Record<string, string>
  credentials?: RequestCredentials
  maxTokensField: MaxTokensField
  requestHeaders?: (request: ModelRequest) => Record<string, string>
  /** Reads the `GET /models` answer; default: the ids. */
  readModels?: (body: unknown) => ModelInfo[]
}

function openaiProvider(wire: OpenAIWire): ModelProvider {
  const init = (extra: Record<string, string> = {}): RequestInit => ({ headers: { ...wire.headers, ...extra }, ...(wire.credentials ? { credentials: wire.credentials } : {}) })
  return {
    kind: wire.kind,
    label: wire.label,
    async models(signal) {
      const body = await getJson(wire.fetch, `${wire.base}/models`, init(), wire.label, signal)
      if (!Array.isArray((body as { data?: unknown } | null)?.data)) throw new ModelError('upstream', `${wire.label}: ${wire.base}/models did not answer with a model list`)
      return wire.readModels ? wire.readModels(body) : modelIds(body).map((id) => ({ id, provider: wire.kind }))
    },
    stream(request) {
      const body = JSON.stringify(openaiBody(request, wire.maxTokensField))
      const headers = { 'content-type': 'application/json', accept: 'text/event-stream', ...(wire.requestHeaders?.(request) ?? {}) }
      return streamCall(wire.fetch, `${wire.base}/chat/completions`, { ...init(headers), body }, wire.label, decodeOpenAI, request.signal)
    },
  }
}

/** Options of the edge provider. */
export interface EdgeProviderOptions {
  /** The edge's origin; default the page's (or worker's) own. */
  origin?: string
  fetch?: Fetch
}

/** Micro-credits a call costs at `price` (credits per million tokens), rounded up per side: exactly how the edge charges it. */
export function costMicros(price: ModelPrice, inputTokens: number, outputTokens: number): number {
  return Math.ceil(inputTokens * price.input) + Math.ceil(outputTokens * price.output)
}

/**
 * Models through Coder's edge (`/v1/chat/completions`), signed in by the session cookie and
 * charged in credits. Sends `coder-project`, `coder-run` and `coder-run-budget` from
 * `request.meta`, so the edge books the cost to the run and holds it to its budget. The usage
 * event carries `costMicros`, priced from the edge's own `/v1/models` table. Never sends a key.
 */
export function createEdgeProvider(options: EdgeProviderOptions = {}): ModelProvider {
  const origin = options.origin ?? (globalThis as { location?: { origin?: string } }).location?.origin
  if (!origin) throw new ModelError('bad_request', 'The Coder edge provider needs the edge’s origin')
  const base = `${httpUrl(origin, 'The edge origin').origin}/v1`
  let prices: Map<string, ModelPrice> | null = null
  const readModels = (body: unknown): ModelInfo[] =>
    ((body as { data: { id?: unknown; price?: { input?: unknown; output?: unknown } }[] }).data ?? []).flatMap((m) =>
      typeof m?.id !== 'string'
        ? []
        : [{ id: m.id, provider: 'edge' as const, ...(typeof m.price?.input === 'number' && typeof m.price.output === 'number' ? { price: { input: m.price.input, output: m.price.output } } : {}) }],
    )
  const inner = openaiProvider({
    kind: 'edge',
    label: 'Coder edge',
    fetch: options.fetch ?? globalFetch,
    base,
    headers: {},
    credentials: 'include',
    maxTokensField: 'max_tokens',
    readModels,
    requestHeaders: ({ meta }) => ({
      ...(meta?.project ? { 'coder-project': meta.project } : {}),
      ...(meta?.runId ? { 'coder-run': meta.runId } : {}),
      ...(meta?.runBudgetMicros !== undefined ? { 'coder-run-budget': String(Math.max(0, Math.floor(meta.runBudgetMicros))) } : {}),
    }),
  })
  const models = async (signal?: AbortSignal) => {
    const list = await inner.models(signal)
    prices = new Map(list.flatMap((m) => (m.price ? [[m.id, m.price] as const] : [])))
    return list
  }
  return {
    kind: 'edge',
    label: inner.label,
    models,
    promptTokens: (request) => estimatePromptTokens(openaiBody(request, 'max_tokens')),
    async *stream(request) {
      // The price table is read alongside the first call; failing to read it only leaves costMicros out.
      const table = prices ? Promise.resolve(prices) : models(request.signal).then(() => prices, () => null)
      for await (const event of inner.stream(request)) {
        if (event.type !== 'usage') {
          yield event
          continue
        }
        const price = (await table)?.get(request.model)
        yield price ? { ...event, costMicros: costMicros(price, event.inputTokens, event.outputTokens) } : event
      }
    },
  }
}

/** Options of a provider called with the user's own key. */
export interface DirectProviderOptions {
  format: WireFormat
  /** OpenAI style with `/v1` (`https://api.openai.com/v1`, `https://openrouter.ai/api/v1`), or Anthropic's root (`https://api.anthropic.com`). */
  baseUrl: string
  apiKey: string
  label?: string
  fetch?: Fetch
}

const KNOWN_HOSTS: Record<string, string> = { 'api.openai.com': 'OpenAI', 'api.anthropic.com': 'Anthropic', 'openrouter.ai': 'OpenRouter' }

/**
 * A provider called straight from the tab with the user's own key, in OpenAI's format (OpenAI,
 * OpenRouter, any OpenAI-compatible base URL) or Anthropic's. The key goes only to `baseUrl`.
 * No `costMicros`: the user pays the provider.
 */
export function createDirectProvider(options: DirectProviderOptions): ModelProvider {
  const apiKey = options.apiKey.trim()
  if (!apiKey) throw new ModelError('auth', 'Enter your API key')
  const fetchFn = options.fetch ?? globalFetch
  const host = httpUrl(options.baseUrl, 'The base URL').host
  const label = options.label || `${KNOWN_HOSTS[host] ?? host} (your key)`
  if (options.format === 'openai') {
    return openaiProvider({
      kind: 'direct',
      label,
      fetch: fetchFn,
      base: openaiBaseUrl(options.baseUrl),
      headers: { authorization: `Bearer ${apiKey}` },
      maxTokensField: host === 'api.openai.com' ? 'max_completion_tokens' : 'max_tokens',
    })
  }
  const root = anthropicRootUrl(options.baseUrl)
  const headers = {
    'x-api-key': apiKey,
    'anthropic-version': '2023-06-01',
    // Anthropic refuses calls from a browser page without this.
    'anthropic-dangerous-direct-browser-access': 'true',
  }
  return {
    kind: 'direct',
    label,
    async models(signal) {
      const body = await getJson(fetchFn, `${root}/v1/models?limit=1000`, { headers }, label, signal)
      return modelIds(body).map((id) => ({ id, provider: 'direct' as const }))
    },
    stream(request): AsyncIterable<ModelEvent> {
      const init = { headers: { ...headers, 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify(anthropicBody(request)) }
      return streamCall(fetchFn, `${root}/v1/messages`, init, label, decodeAnthropic, request.signal)
    },
  }
}

/** Options of a local OpenAI-compatible server's provider. */
export interface LocalProviderOptions {
  /** E.g. `http://127.0.0.1:11434/v1` (a bare origin gets `/v1`). */
  baseUrl: string
  label?: string
  fetch?: Fetch
}

/** A local OpenAI-compatible server (Ollama, LM Studio, llama.cpp's server): no key, no charge. */
export function createLocalProvider(options: LocalProviderOptions): ModelProvider {
  const base = openaiBaseUrl(options.baseUrl)
  return openaiProvider({
    kind: 'local',
    label: options.label || `Local server at ${new URL(base).host}`,
    fetch: options.fetch ?? globalFetch,
    base,
    headers: {},
    maxTokensField: 'max_tokens',
  })
}

/** What `createProvider` needs besides the config. */
export interface CreateProviderOptions {
  fetch?: Fetch
  /** The edge's origin, for `{ kind: 'edge' }` without one; default the page's (or worker's) own. */
  origin?: string
}

/** The provider a stored config names. Throws `ModelError` (`bad_request`, `auth` for a missing key) when the config cannot work. */
export function createProvider(config: ProviderConfig, options: CreateProviderOptions = {}): ModelProvider {
  switch (config.kind) {
    case 'edge':
      return createEdgeProvider({ origin: config.origin ?? options.origin, fetch: options.fetch })
    case 'direct':
      return createDirectProvider({ format: config.format, baseUrl: config.baseUrl, apiKey: config.apiKey, label: config.label, fetch: options.fetch })
    case 'local':
      return createLocalProvider({ baseUrl: config.baseUrl, label: config.label, fetch: options.fetch })
    default:
      return unreachable(config)
  }
}
