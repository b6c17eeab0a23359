import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { beforeEach, describe, expect, inject, it } from 'vitest'
import type { Env } from './env'
import { applyLedgerEntry, auditLedger, balanceOf } from './ledger'
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
    browser: b,
    setCaps: async (caps: { dailyMicros: number | null; projects: Record<string, number> }) => expect((await b.json('/api/credits/caps', 'PUT', caps)).status).toBe(200),
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
    expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get('coder-refusal')).toBe('credits')
    expect((await upstreamLog()).length).toBe(before)
    expect(await c.spent()).toBe(0)
  })

  it('refuses a call past the daily spending cap with a 402 the SDKs surface, naming the cap, before calling the upstream', async () => {
    // Dearer prices, so a call costs a visible part of a credit: "hello there" (12 in, 6 out) costs 0.024.
    const c = await client(1, { MODEL_PRICES: JSON.stringify({ 'gpt-*': { input: 1000, output: 2000 }, 'claude-*': { input: 1000, output: 2000 } }) })
    await c.setCaps({ dailyMicros: 50_000, projects: {} })
    const ask = (content: string, project?: string) => c.openai.chat.completions.create({ model: 'gpt-standin', max_tokens: 10, messages: [{ role: 'user', content }] }, project ? { headers: { 'coder-project': project } } : {})
    expect((await ask('hello there')).choices[0]!.message.content).toBe('Hello from the stand-in.')
    await settled(c)
    const before = (await upstreamLog()).length
    const error = await ask('hello again').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.APIError)
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(402)
    expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get('coder-refusal')).toBe('cap')
    // 0.024 spent; the call's worst case: 11 prompt tokens (and 1 for the absent system prompt) at 1,000, 10 completion tokens at 2,000.
    expect((error as Error).message).toBe("402 Today's spending cap of 0.05 credits is reached: 0.0240 spent or held, this call may cost up to 0.0320. Raise the cap on the Credits page, or wait until 00:00 UTC.")
    const aError = await c.anthropic.messages.create({ model: 'claude-standin', max_tokens: 10, messages: [{ role: 'user', content: 'hello again' }] }).catch((e: unknown) => e)
    expect(aError).toBeInstanceOf(Anthropic.APIError)
    expect((aError as InstanceType<typeof Anthropic.APIError>).status).toBe(402)
    expect((aError as InstanceType<typeof Anthropic.APIError>).headers?.get('coder-refusal')).toBe('cap')
    expect((aError as Error).message).toMatch(/Today's spending cap of 0\.05 credits is reached/)
    // Refused before the upstream was called: this isolate had heard there was no room for them.
    expect((await upstreamLog()).length).toBe(before)
    // A project's cap applies to the calls that name the project.
    await c.setCaps({ dailyMicros: null, projects: { 'demo-project': 20_000 } })
    const projectError = await ask('hello project', 'demo-project').catch((e: unknown) => e)
    expect((projectError as Error).message).toBe('402 The daily spending cap of 0.02 credits for the project "demo-project" is reached: 0.0000 spent or held today, this call may cost up to 0.0320. Raise the project\'s cap on the Credits page, or wait until 00:00 UTC.')
    expect((await ask('hello elsewhere', 'other')).choices[0]!.message.content).toBe('Hello from the stand-in.')
    await settled(c)
    expect(await c.spent()).toBe(2 * 24_000)
  })

  it("holds a run to the budget its calls carry, and says so when it is used up", async () => {
    // Dearer prices, so a call costs a visible part of a credit: "hello there" (12 in, 6 out) costs 0.024.
    const c = await client(1, { MODEL_PRICES: JSON.stringify({ 'gpt-*': { input: 1000, output: 2000 } }) })
    const run = (runId: string, budget: string) => ({ headers: { 'coder-run': runId, 'coder-run-budget': budget } })
    const ask = (runId: string, budget = '50000') => c.openai.chat.completions.create({ model: 'gpt-standin', max_tokens: 10, messages: [{ role: 'user', content: 'hello there' }] }, run(runId, budget))
    expect((await ask('run-1')).choices[0]!.message.content).toBe('Hello from the stand-in.')
    await settled(c)
    // Spent 0.024; the next call may cost up to 0.032 (12 prompt tokens at 1,000, 10 completion tokens at 2,000): past the 0.05 budget.
    const error = await ask('run-1').catch((e: unknown) => e)
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(402)
    expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get('coder-refusal')).toBe('cap')
    expect((error as Error).message).toBe("402 This run's budget of 0.05 credits is used up: 0.0240 spent or held, this call may cost up to 0.0320. Give the run a larger budget, or lower max_tokens.")
    // Another run, and the same run with a larger budget, go on.
    await ask('run-2')
    await ask('run-1', '100000')
    await settled(c)
    expect(await c.spent()).toBe(3 * 24_000)
    const usage = (await (await c.browser.request('/api/credits/usage')).json()) as { byRun: Array<{ runId: string; spentMicros: number }> }
    expect(usage.byRun).toEqual([{ runId: 'run-1', spentMicros: 48_000 }, { runId: 'run-2', spentMicros: 24_000 }])
    // A budget must be a whole number of micro-credits, and belongs to a run.
    const bad = await ask('run-3', '0.05').catch((e: unknown) => e)
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError)
    expect((bad as Error).message).toMatch(/coder-run-budget must be a whole number of micro-credits/)
    const orphan = await c.openai.chat.completions.create({ model: 'gpt-standin', messages: [{ role: 'user', content: 'hello' }] }, { headers: { 'coder-run-budget': '100' } }).catch((e: unknown) => e)
    expect((orphan as Error).message).toMatch(/coder-run-budget needs coder-run/)
  })

  it('opens the upstream call while the hold is placed, and when the hold is refused after all, aborts it and charges nothing', async () => {
    const c = await client(1)
    // The first call waits for its hold; its answer tells this isolate there is room, so later calls do not wait.
    await c.openai.chat.completions.create({ model: 'gpt-standin', max_tokens: 100, messages: [{ role: 'user', content: 'hello there' }] })
    await settled(c)
    // A cap set since (from another tab, say): the next call starts upstream, then its hold is refused.
    await c.setCaps({ dailyMicros: 100, projects: {} })
    const tag = crypto.randomUUID()
    const error = await c.openai.chat.completions.create({ model: 'gpt-standin', stream: true, max_tokens: 100, messages: [{ role: 'user', content: `tell it slowly ${tag}` }] }).catch((e: unknown) => e)
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(402)
    expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get('coder-refusal')).toBe('cap')
    // The upstream call was under way, and was aborted (its stream would have taken 10 chunks, 150 ms apart).
    await expect.poll(async () => (await upstreamLog()).find((r) => r.content.includes(tag)), { timeout: 5000 }).toMatchObject({ aborted: true })
    expect(await c.held()).toBe(0)
    expect(await c.spent()).toBe(24)
    const audit = await auditLedger(c.bindings, c.userId)
    expect(audit).toMatchObject({ unbalancedTransactions: [], driftingAccounts: [] })
  })

  it('forgets a session at once when it signs out, though model calls believe a live session for a few seconds', async () => {
    const email = `user-${crypto.randomUUID()}@example.com`
    const laptop = browser(config)
    await signInByEmail(laptop, email)
    const phone = browser(config)
    await signInByEmail(phone, email)
    const me = ((await (await laptop.request('/api/auth/me')).json()) as { user: { id: string } }).user
    await applyLedgerEntry(laptop.bindings, me.id, { kind: 'grant', amountMicros: 1e6, ref: `test-grant:${me.id}` })
    const call = (b: ReturnType<typeof browser>) => b.json('/v1/chat/completions', 'POST', { model: 'gpt-standin', messages: [{ role: 'user', content: 'hello there' }] })
    expect((await call(phone)).status).toBe(200)
    const stolen = phone.jar.get('coder_session')!
    // Signing out everywhere from the laptop ends the phone's session too, at once, not a few seconds later.
    expect((await laptop.json('/api/auth/signout-everywhere', 'POST', {})).status).toBe(200)
    expect((await call(phone)).status).toBe(401)
    // And a signed-out cookie replayed is refused too.
    const again = browser(config)
    await signInByEmail(again, email)
    expect((await call(again)).status).toBe(200)
    const cookie = again.jar.get('coder_session')!
    expect((await again.json('/api/auth/signout', 'POST', {})).status).toBe(200)
    again.jar.set('coder_session', cookie)
    expect((await call(again)).status).toBe(401)
    expect(stolen).not.toBe(cookie)
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

  it('relays unmetered only for the proxy-ttft benchmark, when PROXY_BENCH is on', async () => {
    const request = { model: 'gpt-standin', messages: [{ role: 'user', content: 'hello there' }] }
    expect((await browser(config).json('/v1/bench/passthrough', 'POST', request)).status).toBe(404)
    const open = await browser({ ...config, PROXY_BENCH: 'on' }).json('/v1/bench/passthrough', 'POST', request)
    expect(open.status).toBe(200)
    expect(((await open.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe('Hello from the stand-in.')
  })
})
