/**
 * A project's workflow secrets, under /api/workflows/repos/:owner/:repo/secrets: members set and
 * delete them and see their names; values are stored encrypted with TOKEN_KEY (AES-GCM bound to
 * the repository and the name, like GitHub tokens) and leave the edge only for a leased run whose
 * policy grants them (runs.ts). `maskSecrets` hides them in what runs report.
 */
import { Hono, type Context } from 'hono'
import { decryptToken, encryptToken } from '../auth/crypto'
import { requireUser } from '../auth/sessions'
import type { AppEnv, Env } from '../env'
import { ApiError } from '../errors'
import { readJsonBody } from '../request'
import { maskSecrets } from '../../shared/workflow'
import { requireMember } from './members'

/** A secret's name: an environment variable's. */
export const SECRET_NAME = /^[A-Z_][A-Z0-9_]{0,63}$/
/** The largest secret value, in bytes of UTF-8. */
export const SECRET_MAX_BYTES = 32 * 1024

const context = (repo: string, name: string) => `workflow-secret:${repo}:${name}`

/**
 * The values of the secrets `names` of `repo` that are set (names not set are left out). Throws
 * a 500 `ApiError` when TOKEN_KEY is missing or cannot open a value.
 */
export async function readSecrets(env: Env, repo: string, names: string[]): Promise<Record<string, string>> {
  if (!names.length) return {}
  const { results } = await env.DB.prepare(`SELECT name, value_ciphertext FROM workflow_secrets WHERE repo = ? AND name IN (${names.map(() => '?').join(', ')})`)
    .bind(repo, ...names)
    .all<{ name: string; value_ciphertext: string }>()
  const values: Record<string, string> = {}
  for (const row of results) {
    try {
      values[row.name] = await decryptToken(env.TOKEN_KEY, row.value_ciphertext, context(repo, row.name))
    } catch (cause) {
      if (cause instanceof ApiError) throw cause
      throw new ApiError(500, 'internal', `The secret ${row.name} of ${repo} cannot be decrypted (was TOKEN_KEY changed?): set it again`, { cause })
    }
  }
  return values
}

/** `value` with `maskSecrets` applied to every string in it, at any depth. */
export function maskDeep<T>(value: T, secrets: string[]): T {
  if (!secrets.length) return value
  if (typeof value === 'string') return maskSecrets(value, secrets) as T
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, secrets)) as T
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, secrets)])) as T
  return value
}

async function member(c: Context<AppEnv>): Promise<string> {
  return requireMember(c, `${c.req.param('owner')}/${c.req.param('repo')}`)
}

function secretName(c: Context<AppEnv>): string {
  const name = c.req.param('name') ?? ''
  if (!SECRET_NAME.test(name)) throw new ApiError(400, 'bad_request', `"${name}" is not a secret name: use capital letters, digits and _, not starting with a digit (at most 64)`)
  return name
}

/** The secret routes; mounted at /api/workflows/repos/:owner/:repo/secrets. Members only (others: 404). */
export function createWorkflowSecretRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.get('/', async (c) => {
    const repo = await member(c)
    const { results } = await c.env.DB.prepare('SELECT name, updated_at FROM workflow_secrets WHERE repo = ? ORDER BY name').bind(repo).all<{ name: string; updated_at: number }>()
    return c.json({ secrets: results.map((r) => ({ name: r.name, updatedAt: r.updated_at })) })
  })

  app.put('/:name', async (c) => {
    const repo = await member(c)
    const user = requireUser(c)
    const name = secretName(c)
    const body = (await readJsonBody(c, SECRET_MAX_BYTES * 6 + 1024)) as { value?: unknown } | null
    const value = body?.value
    if (typeof value !== 'string' || value === '') throw new ApiError(400, 'bad_request', 'value is missing: send { "value": "<the secret>" }')
    if (new TextEncoder().encode(value).byteLength > SECRET_MAX_BYTES) throw new ApiError(413, 'payload_too_large', `A secret's value may be at most ${SECRET_MAX_BYTES / 1024} KB`)
    const sealed = await encryptToken(c.env.TOKEN_KEY, value, context(repo, name))
    const now = Date.now()
    await c.env.DB.prepare(
      `INSERT INTO workflow_secrets (repo, name, value_ciphertext, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (repo, name) DO UPDATE SET value_ciphertext = excluded.value_ciphertext, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
    )
      .bind(repo, name, sealed, user.id, now)
      .run()
    return c.json({ name, updatedAt: now })
  })

  app.delete('/:name', async (c) => {
    const repo = await member(c)
    const name = secretName(c)
    const deleted = await c.env.DB.prepare('DELETE FROM workflow_secrets WHERE repo = ? AND name = ?').bind(repo, name).run()
    if (!deleted.meta.changes) throw new ApiError(404, 'not_found', `${repo} has no secret ${name}`)
    return c.json({ deleted: name })
  })

  return app
}
