import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../app'
import { browser, lastMailedLink, resetAccounts, signInByEmail, testTokenKey } from '../test/browser'
import { base64url, decryptToken, encryptToken, sha256Hex } from './crypto'
import { safeNext } from './routes'

const tokenKey = testTokenKey
const me = async (b: ReturnType<typeof browser>) => ((await (await b.request('/api/auth/me')).json()) as { user: { email: string | null } | null }).user

beforeEach(resetAccounts)

describe('e-mail sign-in', () => {
  it('signs in with a mailed one-time link, sets a session cookie, and the link cannot be used twice', async () => {
    const b = browser()
    expect(await me(b)).toBeNull()
    const res = await signInByEmail(b, 'Ada@Example.com', '/p/project-1')
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/p/project-1')
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('coder_session='))!
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Lax/)
    expect(cookie).toMatch(/Secure/) // http://coder.test is not localhost
    expect(await me(b)).toMatchObject({ email: 'ada@example.com' })

    // The link is single use, even from another browser.
    const token = new URL(await lastMailedLink()).searchParams.get('token')!
    const other = browser()
    const again = await other.request('/api/auth/email/verify', { method: 'POST', body: new URLSearchParams({ token }), headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(again.status).toBe(400)
    expect(await again.text()).toContain('already used')
    expect(await me(other)).toBeNull()
  })

  it('stores only hashes of links and sessions', async () => {
    const b = browser()
    await signInByEmail(b, 'ada@example.com')
    const token = new URL(await lastMailedLink()).searchParams.get('token')!
    const link = await env.DB.prepare('SELECT token_hash FROM email_links').first<{ token_hash: string }>()
    expect(link!.token_hash).toBe(await sha256Hex(token))
    const session = await env.DB.prepare('SELECT id_hash FROM sessions').first<{ id_hash: string }>()
    expect(session!.id_hash).toBe(await sha256Hex(b.jar.get('coder_session')!))
  })

  it('refuses an expired link with a clear message', async () => {
    const b = browser()
    await b.request('/api/auth/email', { method: 'POST', body: JSON.stringify({ email: 'ada@example.com' }), headers: { 'content-type': 'application/json' } })
    await env.DB.exec(`UPDATE email_links SET expires_at = ${Date.now() - 1}`)
    const token = new URL(await lastMailedLink()).searchParams.get('token')!
    const res = await b.request('/api/auth/email/verify', { method: 'POST', body: new URLSearchParams({ token }), headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('expired')
    expect(await me(b)).toBeNull()
  })

  it('rejects bad addresses and too many links, storing nothing', async () => {
    const b = browser()
    for (const email of ['', 'nobody', 'a@b', '<x>@y.z', 'x'.repeat(250) + '@e.com']) {
      const res = await b.request('/api/auth/email', { method: 'POST', body: JSON.stringify({ email }), headers: { 'content-type': 'application/json' } })
      expect(res.status).toBe(400)
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/valid e-mail/)
    }
    expect((await env.DB.prepare('SELECT COUNT(*) AS n FROM email_links').first<{ n: number }>())!.n).toBe(0)
    for (let i = 0; i < 5; i++) {
      expect((await b.request('/api/auth/email', { method: 'POST', body: JSON.stringify({ email: 'ada@example.com' }), headers: { 'content-type': 'application/json' } })).status).toBe(202)
    }
    const limited = await b.request('/api/auth/email', { method: 'POST', body: JSON.stringify({ email: 'ada@example.com' }), headers: { 'content-type': 'application/json' } })
    expect(limited.status).toBe(429)
  })

  it('is off, with a clear error, where no e-mail delivery is configured', async () => {
    const b = browser({ EMAIL_DELIVERY: undefined })
    const res = await b.request('/api/auth/email', { method: 'POST', body: JSON.stringify({ email: 'ada@example.com' }), headers: { 'content-type': 'application/json' } })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/not configured/)
    expect((await b.request('/api/dev/mailbox')).status).toBe(404)
  })

  it('never redirects off-site after signing in', () => {
    expect(safeNext('/p/x?y=1')).toBe('/p/x?y=1')
    for (const bad of ['https://evil.example', '//evil.example', '/\\evil.example', 'p/x', '/a\r\nSet-Cookie: x', null]) expect(safeNext(bad)).toBe('/')
  })
})

