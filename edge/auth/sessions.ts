/**
 * @module Sessions: an opaque random id in an HttpOnly, SameSite=Lax cookie (Secure except on
 * http://localhost); the server keeps only its SHA-256, with an expiry and a revocation time.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { AppEnv } from '../env'
import { ApiError } from '../errors'
import { randomToken, sha256Hex } from './crypto'

export const SESSION_COOKIE = 'coder_session'
/** How long a session lasts: 30 days from sign-in. */
export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000

/** The signed-in user as the edge's handlers see them. */
export interface SessionUser {
  id: string
  email: string | null
  name: string | null
  login: string | null
  avatarUrl: string | null
  /** The session's stored id (a hash), to revoke it. */
  sessionHash: string
  /** The runner token the session was opened with, or null for the user's own session (see runner-scope.ts). */
  runnerTokenId: string | null
}

/** Plain http on a loopback host: the one place a Secure cookie cannot be set (the local stack). */
export function isLocalHttp(url: string): boolean {
  const { protocol, hostname } = new URL(url)
  return protocol === 'http:' && (hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]')
}

/** The attributes of every cookie the edge sets. */
export function cookieOptions(c: Context<AppEnv>, maxAgeSeconds: number) {
  return { httpOnly: true, secure: !isLocalHttp(c.req.url), sameSite: 'Lax' as const, path: '/', maxAge: maxAgeSeconds }
}

/** Starts a session for `userId` and sets its cookie on the response; `runnerTokenId`: the runner token it was opened with (revoking that token ends it). */
export async function startSession(c: Context<AppEnv>, userId: string, runnerTokenId: string | null = null): Promise<void> {
  const id = randomToken()
  const now = Date.now()
  await c.env.DB.prepare('INSERT INTO sessions (id_hash, user_id, created_at, expires_at, user_agent, runner_token_id) VALUES (?, ?, ?, ?, ?, ?)')
    .bind(await sha256Hex(id), userId, now, now + SESSION_TTL_MS, c.req.header('user-agent')?.slice(0, 200) ?? null, runnerTokenId)
    .run()
  setCookie(c, SESSION_COOKIE, id, cookieOptions(c, SESSION_TTL_MS / 1000))
}

type UserRow = { id: string; email: string | null; name: string | null; login: string | null; avatar_url: string | null; expires_at: number; runner_token_id: string | null }

/** The longest a session looked up once is believed without asking D1 again, where a route opts in (`sessionMiddleware({ recentMs })`). */
export const RECENT_SESSION_MS = 3_000

/**
 * Sessions this isolate looked up in the last few seconds, by hash. One per isolate on purpose:
 * signing out through this isolate forgets a session here at once, whichever app instance served
 * it. The trade-off: a session revoked through another isolate (another colo, or the same one
 * under load) stays usable on routes that opt in for at most RECENT_SESSION_MS.
 */
const recentSessions = new Map<string, { user: SessionUser; until: number }>()

/**
 * Middleware: puts the session's user (or null) in `c.var.user`. A cookie that names no live
 * session (forged, expired, revoked, or opened with a runner token since revoked) counts as
 * signed out and is cleared. With `recentMs` (at most RECENT_SESSION_MS), a session found live
 * within that time is believed without a D1 read: for hot paths such as model calls, where that
 * read is on the way to the first token.
 */
export function sessionMiddleware(options: { recentMs?: number } = {}): MiddlewareHandler<AppEnv> {
  const recentMs = Math.min(options.recentMs ?? 0, RECENT_SESSION_MS)
  return async (c, next) => {
    c.set('user', null)
    const id = getCookie(c, SESSION_COOKIE)
    if (id) {
      const hash = await sha256Hex(id)
      const now = Date.now()
      const recent = recentMs > 0 ? recentSessions.get(hash) : undefined
      if (recent && recent.until > now) c.set('user', recent.user)
      else {
        const row = await c.env.DB.prepare(
          `SELECT u.id, u.email, u.name, u.login, u.avatar_url, s.expires_at, s.runner_token_id FROM sessions s JOIN users u ON u.id = s.user_id
           WHERE s.id_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ?
             AND (s.runner_token_id IS NULL OR EXISTS (SELECT 1 FROM runner_tokens t WHERE t.id = s.runner_token_id AND t.revoked_at IS NULL))`,
        )
          .bind(hash, now)
          .first<UserRow>()
        if (row) {
          const user = { id: row.id, email: row.email, name: row.name, login: row.login, avatarUrl: row.avatar_url, sessionHash: hash, runnerTokenId: row.runner_token_id }
          c.set('user', user)
          if (recentMs > 0) {
            if (recentSessions.size >= 10_000) recentSessions.clear()
            recentSessions.set(hash, { user, until: Math.min(now + recentMs, row.expires_at) })
          }
        } else {
          recentSessions.delete(hash)
          deleteCookie(c, SESSION_COOKIE, { path: '/', secure: !isLocalHttp(c.req.url) })
        }
      }
    }
    await next()
  }
}

/** The signed-in user, or a 401 saying to sign in. */
export function requireUser(c: Context<AppEnv>): SessionUser {
  const user = c.get('user')
  if (!user) throw new ApiError(401, 'unauthorized', 'Sign in first: this needs an account')
  return user
}

/** Ends the current session (its row is kept, revoked) and clears the cookie. */
export async function endSession(c: Context<AppEnv>): Promise<void> {
  const user = c.get('user')
  if (user) {
    recentSessions.delete(user.sessionHash)
    await c.env.DB.prepare('UPDATE sessions SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL').bind(Date.now(), user.sessionHash).run()
  }
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: !isLocalHttp(c.req.url) })
}

/** Revokes every session of `userId` (sign out everywhere); resolves to how many were live. */
export async function endAllSessions(db: D1Database, userId: string): Promise<number> {
  for (const [hash, recent] of recentSessions) if (recent.user.id === userId) recentSessions.delete(hash)
  const result = await db.prepare('UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').bind(Date.now(), userId).run()
  return result.meta.changes ?? 0
}

/** Revokes the sessions opened with runner token `runnerTokenId`; resolves to how many were live. */
export async function endRunnerSessions(db: D1Database, runnerTokenId: string): Promise<number> {
  const { results } = await db.prepare('SELECT id_hash FROM sessions WHERE runner_token_id = ? AND revoked_at IS NULL').bind(runnerTokenId).all<{ id_hash: string }>()
  for (const { id_hash } of results) recentSessions.delete(id_hash)
  const result = await db.prepare('UPDATE sessions SET revoked_at = ? WHERE runner_token_id = ? AND revoked_at IS NULL').bind(Date.now(), runnerTokenId).run()
  return result.meta.changes ?? 0
}
