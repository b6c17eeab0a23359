/**
 * @module Sign-in routes under /api/auth: GitHub OAuth (authorization code + state + PKCE), e-mail
 * one-time links, who is signed in, sign-out (here or everywhere), and the local dev mailbox.
 */
import { Octokit } from '@octokit/rest'
import { Hono, type Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { AppEnv } from '../env'
import { ApiError } from '../errors'
import { readJsonBody } from '../request'
import { appOrigin } from './csrf'
import { pkceChallenge, randomToken, sha256Hex } from './crypto'
import { cookieOptions, endAllSessions, endSession, isLocalHttp, requireUser, startSession } from './sessions'
import { upsertEmailUser, upsertGitHubUser } from './users'

/** How long an OAuth sign-in may take between leaving for GitHub and coming back. */
const OAUTH_TTL_MS = 10 * 60 * 1000
/** How long an e-mailed sign-in link works. */
export const EMAIL_LINK_TTL_MS = 15 * 60 * 1000
/** At most this many links per address per EMAIL_LINK_TTL_MS. */
const EMAIL_LINKS_PER_WINDOW = 5
/** GitHub scopes: repositories (read/write, so pushes and pull requests work) and the user's profile and e-mail. */
export const GITHUB_SCOPES = 'repo read:user user:email'
/** Binds an OAuth sign-in to the browser that started it (against login CSRF). */
const OAUTH_COOKIE = 'coder_oauth'

const EMAIL = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:"]+$/

/** A same-origin path to return to after signing in; anything else (other hosts, `//x`, `/\x`) becomes `/`. */
export function safeNext(next: string | undefined | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || /[\r\n]/.test(next)) return '/'
  return next.slice(0, 2000)
}

