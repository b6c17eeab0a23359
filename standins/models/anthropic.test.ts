import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startModelStandIn, type ModelStandIn, type Script } from './index.ts'

const story = 'Once there was a stand-in that spoke two wire formats.'
const scripts: Script[] = [
  { name: 'weather tool', match: { tools: true, contains: 'weather' }, reply: { text: 'Let me check.', toolCalls: [{ name: 'get_weather', arguments: { city: 'Zürich', days: 3 } }], chunkSize: 4, usage: { input: 50, output: 20 } } },
  { name: 'tool only', match: { tools: true, contains: 'just call' }, reply: { toolCalls: [{ name: 'ls', arguments: { path: '.' }, id: 'toolu_fixed' }] } },
  { name: 'rate', match: { contains: 'rate limit' }, reply: { error: { status: 429, retryAfter: 3 } } },
  { name: 'overloaded', match: { contains: 'overload' }, reply: { error: { status: 529 } } },
  { name: 'broken', match: { contains: 'break' }, reply: { text: 'abcdefghijkl', chunkSize: 2, error: { status: 529, afterChunks: 2 } } },
  { name: 'slow', match: { contains: 'slow' }, reply: { text: 'one two three four five', chunkSize: 4, delayMs: 40 } },
  { name: 'long', match: { contains: 'long' }, reply: { text: 'cut short', stop: 'max_tokens' } },
  { name: 'story', match: { contains: 'story' }, reply: { text: story, chunkSize: 5, usage: { input: 21, output: 13 } } },
]
const tools = [{ name: 'get_weather', input_schema: { type: 'object' as const, properties: {} } }]

let standIn: ModelStandIn
let client: Anthropic

beforeAll(async () => {
  standIn = await startModelStandIn({ scripts, keys: ['sk-ant-test'] })
  client = new Anthropic({ baseURL: standIn.anthropicBaseUrl, apiKey: 'sk-ant-test', maxRetries: 0 })
})
afterAll(() => standIn.close())

const last = () => standIn.requests.at(-1)!
const ask = (content: string, extra: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}) => ({ model: 'claude-x', max_tokens: 100, messages: [{ role: 'user' as const, content }], ...extra })

