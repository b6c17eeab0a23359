/** @module The credits API as the page uses it: balance, packs, checkout, usage and history (all at the edge). */
import type { LedgerBalance, LedgerTransaction, LedgerUsage } from '../../shared/credits'

export type Balance = LedgerBalance
export type Usage = LedgerUsage
export type Transaction = LedgerTransaction

export interface CreditPack {
  id: string
  credits: number
  /** In the currency's smallest unit (cents). */
  amount: number
  currency: string
  name: string
}

export interface CheckoutStatus {
  id: string
  credits: number
  paymentStatus: string
  credited: boolean
}

/** Credits as a person reads them: `12.5`, `0.0042`. */
export const formatCredits = (micros: number): string => {
  const credits = micros / 1e6
  return credits === 0 ? '0' : Math.abs(credits) >= 1 ? credits.toLocaleString(undefined, { maximumFractionDigits: 2 }) : String(Number(credits.toPrecision(2)))
}

/** A price as Stripe shows it: `$10.00`. */
export const formatPrice = (pack: CreditPack): string => new Intl.NumberFormat(undefined, { style: 'currency', currency: pack.currency.toUpperCase() }).format(pack.amount / 100)

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, { credentials: 'same-origin', ...init, headers: { accept: 'application/json', ...(init?.body ? { 'content-type': 'application/json' } : {}), ...init?.headers } })
  const body = (await res.json().catch(() => null)) as ({ error?: { message?: string } } & T) | null
  if (!res.ok) throw new Error(body?.error?.message ?? `the server answered ${res.status} ${res.statusText}`)
  return body as T
}

export const credits = {
  balance: () => call<Balance>('/api/credits'),
  packs: () => call<{ packs: CreditPack[] }>('/api/credits/packs').then((r) => r.packs),
  usage: (days = 30) => call<Usage>(`/api/credits/usage?days=${days}`),
  entries: () => call<{ entries: Transaction[] }>('/api/credits/entries?limit=50').then((r) => r.entries),
  checkout: (pack: string) => call<{ id: string; url: string }>('/api/credits/checkout', { method: 'POST', body: JSON.stringify({ pack }) }),
  checkoutStatus: (id: string) => call<CheckoutStatus>(`/api/credits/checkout/${encodeURIComponent(id)}`),
}
