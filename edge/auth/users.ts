/** @module Users and the identities they sign in with (GitHub, e-mail), in D1. */
import type { Env } from '../env'
import { grantStarterCredits } from '../ledger'
import { decryptToken, encryptToken, randomToken } from './crypto'

/** What GitHub says about the user who signed in. */
export interface GitHubProfile {
  id: number
  login: string
  name: string | null
  email: string | null
  avatarUrl: string | null
}

/**
 * The user a GitHub sign-in belongs to, created on first sign-in: the one already linked to this
 * GitHub account, else the signed-in user (linking the account), else a new user. The token is
 * stored encrypted, bound to the user's id.
 */
export async function upsertGitHubUser(env: Env, profile: GitHubProfile, token: string, scopes: string, signedIn: string | null): Promise<string> {
  const now = Date.now()
  const subject = String(profile.id)
  const linked = await env.DB.prepare("SELECT user_id FROM identities WHERE provider = 'github' AND subject = ?").bind(subject).first<{ user_id: string }>()
  let userId = linked?.user_id ?? signedIn
  if (!userId) {
    userId = randomToken(16)
    // The e-mail GitHub shows is taken only if no other user has it (an e-mail sign-in proves ownership; this does not).
    const taken = profile.email ? await env.DB.prepare('SELECT 1 FROM users WHERE email = ?').bind(profile.email.toLowerCase()).first() : null
    await env.DB.prepare('INSERT INTO users (id, email, name, login, avatar_url, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .bind(userId, taken ? null : (profile.email?.toLowerCase() ?? null), profile.name, profile.login, profile.avatarUrl, now)
      .run()
    await grantStarterCredits(env, userId)
  } else {
    await env.DB.prepare('UPDATE users SET login = ?, avatar_url = ?, name = COALESCE(name, ?) WHERE id = ?').bind(profile.login, profile.avatarUrl, profile.name, userId).run()
  }
  const sealed = await encryptToken(env.TOKEN_KEY, token, `github:${userId}`)
  await env.DB.prepare(
    `INSERT INTO identities (provider, subject, user_id, login, token_ciphertext, scopes, created_at, updated_at) VALUES ('github', ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (provider, subject) DO UPDATE SET user_id = excluded.user_id, login = excluded.login, token_ciphertext = excluded.token_ciphertext, scopes = excluded.scopes, updated_at = excluded.updated_at`,
  )
    .bind(subject, userId, profile.login, sealed, scopes, now, now)
    .run()
  return userId
}

/** The user an e-mail sign-in belongs to: the signed-in user (linking the address), the one with this address, or a new one. */
export async function upsertEmailUser(env: Env, email: string, signedIn: string | null): Promise<string> {
  const now = Date.now()
  const linked = await env.DB.prepare("SELECT user_id FROM identities WHERE provider = 'email' AND subject = ?").bind(email).first<{ user_id: string }>()
  const owner = linked ? null : await env.DB.prepare('SELECT id FROM users WHERE email = ?').bind(email).first<{ id: string }>()
  let userId = linked?.user_id ?? signedIn ?? owner?.id ?? null
  if (!userId) {
    userId = randomToken(16)
    await env.DB.prepare('INSERT INTO users (id, email, created_at) VALUES (?, ?, ?)').bind(userId, email, now).run()
    await grantStarterCredits(env, userId)
  } else if (!owner) {
    await env.DB.prepare('UPDATE users SET email = COALESCE(email, ?) WHERE id = ? AND NOT EXISTS (SELECT 1 FROM users WHERE email = ?)').bind(email, userId, email).run()
  }
  await env.DB.prepare(
    `INSERT INTO identities (provider, subject, user_id, created_at, updated_at) VALUES ('email', ?, ?, ?, ?)
     ON CONFLICT (provider, subject) DO UPDATE SET user_id = excluded.user_id, updated_at = excluded.updated_at`,
  )
    .bind(email, userId, now, now)
    .run()
  return userId
}

/** The user's GitHub token, decrypted; null when they have not connected GitHub. */
export async function gitHubToken(env: Env, userId: string): Promise<string | null> {
  const row = await env.DB.prepare("SELECT token_ciphertext FROM identities WHERE provider = 'github' AND user_id = ? AND token_ciphertext IS NOT NULL ORDER BY updated_at DESC LIMIT 1")
    .bind(userId)
    .first<{ token_ciphertext: string }>()
  return row ? decryptToken(env.TOKEN_KEY, row.token_ciphertext, `github:${userId}`) : null
}
