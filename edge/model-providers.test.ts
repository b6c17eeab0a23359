/**
 * The tab's model providers (worker/models) against the providers' contract suite, in workerd: the
 * edge provider through the real edge app (session cookie, proxy, ledger) to the model stand-in,
 * the direct and local providers straight to stand-ins over real fetch.
 */
import { describe, expect, inject, test } from 'vitest'
import type { Env } from './env'
import { applyLedgerEntry, balanceOf } from './ledger'
import { browser, origin, signInByEmail, type TestBrowser } from './test/browser'
import { createDirectProvider, createEdgeProvider, createLocalProvider, detectLocalServers, type Fetch } from '../worker/models'
import { describeProviderContract, type LoggedRequest } from '../worker/models/provider.case'
import type { ModelProvider } from '../shared/models'

declare module 'vitest' {
  // Provided by the globalSetup e2e/support/model-standin.ts.
  export interface ProvidedContext {
    contractModels: { url: string; openaiBaseUrl: string; anthropicBaseUrl: string; key: string; control: string }
    localModels: { url: string; openaiBaseUrl: string; control: string }
  }
}

const contract = inject('contractModels')
const local = inject('localModels')
const price = { input: 0.15, output: 0.6 }
const config: Partial<Env> = {
  MODEL_UPSTREAMS: JSON.stringify([{ name: 'contract-standin', format: 'openai', baseUrl: contract.openaiBaseUrl, models: ['gpt-*'] }]),
  MODEL_PRICES: JSON.stringify({ 'gpt-contract': price }),
  MODEL_KEYS: JSON.stringify({ 'contract-standin': contract.key }),
}
const logOf = (control: string) => async () => (await (await fetch(control)).json()) as LoggedRequest[]

/** The tab's fetch, as the edge app sees it: the test browser keeps the session cookie (what `credentials: 'include'` asks a browser to do). */
const through = (b: TestBrowser): Fetch => (url, init) => {
  // workerd's RequestInit has no `credentials`: a browser's fetch has.
  const { credentials, ...rest } = init as RequestInit & { credentials?: string }
  expect(credentials).toBe('include')
  return b.request(url, rest)
}

const users = new WeakMap<ModelProvider, { bindings: Env; id: string }>()

describeProviderContract('edge', {
  model: 'gpt-contract',
  price,
  async provider() {
    const b = browser(config)
    await signInByEmail(b, `user-${crypto.randomUUID()}@example.com`)
    const me = ((await (await b.request('/api/auth/me')).json()) as { user: { id: string } }).user
    await applyLedgerEntry(b.bindings, me.id, { kind: 'grant', amountMicros: 1e6, ref: `test-grant:${me.id}` })
    const provider = createEdgeProvider({ origin, fetch: through(b) })
    users.set(provider, { bindings: b.bindings, id: me.id })
    return provider
  },
  refused: () => createEdgeProvider({ origin, fetch: through(browser(config)) }),
  log: logOf(contract.control),
  async charged(provider) {
    const user = users.get(provider)!
    return (await balanceOf(user.bindings, user.id)).spentMicros
  },
})

describeProviderContract('direct, OpenAI format', {
  model: 'gpt-contract',
  provider: () => createDirectProvider({ format: 'openai', baseUrl: contract.openaiBaseUrl, apiKey: contract.key }),
  refused: () => createDirectProvider({ format: 'openai', baseUrl: contract.openaiBaseUrl, apiKey: 'sk-wrong' }),
  log: logOf(contract.control),
})

describeProviderContract('direct, Anthropic format', {
  model: 'claude-contract',
  provider: () => createDirectProvider({ format: 'anthropic', baseUrl: contract.anthropicBaseUrl, apiKey: contract.key }),
  refused: () => createDirectProvider({ format: 'anthropic', baseUrl: contract.anthropicBaseUrl, apiKey: 'sk-wrong' }),
  log: logOf(contract.control),
})

describeProviderContract('local server', {
  model: 'llama-contract',
  provider: () => createLocalProvider({ baseUrl: local.openaiBaseUrl }),
  log: logOf(local.control),
})

describe('the edge provider', () => {
  test('sends the run’s project, id and budget to the edge, and never a key', async () => {
    const b = browser(config)
    await signInByEmail(b, `user-${crypto.randomUUID()}@example.com`)
    const seen: Headers[] = []
    const provider = createEdgeProvider({ origin, fetch: (url, init) => (seen.push(new Headers(init.headers)), through(b)(url, init)) })
    const nonce = crypto.randomUUID()
    const events = []
    for await (const e of provider.stream({ model: 'gpt-contract', messages: [{ role: 'user', content: `contract: stream slowly ${nonce}` }], meta: { project: 'p1', runId: 'run-7', runBudgetMicros: 250000 } })) events.push(e)
    expect(events.at(-1)).toEqual({ type: 'stop', reason: 'end' })
    const call = seen.find((h) => h.get('coder-run'))!
    expect(Object.fromEntries(['coder-project', 'coder-run', 'coder-run-budget'].map((n) => [n, call.get(n)]))).toEqual({ 'coder-project': 'p1', 'coder-run': 'run-7', 'coder-run-budget': '250000' })
    expect(call.get('authorization')).toBeNull()
    // The upstream got the edge's key.
    const upstream = (await logOf(contract.control)()).find((r) => JSON.stringify(r.body).includes(nonce))!
    expect(upstream.headers.authorization).toBe(`Bearer ${contract.key}`)
  })

  test('not enough credits is credits, before anything reaches the upstream', async () => {
    const b = browser({ ...config, STARTER_CREDITS: '0' })
    await signInByEmail(b, `user-${crypto.randomUUID()}@example.com`)
    const provider = createEdgeProvider({ origin, fetch: through(b) })
    const nonce = crypto.randomUUID()
    const error = await (async () => {
      for await (const _ of provider.stream({ model: 'gpt-contract', maxTokens: 1000, messages: [{ role: 'user', content: `contract: stream slowly ${nonce}` }] }));
    })().catch((e: unknown) => e)
    expect(error).toMatchObject({ kind: 'credits', status: 402, message: expect.stringMatching(/Not enough credits/) })
    expect((await logOf(contract.control)()).some((r) => JSON.stringify(r.body).includes(nonce))).toBe(false)
  })
})

test('detectLocalServers finds the server that answers and leaves out the ones that do not', async () => {
  const servers = await detectLocalServers({
    candidates: [
      { name: 'Nothing here', baseUrl: 'http://127.0.0.1:9/v1' },
      { name: 'Ollama', baseUrl: local.url },
    ],
  })
  expect(servers).toHaveLength(1)
  expect(servers[0]).toMatchObject({ name: 'Ollama', baseUrl: local.openaiBaseUrl, config: { kind: 'local', baseUrl: local.openaiBaseUrl } })
  expect(servers[0]!.models.map((m) => m.id)).toContain('standin-gpt')
})
