/**
 * @module Prepaid credits: a double-entry ledger per user, in integer micro-credits (1 credit =
 * 1,000,000 µ). Purchases and grants add to the user's available credits; a model call or run
 * holds its budget, captures what it cost and releases the rest; refunds take back what is
 * available. Each user's transactions are serialized by their own Durable Object (./account.ts),
 * so concurrent debits are exact and available credits never go below zero.
 */
import type { Env } from '../env'
import { ApiError } from '../errors'
import type { EntryKind, LedgerAudit, LedgerBalance, LedgerEntryInput, LedgerResult, LedgerTransaction, LedgerUsage } from './types'

export { LedgerAccount } from './account'
export { createCreditRoutes } from './routes'
export type { EntryKind, LedgerAudit, LedgerBalance, LedgerEntryInput, LedgerMeta, LedgerResult, LedgerTransaction, LedgerUsage } from './types'

export const ENTRY_KINDS: readonly EntryKind[] = ['purchase', 'grant', 'refund', 'hold', 'capture', 'release']
/** Longest ref, memo and meta value the ledger keeps. */
const MAX_REF = 200
const MAX_MEMO = 500

const account = (env: Env, userId: string) => env.LEDGER.get(env.LEDGER.idFromName(userId))

/** Throws a 400 `ApiError` naming what is wrong with an entry; returns it trimmed to what is stored. */
export function validateEntry(entry: LedgerEntryInput): LedgerEntryInput {
  if (!ENTRY_KINDS.includes(entry.kind)) throw new ApiError(400, 'bad_request', `kind must be one of ${ENTRY_KINDS.join(', ')}`)
  if (entry.kind !== 'release' && !(Number.isSafeInteger(entry.amountMicros) && entry.amountMicros > 0)) {
    throw new ApiError(400, 'bad_request', 'amountMicros must be a whole number of micro-credits, more than 0')
  }
  const text = (value: unknown, what: string, max: number) => {
    if (value === undefined) return undefined
    if (typeof value !== 'string' || value.length === 0 || value.length > max) throw new ApiError(400, 'bad_request', `${what} must be text of 1 to ${max} characters`)
    return value
  }
  const meta = entry.meta
  if (meta !== undefined && (typeof meta !== 'object' || meta === null || Array.isArray(meta))) throw new ApiError(400, 'bad_request', 'meta must be an object with model, project and runId')
  return {
    kind: entry.kind,
    amountMicros: entry.kind === 'release' ? 0 : entry.amountMicros,
    ref: text(entry.ref, 'ref', MAX_REF) ?? (() => { throw new ApiError(400, 'bad_request', 'ref is missing') })(),
    holdRef: text(entry.holdRef, 'holdRef', MAX_REF),
    memo: text(entry.memo, 'memo', MAX_MEMO),
    meta: meta && { model: text(meta.model, 'meta.model', MAX_REF), project: text(meta.project, 'meta.project', MAX_REF), runId: text(meta.runId, 'meta.runId', MAX_REF) },
  }
}

/**
 * Applies one transaction to the user's account exactly once per (kind, ref) — a repeated call
 * with the same kind and ref returns the first result with duplicate: true. amountMicros is always
 * > 0 (ignored for a release); the kind gives the direction: purchase and grant add to available;
 * refund removes from available (never below zero: what cannot be taken is `shortfallMicros`);
 * hold moves available → held (refused with ApiError 402 'payment_required' when available is
 * short); capture moves held → spent (for the hold `holdRef`, default `ref`: at most what it still
 * holds, else a 409); release moves the rest of a hold back to available and closes it.
 * Bad input is a 400 and stores nothing; a capture or release of an unknown hold is a 404.
 */
export async function applyLedgerEntry(
  env: Env,
  userId: string,
  entry: { kind: EntryKind; amountMicros: number; ref: string; holdRef?: string; memo?: string; meta?: { model?: string; project?: string; runId?: string } },
): Promise<{ transactionId: string; duplicate: boolean; availableMicros: number; heldMicros: number; shortfallMicros?: number }> {
  const outcome = await account(env, userId).apply(validateEntry(entry), Date.now())
  if (!outcome.ok) throw new ApiError(outcome.status, outcome.code, outcome.message)
  const { ok: _, ...result } = outcome
  return result
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