describe('sessions', () => {
  it('signs out this browser only, or everywhere', async () => {
    const a = browser()
    const b = browser()
    await signInByEmail(a, 'ada@example.com')
    await signInByEmail(b, 'ada@example.com')
    expect(await me(a)).not.toBeNull()

    expect((await a.request('/api/auth/signout', { method: 'POST' })).status).toBe(200)
    expect(await me(a)).toBeNull()
    expect(await me(b)).not.toBeNull()

    await signInByEmail(a, 'ada@example.com')
    const everywhere = await a.request('/api/auth/signout-everywhere', { method: 'POST' })
    expect(await everywhere.json()).toEqual({ signedOut: true, sessions: 2 })
    expect(await me(a)).toBeNull()
    expect(await me(b)).toBeNull()
  })

  it('ends at its expiry, and a forged or revoked cookie counts as signed out (and is cleared)', async () => {
    const b = browser()
    await signInByEmail(b, 'ada@example.com')
    await env.DB.exec(`UPDATE sessions SET expires_at = ${Date.now() - 1}`)
    expect(await me(b)).toBeNull()
    expect(b.jar.has('coder_session')).toBe(false)

    const forged = browser()
    forged.jar.set('coder_session', 'x'.repeat(43))
    const res = await forged.request('/api/auth/me')
    expect(((await res.json()) as { user: unknown }).user).toBeNull()
    expect(res.headers.getSetCookie().some((c) => /^coder_session=;/.test(c))).toBe(true)
  })

  it('sets no Secure flag on http://127.0.0.1 (the local stack), and does elsewhere', async () => {
    const local = browser({ APP_URL: 'http://127.0.0.1:8787' })
    const app = createApp()
    await local.request('/api/auth/email', { method: 'POST', body: JSON.stringify({ email: 'ada@example.com' }), headers: { 'content-type': 'application/json' } })
    const token = new URL(await lastMailedLink()).searchParams.get('token')!
    expect(await lastMailedLink()).toMatch(/^http:\/\/127\.0\.0\.1:8787\/api\/auth\/email\/verify\?token=/)
    const res = await app.request('http://127.0.0.1:8787/api/auth/email/verify', { method: 'POST', body: new URLSearchParams({ token }), headers: { origin: 'http://127.0.0.1:8787', 'content-type': 'application/x-www-form-urlencoded' } }, local.bindings)
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('coder_session='))!
    expect(cookie).not.toMatch(/Secure/)
  })
})

describe('CSRF', () => {
  it('refuses state-changing calls from other origins or without an Origin, and changes nothing', async () => {
    const b = browser()
    await signInByEmail(b, 'ada@example.com')
    for (const from of ['https://evil.example', 'null', null]) {
      const res = await b.request('/api/auth/signout', { method: 'POST', origin: from })
      expect(res.status).toBe(403)
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/Cross-site request refused/)
    }
    expect(await me(b)).not.toBeNull()
    const mail = await b.request('/api/auth/email', { method: 'POST', origin: 'https://evil.example', body: JSON.stringify({ email: 'victim@example.com' }), headers: { 'content-type': 'application/json' } })
    expect(mail.status).toBe(403)
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM email_links WHERE email = 'victim@example.com'").first<{ n: number }>())!.n).toBe(0)
  })

  it('accepts a form posted from our own page with Origin: null (no-referrer), told by Sec-Fetch-Site', async () => {
    const b = browser()
    await signInByEmail(b, 'ada@example.com')
    expect((await b.request('/api/auth/signout', { method: 'POST', origin: 'null', headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403)
    expect((await b.request('/api/auth/signout', { method: 'POST', origin: 'null', headers: { 'sec-fetch-site': 'same-origin' } })).status).toBe(200)
  })

  it('accepts the origins configured in APP_ORIGINS (the dev server in front of the edge)', async () => {
    const b = browser({ APP_ORIGINS: 'http://127.0.0.1:5173' })
    await signInByEmail(b, 'ada@example.com')
    expect((await b.request('/api/auth/signout', { method: 'POST', origin: 'http://127.0.0.1:5173' })).status).toBe(200)
  })
})

describe('token encryption', () => {
  it('round-trips, uses a fresh IV each time, and fails with another key or context', async () => {
    const a = await encryptToken(tokenKey, 'gho_secret', 'github:u1')
    const b = await encryptToken(tokenKey, 'gho_secret', 'github:u1')
    expect(a).not.toBe(b)
    expect(a).not.toContain('gho_secret')
    expect(await decryptToken(tokenKey, a, 'github:u1')).toBe('gho_secret')
    await expect(decryptToken(tokenKey, a, 'github:u2')).rejects.toThrow()
    await expect(decryptToken(base64url(crypto.getRandomValues(new Uint8Array(32))), a, 'github:u1')).rejects.toThrow()
    await expect(encryptToken(undefined, 'x', 'c')).rejects.toThrow(/TOKEN_KEY/)
    await expect(encryptToken(base64url(new Uint8Array(16)), 'x', 'c')).rejects.toThrow(/32 bytes/)
  })
})
