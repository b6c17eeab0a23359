import type { CapScope, EntryKind, LedgerBalance, LedgerMeta, LedgerTransaction, LedgerUsage, ScopeSpend, SpendingCaps, SpendingCapsStatus } from '../../shared/credits'

export type { CapScope, EntryKind, LedgerBalance, LedgerMeta, LedgerTransaction, LedgerUsage, ScopeSpend, SpendingCaps, SpendingCapsStatus }

export interface LedgerEntryInput {
  kind: EntryKind
  /** Micro-credits (1 credit = 1,000,000), an integer > 0; ignored for a release, which returns all the hold has left; for a settle, the cost (0 allowed). */
  amountMicros: number
  /** Makes the transaction idempotent: one transaction per (kind, ref). For a hold, the hold's name. */
  ref: string
  /** The hold a capture, release or settle applies to; defaults to `ref`. */
  holdRef?: string
  memo?: string
  meta?: LedgerMeta
  /** For a hold with `meta.runId`: the run's budget; the run's spent + held + this hold must stay within it. */
  runBudgetMicros?: number
}

export interface LedgerResult {
  transactionId: string
  /** True when this (kind, ref) had been applied before: the result is the first one's. */
  duplicate: boolean
  availableMicros: number
  heldMicros: number
  /** For a refund: what could not be taken back because too little was available. */
  shortfallMicros?: number
  /** For a new hold: how much more could have been held with it before the credits or a cap that applied to it refused. */
  headroomMicros?: number
}

/** A cap that refused a hold: which, its size, what the scope had spent and held, and what the hold asked. */
export interface CapHit {
  scope: CapScope
  /** The project's name, or the run's id. */
  name?: string
  capMicros: number
  usedMicros: number
  needMicros: number
}

/** Why the ledger refused a transaction; the caller turns it into an `ApiError` or a 402 of its own. */
export type LedgerRefusal =
  | { ok: false; status: 402; code: 'payment_required'; refusal: 'credits'; message: string }
  | { ok: false; status: 402; code: 'payment_required'; refusal: 'cap'; cap: CapHit; message: string }
  | { ok: false; status: 404 | 409; code: 'not_found' | 'conflict'; message: string }

/** What the account object answers: a result, or a refusal. */
export type LedgerOutcome = ({ ok: true } & LedgerResult) | LedgerRefusal

export interface LedgerAudit {
  /** Sequence numbers of transactions whose entries do not sum to zero. */
  unbalancedTransactions: number[]
  /** Accounts whose materialised balance is not the sum of their entries. */
  driftingAccounts: Array<{ account: string; materialised: number; summed: number }>
  transactions: number
  entries: number
}
