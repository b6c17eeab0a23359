/**
 * One user's ledger: a Durable Object (one per user, `idFromName(userId)`) whose own SQLite
 * storage is the source of truth for that user's credits.
 *
 * Why DO storage rather than D1: every method below runs synchronously from its first statement
 * to its last (no `await` inside), so the Durable Object's single thread serializes the user's
 * transactions with nothing in between — a balance or cap check and the debit it allows can never
 * race, and `transactionSync` makes each transaction all-or-nothing. D1 offers neither a lock nor a
 * read-then-write transaction across statements, so exactness there would need optimistic retries.
 * Everything the dashboard asks about (entries, usage by day/model/project/run, caps) is per user,
 * so the same object answers it; nothing about credits lives in D1.
 */
import { DurableObject } from 'cloudflare:workers'
import type { Env } from '../env'
import { capMessage, endOfUtcDay, utcDay } from './caps'
import type { CapHit, EntryKind, LedgerAudit, LedgerEntryInput, LedgerMeta, LedgerOutcome, LedgerTransaction, LedgerUsage, ScopeSpend, SpendingCaps, SpendingCapsStatus } from './types'

/** The ledger accounts one user's transactions touch: the user's own three and the system's counterparts. */
const AVAILABLE = 'user:available'
const HELD = 'user:held'
const SPENT = 'user:spent'
const STRIPE = 'system:stripe'
const GRANTS = 'system:grants'

/** The kinds that move credits to spent, as SQL, for the usage views and the tallies. */
const SPENDING = "('capture', 'settle')"

const SCHEMA = `
CREATE TABLE IF NOT EXISTS transactions (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT NOT NULL UNIQUE,
  kind       TEXT NOT NULL,
  ref        TEXT NOT NULL,
  hold_ref   TEXT,
  amount     INTEGER NOT NULL,   -- micro-credits moved (for a refund: what was asked; for a settle: what it cost)
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
-- Open holds: what each still has in user:held. A release or settle deletes its hold (its
-- transactions keep the story); rows with open = 0 are from before that and are deleted on start.
CREATE TABLE IF NOT EXISTS holds (
  ref TEXT PRIMARY KEY, remaining INTEGER NOT NULL, open INTEGER NOT NULL,
  model TEXT, project TEXT, run_id TEXT
);
DELETE FROM holds WHERE open = 0;
-- Spending caps: 'day' for the account, 'project:<name>' per project; micro-credits per UTC day.
CREATE TABLE IF NOT EXISTS caps (scope TEXT PRIMARY KEY, micros INTEGER NOT NULL);
`
/**
 * What was spent, kept as it is spent so a cap check reads one row: per UTC day
 * ('day:<YYYY-MM-DD>'), per project and day ('project:<YYYY-MM-DD>:<name>') and per run
 * ('run:<id>'). Materialised from the spending transactions; audit() checks they agree.
 */
const TALLIES = 'CREATE TABLE tallies (key TEXT PRIMARY KEY, micros INTEGER NOT NULL)'
const TALLIES_FROM_TRANSACTIONS = `
SELECT 'day:' || strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') AS key, SUM(amount) AS micros FROM transactions WHERE kind IN ${SPENDING} GROUP BY 1
UNION ALL
SELECT 'project:' || strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') || ':' || project, SUM(amount) FROM transactions WHERE kind IN ${SPENDING} AND project IS NOT NULL GROUP BY 1
UNION ALL
SELECT 'run:' || run_id, SUM(amount) FROM transactions WHERE kind IN ${SPENDING} AND run_id IS NOT NULL GROUP BY 1`

/** Multi-row statements by row count (a transaction moves 1–3 balances and adds to 1–3 tallies). */
const rows = (n: number, row: string) => Array.from({ length: n }, () => row).join(', ')
const BALANCES_UPSERT = [0, 1, 2, 3].map((n) => `INSERT INTO balances (account, micros) VALUES ${rows(n, '(?, ?)')} ON CONFLICT (account) DO UPDATE SET micros = micros + excluded.micros`)
const ENTRIES_INSERT = [0, 1, 2, 3].map((n) => `INSERT INTO entries (tx_seq, account, amount) VALUES ${rows(n, '(?, ?, ?)')}`)
const TALLIES_UPSERT = [0, 1, 2, 3].map((n) => `INSERT INTO tallies (key, micros) VALUES ${rows(n, '(?, ?)')} ON CONFLICT (key) DO UPDATE SET micros = excluded.micros`)

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

