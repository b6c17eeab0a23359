import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startModelStandIn, type ModelStandIn } from './index.ts'

const exampleDir = fileURLToPath(new URL('./scripts', import.meta.url))

describe('the example scripts', () => {
  let standIn: ModelStandIn
  beforeAll(async () => {
    standIn = await startModelStandIn({ scriptDir: exampleDir })
  })
  afterAll(() => standIn.close())

  test('drive a two-turn tool conversation on OpenAI', async () => {
    const client = new OpenAI({ baseURL: standIn.openaiBaseUrl, apiKey: 'any', maxRetries: 0 })
    const tools = [{ type: 'function' as const, function: { name: 'read_file', parameters: { type: 'object', properties: { path: { type: 'string' } } } } }]
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What does the README say?' }]
    const first = await client.chat.completions.create({ model: 'gpt-x', messages, tools })
    const call = first.choices[0].message.tool_calls![0]
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ path: 'README.md' })
    messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: '# hello' })
    const second = await client.chat.completions.create({ model: 'gpt-x', messages, tools })
    expect(second.choices[0].message.content).toBe('The README says hello. Anything else?')
    expect(standIn.requests.map((r) => r.script)).toEqual(['read a file, then answer', 'answer after the tool result'])
  })

  test('drive the same conversation on Anthropic (tool results are not the user’s text), and the default reply answers anything else', async () => {
    const client = new Anthropic({ baseURL: standIn.anthropicBaseUrl, apiKey: 'any', maxRetries: 0 })
    const tools = [{ name: 'read_file', input_schema: { type: 'object' as const, properties: {} } }]
    const first = await client.messages.create({ model: 'claude-x', max_tokens: 100, tools, messages: [{ role: 'user', content: 'Summarise the README' }] })
    const use = first.content.find((b) => b.type === 'tool_use')!
    expect(use).toMatchObject({ name: 'read_file', input: { path: 'README.md' } })
    const second = await client.messages.create({
      model: 'claude-x',
      max_tokens: 100,
      tools,
      messages: [
        { role: 'user', content: 'Summarise the README' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.type === 'tool_use' ? use.id : '', content: '# hello' }] },
      ],
    })
    expect(second.content).toEqual([{ type: 'text', text: 'The README says hello. Anything else?' }])
    const other = await client.messages.create({ model: 'claude-x', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
    expect(other.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/model stand-in/) })
    expect(standIn.requests.at(-1)!.script).toBe('default')
  })

  test('the page lists recent requests and is not logged itself', async () => {
    const before = standIn.requests.length
    const res = await fetch(`${standIn.url}/`)
    const html = await res.text()
    expect(res.status).toBe(200)
    expect(html).toContain('Model stand-in (local, for development and tests)')
    expect(html).toContain('POST /v1/messages')
    expect(html).toContain('read a file, then answer')
    expect(standIn.requests.length).toBe(before)
  })
})

