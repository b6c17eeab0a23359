/**
 * The model providers' contract suite: one set of cases every `ModelProvider` must pass, run against
 * each provider over the real wire to the model stand-in (the scripts of e2e/support/model-standin.ts,
 * whose prompts start with "contract:"). In workerd (edge/model-providers.test.ts: the edge provider
 * through the real edge app, the others over real fetch) and in Chromium
 * (worker/models/providers.browser.test.ts: CORS included).
 */
import { describe, expect, test } from 'vitest'
import { ModelError, type ModelEvent, type ModelPrice, type ModelProvider, type ModelRequest, type ToolSpec } from '../../shared/models'

/** One request as the stand-in logged it (its control endpoint's JSON). */
export interface LoggedRequest {
  seq: number
  api: 'openai' | 'anthropic' | null
  path: string
  aborted: boolean
  done: boolean
  status: number
  chunksSent: number
  headers: Record<string, string>
  body: any
}

/** What the suite needs to know about one provider. */
export interface ProviderTarget {
  /** A provider that is signed in (or needs no sign-in); called afresh for each case. */
  provider(): ModelProvider | Promise<ModelProvider>
  /** A provider whose sign-in is refused (signed out, a wrong key); absent where nothing signs in (a local server). */
  refused?(): ModelProvider | Promise<ModelProvider>
  /** The model to ask for. */
  model: string
  /** The request log of the stand-in behind the provider. */
  log(): Promise<LoggedRequest[]>
  /** The price the provider charges for `model` (credits per million tokens), when it charges. */
  price?: ModelPrice
  /** Micro-credits the ledger has charged the provider's account so far, when there is a ledger. */
  charged?(provider: ModelProvider): Promise<number>
}

/** The stand-in's scripted replies (e2e/support/model-standin.ts). */
const SLOW_TEXT = 'Streamed in pieces, a few letters at a time, until the end.'
const SLOW_USAGE = { inputTokens: 123, outputTokens: 37 }
const MISSING_MODEL = 'contract-missing-model'

const readFile: ToolSpec = {
  name: 'read_file',
  description: 'Reads a file of the workspace',
  inputSchema: { type: 'object', properties: { path: { type: 'string' }, lines: { type: 'array', items: { type: 'integer' } } }, required: ['path'] },
}

interface Timed {
  event: ModelEvent
  at: number
}

/** Every event with the time it arrived; rejects with what the stream threw. */
async function collect(stream: AsyncIterable<ModelEvent>): Promise<Timed[]> {
  const out: Timed[] = []
  for await (const event of stream) out.push({ event, at: performance.now() })
  return out
}

/** What `stream` throws (fails the test when it ends without throwing). */
async function failure(stream: AsyncIterable<ModelEvent>): Promise<ModelError> {
  try {
    await collect(stream)
  } catch (error) {
    expect(error).toBeInstanceOf(ModelError)
    return error as ModelError
  }
  throw new Error('expected the stream to fail')
}

/** The stream's order: text and tool calls, then one usage, then exactly one stop. */
function expectContractOrder(events: ModelEvent[]): void {
  expect(events.filter((e) => e.type === 'stop')).toHaveLength(1)
  expect(events.filter((e) => e.type === 'usage')).toHaveLength(1)
  expect(events.at(-1)!.type).toBe('stop')
  expect(events.at(-2)!.type).toBe('usage')
}

const textOf = (events: ModelEvent[]) => events.map((e) => (e.type === 'text' ? e.text : '')).join('')

