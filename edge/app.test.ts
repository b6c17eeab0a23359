import { env, exports } from 'cloudflare:workers'
import { describe, expect, it, vi } from 'vitest'
import { createApp } from './app'
import { ApiError } from './errors'
import { readJsonBody } from './request'

const origin = 'http://coder.test'

describe('GET /api/health', () => {
  it('reports the version and a live D1 with every migration applied', async () => {
    const res = await exports.default.fetch(`${origin}/api/health`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await res.json()).toEqual({
      ok: true,
      version: '0.1.0',
      d1: { ok: true, migrations: env.TEST_MIGRATIONS.length, schemaVersion: '3' },
    })
    expect(env.TEST_MIGRATIONS.map((m) => m.name)).toContain('0001_init.sql')
  })

  it('reports 503 with ok:false when D1 is unusable', async () => {
    await env.DB.exec('DROP TABLE app_meta')
    try {
      const res = await exports.default.fetch(`${origin}/api/health`)
      expect(res.status).toBe(503)
      const body = (await res.json()) as { ok: boolean; d1: { ok: boolean; error: string } }
      expect(body.ok).toBe(false)
      expect(body.d1.ok).toBe(false)
      expect(body.d1.error).toMatch(/app_meta/)
    } finally {
      await env.DB.exec(
        "CREATE TABLE app_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO app_meta VALUES ('schema_version', '3');",
      )
    }
  })
})

describe('errors', () => {
  it('answers an unknown API route with a JSON 404', async () => {
    const res = await exports.default.fetch(`${origin}/api/nope`, { method: 'POST', headers: { origin } })
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'No route for POST /api/nope' } })
  })

  it('turns thrown errors into { error: { code, message } } with the right status', async () => {
    const app = createApp()
    app.get('/api/teapot', () => {
      throw new ApiError(403, 'forbidden', 'not yours')
    })
    app.get('/api/boom', () => {
      throw new Error('secret internals')
    })

    const forbidden = await app.request('/api/teapot', {}, env)
    expect(forbidden.status).toBe(403)
    expect(await forbidden.json()).toEqual({ error: { code: 'forbidden', message: 'not yours' } })

    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const boom = await app.request('/api/boom', {}, env)
    const logCalls = logged.mock.calls.slice()
    logged.mockRestore()
    expect(boom.status).toBe(500)
    // The fault is logged for the operator...
    expect(logCalls).toEqual([['GET /api/boom failed:', expect.objectContaining({ message: 'secret internals' })]])
    // ...but never leaks its message to the client.
    expect(await boom.json()).toEqual({ error: { code: 'internal', message: 'Internal error' } })
    expect(boom.headers.get('cross-origin-embedder-policy')).toBe('require-corp')
  })

  it('answers a malformed or empty JSON body with a 400, not a 500', async () => {
    const app = createApp()
    app.post('/api/echo', async (c) => c.json({ got: await readJsonBody(c) }))
    const post = (body: string) =>
      app.request(`${origin}/api/echo`, { method: 'POST', body, headers: { 'content-type': 'application/json', origin } }, env)

    const bad = await post('{"a":')
    expect(bad.status).toBe(400)
    const badBody = (await bad.json()) as { error: { code: string; message: string } }
    expect(badBody.error.code).toBe('bad_request')
    expect(badBody.error.message).toMatch(/^Request body is not valid JSON/)

    const empty = await post('')
    expect(empty.status).toBe(400)
    expect(await empty.json()).toEqual({ error: { code: 'bad_request', message: 'Request body is empty; expected JSON' } })

    const huge = await post(JSON.stringify({ a: 'x'.repeat(2 * 1024 * 1024) }))
    expect(huge.status).toBe(413)
    expect(await huge.json()).toEqual({ error: { code: 'payload_too_large', message: 'Request body is larger than 1024 KB' } })

    const good = await post('{"a":1}')
    expect(good.status).toBe(200)
    expect(await good.json()).toEqual({ got: { a: 1 } })
  })
})

describe('security headers', () => {
  it('serves the IDE assets cross-origin isolated (public/_headers), SPA fallback included', async () => {
    for (const path of ['/', '/github.com/owner/repo']) {
      const res = await env.ASSETS.fetch(`${origin}${path}`, { headers: { 'sec-fetch-mode': 'navigate' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^text\/html/)
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin')
      expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp')
      await res.body?.cancel()
    }
  })

  it('puts cross-origin isolation and hardening headers on API responses, errors included', async () => {
    for (const path of ['/api/health', '/api/missing']) {
      const res = await exports.default.fetch(`${origin}${path}`)
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin')
      expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp')
      expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin')
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      await res.body?.cancel()
    }
  })
})
