import { describe, expect, test } from 'vitest'
import { ModelError, type ModelEvent } from '../../shared/models'
import { decodeAnthropic } from './anthropic'
import { errorFromResponse } from './http'
import { decodeOpenAI } from './openai'
import { parseSse } from './sse'

/** A response body that arrives in exactly these pieces. */
function body(...pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  return new ReadableStream({
    start(controller) {
      for (const p of pieces) controller.enqueue(encoder.encode(p))
      controller.close()
    },
  })
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}

const data = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`
const event = (type: string, value: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...value })}\n\n`

describe('server-sent events', () => {
  test('events split anywhere across chunks, with \\r\\n, \\r or \\n line ends, comments and multi-line data', async () => {
    const text = ': keep-alive\r\nevent: first\r\ndata: one\r\ndata: two\r\n\r\ndata:three\r\rdata: {"x":1}\n\nevent: no-data\n\n'
    // Every split point, one character a chunk included: the result never changes.
    for (const size of [1, 2, 3, 7, text.length]) {
      const pieces = text.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g'))!
      expect(await all(parseSse(body(...pieces)))).toEqual([
        { event: 'first', data: 'one\ntwo' },
        { event: 'message', data: 'three' },
        { event: 'message', data: '{"x":1}' },
      ])
    }
  })

  test('an unterminated last event is dropped, and aborting throws the signal’s reason', async () => {
    expect(await all(parseSse(body('data: done\n\ndata: half')))).toEqual([{ event: 'message', data: 'done' }])
    const controller = new AbortController()
    const never = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(new TextEncoder().encode('data: a\n\n')) })
    const events = parseSse(never, controller.signal)
    expect((await events.next()).value).toEqual({ event: 'message', data: 'a' })
    const pending = events.next()
    controller.abort(new Error('stopped by the user'))
    await expect(pending).rejects.toThrow('stopped by the user')
  })
})

describe('OpenAI chunks', () => {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => data({ choices: [{ index: 0, delta, finish_reason: finish }] })

  test('tool calls are assembled per index from their deltas; invalid JSON arrives as $invalidJson', async () => {
    const events = await all(
      decodeOpenAI(
        parseSse(
          body(
            chunk({ role: 'assistant', content: 'Let me ' }),
            chunk({ content: 'look.' }),
            chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'read_file', arguments: '' } }] }),
            chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'grep', arguments: '{"q": "x"' } }] }),
            chunk({ tool_calls: [{ index: 0, function: { arguments: '{"path":' } }] }),
            chunk({ tool_calls: [{ index: 0, function: { arguments: '"a.ts"}' } }] }),
            chunk({}, 'tool_calls'),
            data({ choices: [], usage: { prompt_tokens: 10, completion_tokens: 4 } }),
            'data: [DONE]\n\n',
          ),
        ),
        'Test',
      ),
    )
    expect(events).toEqual<ModelEvent[]>([
      { type: 'text', text: 'Let me ' },
      { type: 'text', text: 'look.' },
      { type: 'tool_call', call: { id: 'call_a', name: 'read_file', input: { path: 'a.ts' } } },
      { type: 'tool_call', call: { id: 'call_b', name: 'grep', input: { $invalidJson: '{"q": "x"' } } },
      { type: 'usage', inputTokens: 10, outputTokens: 4 },
      { type: 'stop', reason: 'tool_use' },
    ])
  })

  test('an error inside the stream, and a stream cut before it finished, are ModelErrors', async () => {
    const limited = all(decodeOpenAI(parseSse(body(chunk({ content: 'a' }), data({ error: { message: 'Slow down', type: 'requests', code: 'rate_limit_exceeded' } }))), 'Test'))
    await expect(limited).rejects.toMatchObject({ kind: 'rate_limit', message: 'Test: Slow down' })
    const cut = all(decodeOpenAI(parseSse(body(chunk({ content: 'a' }))), 'Test'))
    await expect(cut).rejects.toMatchObject({ kind: 'upstream', message: expect.stringMatching(/ended before the model finished/) })
  })
})

describe('Anthropic events', () => {
  test('text, tool_use with input_json_delta, usage from message_start and message_delta', async () => {
    const events = await all(
      decodeAnthropic(
        parseSse(
          body(
            event('message_start', { message: { usage: { input_tokens: 20, cache_read_input_tokens: 5, output_tokens: 1 } } }),
            event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
            event('ping', {}),
            event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'On it.' } }),
            event('content_block_stop', { index: 0 }),
            event('content_block_start', { index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'read_file', input: {} } }),
            event('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"pa' } }),
            event('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: 'th":"b.ts"}' } }),
            event('content_block_stop', { index: 1 }),
            event('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } }),
            event('message_stop', {}),
          ),
        ),
        'Test',
      ),
    )
    expect(events).toEqual<ModelEvent[]>([
      { type: 'text', text: 'On it.' },
      { type: 'tool_call', call: { id: 'toolu_1', name: 'read_file', input: { path: 'b.ts' } } },
      { type: 'usage', inputTokens: 25, outputTokens: 9 },
      { type: 'stop', reason: 'tool_use' },
    ])
  })

  test('an error event is a ModelError of its kind', async () => {
    const overloaded = all(decodeAnthropic(parseSse(body(event('message_start', { message: { usage: {} } }), event('error', { error: { type: 'overloaded_error', message: 'Overloaded' } }))), 'Test'))
    await expect(overloaded).rejects.toMatchObject({ kind: 'upstream', message: 'Test: Overloaded' })
  })
})

describe('HTTP errors', () => {
  const answer = (status: number, json: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify(json), { status, headers })

  test('402 is credits, or cap when the edge says a spending cap refused the call', async () => {
    const credits = await errorFromResponse(answer(402, { error: { message: 'Not enough credits', type: 'insufficient_quota' } }), 'Coder edge')
    expect(credits).toMatchObject({ kind: 'credits', status: 402, message: 'Coder edge: Not enough credits' })
    const cap = await errorFromResponse(answer(402, { error: { message: 'Your daily cap is reached' } }, { 'coder-refusal': 'cap' }), 'Coder edge')
    expect(cap).toMatchObject({ kind: 'cap', message: 'Coder edge: Your daily cap is reached' })
  })

  test('429 is rate_limit with its wait, unless the quota is gone; other statuses by meaning', async () => {
    expect(await errorFromResponse(answer(429, { error: { message: 'slow' } }, { 'retry-after-ms': '1500', 'retry-after': '9' }), 'X')).toMatchObject({ kind: 'rate_limit', retryAfter: 1.5 })
    expect(await errorFromResponse(answer(429, { error: { message: 'quota', code: 'insufficient_quota' } }), 'X')).toMatchObject({ kind: 'credits' })
    expect(await errorFromResponse(answer(401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }), 'X')).toMatchObject({ kind: 'auth', message: 'X: invalid x-api-key' })
    expect(await errorFromResponse(answer(404, { error: { code: 'not_found', message: 'no' } }), 'X')).toMatchObject({ kind: 'not_found' })
    expect(await errorFromResponse(answer(400, { error: { message: 'bad' } }), 'X')).toMatchObject({ kind: 'bad_request' })
    expect(await errorFromResponse(answer(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, { 'retry-after': '3' }), 'X')).toMatchObject({ kind: 'upstream', retryAfter: 3 })
    const html = await errorFromResponse(new Response('<h1>Bad gateway</h1>', { status: 502, statusText: 'Bad Gateway' }), 'X')
    expect(html).toBeInstanceOf(ModelError)
    expect(html).toMatchObject({ kind: 'upstream', message: 'X: <h1>Bad gateway</h1>' })
  })
})
