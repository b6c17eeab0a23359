import { Hono } from 'hono'
import type { AppEnv } from './env'

/** What the health check learned about D1: reachable, and how many migrations are applied. */
export type D1Health = { ok: true; migrations: number; schemaVersion: string | null } | { ok: false; migrations: 0; error: string }

/** Resolves to D1's health by querying the migrations table and app_meta; never rejects. */
export async function checkD1(db: D1Database): Promise<D1Health> {
  try {
    const row = await db
      .prepare(
        `SELECT (SELECT COUNT(*) FROM d1_migrations) AS migrations,
                (SELECT value FROM app_meta WHERE key = 'schema_version') AS schemaVersion`,
      )
      .first<{ migrations: number; schemaVersion: string | null }>()
    return { ok: true, migrations: row?.migrations ?? 0, schemaVersion: row?.schemaVersion ?? null }
  } catch (err) {
    // A health check reports a broken database as data; it must not turn into a 500.
    return { ok: false, migrations: 0, error: (err as Error).message }
  }
}

/** Routes under /api/health: 200 with `{ ok: true, version, d1 }`, or 503 with `ok: false` when D1 is down. */
export function createHealthRoutes(): Hono<AppEnv> {
  return new Hono<AppEnv>().get('/', async (c) => {
    const d1 = await checkD1(c.env.DB)
    return c.json({ ok: d1.ok, version: c.env.APP_VERSION, d1 }, d1.ok ? 200 : 503)
  })
}
