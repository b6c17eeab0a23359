import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startModelStandIn, type ModelStandIn, type Script } from './index.ts'

const story = 'The quick brown fox jumps over the lazy dog, twice.'
const scripts: Script[] = [
  { name: 'weather tool', match: { tools: true, contains: 'weather' }, reply: { text: 'Checking.', toolCalls: [{ name: 'get_weather', arguments: { city: 'Zürich', days: 3, units: { temp: 'C' } } }, { name: 'get_time', arguments: { tz: 'Europe/Zurich' } }], chunkSize: 5 } },
  { name: 'rate', match: { contains: 'rate limit' }, reply: { error: { status: 429, retryAfter: 7 } } },
  { name: 'missing model', match: { model: 'no-such-model' }, reply: { error: { status: 404, message: 'The model `no-such-model` does not exist' } } },
  { name: 'broken', match: { contains: 'break' }, reply: { text: 'abcdefghijkl', chunkSize: 2, error: { status: 500, message: 'boom', afterChunks: 2 } } },
  { name: 'slow', match: { contains: 'slow' }, reply: { text: 'one two three four five', chunkSize: 4, delayMs: 40 } },
  { name: 'second turn', match: { turn: 1 }, reply: { text: 'Second turn.', usage: { input: 100, output: 3 } } },
  { name: 'story', match: { contains: 'story' }, reply: { text: story, chunkSize: 3, usage: { input: 12, output: 34 } } },
]

let standIn: ModelStandIn
let client: OpenAI
const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }]

beforeAll(async () => {
  standIn = await startModelStandIn({ scripts, keys: ['sk-test'], now: () => Date.UTC(2026, 0, 1) })
  client = new OpenAI({ baseURL: standIn.openaiBaseUrl, apiKey: 'sk-test', maxRetries: 0 })
})
afterAll(() => standIn.close())

const last = () => standIn.requests.at(-1)!

