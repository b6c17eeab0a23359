/**
 * @module One way to talk to a model, whoever serves it. The agent (worker/agent) asks a
 * `ModelProvider` for a stream of `ModelEvent`s and never sees a wire format; the providers in
 * worker/models turn OpenAI Chat Completions and Anthropic Messages into these events.
 *
 * Three providers: the edge (metered, charged in credits), direct to a provider with the user's
 * own key (the key stays in the tab's storage and is never sent to the edge), and a local
 * OpenAI-compatible server (Ollama, LM Studio, llama.cpp's server) found running on localhost.
 */

/** Which provider answers. */
export type ProviderKind = 'edge' | 'direct' | 'local'

/** The wire format a direct provider speaks. */
export type WireFormat = 'openai' | 'anthropic'

/** A tool the model may call; `inputSchema` is a JSON Schema object. */
export interface ToolSpec {
  name: string
  description: string
  inputSchema: Record<string, unknown>
}

/** A tool call the model made, whole (its arguments parsed). */
export interface ToolCall {
  id: string
  name: string
  /** The parsed arguments; arguments that were not valid JSON arrive as `{ $invalidJson: text }` so the caller can tell the model. */
  input: unknown
}

/** The conversation, in one neutral shape the providers translate. */
export type ChatMessage =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string; isError?: boolean }

export interface ModelRequest {
  model: string
  system?: string
  messages: ChatMessage[]
  tools?: ToolSpec[]
  /** The completion budget; a provider sends it as `max_tokens` (`max_completion_tokens` to api.openai.com; Anthropic's required one defaults to 4096). */
  maxTokens?: number
  temperature?: number
  signal?: AbortSignal
  /** Sent to the edge as headers, so its ledger books the cost to the run and project and holds the run to its budget. */
  meta?: { project?: string; runId?: string; runBudgetMicros?: number }
}

/** Why the model stopped. */
export type StopReason = 'end' | 'tool_use' | 'max_tokens' | 'other'

/** What a stream yields, in order: text and tool calls as they come, then usage, then exactly one `stop`. */
export type ModelEvent =
  | { type: 'text'; text: string }
  | { type: 'tool_call'; call: ToolCall }
  | { type: 'usage'; inputTokens: number; outputTokens: number; /** Credits charged, when the provider charges credits (the edge). */ costMicros?: number }
  | { type: 'stop'; reason: StopReason }

/** Why a call failed, so the agent and the UI can say what to do. */
export type ModelErrorKind =
  | 'auth' // no or wrong key, not signed in
  | 'credits' // not enough credits for the call's hold
  | 'cap' // a spending cap (day, project, run budget) refuses the call
  | 'rate_limit'
  | 'not_found' // no such model
  | 'bad_request'
  | 'unreachable' // network error, server not running
  | 'upstream' // the provider failed (5xx, overloaded, a broken stream)
  | 'aborted'

export class ModelError extends Error {
  constructor(
    readonly kind: ModelErrorKind,
    message: string,
    readonly status?: number,
    /** Seconds to wait before retrying, when the provider said. */
    readonly retryAfter?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'ModelError'
  }
}

/** Credits per million tokens. */
export interface ModelPrice {
  input: number
  output: number
}

export interface ModelInfo {
  id: string
  provider: ProviderKind
  /** Present when calls cost credits (the edge). */
  price?: ModelPrice
}

export interface ModelProvider {
  readonly kind: ProviderKind
  /** For the UI: "Coder edge", "OpenAI (your key)", "Ollama on localhost:11434". */
  readonly label: string
  models(signal?: AbortSignal): Promise<ModelInfo[]>
  /** The request's prompt in tokens as this provider's biller counts it before the call (the edge); absent when calls are not charged in credits. */
  promptTokens?(request: ModelRequest): number
  /** Throws `ModelError` (before the first event or from the iterator). Aborting `request.signal` ends the stream with kind `aborted` and cancels the call. */
  stream(request: ModelRequest): AsyncIterable<ModelEvent>
}

/** What the tab stores to build a provider (the key only for `direct`, kept in IndexedDB, never sent to the edge). */
export type ProviderConfig =
  | { kind: 'edge'; /** The edge's origin; default the page's own. */ origin?: string }
  | { kind: 'direct'; format: WireFormat; baseUrl: string; apiKey: string; label?: string }
  | { kind: 'local'; baseUrl: string; label?: string }

/**
 * The prompt's size in tokens as the edge estimates it before a call (about four characters a
 * token of the wire body's messages and tools): the edge holds credits for this plus the whole
 * output allowance, so a run that checks its budget with the same estimate is never refused.
 */
export function estimatePromptTokens(body: { messages?: unknown; tools?: unknown; system?: unknown }): number {
  return Math.ceil(JSON.stringify(body.messages ?? []).length / 4) + Math.ceil(JSON.stringify(body.tools ?? body.system ?? '').length / 4)
}
