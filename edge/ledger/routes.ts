/** @module /api/credits: the signed-in user's balance, transactions, usage, spending caps and budget holds. */
import { Hono } from 'hono'
import { requireUser } from '../auth/sessions'
import type { AppEnv } from '../env'
import { ApiError } from '../errors'
import { readJsonBody } from '../request'
import { validateCaps } from './caps'
import { applyLedgerEntry, balanceOf, capsOf, ledgerOf, setCaps, transactionsOf, usageOf } from './index'
import type { LedgerMeta } from './types'

const DAY = 24 * 60 * 60 * 1000

function objectBody(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'bad_request', 'Request body must be a JSON object')
  return body as Record<string, unknown>
}

/** A whole number from a query parameter within [min, max], its default when absent; a 400 otherwise. */
function queryInt(value: string | undefined, what: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new ApiError(400, 'bad_request', `${what} must be a whole number from ${min} to ${max}`)
  return n
}

export function createCreditRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.get('/', async (c) => c.json(await balanceOf(c.env, requireUser(c).id)))

  app.get('/entries', async (c) => {
    const user = requireUser(c)
    const before = queryInt(c.req.query('before'), 'before', 1, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
    const limit = queryInt(c.req.query('limit'), 'limit', 1, 200, 50)
    const entries = await transactionsOf(c.env, user.id, before, limit)
    return c.json({ entries, next: entries.length === limit ? entries[entries.length - 1]!.seq : null })
  })

  app.get('/usage', async (c) => {
    const user = requireUser(c)
    const days = queryInt(c.req.query('days'), 'days', 1, 366, 30)
    return c.json(await usageOf(c.env, user.id, Date.now() - days * DAY))
  })

  // Spending caps: per UTC day for the account and per project, and today's spending against each.
  app.get('/caps', async (c) => c.json(await capsOf(c.env, requireUser(c).id)))

  app.put('/caps', async (c) => {
    const user = requireUser(c)
    return c.json(await setCaps(c.env, user.id, validateCaps(await readJsonBody(c))))
  })

  app.post('/holds', async (c) => {
    const user = requireUser(c)
    const body = objectBody(await readJsonBody(c))
    const result = await applyLedgerEntry(c.env, user.id, {
      kind: 'hold',
      amountMicros: body.amountMicros as number,
      ref: body.ref as string,
      memo: body.memo as string | undefined,
      meta: body.meta as LedgerMeta | undefined,
      runBudgetMicros: body.runBudgetMicros as number | undefined,
    })
    return c.json(result, result.duplicate ? 200 : 201)
  })

  app.post('/holds/:ref/capture', async (c) => {
    const user = requireUser(c)
    const body = objectBody(await readJsonBody(c))
    const ref = c.req.param('ref')
    return c.json(await applyLedgerEntry(c.env, user.id, { kind: 'capture', amountMicros: body.amountMicros as number, ref, holdRef: ref, memo: body.memo as string | undefined }))
  })

  // What a finished call or run cost: captured, and the rest of the hold released, in one step.
  app.post('/holds/:ref/settle', async (c) => {
    const user = requireUser(c)
    const body = objectBody(await readJsonBody(c))
    const ref = c.req.param('ref')
    return c.json(await applyLedgerEntry(c.env, user.id, { kind: 'settle', amountMicros: body.amountMicros as number, ref, holdRef: ref, memo: body.memo as string | undefined }))
  })

  app.post('/holds/:ref/release', async (c) => {
    const user = requireUser(c)
    const ref = c.req.param('ref')
    return c.json(await applyLedgerEntry(c.env, user.id, { kind: 'release', amountMicros: 0, ref, holdRef: ref }))
  })

  // The ledger-debits benchmark (bench/cases/ledger-debits.mjs): `count` debits (hold + settle, as a model call makes them) on
  // the caller's own account from inside the worker, `concurrency` at a time, timed without HTTP in
  // the way — and, as the anchor, as many plain D1 insert+update pairs. Off (404) unless
  // LEDGER_BENCH is "on", which only the benchmark sets.
  app.post('/bench', async (c) => {
    if (c.env.LEDGER_BENCH !== 'on') throw new ApiError(404, 'not_found', `No route for POST ${c.req.path}`)
    const user = requireUser(c)
    const body = objectBody(await readJsonBody(c))
    const count = queryInt(String(body.count ?? ''), 'count', 1, 100_000, 1000)
    const concurrency = queryInt(String(body.concurrency ?? ''), 'concurrency', 1, 1000, 32)
    const tag = crypto.randomUUID()
    const pool = async (pair: (i: number) => Promise<unknown>) => {
      let next = 0
      const start = performance.now()
      await Promise.all(Array.from({ length: concurrency }, async () => { while (next < count) await pair(next++) }))
      return performance.now() - start
    }
    const before = await balanceOf(c.env, user.id)
    const ledger = ledgerOf(c.env, user.id)
    let refused = 0
    const ledgerMs = await pool(async (i) => {
      const ref = `bench:${tag}:${i}`
      try {
        // As a model call: hold the worst case, settle what it cost.
        await ledger.apply({ kind: 'hold', amountMicros: 2000, ref, meta: { model: 'bench', project: 'bench' } })
      } catch (error) {
        if (error instanceof ApiError && error.status === 402) return refused++
        throw error
      }
      return ledger.apply({ kind: 'settle', amountMicros: 1000, ref, holdRef: ref })
    })
    const after = await balanceOf(c.env, user.id)
    const d1Ms = await pool(async (i) => {
      const id = crypto.randomUUID()
      await c.env.DB.prepare("INSERT INTO runs (id, user_id, project, kind, status, started_at, updated_at) VALUES (?, ?, 'bench', 'command', 'running', ?, ?)").bind(id, user.id, Date.now(), Date.now()).run()
      await c.env.DB.prepare("UPDATE runs SET status = 'succeeded', cost_micros = ?, updated_at = ? WHERE id = ?").bind(1000 + i, Date.now(), id).run()
    })
    await c.env.DB.prepare("DELETE FROM runs WHERE user_id = ? AND project = 'bench'").bind(user.id).run()
    return c.json({ count, concurrency, refused, ledgerMs, d1Ms, before, after })
  })

  return app
}