/** An open hold as the object keeps it in memory. */
interface OpenHold {
  remaining: number
  model: string | null
  project: string | null
  runId: string | null
}

const tallyKeys = (day: string, meta: { project?: string | null; runId?: string | null }) => [
  `day:${day}`,
  ...(meta.project ? [`project:${day}:${meta.project}`] : []),
  ...(meta.runId ? [`run:${meta.runId}`] : []),
]

export class LedgerAccount extends DurableObject<Env> {
  #sql: SqlStorage
  // In memory, to spare reads per transaction: this object is the only writer of its storage, each
  // map changes only after a transaction has applied, and a failed commit resets the object
  // (reloading them). The tallies map is a cache, read through on a miss.
  #balances = new Map<string, number>()
  #open = new Map<string, OpenHold>()
  #caps: { daily: number | null; projects: Map<string, number> } = { daily: null, projects: new Map() }
  #tallies = new Map<string, number>()

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.#sql = ctx.storage.sql
    const hadTallies = this.#sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tallies'").toArray().length > 0
    this.#sql.exec(SCHEMA)
    if (!hadTallies) {
      // A ledger from before the tallies: count what it already spent, so today's caps see it.
      ctx.storage.transactionSync(() => {
        this.#sql.exec(TALLIES)
        this.#sql.exec(`INSERT INTO tallies (key, micros) ${TALLIES_FROM_TRANSACTIONS}`)
      })
    }
    for (const row of this.#sql.exec<{ account: string; micros: number }>('SELECT account, micros FROM balances')) this.#balances.set(row.account, row.micros)
    for (const row of this.#sql.exec<{ ref: string; remaining: number; model: string | null; project: string | null; run_id: string | null }>('SELECT ref, remaining, model, project, run_id FROM holds')) {
      this.#open.set(row.ref, { remaining: row.remaining, model: row.model, project: row.project, runId: row.run_id })
    }
    this.#caps = this.#readCaps()
  }

