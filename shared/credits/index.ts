/** @module The credits the edge keeps, as its API answers them (the edge's ledger and the credits page share these). */

/** What kind of transaction an entry is; the kind gives the direction money moves. */
export type EntryKind = 'purchase' | 'grant' | 'refund' | 'hold' | 'capture' | 'release'

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
