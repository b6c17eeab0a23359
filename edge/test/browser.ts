/** @module A browser's view of the edge for workerd tests: the app on the test bindings, a cookie jar, our Origin on writes. */
import { env } from 'cloudflare:workers'
import { expect } from 'vitest'
import { createApp } from '../app'
import type { Env } from '../env'
import { base64url } from '../auth/crypto'

export const origin = 'http://coder.test'
/** A TOKEN_KEY for the tests: 32 random bytes. */
export const testTokenKey = base64url(crypto.getRandomValues(new Uint8Array(32)))

export type TestBrowser = ReturnType<typeof browser>

export function browser(overrides: Partial<Env> = {}) {
  const app = createApp()
  const jar = new Map<string, string>()
  const bindings = { ...env, EMAIL_DELIVERY: 'dev-mailbox', TOKEN_KEY: testTokenKey, ...overrides } as Env
  async function request(path: string, init: RequestInit & { origin?: string | null } = {}) {
    const headers = new Headers(init.headers)
    if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '))
    const method = init.method ?? 'GET'
    if (init.origin !== null && method !== 'GET' && method !== 'HEAD') headers.set('origin', init.origin ?? origin)
    const url = /^https?:/.test(path) ? path : `${origin}${path}`
    const res = await app.request(url, { ...init, headers, redirect: 'manual' }, bindings)
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split('; ')
      const [name, value] = pair!.split('=') as [string, string]
      if (attrs.some((a) => /^max-age=0$/i.test(a)) || value === '') jar.delete(name)
      else jar.set(name, value)
    }
    return res
  }
  const json = (path: string, method: string, body: unknown) => request(path, { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
  return { request, json, jar, bindings }
}

export async function lastMailedLink(): Promise<string> {
  const row = await env.DB.prepare('SELECT link FROM dev_mailbox ORDER BY id DESC LIMIT 1').first<{ link: string }>()
  return row!.link
}

/** Asks for a link and follows it as the user would: open it, press "Sign in". */
export async function signInByEmail(b: TestBrowser, email: string, next = '/') {
  const asked = await b.json('/api/auth/email', 'POST', { email, next })
  expect(asked.status).toBe(202)
  const token = new URL(await lastMailedLink()).searchParams.get('token')!
  const shown = await b.request(`/api/auth/email/verify?token=${token}`)
  expect(await shown.text()).toContain('<button type="submit"')
  return b.request('/api/auth/email/verify', { method: 'POST', body: new URLSearchParams({ token }), headers: { 'content-type': 'application/x-www-form-urlencoded' } })
}

export async function resetAccounts() {
  await env.DB.exec('DELETE FROM runs; DELETE FROM run_artifacts; DELETE FROM host_tokens; DELETE FROM sessions; DELETE FROM identities; DELETE FROM users; DELETE FROM email_links; DELETE FROM oauth_states; DELETE FROM dev_mailbox;')
}
