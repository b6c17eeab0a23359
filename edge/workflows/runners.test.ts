import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { browser } from '../test/browser'
import { agentStep, answer, connect, person, queue, resetWorkflows, runner, workflow } from '../test/workflows'

beforeEach(resetWorkflows)

describe('runner tokens', () => {
  it('creates a token shown once, opens a session with it (no Origin needed), lists and revokes it, ending its sessions', async () => {
    const ada = await person('ada@example.com')
    await connect('ada/app', ada.userId)
    const created = await answer<{ id: string; name: string; token: string }>(ada.json('/api/runners/tokens', 'POST', { name: 'build box' }), 201)
    expect(created.token).toMatch(/^coder_runner_[\w-]{43}$/)
    const stored = await env.DB.prepare('SELECT token_hash FROM runner_tokens WHERE id = ?').bind(created.id).first<{ token_hash: string }>()
    expect(stored!.token_hash).not.toContain(created.token.slice(13))

    // A Node client: no cookie, no Origin, just the bearer token.
    const box = browser()
    const opened = await box.request('/api/runners/session', { method: 'POST', origin: null, headers: { authorization: `Bearer ${created.token}`, 'user-agent': 'coder-runner/1' } })
    expect(await answer(opened)).toEqual({ user: expect.objectContaining({ id: ada.userId, email: 'ada@example.com' }), runner: 'build box' })
    expect(box.jar.has('coder_session')).toBe(true)
    expect(await answer(box.request('/api/auth/me'))).toMatchObject({ user: { id: ada.userId } })
    const id = await queue('ada/app', workflow([agentStep('fix')]), ada.userId)
    expect(await answer(box.json('/api/workflows/claim', 'POST', { runner: 'build box' }))).toMatchObject({ run: { id } })
    // The session is the runner's: it cannot mint or revoke tokens.
    expect((await box.json('/api/runners/tokens', 'POST', { name: 'another' })).status).toBe(403)

    const listed = await answer<{ tokens: unknown[] }>(ada.request('/api/runners/tokens'))
    expect(listed.tokens).toEqual([{ id: created.id, name: 'build box', createdAt: expect.any(Number), lastUsedAt: expect.any(Number), revokedAt: null }])
    expect(JSON.stringify(listed)).not.toContain(created.token)

    const revoked = await answer(ada.request(`/api/runners/tokens/${created.id}`, { method: 'DELETE' }))
    expect(revoked).toMatchObject({ id: created.id, revokedAt: expect.any(Number), endedSessions: 1 })
    // The runner's session is over; its token opens no new one.
    expect(await answer(box.request('/api/auth/me'))).toMatchObject({ user: null })
    expect((await box.json('/api/workflows/claim', 'POST', { runner: 'build box' })).status).toBe(401)
    const again = await browser().request('/api/runners/session', { method: 'POST', origin: null, headers: { authorization: `Bearer ${created.token}` } })
    expect(again.status).toBe(401)
    expect(await again.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringMatching(/^The runner token "build box" was revoked on \d{4}-/) } })
    // The person's own session is untouched.
    expect(await answer(ada.request('/api/auth/me'))).toMatchObject({ user: { id: ada.userId } })
  })

  it('refuses a session whose token was revoked even if the session itself was not', async () => {
    const ada = await person('ada@example.com')
    const box = await runner(ada, 'box')
    await env.DB.prepare('UPDATE runner_tokens SET revoked_at = ? WHERE id = ?').bind(Date.now(), box.tokenId).run()
    expect(await answer(box.request('/api/auth/me'))).toMatchObject({ user: null })
  })

  it('answers unknown or missing tokens with a clear 401, and keeps tokens to their owner', async () => {
    const ada = await person('ada@example.com')
    const bob = await person('bob@example.com')
    const anon = browser()
    for (const [authorization, message] of [
      [undefined, /Send the runner token as "Authorization: Bearer coder_runner_…"/],
      ['Bearer coder_runner_nope', /Unknown runner token/],
      ['Bearer something-else', /Unknown runner token/],
    ] as const) {
      const res = await anon.request('/api/runners/session', { method: 'POST', origin: null, headers: authorization ? { authorization } : {} })
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringMatching(message) } })
    }
    expect((await ada.json('/api/runners/tokens', 'POST', { name: '' })).status).toBe(400)
    const { id } = await answer<{ id: string }>(ada.json('/api/runners/tokens', 'POST', { name: 'box' }), 201)
    expect((await bob.request(`/api/runners/tokens/${id}`, { method: 'DELETE' })).status).toBe(404)
    expect(await answer(bob.request('/api/runners/tokens'))).toEqual({ tokens: [] })
    expect((await anon.request('/api/runners/tokens')).status).toBe(401)
    // The CSRF check still guards cookie calls: a cookie session posting without an Origin is refused.
    expect((await ada.request('/api/runners/tokens', { method: 'POST', origin: null, body: JSON.stringify({ name: 'x' }) })).status).toBe(403)
  })
})