/** Registers the contract's cases for one provider. */
export function describeProviderContract(name: string, target: ProviderTarget): void {
  const word = () => crypto.randomUUID().slice(0, 8)
  /** The chat requests whose body holds `nonce`, oldest first. */
  const sent = async (nonce: string) => (await target.log()).filter((r) => r.body && JSON.stringify(r.body).includes(nonce))
  const ask = (text: string, extra: Partial<ModelRequest> = {}): ModelRequest => ({ model: target.model, messages: [{ role: 'user', content: text }], ...extra })

  describe(`${name}: the model provider contract`, () => {
    test('streams text in several pieces as they arrive, then one usage and exactly one stop', async () => {
      const provider = await target.provider()
      const timed = await collect(provider.stream(ask(`contract: stream slowly ${word()}`)))
      const events = timed.map((t) => t.event)
      const texts = timed.filter((t) => t.event.type === 'text')
      expect(textOf(events)).toBe(SLOW_TEXT)
      expect(texts.length).toBeGreaterThanOrEqual(5)
      // Ten pieces 50 ms apart: the first one came long before the end, not all at once.
      expect(timed.at(-1)!.at - texts[0]!.at).toBeGreaterThan(250)
      expectContractOrder(events)
      expect(events.at(-1)).toEqual({ type: 'stop', reason: 'end' })
    })

    test('reports the usage the model reported, and what it cost when the provider charges credits', async () => {
      const provider = await target.provider()
      const events = (await collect(provider.stream(ask(`contract: stream slowly ${word()}`)))).map((t) => t.event)
      const usage = events.find((e) => e.type === 'usage')
      expect(usage).toMatchObject(SLOW_USAGE)
      if (!target.price) {
        expect(usage).not.toHaveProperty('costMicros')
        return
      }
      const cost = Math.ceil(SLOW_USAGE.inputTokens * target.price.input) + Math.ceil(SLOW_USAGE.outputTokens * target.price.output)
      expect(usage).toMatchObject({ costMicros: cost })
      if (target.charged) await expect.poll(() => target.charged!(provider), { timeout: 5000 }).toBe(cost)
    })

    test('a tool call arrives whole, its input parsed, and the stop is tool_use', async () => {
      const provider = await target.provider()
      const events = (await collect(provider.stream(ask(`contract: use a tool ${word()}`, { tools: [readFile] })))).map((t) => t.event)
      expect(textOf(events)).toBe('Reading it.')
      const calls = events.filter((e) => e.type === 'tool_call')
      expect(calls).toHaveLength(1)
      expect(calls[0]).toMatchObject({ call: { id: expect.stringMatching(/\S/), name: 'read_file', input: { path: 'README.md', lines: [1, 20] } } })
      expectContractOrder(events)
      expect(events.at(-1)).toEqual({ type: 'stop', reason: 'tool_use' })
    })

    test('a conversation with a tool result round-trips in the provider’s own wire format', async () => {
      const provider = await target.provider()
      const nonce = word()
      const system = `You are terse. (${nonce})`
      const first = ask(`contract: use a tool ${nonce}`, { system, tools: [readFile], maxTokens: 500 })
      const call = (await collect(provider.stream(first))).map((t) => t.event).find((e) => e.type === 'tool_call')!.call
      const result = '# Hello\nThis is the README.'
      const second: ModelRequest = {
        ...first,
        messages: [...first.messages, { role: 'assistant', content: 'Reading it.', toolCalls: [call] }, { role: 'tool', toolCallId: call.id, name: call.name, content: result }],
      }
      const events = (await collect(provider.stream(second))).map((t) => t.event)
      expect(textOf(events)).toBe('The README says hello.')
      expect(events.at(-1)).toEqual({ type: 'stop', reason: 'end' })

      const { api, body } = (await sent(nonce)).at(-1)!
      expect(body).toMatchObject({ model: target.model, stream: true })
      if (api === 'anthropic') {
        expect(body).toMatchObject({ system, max_tokens: 500, tools: [{ name: 'read_file', input_schema: readFile.inputSchema }] })
        expect(body.messages).toEqual([
          { role: 'user', content: [{ type: 'text', text: `contract: use a tool ${nonce}` }] },
          { role: 'assistant', content: [{ type: 'text', text: 'Reading it.' }, { type: 'tool_use', id: call.id, name: 'read_file', input: call.input }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: result }] },
        ])
      } else {
        expect(body).toMatchObject({ stream_options: { include_usage: true }, tools: [{ type: 'function', function: { name: 'read_file', parameters: readFile.inputSchema } }] })
        expect(body.max_tokens ?? body.max_completion_tokens).toBe(500)
        expect(body.messages).toHaveLength(4)
        expect(body.messages[0]).toEqual({ role: 'system', content: system })
        expect(body.messages[2]).toMatchObject({ role: 'assistant', content: 'Reading it.', tool_calls: [{ id: call.id, type: 'function', function: { name: 'read_file' } }] })
        expect(JSON.parse(body.messages[2].tool_calls[0].function.arguments)).toEqual(call.input)
        expect(body.messages[3]).toEqual({ role: 'tool', tool_call_id: call.id, content: result })
      }
    })

    test('a rate limit is rate_limit, with the seconds to wait', async () => {
      const provider = await target.provider()
      const error = await failure(provider.stream(ask(`contract: rate limit me ${word()}`)))
      expect(error).toMatchObject({ kind: 'rate_limit', status: 429, retryAfter: 7 })
      expect(error.message).toMatch(/Rate limit reached/)
    })

    if (target.refused) {
      test('refused sign-in (signed out, a wrong key) is auth, for calls and for the model list', async () => {
        const provider = await target.refused!()
        const error = await failure(provider.stream(ask(`contract: stream slowly ${word()}`)))
        expect(error).toMatchObject({ kind: 'auth', status: 401 })
        expect(error.message).toContain(provider.label)
        await expect(provider.models()).rejects.toMatchObject({ kind: 'auth' })
      })
    }

    test('an unknown model is not_found', async () => {
      const provider = await target.provider()
      const error = await failure(provider.stream({ ...ask(`contract: stream slowly ${word()}`), model: MISSING_MODEL }))
      expect(error).toMatchObject({ kind: 'not_found', status: 404 })
    })

    test('aborting mid-stream ends with aborted and cancels the HTTP call', async () => {
      const provider = await target.provider()
      const nonce = word()
      const controller = new AbortController()
      const stream = provider.stream(ask(`contract: stream slowly ${nonce}`, { signal: controller.signal }))[Symbol.asyncIterator]()
      expect((await stream.next()).value).toMatchObject({ type: 'text' })
      controller.abort()
      const error = await (async () => {
        while (!(await stream.next()).done);
      })().then(
        () => null,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(ModelError)
      expect(error).toMatchObject({ kind: 'aborted' })
      // The stand-in saw its client go away before the answer was complete.
      await expect.poll(async () => (await sent(nonce)).at(-1)?.aborted, { timeout: 5000 }).toBe(true)
      expect((await sent(nonce)).at(-1)!.chunksSent).toBeLessThan(10)
    })

    test('lists its models', async () => {
      const provider = await target.provider()
      const models = await provider.models()
      expect(models.length).toBeGreaterThan(0)
      for (const m of models) expect(m.provider).toBe(provider.kind)
      if (target.price) expect(models).toContainEqual({ id: target.model, provider: provider.kind, price: target.price })
    })
  })
}
