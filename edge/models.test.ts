import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { beforeEach, describe, expect, inject, it } from 'vitest'
import type { Env } from './env'
import { applyLedgerEntry, balanceOf } from './ledger'
import { browser, origin, resetAccounts, signInByEmail } from './test/browser'

declare module 'vitest' {
  // Provided by the globalSetup e2e/support/model-standin.ts.
  export interface ProvidedContext {
    models: { url: string; openaiBaseUrl: string; anthropicBaseUrl: string; key: string; control: string }
  }
}

// The scripted model stand-in (standins/models) is a real HTTP server on 127.0.0.1; the edge under
// test runs in workerd; the clients are the official SDKs, pointed at the edge.
const models = inject('models')
const config: Partial<Env> = {
  MODEL_UPSTREAMS: JSON.stringify([
    { name: 'openai-standin', format: 'openai', baseUrl: models.openaiBaseUrl, models: ['gpt-*'] },
    { name: 'anthropic-standin', format: 'anthropic', baseUrl: models.anthropicBaseUrl, models: ['claude-*'] },
  ]),
  // Credits per million tokens.
  MODEL_PRICES: JSON.stringify({ 'gpt-*': { input: 1, output: 2 }, 'claude-*': { input: 3, output: 15 } }),
  MODEL_KEYS: JSON.stringify({ 'openai-standin': models.key, 'anthropic-standin': models.key }),
}

beforeEach(resetAccounts)

/** A signed-in user with `credits`, and the two SDKs talking to the edge as that user's tab would. */
async function client(credits: number, overrides: Partial<Env> = {}) {
  const b = browser({ ...config, ...overrides })
  await signInByEmail(b, `user-${crypto.randomUUID()}@example.com`)
  const me = ((await (await b.request('/api/auth/me')).json()) as { user: { id: string } }).user
  const start = (await balanceOf(b.bindings, me.id)).availableMicros
  if (credits) await applyLedgerEntry(b.bindings, me.id, { kind: 'grant', amountMicros: credits * 1e6, ref: `test-grant:${me.id}` })
  const viaEdge: typeof fetch = (input, init) => b.request(String(input instanceof Request ? input.url : input), { ...init, headers: new Headers(init?.headers) } as RequestInit)
  return {
    userId: me.id,
    bindings: b.bindings,
    spent: async () => (await balanceOf(b.bindings, me.id)).spentMicros,
    available: async () => (await balanceOf(b.bindings, me.id)).availableMicros - start,
    held: async () => (await balanceOf(b.bindings, me.id)).heldMicros,
    openai: new OpenAI({ baseURL: `${origin}/v1`, apiKey: 'unused-the-session-signs-in', fetch: viaEdge, maxRetries: 0 }),
    anthropic: new Anthropic({ baseURL: origin, apiKey: 'unused-the-session-signs-in', fetch: viaEdge, maxRetries: 0 }),
  }
}

const upstreamLog = async () => (await (await fetch(models.control)).json()) as Array<{ seq: number; aborted: boolean; done: boolean; chunksSent: number; authorization: string | null; content: string }>

/** Waits until the ledger has settled a call (capture and release run after the response). */
async function settled(c: Awaited<ReturnType<typeof client>>) {
  for (let i = 0; i < 100 && (await c.held()) > 0; i++) await new Promise((r) => setTimeout(r, 20))
  expect(await c.held()).toBe(0)
}