describe('OpenAI Chat Completions through the official SDK', () => {
  test('non-streaming text with usage', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'tell a story' }] })
    expect(completion.object).toBe('chat.completion')
    expect(completion.created).toBe(Date.UTC(2026, 0, 1) / 1000)
    expect(completion.model).toBe('gpt-x')
    expect(completion.choices[0].message).toMatchObject({ role: 'assistant', content: story })
    expect(completion.choices[0].finish_reason).toBe('stop')
    expect(completion.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 34, total_tokens: 46 })
    expect(last()).toMatchObject({ api: 'openai', script: 'story', status: 200, stream: false, aborted: false })
    expect(last().body).toMatchObject({ model: 'gpt-x' })
  })

  test('streaming text: deltas concatenate to the text, usage only when asked for', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'a story' }], stream: true })
    let text = ''
    let chunks = 0
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk')
      expect(chunk.usage ?? undefined).toBeUndefined()
      text += chunk.choices[0]?.delta.content ?? ''
      chunks++
    }
    expect(text).toBe(story)
    expect(chunks).toBeGreaterThan(story.length / 3)

    const withUsage = await client.chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'a story' }], stream: true, stream_options: { include_usage: true } })
    const all = []
    for await (const chunk of withUsage) all.push(chunk)
    const final = all.at(-1)!
    expect(final.choices).toEqual([])
    expect(final.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 34, total_tokens: 46 })
    expect(all.at(-2)!.choices[0].finish_reason).toBe('stop')
  })

  test('usage is computed when the script gives none', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'hi' }] })
    expect(completion.choices[0].message.content).toMatch(/model stand-in/)
    expect(completion.usage!.completion_tokens).toBe(Math.ceil(completion.choices[0].message.content!.length / 4))
    expect(completion.usage!.prompt_tokens).toBeGreaterThan(0)
    expect(last().script).toBe('default')
  })

  test('tool calls, non-streaming', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'weather in Zürich?' }], tools })
    const choice = completion.choices[0]
    expect(choice.finish_reason).toBe('tool_calls')
    expect(choice.message.content).toBe('Checking.')
    const calls = choice.message.tool_calls!.map((c) => (c.type === 'function' ? [c.function.name, JSON.parse(c.function.arguments)] : null))
    expect(calls).toEqual([
      ['get_weather', { city: 'Zürich', days: 3, units: { temp: 'C' } }],
      ['get_time', { tz: 'Europe/Zurich' }],
    ])
    expect(new Set(choice.message.tool_calls!.map((c) => c.id)).size).toBe(2)
  })

  test('tool calls, streaming: the SDK accumulates arguments that parse to the scripted JSON', async () => {
    const stream = client.chat.completions.stream({ model: 'gpt-x', messages: [{ role: 'user', content: 'weather?' }], tools })
    const final = await stream.finalChatCompletion()
    const message = final.choices[0].message
    expect(final.choices[0].finish_reason).toBe('tool_calls')
    expect(message.content).toBe('Checking.')
    expect(message.tool_calls!.map((c) => (c.type === 'function' ? [c.function.name, JSON.parse(c.function.arguments)] : null))).toEqual([
      ['get_weather', { city: 'Zürich', days: 3, units: { temp: 'C' } }],
      ['get_time', { tz: 'Europe/Zurich' }],
    ])
    // Arguments really came in pieces.
    expect(last().chunksSent).toBeGreaterThan(6)
  })

  test('the conversation turn picks the script', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-x',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
        { role: 'user', content: 'again' },
      ],
    })
    expect(completion.choices[0].message.content).toBe('Second turn.')
    expect(completion.usage!.prompt_tokens).toBe(100)
  })

  test('errors map to the SDK error classes', async () => {
    const rate = await client.chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'rate limit please' }] }).catch((e: unknown) => e)
    expect(rate).toBeInstanceOf(OpenAI.RateLimitError)
    expect((rate as InstanceType<typeof OpenAI.RateLimitError>).status).toBe(429)
    expect((rate as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('7')
    expect((rate as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('rate_limit_exceeded')

    const notFound = await client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError)
    expect((notFound as Error).message).toMatch(/does not exist/)

    const badKey = new OpenAI({ baseURL: standIn.openaiBaseUrl, apiKey: 'sk-wrong', maxRetries: 0 })
    const auth = await badKey.chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)
    expect(auth).toBeInstanceOf(OpenAI.AuthenticationError)
    expect((auth as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key')
    await expect(badKey.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError)
  })

  test('a mid-stream error arrives after the first chunks', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'break it' }], stream: true })
    let text = ''
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    })().catch((e: unknown) => e)
    expect(text).toBe('abcd')
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect((error as Error).message).toMatch(/boom/)
  })

  test('a malformed request gets a 400 in OpenAI shape', async () => {
    const noModel = await fetch(`${standIn.openaiBaseUrl}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' }, body: JSON.stringify({ messages: [] }) })
    expect(noModel.status).toBe(400)
    expect(await noModel.json()).toEqual({ error: { message: 'you must provide a model parameter', type: 'invalid_request_error', param: null, code: null } })
    const noMessages = await client.chat.completions.create({ model: 'gpt-x' } as never).catch((e: unknown) => e)
    expect(noMessages).toBeInstanceOf(OpenAI.BadRequestError)
    expect((noMessages as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('messages')
  })

  test('slow stream: the first chunk arrives before the last is sent', async () => {
    const realClock = await startModelStandIn({ scripts })
    try {
      const slowClient = new OpenAI({ baseURL: realClock.openaiBaseUrl, apiKey: 'k', maxRetries: 0 })
      const stream = await slowClient.chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'slow please' }], stream: true })
      let firstAt = 0
      let text = ''
      for await (const chunk of stream) {
        const piece = chunk.choices[0]?.delta.content
        if (piece && !firstAt) {
          firstAt = Date.now()
          expect(realClock.requests[0].done).toBe(false)
        }
        text += piece ?? ''
      }
      await realClock.idle()
      expect(text).toBe('one two three four five')
      expect(realClock.requests[0].finishedAt! - firstAt).toBeGreaterThanOrEqual(4 * 40 - 15)
    } finally {
      await realClock.close()
    }
  })

  test('aborting mid-stream stops the server and marks the request aborted', async () => {
    const controller = new AbortController()
    const stream = await client.chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'slow' }], stream: true }, { signal: controller.signal })
    const record = last()
    let text = ''
    // The SDK ends the iteration quietly on the caller's own abort.
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      if (text) controller.abort()
    }
    expect(text).toBe('one ')
    await standIn.idle()
    expect(record.aborted).toBe(true)
    expect(record.done).toBe(true)
    expect(record.chunksSent).toBeLessThan(6) // of 6: the rest was never generated
  })

  test('a completed stream is not marked aborted', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-x', messages: [{ role: 'user', content: 'story' }], stream: true })
    for await (const _ of stream) void _
    await standIn.idle()
    expect(last()).toMatchObject({ aborted: false, done: true, stream: true })
  })

  test('GET /v1/models lists the models', async () => {
    const ids = []
    for await (const model of client.models.list()) ids.push(model.id)
    expect(ids).toContain('no-such-model')
    expect(ids).toContain('standin-gpt')
  })
})
