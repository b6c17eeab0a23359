/** What kind of transaction an entry is; the kind gives the direction money moves. */
export type EntryKind = 'purchase' | 'grant' | 'refund' | 'hold' | 'capture' | 'release'

/** Where a cost came from, for the usage views. */
export interface LedgerMeta {
  model?: string
  project?: string
  runId?: string
}

export interface LedgerEntryInput {
  kind: EntryKind
  /** Micro-credits (1 credit = 1,000,000), an integer > 0; ignored for a release, which returns all the hold has left. */
  amountMicros: number
  /** Makes the transaction idempotent: one transaction per (kind, ref). For a hold, the hold's name. */
  ref: string
  /** The hold a capture or release applies to; defaults to `ref`. */
  holdRef?: string
  memo?: string
  meta?: LedgerMeta
}

export interface LedgerResult {
  transactionId: string
  /** True when this (kind, ref) had been applied before: the result is the first one's. */
  duplicate: boolean
  availableMicros: number
  heldMicros: number
  /** For a refund: what could not be taken back because too little was available. */
  shortfallMicros?: number
}

/** What the account object answers: a result, or a refusal the caller turns into an `ApiError`. */
export type LedgerOutcome = ({ ok: true } & LedgerResult) | { ok: false; status: 402 | 404 | 409; code: 'payment_required' | 'not_found' | 'conflict'; message: string }

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

export interface LedgerAudit {
  /** Sequence numbers of transactions whose entries do not sum to zero. */
  unbalancedTransactions: number[]
  /** Accounts whose materialised balance is not the sum of their entries. */
  driftingAccounts: Array<{ account: string; materialised: number; summed: number }>
  transactions: number
  entries: number
}
