/** @module The credits the edge keeps, as its API answers them (the edge's ledger and the credits page share these). */

/**
 * What kind of transaction an entry is; the kind gives the direction money moves. A `settle`
 * closes a hold in one step: it captures the cost (held → spent) and returns the rest.
 */
export type EntryKind = 'purchase' | 'grant' | 'refund' | 'hold' | 'capture' | 'release' | 'settle'

/** Where a cost came from, for the usage views. */
export interface LedgerMeta {
  model?: string
  project?: string
  runId?: string
}

export interface LedgerBalance {
  availableMicros: number
  heldMicros: number
  spentMicros: number
}

export interface LedgerTransaction {
  /** The position in the user's ledger; pass it as `before` for the next page. */
  seq: number
  id: string
  kind: EntryKind
  ref: string
  holdRef?: string
  amountMicros: number
  shortfallMicros?: number
  memo: string | null
  meta: LedgerMeta
  createdAt: number
}

export interface LedgerUsage {
  since: number
  totalMicros: number
  byDay: Array<{ day: string; spentMicros: number }>
  byModel: Array<{ model: string | null; spentMicros: number }>
  byProject: Array<{ project: string | null; spentMicros: number }>
  byRun: Array<{ runId: string | null; spentMicros: number }>
}

/**
 * The user's spending caps (`PUT /api/credits/caps`), in micro-credits per UTC day: for the whole
 * account (`dailyMicros`, null for none) and per project (by the name model calls send as
 * `coder-project`). A hold is refused when what the scope spent today, plus what it holds now,
 * plus the hold would pass the cap. 0 is a cap too: nothing may be spent.
 */
export interface SpendingCaps {
  dailyMicros: number | null
  projects: Record<string, number>
}

/** What a scope spent (captured) today and holds now for calls still running. */
export interface ScopeSpend {
  spentMicros: number
  heldMicros: number
}

/** `GET /api/credits/caps`: the caps, and today's spending against each capped scope. */
export interface SpendingCapsStatus extends SpendingCaps {
  /** The UTC day the figures are for (YYYY-MM-DD) and when it ends (ms since the epoch), when the caps start afresh. */
  day: string
  resetsAt: number
  /** The whole account's spending today, and each capped project's. */
  today: ScopeSpend & { projects: Record<string, ScopeSpend> }
}

/** Which limit refused a hold: a daily cap (account or project) or a run's budget. */
export type CapScope = 'day' | 'project' | 'run'

/** The longest project name a cap may name, and how many projects may have one. */
export const MAX_PROJECT_NAME = 100
export const MAX_CAPPED_PROJECTS = 100

/** A credit pack as CREDIT_PACKS configures it and the credits page offers it: `amount` in the currency's smallest unit (cents). */
export interface CreditPack {
  id: string
  credits: number
  amount: number
  currency: string
  name: string
}