function githubConfig(c: Context<AppEnv>) {
  const { GITHUB_CLIENT_ID: clientId, GITHUB_CLIENT_SECRET: clientSecret } = c.env
  if (!clientId || !clientSecret) return null
  return {
    clientId,
    clientSecret,
    web: (c.env.GITHUB_WEB_URL || 'https://github.com').replace(/\/+$/, ''),
    api: (c.env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    redirectUri: `${appOrigin(c)}/api/auth/github/callback`,
  }
}

/** An HTML page for the browser (sign-in results and errors are seen there, not as JSON). */
function page(c: Context<AppEnv>, title: string, body: string, status: 200 | 400 | 403 | 502 = 200) {
  const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
  return c.html(
    `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(title)} · Coder</title>` +
      `<style>body{font:15px system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2328}a,button{font:inherit}button{padding:.5rem 1rem}</style>` +
      `<h1>${esc(title)}</h1>${body}`,
    status,
  )
}

function signInFailed(c: Context<AppEnv>, message: string, status: 400 | 403 | 502 = 400) {
  const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
  return page(c, 'Sign-in failed', `<p role="alert">${esc(message)}</p><p><a href="/">Back to Coder</a></p>`, status)
}

export function createAuthRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.get('/me', (c) => {
    const user = c.get('user')
    return c.json({
      user: user && { id: user.id, email: user.email, name: user.name, login: user.login, avatarUrl: user.avatarUrl },
      providers: { github: githubConfig(c) !== null, email: c.env.EMAIL_DELIVERY === 'dev-mailbox' },
    })
  })

  // ---- GitHub OAuth: authorization code with state and PKCE (S256), exact redirect URI.
  app.get('/github/start', async (c) => {
    const gh = githubConfig(c)
    if (!gh) return signInFailed(c, 'GitHub sign-in is not configured on this server (GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET).', 400)
    const state = randomToken()
    const verifier = randomToken(48)
    const now = Date.now()
    await c.env.DB.prepare('INSERT INTO oauth_states (state_hash, provider, code_verifier, next, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
      .bind(await sha256Hex(state), 'github', verifier, safeNext(c.req.query('next')), now, now + OAUTH_TTL_MS)
      .run()
    setCookie(c, OAUTH_COOKIE, state, cookieOptions(c, OAUTH_TTL_MS / 1000))
    const url = new URL(`${gh.web}/login/oauth/authorize`)
    url.search = new URLSearchParams({
      client_id: gh.clientId,
      redirect_uri: gh.redirectUri,
      scope: GITHUB_SCOPES,
      state,
      code_challenge: await pkceChallenge(verifier),
      code_challenge_method: 'S256',
      allow_signup: 'true',
    }).toString()
    return c.redirect(url.toString(), 302)
  })

  app.get('/github/callback', async (c) => {
    const gh = githubConfig(c)
    if (!gh) return signInFailed(c, 'GitHub sign-in is not configured on this server.')
    const { code, state, error, error_description: description } = c.req.query()
    const cookieState = getCookie(c, OAUTH_COOKIE)
    deleteCookie(c, OAUTH_COOKIE, { path: '/', secure: !isLocalHttp(c.req.url) })
    if (error) return signInFailed(c, `GitHub did not sign you in: ${description || error}.`, 403)
    if (!state || !code) return signInFailed(c, 'The sign-in link is incomplete (no code or state). Start again from Coder.')
    // Single use: the state row is deleted as it is read, whatever follows.
    const row = await c.env.DB.prepare('DELETE FROM oauth_states WHERE state_hash = ? AND provider = ? RETURNING code_verifier, next, expires_at')
      .bind(await sha256Hex(state), 'github')
      .first<{ code_verifier: string; next: string; expires_at: number }>()
    if (!row) return signInFailed(c, 'This sign-in was already used or never started here. Start again from Coder.')
    if (row.expires_at < Date.now()) return signInFailed(c, 'This sign-in took longer than 10 minutes and expired. Start again from Coder.')
    if (cookieState !== state) return signInFailed(c, 'This sign-in was started in another browser. Start again from Coder in this one.', 403)

    let token: string
    let scopes: string
    try {
      const response = await fetch(`${gh.web}/login/oauth/access_token`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json', 'user-agent': 'coder-edge' },
        body: JSON.stringify({ client_id: gh.clientId, client_secret: gh.clientSecret, code, redirect_uri: gh.redirectUri, code_verifier: row.code_verifier }),
      })
      const body = (await response.json().catch(() => ({}))) as { access_token?: string; scope?: string; error?: string; error_description?: string }
      if (!response.ok || !body.access_token) return signInFailed(c, `GitHub refused the sign-in: ${body.error_description || body.error || `HTTP ${response.status}`}.`, 502)
      token = body.access_token
      scopes = body.scope ?? ''
    } catch (cause) {
      return signInFailed(c, `Could not reach GitHub (${gh.web}): ${(cause as Error).message}.`, 502)
    }
    let profile
    try {
      const octokit = new Octokit({ auth: token, baseUrl: gh.api, userAgent: 'coder-edge' })
      const { data } = await octokit.rest.users.getAuthenticated()
      profile = { id: data.id, login: data.login, name: data.name ?? null, email: data.email ?? null, avatarUrl: data.avatar_url ?? null }
    } catch (cause) {
      return signInFailed(c, `GitHub did not return your profile: ${(cause as Error).message}.`, 502)
    }
    const userId = await upsertGitHubUser(c.env, profile, token, scopes, c.get('user')?.id ?? null)
    await startSession(c, userId)
    return c.redirect(safeNext(row.next), 302)
  })

  // ---- E-mail sign-in: a one-time link, hashed at rest, single use, valid for 15 minutes.
  app.post('/email', async (c) => {
    if (c.env.EMAIL_DELIVERY !== 'dev-mailbox') throw new ApiError(400, 'bad_request', 'E-mail sign-in is not configured on this server')
    const body = (await readJsonBody(c)) as { email?: unknown; next?: unknown }
    const email = typeof body?.email === 'string' ? body.email.trim().toLowerCase() : ''
    if (!EMAIL.test(email) || email.length > 254) throw new ApiError(400, 'bad_request', 'Enter a valid e-mail address, like you@example.com')
    const now = Date.now()
    const recent = await c.env.DB.prepare('SELECT COUNT(*) AS n FROM email_links WHERE email = ? AND created_at > ?').bind(email, now - EMAIL_LINK_TTL_MS).first<{ n: number }>()
    if ((recent?.n ?? 0) >= EMAIL_LINKS_PER_WINDOW) throw new ApiError(429, 'too_many_requests', 'Too many sign-in links for this address: use one already sent, or wait 15 minutes')
    const token = randomToken()
    await c.env.DB.prepare('INSERT INTO email_links (token_hash, email, next, created_at, expires_at) VALUES (?, ?, ?, ?, ?)')
      .bind(await sha256Hex(token), email, safeNext(typeof body.next === 'string' ? body.next : null), now, now + EMAIL_LINK_TTL_MS)
      .run()
    const link = `${appOrigin(c)}/api/auth/email/verify?token=${token}`
    const text = `Sign in to Coder with this link (valid for 15 minutes, once):\n\n${link}\n\nIf you did not ask for it, ignore this message.`
    // The local stack's "delivery": the edge's log and the dev mailbox page.
    console.log(`[dev-mailbox] To: ${email}\n${text}`)
    await c.env.DB.prepare('INSERT INTO dev_mailbox (recipient, subject, body, link, created_at) VALUES (?, ?, ?, ?, ?)').bind(email, 'Your Coder sign-in link', text, link, now).run()
    return c.json({ sent: true, expiresInMinutes: EMAIL_LINK_TTL_MS / 60_000 }, 202)
  })

  // Opening the link shows a button; only the POST uses it (mail scanners that fetch links do not sign anyone in).
  app.get('/email/verify', (c) => {
    const token = c.req.query('token') ?? ''
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return signInFailed(c, 'This sign-in link is malformed. Ask for a new one.')
    return page(c, 'Sign in to Coder', `<form method="post" action="/api/auth/email/verify"><input type="hidden" name="token" value="${token}"><button type="submit" autofocus>Sign in</button></form>`)
  })

  app.post('/email/verify', async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>)
    const token = typeof form.token === 'string' ? form.token : ''
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return signInFailed(c, 'This sign-in link is malformed. Ask for a new one.')
    const now = Date.now()
    // Single use: marking it used and reading it is one statement, so two clicks cannot both win.
    const row = await c.env.DB.prepare('UPDATE email_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL RETURNING email, next, expires_at')
      .bind(now, await sha256Hex(token))
      .first<{ email: string; next: string; expires_at: number }>()
    if (!row) return signInFailed(c, 'This sign-in link was already used or is not valid. Ask for a new one.')
    if (row.expires_at < now) return signInFailed(c, 'This sign-in link expired (links work for 15 minutes). Ask for a new one.')
    const userId = await upsertEmailUser(c.env, row.email, c.get('user')?.id ?? null)
    await startSession(c, userId)
    return c.redirect(safeNext(row.next), 303)
  })

  app.post('/signout', async (c) => {
    await endSession(c)
    return c.json({ signedOut: true })
  })

  app.post('/signout-everywhere', async (c) => {
    const user = requireUser(c)
    const ended = await endAllSessions(c.env.DB, user.id)
    await endSession(c)
    return c.json({ signedOut: true, sessions: ended })
  })

  return app
}

