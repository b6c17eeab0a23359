/**
 * @module Prepaid credits: a double-entry ledger per user, in integer micro-credits (1 credit =
 * 1,000,000 µ). Purchases and grants add to the user's available credits; a model call or run
 * holds its budget, then settles it (captures what it cost and releases the rest in one step);
 * refunds take back what is available. Spending caps per UTC day (account, project) and per run
 * are checked in the same step as the hold they judge. Each user's transactions are serialized by
 * their own Durable Object (./account.ts), so concurrent debits are exact, available credits
 * never go below zero and no cap is ever passed.
 */
import type { Env } from '../env'
import { ApiError } from '../errors'
import { validateCaps } from './caps'
import type { CapHit, EntryKind, LedgerAudit, LedgerBalance, LedgerEntryInput, LedgerResult, LedgerTransaction, LedgerUsage, SpendingCaps, SpendingCapsStatus } from './types'

export { LedgerAccount } from './account'
export { capMessage, validateCaps } from './caps'
export { createCreditRoutes } from './routes'
export type { CapHit, EntryKind, LedgerAudit, LedgerBalance, LedgerEntryInput, LedgerMeta, LedgerResult, LedgerTransaction, LedgerUsage, SpendingCaps, SpendingCapsStatus } from './types'

export const ENTRY_KINDS: readonly EntryKind[] = ['purchase', 'grant', 'refund', 'hold', 'capture', 'release', 'settle']
/** Longest ref, memo and meta value the ledger keeps. */
const MAX_REF = 200
const MAX_MEMO = 500

const account = (env: Env, userId: string) => env.LEDGER.get(env.LEDGER.idFromName(userId))

/** Throws a 400 `ApiError` naming what is wrong with an entry; returns it trimmed to what is stored. */
export function validateEntry(entry: LedgerEntryInput): LedgerEntryInput {
  if (!ENTRY_KINDS.includes(entry.kind)) throw new ApiError(400, 'bad_request', `kind must be one of ${ENTRY_KINDS.join(', ')}`)
  if (entry.kind === 'settle' ? !(Number.isSafeInteger(entry.amountMicros) && entry.amountMicros >= 0) : entry.kind !== 'release' && !(Number.isSafeInteger(entry.amountMicros) && entry.amountMicros > 0)) {
    throw new ApiError(400, 'bad_request', `amountMicros must be a whole number of micro-credits, ${entry.kind === 'settle' ? '0 or more' : 'more than 0'}`)
  }
  const text = (value: unknown, what: string, max: number) => {
    if (value === undefined) return undefined
    if (typeof value !== 'string' || value.length === 0 || value.length > max) throw new ApiError(400, 'bad_request', `${what} must be text of 1 to ${max} characters`)
    return value
  }
  const meta = entry.meta
  if (meta !== undefined && (typeof meta !== 'object' || meta === null || Array.isArray(meta))) throw new ApiError(400, 'bad_request', 'meta must be an object with model, project and runId')
  const budget = entry.runBudgetMicros
  if (budget !== undefined) {
    if (entry.kind !== 'hold') throw new ApiError(400, 'bad_request', 'runBudgetMicros belongs to a hold')
    if (!Number.isSafeInteger(budget) || budget < 0) throw new ApiError(400, 'bad_request', 'runBudgetMicros must be a whole number of micro-credits, 0 or more')
    if (!meta?.runId) throw new ApiError(400, 'bad_request', 'runBudgetMicros needs meta.runId: the run whose budget it is')
  }
  return {
    kind: entry.kind,
    amountMicros: entry.kind === 'release' ? 0 : entry.amountMicros,
    ref: text(entry.ref, 'ref', MAX_REF) ?? (() => { throw new ApiError(400, 'bad_request', 'ref is missing') })(),
    holdRef: text(entry.holdRef, 'holdRef', MAX_REF),
    memo: text(entry.memo, 'memo', MAX_MEMO),
    meta: meta && { model: text(meta.model, 'meta.model', MAX_REF), project: text(meta.project, 'meta.project', MAX_REF), runId: text(meta.runId, 'meta.runId', MAX_REF) },
    ...(budget === undefined ? {} : { runBudgetMicros: budget }),
  }
}

/**
 * Applies one transaction to the user's account exactly once per (kind, ref) — a repeated call
 * with the same kind and ref returns the first result with duplicate: true. amountMicros is > 0
 * (ignored for a release; 0 allowed for a settle); the kind gives the direction: purchase and
 * grant add to available; refund removes from available (never below zero: what cannot be taken is
 * `shortfallMicros`); hold moves available → held (refused with ApiError 402 'payment_required'
 * when available is short or a spending cap or the run's budget would be passed); capture moves
 * held → spent (for the hold `holdRef`, default `ref`: at most what it still holds, else a 409);
 * release moves the rest of a hold back to available and closes it; settle does both in one step:
 * captures amountMicros (the cost) and releases the rest. Bad input is a 400 and stores nothing;
 * a capture, release or settle of an unknown hold is a 404. `now` dates the transaction and picks
 * the UTC day the caps count in.
 */