describe('Anthropic Messages through the official SDK', () => {
  test('non-streaming text with usage', async () => {
    const message = await client.messages.create(ask('a story'))
    expect(message).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-x', stop_reason: 'end_turn', content: [{ type: 'text', text: story }] })
    expect(message.usage).toMatchObject({ input_tokens: 21, output_tokens: 13 })
    expect(last()).toMatchObject({ api: 'anthropic', script: 'story', status: 200, stream: false })
    // This SDK version sends the key as a Bearer token; `x-api-key` (the raw-fetch tests below) works too.
    expect(last().headers['x-api-key'] ?? last().headers.authorization).toMatch(/sk-ant-test/)
    expect(last().headers['anthropic-version']).toBeTruthy()
  })

  test('non-streaming tool_use', async () => {
    const message = await client.messages.create(ask('weather in Zürich', { tools }))
    expect(message.stop_reason).toBe('tool_use')
    expect(message.content).toEqual([
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: expect.stringMatching(/^toolu_/), name: 'get_weather', input: { city: 'Zürich', days: 3 } },
    ])
    const only = await client.messages.create(ask('just call it', { tools }))
    expect(only.content).toEqual([{ type: 'tool_use', id: 'toolu_fixed', name: 'ls', input: { path: '.' } }])
  })

  test('streaming: finalMessage() equals the script, text deltas concatenate', async () => {
    const stream = client.messages.stream(ask('a story'))
    let text = ''
    stream.on('text', (delta) => (text += delta))
    const message = await stream.finalMessage()
    expect(text).toBe(story)
    expect(message.content).toHaveLength(1)
    expect(message.content[0]).toMatchObject({ type: 'text', text: story })
    expect(message.stop_reason).toBe('end_turn')
    expect(message.usage).toMatchObject({ input_tokens: 21, output_tokens: 13 })
  })

  test('streaming tool_use: the SDK assembles input_json_delta into the scripted input', async () => {
    const events: string[] = []
    const stream = client.messages.stream(ask('weather?', { tools }))
    stream.on('streamEvent', (event) => events.push(event.type))
    const message = await stream.finalMessage()
    expect(message.stop_reason).toBe('tool_use')
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Let me check.' })
    expect(message.content[1]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Zürich', days: 3 } })
    expect(message.usage.output_tokens).toBe(20)
    expect(events[0]).toBe('message_start')
    expect(events.filter((e) => e === 'content_block_start')).toHaveLength(2)
    expect(events.filter((e) => e === 'content_block_stop')).toHaveLength(2)
    expect(events.slice(-2)).toEqual(['message_delta', 'message_stop'])
    expect(last().chunksSent).toBeGreaterThan(5)
  })

  test('max_tokens stop reason', async () => {
    const message = await client.messages.create(ask('a long one'))
    expect(message.stop_reason).toBe('max_tokens')
  })

  test('errors map to the SDK error classes', async () => {
    const rate = await client.messages.create(ask('rate limit me')).catch((e: unknown) => e)
    expect(rate).toBeInstanceOf(Anthropic.RateLimitError)
    expect((rate as InstanceType<typeof Anthropic.RateLimitError>).status).toBe(429)
    expect((rate as InstanceType<typeof Anthropic.RateLimitError>).headers.get('retry-after')).toBe('3')
    expect((rate as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } })

    const overloaded = await client.messages.create(ask('overloaded?')).catch((e: unknown) => e)
    expect(overloaded).toBeInstanceOf(Anthropic.OverloadedError)
    expect((overloaded as InstanceType<typeof Anthropic.OverloadedError>).status).toBe(529)

    const badKey = new Anthropic({ baseURL: standIn.anthropicBaseUrl, apiKey: 'sk-ant-wrong', maxRetries: 0 })
    const auth = await badKey.messages.create(ask('hi')).catch((e: unknown) => e)
    expect(auth).toBeInstanceOf(Anthropic.AuthenticationError)
    expect((auth as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } })
  })

  test('a mid-stream error event fails the stream after the first chunks', async () => {
    const stream = client.messages.stream(ask('break it'))
    let text = ''
    stream.on('text', (delta) => (text += delta))
    const error = await stream.finalMessage().catch((e: unknown) => e)
    expect(text).toBe('abcd')
    expect(error).toBeInstanceOf(Anthropic.APIError)
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } })
  })

  test('malformed requests and a missing anthropic-version get a 400 in Anthropic shape', async () => {
    const headers = { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' }
    const noModel = await fetch(`${standIn.anthropicBaseUrl}/v1/messages`, { method: 'POST', headers, body: JSON.stringify({ max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }) })
    expect(noModel.status).toBe(400)
    expect(await noModel.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'model: Field required' } })
    const noMessages = await client.messages.create({ model: 'claude-x', max_tokens: 5 } as never).catch((e: unknown) => e)
    expect(noMessages).toBeInstanceOf(Anthropic.BadRequestError)
    expect((noMessages as Error).message).toMatch(/messages: Field required/)
    const noVersion = await fetch(`${standIn.anthropicBaseUrl}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'sk-ant-test' }, body: JSON.stringify(ask('hi')) })
    expect(noVersion.status).toBe(400)
    expect(await noVersion.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' } })
    const noKey = await fetch(`${standIn.anthropicBaseUrl}/v1/messages`, { method: 'POST', headers: { 'anthropic-version': '2023-06-01' }, body: JSON.stringify(ask('hi')) })
    expect(noKey.status).toBe(401)
    expect(await noKey.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } })
  })

  test('slow stream: the first text arrives before the last chunk is sent', async () => {
    const stream = client.messages.stream(ask('slow'))
    const record = () => standIn.requests.at(-1)!
    let firstAt = 0
    let doneAtFirst: boolean | null = null
    stream.on('text', () => {
      if (firstAt) return
      firstAt = Date.now()
      doneAtFirst = record().done
    })
    const message = await stream.finalMessage()
    await standIn.idle()
    expect(message.content[0]).toMatchObject({ text: 'one two three four five' })
    expect(doneAtFirst).toBe(false)
    expect(record().finishedAt! - firstAt).toBeGreaterThanOrEqual(4 * 40 - 15)
  })

  test('aborting mid-stream stops the server and marks the request aborted', async () => {
    const stream = client.messages.stream(ask('slow'))
    stream.on('text', () => stream.abort())
    const error = await stream.finalMessage().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Anthropic.APIUserAbortError)
    const record = last()
    await standIn.idle()
    expect(record).toMatchObject({ script: 'slow', aborted: true, done: true })
    expect(record.chunksSent).toBeLessThan(6) // of 6: the rest was never generated
  })

  test('GET /v1/models answers in Anthropic shape', async () => {
    const page = await client.models.list()
    expect(page.data.map((m) => m.id)).toContain('standin-claude')
    expect(page.data[0]).toMatchObject({ type: 'model', display_name: expect.any(String) })
  })
})