  #balance(account: string): number {
    return this.#balances.get(account) ?? 0
  }

  #tally(key: string): number {
    let micros = this.#tallies.get(key)
    if (micros === undefined) {
      micros = this.#sql.exec<{ micros: number }>('SELECT micros FROM tallies WHERE key = ?', key).toArray()[0]?.micros ?? 0
      // Old days and finished runs pile up in a long-lived object; the cache starts over rather than grow without end.
      if (this.#tallies.size >= 10_000) this.#tallies.clear()
      this.#tallies.set(key, micros)
    }
    return micros
  }

  #readCaps(): { daily: number | null; projects: Map<string, number> } {
    const caps = { daily: null as number | null, projects: new Map<string, number>() }
    for (const { scope, micros } of this.#sql.exec<{ scope: string; micros: number }>('SELECT scope, micros FROM caps')) {
      if (scope === 'day') caps.daily = micros
      else if (scope.startsWith('project:')) caps.projects.set(scope.slice('project:'.length), micros)
    }
    return caps
  }

  /** What open holds keep back now, for the holds `match` picks. */
  #heldBy(match: (hold: OpenHold) => boolean): number {
    let held = 0
    for (const hold of this.#open.values()) if (match(hold)) held += hold.remaining
    return held
  }

  /**
   * The first cap a hold of `amount` would pass — its run's budget, its project's daily cap, the
   * account's daily cap — or null; and the least room left under the caps that apply to it.
   * Counts what was spent today (or in the run) and what open holds keep back now.
   */
  #checkCaps(amount: number, meta: LedgerMeta, runBudget: number | undefined, now: number): { hit: CapHit | null; room: number } {
    const day = utcDay(now)
    const limits: Array<{ scope: CapHit['scope']; name?: string; cap: number; used: () => number }> = []
    if (runBudget !== undefined && meta.runId) {
      const runId = meta.runId
      limits.push({ scope: 'run', name: runId, cap: runBudget, used: () => this.#tally(`run:${runId}`) + this.#heldBy((h) => h.runId === runId) })
    }
    const projectCap = meta.project === undefined ? undefined : this.#caps.projects.get(meta.project)
    if (projectCap !== undefined) {
      const project = meta.project!
      limits.push({ scope: 'project', name: project, cap: projectCap, used: () => this.#tally(`project:${day}:${project}`) + this.#heldBy((h) => h.project === project) })
    }
    if (this.#caps.daily !== null) limits.push({ scope: 'day', cap: this.#caps.daily, used: () => this.#tally(`day:${day}`) + this.#balance(HELD) })
    let room = Number.MAX_SAFE_INTEGER
    for (const limit of limits) {
      const used = limit.used()
      if (used + amount > limit.cap) return { hit: { scope: limit.scope, ...(limit.name === undefined ? {} : { name: limit.name }), capMicros: limit.cap, usedMicros: used, needMicros: amount }, room: 0 }
      room = Math.min(room, limit.cap - used - amount)
    }
    return { hit: null, room }
  }

  /** Applies one transaction exactly once per (kind, ref); see `applyLedgerEntry`. Never awaits: the whole call is one serialized step. */
  apply(entry: LedgerEntryInput, now: number): LedgerOutcome {
    const first = this.#sql.exec<TxRow>('SELECT * FROM transactions WHERE kind = ? AND ref = ?', entry.kind, entry.ref).toArray()[0]
    if (first) return { ok: true, transactionId: first.id, duplicate: true, availableMicros: first.available_after, heldMicros: first.held_after, ...(first.kind === 'refund' ? { shortfallMicros: first.shortfall } : {}) }

    const available = this.#balance(AVAILABLE)
    const moves: Array<[account: string, amount: number]> = []
    let amount = entry.amountMicros
    let shortfall = 0
    let headroom: number | undefined
    let meta: LedgerMeta = entry.meta ?? {}
    const holdRef = entry.kind === 'capture' || entry.kind === 'release' || entry.kind === 'settle' ? (entry.holdRef ?? entry.ref) : null
    const hold = holdRef === null ? undefined : this.#open.get(holdRef)
    if (holdRef !== null && !hold) {
      const closed = this.#sql.exec("SELECT 1 FROM transactions WHERE kind = 'hold' AND ref = ?", holdRef).toArray().length > 0
      return closed
        ? { ok: false, status: 409, code: 'conflict', message: `The hold ${holdRef} has been released; nothing is held any more` }
        : { ok: false, status: 404, code: 'not_found', message: `No hold ${holdRef}` }
    }
    if (hold) meta = { model: entry.meta?.model ?? hold.model ?? undefined, project: entry.meta?.project ?? hold.project ?? undefined, runId: entry.meta?.runId ?? hold.runId ?? undefined }

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
      case 'hold': {
        const { hit, room } = this.#checkCaps(amount, meta, entry.runBudgetMicros, now)
        if (hit) return { ok: false, status: 402, code: 'payment_required', refusal: 'cap', cap: hit, message: capMessage(hit, 'hold') }
        if (available < amount) return { ok: false, status: 402, code: 'payment_required', refusal: 'credits', message: `Not enough credits: the hold needs ${amount} µcredits, ${available} are available` }
        headroom = Math.min(room, available - amount)
        moves.push([AVAILABLE, -amount], [HELD, amount])
        break
      }
      case 'capture':
        if (amount > hold!.remaining) return { ok: false, status: 409, code: 'conflict', message: `Cannot capture ${amount} µcredits: the hold ${holdRef} has only ${hold!.remaining} left` }
        moves.push([HELD, -amount], [SPENT, amount])
        break
      case 'release':
        amount = hold!.remaining
        if (amount > 0) moves.push([HELD, -amount], [AVAILABLE, amount])
        break
      case 'settle': {
        const { remaining } = hold!
        if (amount > remaining) return { ok: false, status: 409, code: 'conflict', message: `Cannot settle ${amount} µcredits: the hold ${holdRef} has only ${remaining} left` }
        if (remaining > 0) moves.push([HELD, -remaining])
        if (amount > 0) moves.push([SPENT, amount])
        if (remaining > amount) moves.push([AVAILABLE, remaining - amount])
        break
      }
      default:
        return unreachable(entry.kind)
    }

    const id = crypto.randomUUID()
    const after = new Map(moves.map(([account]) => [account, this.#balance(account)]))
    for (const [account, delta] of moves) after.set(account, after.get(account)! + delta)
    const spends = (entry.kind === 'capture' || entry.kind === 'settle') && amount > 0
    const tallies = spends ? tallyKeys(utcDay(now), meta).map((key) => [key, this.#tally(key) + amount] as const) : []
    const availableAfter = after.get(AVAILABLE) ?? this.#balance(AVAILABLE)
    const heldAfter = after.get(HELD) ?? this.#balance(HELD)
    this.ctx.storage.transactionSync(() => {
      // One statement per table, however many rows: the statements, not the rows, are what a transaction costs.
      if (moves.length) this.#sql.exec(BALANCES_UPSERT[moves.length]!, ...moves.flat())
      if (entry.kind === 'hold') this.#sql.exec('INSERT INTO holds (ref, remaining, open, model, project, run_id) VALUES (?, ?, 1, ?, ?, ?)', entry.ref, amount, meta.model ?? null, meta.project ?? null, meta.runId ?? null)
      if (entry.kind === 'capture') this.#sql.exec('UPDATE holds SET remaining = remaining - ? WHERE ref = ?', amount, holdRef)
      if (entry.kind === 'release' || entry.kind === 'settle') this.#sql.exec('DELETE FROM holds WHERE ref = ?', holdRef)
      const { seq } = this.#sql
        .exec<{ seq: number }>(
          'INSERT INTO transactions (id, kind, ref, hold_ref, amount, shortfall, memo, model, project, run_id, available_after, held_after, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq',
          id, entry.kind, entry.ref, holdRef, amount, shortfall, entry.memo ?? null, meta.model ?? null, meta.project ?? null, meta.runId ?? null, availableAfter, heldAfter, now,
        )
        .one()
      if (moves.length) this.#sql.exec(ENTRIES_INSERT[moves.length]!, ...moves.flatMap(([account, delta]) => [seq, account, delta]))
      if (tallies.length) this.#sql.exec(TALLIES_UPSERT[tallies.length]!, ...tallies.flat())
    })
    for (const [account, micros] of after) this.#balances.set(account, micros)
    for (const [key, micros] of tallies) this.#tallies.set(key, micros)
    if (entry.kind === 'hold') this.#open.set(entry.ref, { remaining: amount, model: meta.model ?? null, project: meta.project ?? null, runId: meta.runId ?? null })
    else if (entry.kind === 'capture') hold!.remaining -= amount
    else if (entry.kind === 'release' || entry.kind === 'settle') this.#open.delete(holdRef!)
    return {
      ok: true,
      transactionId: id,
      duplicate: false,
      availableMicros: availableAfter,
      heldMicros: heldAfter,
      ...(entry.kind === 'refund' ? { shortfallMicros: shortfall } : {}),
      ...(headroom === undefined ? {} : { headroomMicros: headroom }),
    }
  }

  /** The user's three balances. */
  balance(): { availableMicros: number; heldMicros: number; spentMicros: number } {
    return { availableMicros: this.#balance(AVAILABLE), heldMicros: this.#balance(HELD), spentMicros: this.#balance(SPENT) }
  }

  /** The caps, and what the account and each capped project spent on the UTC day of `now` and hold now. */
  caps(now: number): SpendingCapsStatus {
    const day = utcDay(now)
    const projects: Record<string, ScopeSpend> = {}
    for (const project of this.#caps.projects.keys()) projects[project] = { spentMicros: this.#tally(`project:${day}:${project}`), heldMicros: this.#heldBy((h) => h.project === project) }
    return {
      dailyMicros: this.#caps.daily,
      projects: Object.fromEntries(this.#caps.projects),
      day,
      resetsAt: endOfUtcDay(now),
      today: { spentMicros: this.#tally(`day:${day}`), heldMicros: this.#balance(HELD), projects },
    }
  }

  /** Replaces all the caps with `caps` (already validated) in one transaction; answers as `caps(now)`. */
  setCaps(caps: SpendingCaps, now: number): SpendingCapsStatus {
    this.ctx.storage.transactionSync(() => {
      this.#sql.exec('DELETE FROM caps')
      if (caps.dailyMicros !== null) this.#sql.exec("INSERT INTO caps (scope, micros) VALUES ('day', ?)", caps.dailyMicros)
      for (const [project, micros] of Object.entries(caps.projects)) this.#sql.exec('INSERT INTO caps (scope, micros) VALUES (?, ?)', `project:${project}`, micros)
    })
    this.#caps = this.#readCaps()
    return this.caps(now)
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

  /** Spent micro-credits (captures and settles) since `since`, per UTC day, model, project and run. */
  usage(since: number): LedgerUsage {
    const by = (column: string, key: string) =>
      this.#sql
        .exec<Record<string, string | number>>(`SELECT ${column} AS k, SUM(amount) AS spent FROM transactions WHERE kind IN ${SPENDING} AND created_at >= ? GROUP BY k HAVING spent > 0 ORDER BY spent DESC`, since)
        .toArray()
        .map((r) => ({ [key]: r.k === null ? null : String(r.k), spentMicros: Number(r.spent) }))
    const total = this.#sql.exec<{ t: number | null }>(`SELECT SUM(amount) AS t FROM transactions WHERE kind IN ${SPENDING} AND created_at >= ?`, since).one().t ?? 0
    return {
      since,
      totalMicros: total,
      byDay: by("strftime('%Y-%m-%d', created_at / 1000, 'unixepoch')", 'day').sort((a, b) => String(a.day).localeCompare(String(b.day))) as LedgerUsage['byDay'],
      byModel: by('model', 'model') as LedgerUsage['byModel'],
      byProject: by('project', 'project') as LedgerUsage['byProject'],
      byRun: by('run_id', 'runId') as LedgerUsage['byRun'],
    }
  }

  /**
   * The books checked: transactions whose entries do not sum to zero, accounts whose materialised
   * balance differs from the sum of their entries, and spending tallies that differ from the
   * transactions they count (reported as drifting accounts named `tally:<key>`). All empty when the books are right.
   */
  audit(): LedgerAudit {
    const unbalanced = this.#sql.exec<{ seq: number }>('SELECT tx_seq AS seq FROM entries GROUP BY tx_seq HAVING SUM(amount) != 0').toArray().map((r) => r.seq)
    const drift = this.#sql
      .exec<{ account: string; materialised: number; summed: number }>(
        `SELECT b.account, b.micros AS materialised, COALESCE((SELECT SUM(amount) FROM entries e WHERE e.account = b.account), 0) AS summed FROM balances b
         WHERE b.micros != COALESCE((SELECT SUM(amount) FROM entries e WHERE e.account = b.account), 0)`,
      )
      .toArray()
    const tallyDrift = this.#sql
      .exec<{ account: string; materialised: number; summed: number }>(
        `WITH counted AS (${TALLIES_FROM_TRANSACTIONS})
         SELECT 'tally:' || COALESCE(t.key, c.key) AS account, COALESCE(t.micros, 0) AS materialised, COALESCE(c.micros, 0) AS summed
         FROM tallies t FULL OUTER JOIN counted c ON c.key = t.key WHERE COALESCE(t.micros, 0) != COALESCE(c.micros, 0)`,
      )
      .toArray()
    const counts = this.#sql.exec<{ transactions: number; entries: number }>('SELECT (SELECT COUNT(*) FROM transactions) AS transactions, (SELECT COUNT(*) FROM entries) AS entries').one()
    return { unbalancedTransactions: unbalanced, driftingAccounts: [...drift, ...tallyDrift], ...counts }
  }
}

function unreachable(x: never): never {
  throw new Error(`Unknown ledger entry kind ${String(x)}`)
}