export async function applyLedgerEntry(env: Env, userId: string, entry: LedgerEntryInput, now = Date.now()): Promise<LedgerResult> {
  return ledgerOf(env, userId).apply(entry, now)
}

/** A hold placed, or why not: not enough credits, or the cap (daily, project, run budget) it would pass. */
export type HoldOutcome = { ok: true; result: LedgerResult } | { ok: false; refusal: 'credits'; message: string } | { ok: false; refusal: 'cap'; cap: CapHit; message: string }

/**
 * Places a hold (as `applyLedgerEntry` with kind 'hold') and answers a refusal as a value rather
 * than an error, for callers that answer it in their own shape (the model proxy). Bad input still
 * throws a 400 `ApiError`.
 */
export async function placeHold(env: Env, userId: string, hold: Omit<LedgerEntryInput, 'kind'>, now = Date.now()): Promise<HoldOutcome> {
  return ledgerOf(env, userId).hold(hold, now)
}

/** One user's ledger for the length of one request: `applyLedgerEntry` and `placeHold` without looking the Durable Object up again for each. */
export interface UserLedger {
  apply(entry: LedgerEntryInput, now?: number): Promise<LedgerResult>
  hold(hold: Omit<LedgerEntryInput, 'kind'>, now?: number): Promise<HoldOutcome>
}

/** The user's ledger, for several transactions within one request (a stub belongs to the request that made it). */
export function ledgerOf(env: Env, userId: string): UserLedger {
  const stub = account(env, userId)
  return {
    async apply(entry, now = Date.now()) {
      const outcome = await stub.apply(validateEntry(entry), now)
      if (!outcome.ok) throw new ApiError(outcome.status, outcome.code, outcome.message)
      const { ok: _, ...result } = outcome
      return result
    },
    async hold(hold, now = Date.now()) {
      const outcome = await stub.apply(validateEntry({ ...hold, kind: 'hold' }), now)
      if (outcome.ok) {
        const { ok: _, ...result } = outcome
        return { ok: true, result }
      }
      if (outcome.status === 402) return outcome.refusal === 'cap' ? { ok: false, refusal: 'cap', cap: outcome.cap, message: outcome.message } : { ok: false, refusal: 'credits', message: outcome.message }
      throw new ApiError(outcome.status, outcome.code, outcome.message)
    },
  }
}

/** The user's spending caps and what was spent today against each, the day being the UTC day of `now`. */
export async function capsOf(env: Env, userId: string, now = Date.now()): Promise<SpendingCapsStatus> {
  return account(env, userId).caps(now)
}

/** Replaces the user's spending caps, all at once; resolves as `capsOf`. Caps that `validateCaps` refuses are a 400 and change nothing. */
export async function setCaps(env: Env, userId: string, caps: SpendingCaps, now = Date.now()): Promise<SpendingCapsStatus> {
  return account(env, userId).setCaps(validateCaps(caps), now)
}

/** The user's available, held and spent micro-credits (all 0 for a user with no transactions). */
export async function balanceOf(env: Env, userId: string): Promise<LedgerBalance> {
  return account(env, userId).balance()
}

/** The user's transactions, newest first, before the sequence number `before`. */
export async function transactionsOf(env: Env, userId: string, before = Number.MAX_SAFE_INTEGER, limit = 50): Promise<LedgerTransaction[]> {
  return account(env, userId).transactions(before, limit)
}

/** What the user spent since `since` (ms since the epoch), per day, model, project and run. */
export async function usageOf(env: Env, userId: string, since: number): Promise<LedgerUsage> {
  return account(env, userId).usage(since)
}

/** Checks the user's books: every transaction sums to zero, every materialised balance equals its entries. */
export async function auditLedger(env: Env, userId: string): Promise<LedgerAudit> {
  return account(env, userId).audit()
}

/**
 * Grants a new user STARTER_CREDITS (credits, e.g. "5"; "0" or unset: none) once, whatever
 * calls it how often (ref `starter:<userId>`). A malformed setting is logged and grants nothing,
 * so it never stops a sign-in.
 */
export async function grantStarterCredits(env: Env, userId: string): Promise<void> {
  const setting = (env.STARTER_CREDITS ?? '0').trim()
  if (!/^\d+(\.\d{1,6})?$/.test(setting)) {
    console.error(`STARTER_CREDITS is "${setting}", not a number of credits; no starter credits granted`)
    return
  }
  const [whole, fraction = ''] = setting.split('.')
  const micros = Number(whole) * 1_000_000 + Number(fraction.padEnd(6, '0'))
  if (micros === 0) return
  await applyLedgerEntry(env, userId, { kind: 'grant', amountMicros: micros, ref: `starter:${userId}`, memo: 'Starter credits' })
}