/** The local stack's mailbox (EMAIL_DELIVERY=dev-mailbox only): the messages the edge "sent", newest first. */
export function createDevMailboxRoutes(): Hono<AppEnv> {
  return new Hono<AppEnv>().get('/', async (c) => {
    if (c.env.EMAIL_DELIVERY !== 'dev-mailbox') throw new ApiError(404, 'not_found', 'There is no dev mailbox on this server')
    const { results } = await c.env.DB.prepare('SELECT id, recipient, subject, body, link, created_at FROM dev_mailbox ORDER BY id DESC LIMIT 50').all<{
      id: number
      recipient: string
      subject: string
      body: string
      link: string | null
      created_at: number
    }>()
    if (c.req.query('format') === 'json') return c.json({ messages: results })
    const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
    const items = results
      .map((m) => `<li><p><strong>${esc(m.subject)}</strong> to ${esc(m.recipient)} · ${new Date(m.created_at).toISOString()}</p>${m.link ? `<p><a href="${esc(m.link)}">${esc(m.link)}</a></p>` : ''}</li>`)
      .join('')
    return page(c, 'Dev mailbox (local stack)', `<p>E-mails the local edge would have sent. Nothing here leaves this machine.</p><ol reversed>${items || '<p>No messages yet.</p>'}</ol>`)
  })
}