describe('the model proxy', () => {
  it('answers OpenAI chat completions and charges exactly the usage the upstream reports', async () => {
    const c = await client(1)
    const reply = await c.openai.chat.completions.create({ model: 'gpt-standin', messages: [{ role: 'user', content: 'hello there' }] })
    expect(reply.choices[0]!.message.content).toBe('Hello from the stand-in.')
    await settled(c)
    // 12 tokens in at 1 credit per million, 6 out at 2.
    expect(await c.spent()).toBe(12 * 1 + 6 * 2)
    expect(await c.available()).toBe(1e6 - 24)
    // The upstream saw the edge's key, never the tab's.
    const last = (await upstreamLog()).at(-1)!
    expect(last.authorization).toBe(`Bearer ${models.key}`)
  })

  it('streams OpenAI chunks as they arrive, asks the upstream for usage, and charges it', async () => {
    const c = await client(1)
    const t0 = Date.now()
    const stream = await c.openai.chat.completions.create({ model: 'gpt-standin', stream: true, messages: [{ role: 'user', content: 'say it slowly' }] })
    let first = 0
    let text = ''
    let usage: OpenAI.CompletionUsage | null | undefined
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta?.content && !first) first = Date.now() - t0
      text += chunk.choices[0]?.delta?.content ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    const total = Date.now() - t0
    expect(text).toBe('one two three four five six seven eight')
    // The first token came long before the upstream finished (10 chunks 150 ms apart).
    expect(first).toBeLessThan(total - 600)
    expect(usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 2000 })
    await settled(c)
    expect(await c.spent()).toBe(1000 * 1 + 2000 * 2)
  })

  it('streams Anthropic messages (tool use included) through the official SDK and charges their usage', async () => {
    const c = await client(1)
    const message = await c.anthropic.messages
      .stream({ model: 'claude-standin', max_tokens: 1024, tools: [{ name: 'read_file', description: 'Reads a file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }], messages: [{ role: 'user', content: 'please read the readme' }] })
      .finalMessage()
    expect(message.stop_reason).toBe('tool_use')
    expect(message.content).toContainEqual(expect.objectContaining({ type: 'tool_use', name: 'read_file', input: { path: 'README.md' } }))
    await settled(c)
    expect(await c.spent()).toBe(300 * 3 + 20 * 15)
  })

  it('cancels the upstream call when the client goes away mid-stream, and charges only what was streamed', async () => {
    const c = await client(1)
    // A browser tab that closes while the answer streams: its reading stops, the body is cancelled.
    const res = await c.openai.chat.completions
      .create({ model: 'gpt-standin', stream: true, messages: [{ role: 'user', content: 'tell it at length' }] })
      .asResponse()
    const reader = res.body!.getReader()
    for (let i = 0; i < 5; i++) await reader.read()
    await reader.cancel()
    await settled(c)
    await expect.poll(async () => (await upstreamLog()).at(-1)!.aborted, { timeout: 5000 }).toBe(true)
    const spent = await c.spent()
    // Less than the 400 output tokens the whole answer would have cost, more than nothing.
    expect(spent).toBeGreaterThan(0)
    expect(spent).toBeLessThan(100 * 1 + 400 * 2)
  })

  it('refuses a call the credits cannot cover, in the SDK’s error shape, before calling the upstream', async () => {
    const c = await client(0, { })
    const before = (await upstreamLog()).length
    const error = await c.openai.chat.completions.create({ model: 'gpt-standin', max_tokens: 1_000_000_000, messages: [{ role: 'user', content: 'hello' }] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(402)
    expect((error as Error).message).toMatch(/Not enough credits/)
    expect((await upstreamLog()).length).toBe(before)
    expect(await c.spent()).toBe(0)
  })

  it('passes upstream errors on in the shape the SDKs understand, and charges nothing for them', async () => {
    const c = await client(1)
    const error = await c.openai.chat.completions.create({ model: 'gpt-standin', messages: [{ role: 'user', content: 'rate limit me' }] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('7')
    const aError = await c.anthropic.messages.create({ model: 'claude-standin', max_tokens: 10, messages: [{ role: 'user', content: 'rate limit me' }] }).catch((e: unknown) => e)
    expect(aError).toBeInstanceOf(Anthropic.RateLimitError)
    await settled(c)
    expect(await c.spent()).toBe(0)
    expect(await c.available()).toBe(1e6)
  })

  it('answers bad requests, unknown models and signed-out callers with clear errors', async () => {
    const c = await client(1)
    const unknown = await c.openai.chat.completions.create({ model: 'mystery-model', messages: [{ role: 'user', content: 'hello' }] }).catch((e: unknown) => e)
    expect((unknown as InstanceType<typeof OpenAI.APIError>).status).toBe(404)
    const unpriced = await (await client(1, { MODEL_PRICES: '{}' })).openai.chat.completions.create({ model: 'gpt-standin', messages: [{ role: 'user', content: 'hello' }] }).catch((e: unknown) => e)
    expect((unpriced as Error).message).toMatch(/no price/)
    const anonymous = new OpenAI({ baseURL: `${origin}/v1`, apiKey: 'x', maxRetries: 0, fetch: (input, init) => browser(config).request(String(input), init as RequestInit) })
    const signedOut = await anonymous.chat.completions.create({ model: 'gpt-standin', messages: [{ role: 'user', content: 'hello' }] }).catch((e: unknown) => e)
    expect(signedOut).toBeInstanceOf(OpenAI.AuthenticationError)
    const b = browser(config)
    const malformed = await b.request('/v1/chat/completions', { method: 'POST', body: '{"model":', headers: { 'content-type': 'application/json' } })
    expect(malformed.status).toBe(401)
  })
})

