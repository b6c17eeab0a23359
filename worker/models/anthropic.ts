/** Anthropic's Messages wire format: the request (system, tool_use and tool_result blocks), and the event stream as `ModelEvent`s. */
import { ModelError, type ChatMessage, type ModelEvent, type ModelRequest, type StopReason } from '../../shared/models'
import { unreachable } from '../../shared/errors'
import { errorFromStreamEvent, parseArguments } from './http'
import type { SseEvent } from './sse'

/** The completion budget when a request names none: the Messages API requires one. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096

type Block = Record<string, unknown>

/** A tool_use `input` must be an object; anything else (an array, a number) is wrapped. */
const inputObject = (input: unknown) => (input && typeof input === 'object' && !Array.isArray(input) ? input : { value: input })

function blocksOf(m: ChatMessage): { role: 'user' | 'assistant'; blocks: Block[] } {
  switch (m.role) {
    case 'user':
      return { role: 'user', blocks: m.content ? [{ type: 'text', text: m.content }] : [] }
    case 'assistant':
      return {
        role: 'assistant',
        blocks: [
          // The API refuses empty text blocks.
          ...(m.content ? [{ type: 'text', text: m.content }] : []),
          ...(m.toolCalls ?? []).map((c) => ({ type: 'tool_use', id: c.id, name: c.name, input: inputObject(c.input) })),
        ],
      }
    case 'tool':
      return { role: 'user', blocks: [{ type: 'tool_result', tool_use_id: m.toolCallId, content: m.content, ...(m.isError ? { is_error: true } : {}) }] }
    default:
      return unreachable(m)
  }
}

/** The conversation as Messages: tool results become user turns, and turns of one role in a row are merged (roles must alternate). */
function messagesOf(messages: ChatMessage[]): { role: 'user' | 'assistant'; content: Block[] }[] {
  const out: { role: 'user' | 'assistant'; content: Block[] }[] = []
  for (const m of messages) {
    const { role, blocks } = blocksOf(m)
    if (!blocks.length) continue
    const last = out.at(-1)
    if (last?.role === role) last.content.push(...blocks)
    else out.push({ role, content: blocks })
  }
  return out
}

/** The JSON body of a streaming Messages call. */
export function anthropicBody(request: ModelRequest): Record<string, unknown> {
  return {
    model: request.model,
    max_tokens: request.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    ...(request.system ? { system: request.system } : {}),
    messages: messagesOf(request.messages),
    ...(request.tools?.length ? { tools: request.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema })) } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    stream: true,
  }
}

const STOP: Record<string, StopReason> = { end_turn: 'end', stop_sequence: 'end', tool_use: 'tool_use', max_tokens: 'max_tokens' }

const count = (n: unknown) => (typeof n === 'number' && Number.isFinite(n) ? n : 0)

/**
 * A Messages event stream as `ModelEvent`s: text deltas at once; each tool_use block, its
 * `input_json_delta`s joined and parsed, when the block stops; then the usage (`message_start`'s
 * input, `message_delta`'s output) and the stop.
 */
export async function* decodeAnthropic(events: AsyncIterable<SseEvent>, label: string): AsyncGenerator<ModelEvent> {
  const tools = new Map<number, { id: string; name: string; json: string; input: unknown }>()
  let inputTokens = 0
  let outputTokens = 0
  let stop: string | null = null
  let finished = false
  for await (const event of events) {
    let data: Record<string, any>
    try {
      data = JSON.parse(event.data) as Record<string, any>
    } catch {
      throw new ModelError('upstream', `${label}: the stream sent something that is not JSON: ${event.data.slice(0, 100)}`)
    }
    const type = typeof data?.type === 'string' ? data.type : event.event
    if (type === 'message_start') {
      const u = data.message?.usage ?? {}
      // Cached prompt tokens are counted apart from `input_tokens`; the prompt is all of them.
      inputTokens = count(u.input_tokens) + count(u.cache_creation_input_tokens) + count(u.cache_read_input_tokens)
      outputTokens = count(u.output_tokens)
    } else if (type === 'content_block_start') {
      const block = data.content_block
      if (block?.type === 'tool_use') tools.set(data.index, { id: String(block.id ?? ''), name: String(block.name ?? ''), json: '', input: block.input })
      else if (block?.type === 'text' && typeof block.text === 'string' && block.text) yield { type: 'text', text: block.text }
    } else if (type === 'content_block_delta') {
      const delta = data.delta
      if (delta?.type === 'text_delta' && typeof delta.text === 'string' && delta.text) yield { type: 'text', text: delta.text }
      else if (delta?.type === 'input_json_delta' && typeof delta.partial_json === 'string') {
        const tool = tools.get(data.index)
        if (tool) tool.json += delta.partial_json
      }
    } else if (type === 'content_block_stop') {
      const tool = tools.get(data.index)
      if (tool) {
        tools.delete(data.index)
        // Without deltas the input came whole in the block's start (some proxies do that).
        const input = tool.json ? parseArguments(tool.json) : (tool.input ?? {})
        yield { type: 'tool_call', call: { id: tool.id || `toolu_${data.index}`, name: tool.name, input } }
      }
    } else if (type === 'message_delta') {
      if (typeof data.delta?.stop_reason === 'string') stop = data.delta.stop_reason
      if (data.usage?.output_tokens !== undefined) outputTokens = count(data.usage.output_tokens)
      if (data.usage?.input_tokens !== undefined && data.usage.input_tokens !== null) inputTokens = Math.max(inputTokens, count(data.usage.input_tokens))
    } else if (type === 'message_stop') {
      finished = true
      break
    } else if (type === 'error') {
      throw errorFromStreamEvent(data.error, label)
    }
  }
  if (!finished) throw new ModelError('upstream', `${label}: the stream ended before the model finished`)
  yield { type: 'usage', inputTokens, outputTokens }
  yield { type: 'stop', reason: STOP[stop ?? 'end_turn'] ?? 'other' }
}
