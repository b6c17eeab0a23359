import type { EntryKind, LedgerBalance, LedgerMeta, LedgerTransaction, LedgerUsage } from '../../shared/credits'

export type { EntryKind, LedgerBalance, LedgerMeta, LedgerTransaction, LedgerUsage }

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

export interface LedgerAudit {
  /** Sequence numbers of transactions whose entries do not sum to zero. */
  unbalancedTransactions: number[]
  /** Accounts whose materialised balance is not the sum of their entries. */
  driftingAccounts: Array<{ account: string; materialised: number; summed: number }>
  transactions: number
  entries: number
}
