/**
 * One user's ledger: a Durable Object (one per user, `idFromName(userId)`) whose own SQLite
 * storage is the source of truth for that user's credits.
 *
 * Why DO storage rather than D1: every method below runs synchronously from its first statement
 * to its last (no `await` inside), so the Durable Object's single thread serializes the user's
 * transactions with nothing in between — a balance check and the debit it allows can never race,
 * and `transactionSync` makes each transaction all-or-nothing. D1 offers neither a lock nor a
 * read-then-write transaction across statements, so exactness there would need optimistic retries.
 * Everything the dashboard asks about (entries, usage by day/model/project/run) is per user, so
 * the same object answers it; nothing about credits lives in D1.
 */
import { DurableObject } from 'cloudflare:workers'
import type { Env } from '../env'
import type { EntryKind, LedgerAudit, LedgerEntryInput, LedgerOutcome, LedgerTransaction, LedgerUsage } from './types'

/** The ledger accounts one user's transactions touch: the user's own three and the system's counterparts. */
const AVAILABLE = 'user:available'
const HELD = 'user:held'
const SPENT = 'user:spent'
const STRIPE = 'system:stripe'
const GRANTS = 'system:grants'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS transactions (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT NOT NULL UNIQUE,
  kind       TEXT NOT NULL,
  ref        TEXT NOT NULL,
  hold_ref   TEXT,
  amount     INTEGER NOT NULL,   -- micro-credits moved (for a refund: what was asked)
  shortfall  INTEGER NOT NULL DEFAULT 0,
  memo       TEXT,
  model      TEXT,
  project    TEXT,
  run_id     TEXT,
  available_after INTEGER NOT NULL,
  held_after INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (kind, ref)
);
CREATE TABLE IF NOT EXISTS entries (
  tx_seq  INTEGER NOT NULL REFERENCES transactions(seq),
  account TEXT NOT NULL,
  amount  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_tx ON entries(tx_seq);
-- Materialised from entries, for speed; audit() checks they agree.
CREATE TABLE IF NOT EXISTS balances (account TEXT PRIMARY KEY, micros INTEGER NOT NULL);
-- Open and closed holds: what each still has in user:held.
CREATE TABLE IF NOT EXISTS holds (
  ref TEXT PRIMARY KEY, remaining INTEGER NOT NULL, open INTEGER NOT NULL,
  model TEXT, project TEXT, run_id TEXT
);
`

type TxRow = {
  seq: number
  id: string
  kind: EntryKind
  ref: string
  hold_ref: string | null
  amount: number
  shortfall: number
  memo: string | null
  model: string | null
  project: string | null
  run_id: string | null
  available_after: number
  held_after: number
  created_at: number
}

export class LedgerAccount extends DurableObject<Env> {
  #sql: SqlStorage
  /** The balances table in memory, to spare a read per transaction: this object is its only writer, the map changes only after a transaction has applied, and a failed commit resets the object (reloading it). */
  #balances = new Map<string, number>()

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.#sql = ctx.storage.sql
    this.#sql.exec(SCHEMA)
    for (const row of this.#sql.exec<{ account: string; micros: number }>('SELECT account, micros FROM balances')) this.#balances.set(row.account, row.micros)
  }

  #balance(account: string): number {
    return this.#balances.get(account) ?? 0
  }

  /** Applies one transaction exactly once per (kind, ref); see `applyLedgerEntry`. Never awaits: the whole call is one serialized step. */
  apply(entry: LedgerEntryInput, now: number): LedgerOutcome {
    const first = this.#sql.exec<TxRow>('SELECT * FROM transactions WHERE kind = ? AND ref = ?', entry.kind, entry.ref).toArray()[0]
    if (first) return { ok: true, transactionId: first.id, duplicate: true, availableMicros: first.available_after, heldMicros: first.held_after, ...(first.kind === 'refund' ? { shortfallMicros: first.shortfall } : {}) }

    const available = this.#balance(AVAILABLE)
    const moves: Array<[account: string, amount: number]> = []
    let amount = entry.amountMicros
    let shortfall = 0
    let meta = entry.meta ?? {}
    const holdRef = entry.kind === 'capture' || entry.kind === 'release' ? (entry.holdRef ?? entry.ref) : null
    const hold = holdRef ? this.#sql.exec<{ remaining: number; open: number; model: string | null; project: string | null; run_id: string | null }>('SELECT * FROM holds WHERE ref = ?', holdRef).toArray()[0] : undefined

    switch (entry.kind) {
      case 'purchase':
        moves.push([STRIPE, -amount], [AVAILABLE, amount])
        break
      case 'grant':
        moves.push([GRANTS, -amount], [AVAILABLE, amount])
        break
      case 'refund': {
        const taken = Math.min(amount, available)
        shortfall = amount - taken
        if (taken > 0) moves.push([AVAILABLE, -taken], [STRIPE, taken])
        break
      }
      case 'hold':
        if (available < amount) return { ok: false, status: 402, code: 'payment_required', message: `Not enough credits: the hold needs ${amount} µcredits, ${available} are available` }
        moves.push([AVAILABLE, -amount], [HELD, amount])
        break
      case 'capture':
      case 'release': {
        if (!hold) return { ok: false, status: 404, code: 'not_found', message: `No hold ${holdRef}` }
        if (!hold.open) return { ok: false, status: 409, code: 'conflict', message: `The hold ${holdRef} has been released; nothing is held any more` }
        meta = { model: entry.meta?.model ?? hold.model ?? undefined, project: entry.meta?.project ?? hold.project ?? undefined, runId: entry.meta?.runId ?? hold.run_id ?? undefined }
        if (entry.kind === 'capture') {
          if (amount > hold.remaining) return { ok: false, status: 409, code: 'conflict', message: `Cannot capture ${amount} µcredits: the hold ${holdRef} has only ${hold.remaining} left` }
          moves.push([HELD, -amount], [SPENT, amount])
        } else {
          amount = hold.remaining
          if (amount > 0) moves.push([HELD, -amount], [AVAILABLE, amount])
        }
        break
      }
      default:
        return unreachable(entry.kind)
    }

    const id = crypto.randomUUID()
    const after = new Map(moves.map(([account]) => [account, this.#balance(account)]))
    for (const [account, delta] of moves) after.set(account, after.get(account)! + delta)
    const result = this.ctx.storage.transactionSync(() => {
      for (const [account, delta] of moves) {
        this.#sql.exec('INSERT INTO balances (account, micros) VALUES (?, ?) ON CONFLICT (account) DO UPDATE SET micros = micros + excluded.micros', account, delta)
      }
      if (entry.kind === 'hold') this.#sql.exec('INSERT INTO holds (ref, remaining, open, model, project, run_id) VALUES (?, ?, 1, ?, ?, ?)', entry.ref, amount, meta.model ?? null, meta.project ?? null, meta.runId ?? null)
      if (entry.kind === 'capture') this.#sql.exec('UPDATE holds SET remaining = remaining - ? WHERE ref = ?', amount, holdRef)
      if (entry.kind === 'release') this.#sql.exec('UPDATE holds SET remaining = 0, open = 0 WHERE ref = ?', holdRef)
      const availableAfter = after.get(AVAILABLE) ?? this.#balance(AVAILABLE)
      const heldAfter = after.get(HELD) ?? this.#balance(HELD)
      const { seq } = this.#sql
        .exec<{ seq: number }>(
          'INSERT INTO transactions (id, kind, ref, hold_ref, amount, shortfall, memo, model, project, run_id, available_after, held_after, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq',
          id, entry.kind, entry.ref, holdRef, amount, shortfall, entry.memo ?? null, meta.model ?? null, meta.project ?? null, meta.runId ?? null, availableAfter, heldAfter, now,
        )
        .one()
      for (const [account, delta] of moves) this.#sql.exec('INSERT INTO entries (tx_seq, account, amount) VALUES (?, ?, ?)', seq, account, delta)
      return { ok: true as const, transactionId: id, duplicate: false, availableMicros: availableAfter, heldMicros: heldAfter, ...(entry.kind === 'refund' ? { shortfallMicros: shortfall } : {}) }
    })
    for (const [account, micros] of after) this.#balances.set(account, micros)
    return result
  }

  /** The user's three balances. */
  balance(): { availableMicros: number; heldMicros: number; spentMicros: number } {
    return { availableMicros: this.#balance(AVAILABLE), heldMicros: this.#balance(HELD), spentMicros: this.#balance(SPENT) }
  }

  /** Transactions newest first, before the sequence number `before` (exclusive). */
  transactions(before: number, limit: number): LedgerTransaction[] {
    return this.#sql
      .exec<TxRow>('SELECT * FROM transactions WHERE seq < ? ORDER BY seq DESC LIMIT ?', before, limit)
      .toArray()
      .map((r) => ({
        seq: r.seq,
        id: r.id,
        kind: r.kind,
        ref: r.ref,
        ...(r.hold_ref ? { holdRef: r.hold_ref } : {}),
        amountMicros: r.amount,
        ...(r.shortfall ? { shortfallMicros: r.shortfall } : {}),
        memo: r.memo,
        meta: { ...(r.model ? { model: r.model } : {}), ...(r.project ? { project: r.project } : {}), ...(r.run_id ? { runId: r.run_id } : {}) },
        createdAt: r.created_at,
      }))
  }

  /** Captured (spent) micro-credits since `since`, per UTC day, model, project and run. */
  usage(since: number): LedgerUsage {
    const by = (column: string, key: string) =>
      this.#sql
        .exec<Record<string, string | number>>(`SELECT ${column} AS k, SUM(amount) AS spent FROM transactions WHERE kind = 'capture' AND created_at >= ? GROUP BY k ORDER BY spent DESC`, since)
        .toArray()
        .map((r) => ({ [key]: r.k === null ? null : String(r.k), spentMicros: Number(r.spent) }))
    const total = this.#sql.exec<{ t: number | null }>("SELECT SUM(amount) AS t FROM transactions WHERE kind = 'capture' AND created_at >= ?", since).one().t ?? 0
    return {
      since,
      totalMicros: total,
      byDay: by("strftime('%Y-%m-%d', created_at / 1000, 'unixepoch')", 'day').sort((a, b) => String(a.day).localeCompare(String(b.day))) as LedgerUsage['byDay'],
      byModel: by('model', 'model') as LedgerUsage['byModel'],
      byProject: by('project', 'project') as LedgerUsage['byProject'],
      byRun: by('run_id', 'runId') as LedgerUsage['byRun'],
    }
  }

  /** The books checked: transactions whose entries do not sum to zero, and accounts whose materialised balance differs from the sum of their entries. Both empty when the books are right. */
  audit(): LedgerAudit {
    const unbalanced = this.#sql.exec<{ seq: number }>('SELECT tx_seq AS seq FROM entries GROUP BY tx_seq HAVING SUM(amount) != 0').toArray().map((r) => r.seq)
    const drift = this.#sql
      .exec<{ account: string; materialised: number; summed: number }>(
        `SELECT b.account, b.micros AS materialised, COALESCE((SELECT SUM(amount) FROM entries e WHERE e.account = b.account), 0) AS summed FROM balances b
         WHERE b.micros != COALESCE((SELECT SUM(amount) FROM entries e WHERE e.account = b.account), 0)`,
      )
      .toArray()
    const counts = this.#sql.exec<{ transactions: number; entries: number }>('SELECT (SELECT COUNT(*) FROM transactions) AS transactions, (SELECT COUNT(*) FROM entries) AS entries').one()
    return { unbalancedTransactions: unbalanced, driftingAccounts: drift, ...counts }
  }
}

function unreachable(x: never): never {
  throw new Error(`Unknown ledger entry kind ${String(x)}`)
}
