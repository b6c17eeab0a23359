/** OpenAI's Chat Completions wire format (also the edge's, OpenRouter's and the local servers'): the request, and the stream as `ModelEvent`s. */
import { ModelError, type ChatMessage, type ModelEvent, type ModelRequest, type StopReason, type ToolCall } from '../../shared/models'
import { unreachable } from '../../shared/errors'
import { argumentsText, errorFromStreamEvent, parseArguments } from './http'
import type { SseEvent } from './sse'

/** How a server names the completion budget: api.openai.com wants `max_completion_tokens` (its reasoning models refuse `max_tokens`). */
export type MaxTokensField = 'max_tokens' | 'max_completion_tokens'

function message(m: ChatMessage): Record<string, unknown> {
  switch (m.role) {
    case 'user':
      return { role: 'user', content: m.content }
    case 'assistant':
      return {
        role: 'assistant',
        // With tool calls an empty text is `null`, as OpenAI's own answers have it.
        content: m.content || (m.toolCalls?.length ? null : ''),
        ...(m.toolCalls?.length
          ? { tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: argumentsText(c.input) } })) }
          : {}),
      }
    case 'tool':
      // Chat Completions has no error flag for a tool result: the text says it.
      return { role: 'tool', tool_call_id: m.toolCallId, content: m.isError && !/^error\b/i.test(m.content) ? `Error: ${m.content}` : m.content }
    default:
      return unreachable(m)
  }
}

/** The JSON body of a streaming Chat Completions call, asking for the usage at the end. */
export function openaiBody(request: ModelRequest, maxTokensField: MaxTokensField = 'max_tokens'): Record<string, unknown> {
  return {
    model: request.model,
    messages: [...(request.system ? [{ role: 'system', content: request.system }] : []), ...request.messages.map(message)],
    ...(request.tools?.length
      ? { tools: request.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.inputSchema } })) }
      : {}),
    ...(request.maxTokens !== undefined ? { [maxTokensField]: request.maxTokens } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    stream: true,
    stream_options: { include_usage: true },
  }
}

const STOP: Record<string, StopReason> = { stop: 'end', tool_calls: 'tool_use', function_call: 'tool_use', length: 'max_tokens' }

interface PartialCall {
  id: string
  name: string
  args: string
}

/**
 * A Chat Completions chunk stream as `ModelEvent`s: text deltas at once; tool calls, assembled by
 * `index` from their deltas, when the choice finishes; then the usage and the stop.
 */
export async function* decodeOpenAI(events: AsyncIterable<SseEvent>, label: string): AsyncGenerator<ModelEvent> {
  const calls = new Map<number, PartialCall>()
  let finish: string | null = null
  let usage = { inputTokens: 0, outputTokens: 0 }
  let done = false
  let callsSent = false
  function* sendCalls(): Generator<ModelEvent> {
    if (callsSent) return
    callsSent = true
    const sorted = [...calls.entries()].sort(([a], [b]) => a - b)
    for (const [index, c] of sorted) {
      const call: ToolCall = { id: c.id || `call_${index}`, name: c.name, input: parseArguments(c.args) }
      yield { type: 'tool_call', call }
    }
  }
  for await (const event of events) {
    if (event.data === '[DONE]') {
      done = true
      break
    }
    let chunk: Record<string, any>
    try {
      chunk = JSON.parse(event.data) as Record<string, any>
    } catch {
      throw new ModelError('upstream', `${label}: the stream sent something that is not JSON: ${event.data.slice(0, 100)}`)
    }
    if (chunk?.error) throw errorFromStreamEvent(chunk.error, label)
    const choice = chunk?.choices?.[0]
    const delta = choice?.delta
    if (typeof delta?.content === 'string' && delta.content) yield { type: 'text', text: delta.content }
    for (const t of Array.isArray(delta?.tool_calls) ? delta.tool_calls : []) {
      const index = typeof t?.index === 'number' ? t.index : 0
      const call = calls.get(index) ?? { id: '', name: '', args: '' }
      calls.set(index, call)
      if (typeof t?.id === 'string' && t.id) call.id = t.id
      if (typeof t?.function?.name === 'string' && t.function.name && !call.name) call.name = t.function.name
      if (typeof t?.function?.arguments === 'string') call.args += t.function.arguments
      // Some servers (Ollama) send a call's arguments as an object, whole.
      else if (t?.function?.arguments && typeof t.function.arguments === 'object') call.args += JSON.stringify(t.function.arguments)
    }
    if (typeof choice?.finish_reason === 'string' && choice.finish_reason) {
      finish = choice.finish_reason
      yield* sendCalls()
    }
    if (chunk?.usage) usage = { inputTokens: Number(chunk.usage.prompt_tokens) || 0, outputTokens: Number(chunk.usage.completion_tokens) || 0 }
  }
  if (!done && finish === null) throw new ModelError('upstream', `${label}: the stream ended before the model finished`)
  yield* sendCalls()
  yield { type: 'usage', ...usage }
  // Some servers finish a tool call with 'stop'; the calls say what happened.
  const reason = STOP[finish ?? 'stop'] ?? 'other'
  yield { type: 'stop', reason: reason === 'end' && calls.size ? 'tool_use' : reason }
}

/** The ids of a `GET /models` answer (`{ data: [{ id }] }`). */
export function modelIds(body: unknown): string[] {
  const data = (body as { data?: unknown } | null)?.data
  return Array.isArray(data) ? data.map((m: { id?: unknown }) => m?.id).filter((id): id is string => typeof id === 'string') : []
}