describe('keys and bad input', () => {
  test('configured keys only; the empty key is refused in each API’s shape', async () => {
    const standIn = await startModelStandIn({ keys: ['good'] })
    try {
      const noKey = await fetch(`${standIn.openaiBaseUrl}/chat/completions`, { method: 'POST', body: '{}' })
      expect(noKey.status).toBe(401)
      expect(await noKey.json()).toMatchObject({ error: { type: 'invalid_request_error', param: null, message: expect.stringMatching(/didn't provide an API key/) } })
      const good = new OpenAI({ baseURL: standIn.openaiBaseUrl, apiKey: 'good', maxRetries: 0 })
      await expect(good.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })).resolves.toMatchObject({ object: 'chat.completion' })
      const bad = new Anthropic({ baseURL: standIn.anthropicBaseUrl, apiKey: 'bad', maxRetries: 0 })
      await expect(bad.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(Anthropic.AuthenticationError)
      const notJson = await fetch(`${standIn.openaiBaseUrl}/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer good' }, body: 'not json' })
      expect(notJson.status).toBe(400)
      expect(await notJson.json()).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringMatching(/could not parse the JSON body/) } })
    } finally {
      await standIn.close()
    }
  })

  test('open: a request without a key is answered, as a local server answers it; a wrong key is still refused', async () => {
    const standIn = await startModelStandIn({ keys: ['good'], open: true })
    try {
      const noKey = await fetch(`${standIn.openaiBaseUrl}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }) })
      expect(noKey.status).toBe(200)
      const wrong = await fetch(`${standIn.openaiBaseUrl}/models`, { headers: { authorization: 'Bearer wrong' } })
      expect(wrong.status).toBe(401)
    } finally {
      await standIn.close()
    }
  })

  test('a malformed script file fails the start with its name and the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'model-scripts-'))
    try {
      writeFileSync(join(dir, 'broken.json'), '{ "reply": ')
      await expect(startModelStandIn({ scriptDir: dir })).rejects.toThrow(/broken\.json/)
      writeFileSync(join(dir, 'broken.json'), JSON.stringify({ reply: { toolCalls: [{ name: 'x', arguments: '{}' }] } }))
      await expect(startModelStandIn({ scriptDir: dir })).rejects.toThrow(/broken\.json: tool call "x": "arguments" must be an object/)
      await expect(startModelStandIn({ scripts: [{ match: { regex: '(' }, reply: {} }] })).rejects.toThrow(/scripts\[0\]: "match.regex"/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('CORS, as the real APIs answer it', () => {
  let standIn: ModelStandIn
  beforeAll(async () => {
    standIn = await startModelStandIn({ keys: ['good'], scripts: [{ match: { contains: 'rate limit me' }, reply: { error: { status: 429, retryAfter: 3 } } }] })
  })
  afterAll(() => standIn.close())
  const page = 'http://localhost:5173'

  test('a preflight from another origin is allowed the headers both clients and Coder send, and is not logged', async () => {
    const before = standIn.requests.length
    const headers = 'authorization, x-api-key, anthropic-version, anthropic-dangerous-direct-browser-access, content-type, coder-project, coder-run, coder-run-budget'
    const res = await fetch(`${standIn.url}/v1/messages`, { method: 'OPTIONS', headers: { origin: page, 'access-control-request-method': 'POST', 'access-control-request-headers': headers } })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/)
    const allowed = res.headers.get('access-control-allow-headers')!.split(/,\s*/)
    for (const h of headers.split(', ')) expect(allowed).toContain(h)
    expect(standIn.requests.length).toBe(before)
  })

  test('answers, errors included, let the page read them and their retry-after', async () => {
    const ok = await fetch(`${standIn.openaiBaseUrl}/models`, { headers: { origin: page, authorization: 'Bearer good' } })
    expect(ok.headers.get('access-control-allow-origin')).toBe('*')
    const limited = await fetch(`${standIn.openaiBaseUrl}/chat/completions`, { method: 'POST', headers: { origin: page, authorization: 'Bearer good' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'rate limit me' }] }) })
    expect(limited.status).toBe(429)
    expect(limited.headers.get('access-control-allow-origin')).toBe('*')
    expect(limited.headers.get('access-control-expose-headers')).toMatch(/retry-after/)
    expect(limited.headers.get('retry-after')).toBe('3')
  })

  test('Anthropic refuses a page that does not set anthropic-dangerous-direct-browser-access, as the real API does', async () => {
    const call = (extra: Record<string, string>) =>
      fetch(`${standIn.url}/v1/messages`, {
        method: 'POST',
        headers: { origin: page, 'x-api-key': 'good', 'anthropic-version': '2023-06-01', 'content-type': 'application/json', ...extra },
        body: JSON.stringify({ model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
      })
    const refused = await call({})
    expect(refused.status).toBe(401)
    expect(await refused.json()).toMatchObject({ error: { type: 'authentication_error', message: expect.stringMatching(/anthropic-dangerous-direct-browser-access/) } })
    expect((await call({ 'anthropic-dangerous-direct-browser-access': 'true' })).status).toBe(200)
  })
})

test('the CLI serves the example scripts', async () => {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./server.ts', import.meta.url)), '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString()
        const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
        if (m) resolve(m[1])
      })
      child.once('exit', (code) => reject(new Error(`CLI exited with ${code}`)))
    })
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'dev', maxRetries: 0 })
    const error = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'please rate limit me' }] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
  } finally {
    child.kill()
  }
})
