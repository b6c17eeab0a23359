/**
 * Runner tokens under /api/runners: a member creates a named token for a headless runner (shown
 * once, stored as its SHA-256), lists and revokes them; the runner trades its token for an
 * ordinary session cookie (POST /api/runners/session, `Authorization: Bearer`) tied to the token,
 * so revoking the token ends those sessions too. Sessions opened from a token cannot manage tokens.
 */
import { Hono, type Context } from 'hono'
import { randomToken, sha256Hex } from '../auth/crypto'
import { endRunnerSessions, requireUser, startSession, type SessionUser } from '../auth/sessions'
import type { AppEnv } from '../env'
import { ApiError } from '../errors'
import { readJsonBody } from '../request'

export const RUNNER_TOKEN_PREFIX = 'coder_runner_'
/** The session route: the one call authenticated by a bearer token instead of a cookie (the CSRF check does not apply to it). */
export const RUNNER_SESSION_PATH = '/api/runners/session'

interface TokenRow {
  id: string
  user_id: string
  name: string
  created_at: number
  last_used_at: number | null
  revoked_at: number | null
}

const view = (t: TokenRow) => ({ id: t.id, name: t.name, createdAt: t.created_at, lastUsedAt: t.last_used_at, revokedAt: t.revoked_at })

/** The signed-in user, when their session is not one a runner token opened (a runner must not mint or revoke tokens; runner-scope.ts refuses it first). */
function requireOwnSession(c: Context<AppEnv>): SessionUser {
  const user = requireUser(c)
  if (user.runnerTokenId) throw new ApiError(403, 'forbidden', 'A runner session cannot manage runner tokens: sign in to Coder yourself')
  return user
}

export function createRunnerRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.get('/tokens', async (c) => {
    const user = requireOwnSession(c)
    const { results } = await c.env.DB.prepare('SELECT * FROM runner_tokens WHERE user_id = ? ORDER BY created_at DESC').bind(user.id).all<TokenRow>()
    return c.json({ tokens: results.map(view) })
  })

  app.post('/tokens', async (c) => {
    const user = requireOwnSession(c)
    const body = (await readJsonBody(c)) as { name?: unknown } | null
    const name = typeof body?.name === 'string' ? body.name.trim() : ''
    if (!name || name.length > 100) throw new ApiError(400, 'bad_request', 'name is missing: name the runner (at most 100 characters), e.g. "build box"')
    const id = crypto.randomUUID()
    const token = `${RUNNER_TOKEN_PREFIX}${randomToken(32)}`
    await c.env.DB.prepare('INSERT INTO runner_tokens (id, user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)').bind(id, user.id, name, await sha256Hex(token), Date.now()).run()
    return c.json({ id, name, token }, 201)
  })

  app.delete('/tokens/:id', async (c) => {
    const user = requireOwnSession(c)
    const id = c.req.param('id')
    const now = Date.now()
    const row = await c.env.DB.prepare('SELECT * FROM runner_tokens WHERE id = ? AND user_id = ?').bind(id, user.id).first<TokenRow>()
    if (!row) throw new ApiError(404, 'not_found', `No runner token ${id}`)
    if (row.revoked_at === null) await c.env.DB.prepare('UPDATE runner_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').bind(now, id).run()
    const sessions = await endRunnerSessions(c.env.DB, id)
    return c.json({ ...view({ ...row, revoked_at: row.revoked_at ?? now }), endedSessions: sessions })
  })

  app.post('/session', async (c) => {
    const auth = c.req.header('authorization') ?? ''
    const token = /^Bearer\s+(\S+)$/i.exec(auth)?.[1]
    if (!token) throw new ApiError(401, 'unauthorized', `Send the runner token as "Authorization: Bearer ${RUNNER_TOKEN_PREFIX}…"`)
    const row = token.startsWith(RUNNER_TOKEN_PREFIX)
      ? await c.env.DB.prepare('SELECT * FROM runner_tokens WHERE token_hash = ?').bind(await sha256Hex(token)).first<TokenRow>()
      : null
    if (!row) throw new ApiError(401, 'unauthorized', 'Unknown runner token: create one in Coder (Workflows → Runners) and pass it to the runner')
    if (row.revoked_at !== null) throw new ApiError(401, 'unauthorized', `The runner token "${row.name}" was revoked on ${new Date(row.revoked_at).toISOString()}: create a new one`)
    const user = await c.env.DB.prepare('SELECT id, email, name, login, avatar_url FROM users WHERE id = ?').bind(row.user_id).first<{ id: string; email: string | null; name: string | null; login: string | null; avatar_url: string | null }>()
    if (!user) throw new ApiError(401, 'unauthorized', 'The runner token belongs to no account any more')
    await startSession(c, user.id, row.id)
    await c.env.DB.prepare('UPDATE runner_tokens SET last_used_at = ? WHERE id = ?').bind(Date.now(), row.id).run()
    return c.json({ user: { id: user.id, email: user.email, name: user.name, login: user.login, avatarUrl: user.avatar_url }, runner: row.name })
  })

  return app
}
