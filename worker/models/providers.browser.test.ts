/**
 * The tab's model providers in real Chromium: the direct and local providers against the contract
 * suite, calling the model stand-ins on another origin (so CORS is real, as with api.openai.com or
 * Ollama); local-server detection; and the settings store in IndexedDB, from the page and from a
 * Web Worker.
 */
import { afterEach, describe, expect, inject, test } from 'vitest'
import { AppError } from '../../shared/errors'
import type { ModelSettings } from './store'
import { clearModelSettings, createDirectProvider, createLocalProvider, createProvider, detectLocalServers, loadModelSettings, loadProviderConfig, saveModelSettings, DEFAULT_MODEL_SETTINGS } from '.'
import { describeProviderContract, type LoggedRequest } from './provider.case'

declare module 'vitest' {
  // Provided by the globalSetup e2e/support/model-standin.ts.
  export interface ProvidedContext {
    contractModels: { url: string; openaiBaseUrl: string; anthropicBaseUrl: string; key: string; control: string }
    localModels: { url: string; openaiBaseUrl: string; control: string }
  }
}

const contract = inject('contractModels')
const local = inject('localModels')
const logOf = (control: string) => async () => (await (await fetch(control)).json()) as LoggedRequest[]

test('the stand-ins are on another origin than this page, so every call below is a CORS call', () => {
  expect(new URL(contract.url).origin).not.toBe(location.origin)
  expect(new URL(local.url).origin).not.toBe(location.origin)
})

describeProviderContract('direct, OpenAI format, from the page', {
  model: 'gpt-contract',
  provider: () => createDirectProvider({ format: 'openai', baseUrl: contract.openaiBaseUrl, apiKey: contract.key }),
  refused: () => createDirectProvider({ format: 'openai', baseUrl: contract.openaiBaseUrl, apiKey: 'sk-wrong' }),
  log: logOf(contract.control),
})

describeProviderContract('direct, Anthropic format, from the page', {
  model: 'claude-contract',
  provider: () => createDirectProvider({ format: 'anthropic', baseUrl: contract.anthropicBaseUrl, apiKey: contract.key }),
  refused: () => createDirectProvider({ format: 'anthropic', baseUrl: contract.anthropicBaseUrl, apiKey: 'sk-wrong' }),
  log: logOf(contract.control),
})

describeProviderContract('local server, from the page', {
  model: 'llama-contract',
  provider: () => createLocalProvider({ baseUrl: local.openaiBaseUrl }),
  log: logOf(local.control),
})

test('a server that is not running is unreachable, with its address in the message', async () => {
  const provider = createLocalProvider({ baseUrl: 'http://127.0.0.1:9/v1', label: 'Nothing here' })
  await expect(provider.models()).rejects.toMatchObject({ kind: 'unreachable', message: expect.stringMatching(/^Nothing here could not be reached at http:\/\/127\.0\.0\.1:9/) })
})

test('detectLocalServers lists the servers that answer, with their models, and skips the rest', async () => {
  const servers = await detectLocalServers({
    candidates: [
      { name: 'Ollama', baseUrl: local.url },
      { name: 'LM Studio', baseUrl: 'http://127.0.0.1:9/v1' },
    ],
  })
  expect(servers.map((s) => s.name)).toEqual(['Ollama'])
  expect(servers[0]!.models.map((m) => m.id)).toContain('standin-gpt')
  const provider = createProvider(servers[0]!.config)
  expect(provider.label).toBe(`Ollama on ${new URL(local.url).host}`)
})

describe('the model settings store', () => {
  const database = `coder-models-test-${crypto.randomUUID()}`
  afterEach(() => clearModelSettings({ database }))
  const own: ModelSettings = { provider: { kind: 'direct', format: 'anthropic', baseUrl: ' https://api.anthropic.com ', apiKey: ' sk-ant-123 ' }, defaultModel: 'claude-sonnet-4' }

  test('nothing saved yet is the edge with no model; what is saved comes back (trimmed) after a reopen', async () => {
    expect(await loadModelSettings({ database })).toEqual(DEFAULT_MODEL_SETTINGS)
    await saveModelSettings(own, { database })
    expect(await loadModelSettings({ database })).toEqual({ provider: { kind: 'direct', format: 'anthropic', baseUrl: 'https://api.anthropic.com', apiKey: 'sk-ant-123' }, defaultModel: 'claude-sonnet-4' })
    expect(await loadProviderConfig({ database })).toMatchObject({ kind: 'direct', apiKey: 'sk-ant-123' })
    // The key is in IndexedDB only.
    expect(JSON.stringify({ ...(globalThis as unknown as { localStorage: Record<string, string> }).localStorage })).not.toContain('sk-ant-123')
  })

  test('a wrong config is refused with a clear message, and what was saved stays', async () => {
    await saveModelSettings(own, { database })
    const attempts: ModelSettings['provider'][] = [
      { kind: 'direct', format: 'openai', baseUrl: 'api.openai.com', apiKey: 'sk-1' },
      { kind: 'direct', format: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: '  ' },
      { kind: 'local', baseUrl: 'ftp://127.0.0.1' },
    ]
    for (const provider of attempts) {
      const error = await saveModelSettings({ provider, defaultModel: null }, { database }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(AppError)
      expect(error).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/URL|key/) })
    }
    expect((await loadModelSettings({ database })).provider).toMatchObject({ apiKey: 'sk-ant-123' })
  })

  test('a key is never saved to go to the edge: a base URL on Coder’s own origin is refused', async () => {
    const error = await saveModelSettings({ provider: { kind: 'direct', format: 'openai', baseUrl: `${location.origin}/v1`, apiKey: 'sk-mine' }, defaultModel: null }, { database }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/sent to the edge/) })
    expect(await loadModelSettings({ database })).toEqual(DEFAULT_MODEL_SETTINGS)
  })

  test('a Web Worker (where the agent runs) reads what the page saved', async () => {
    await saveModelSettings({ provider: { kind: 'local', baseUrl: 'http://127.0.0.1:11434/v1', label: 'Ollama on 127.0.0.1:11434' }, defaultModel: 'qwen3:8b' }, { database })
    const worker = new Worker(new URL('./__fixtures__/store-worker.ts', import.meta.url), { type: 'module' })
    try {
      const answer = await new Promise<{ ok: boolean; settings?: ModelSettings; error?: string }>((resolve, reject) => {
        worker.addEventListener('message', (e) => resolve(e.data))
        worker.addEventListener('error', (e) => reject(new Error(e.message)))
        worker.postMessage({ database })
      })
      expect(answer).toEqual({ ok: true, settings: { provider: { kind: 'local', baseUrl: 'http://127.0.0.1:11434/v1', label: 'Ollama on 127.0.0.1:11434' }, defaultModel: 'qwen3:8b' } })
    } finally {
      worker.terminate()
    }
  })
})
