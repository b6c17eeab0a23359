/** @module The credits API as the page uses it: balance, packs, checkout, usage, history and spending caps (all at the edge). */
import { MAX_PROJECT_NAME, type CreditPack, type LedgerBalance, type LedgerTransaction, type LedgerUsage, type SpendingCaps, type SpendingCapsStatus } from '../../shared/credits'

export type Balance = LedgerBalance
export type Usage = LedgerUsage
export type Transaction = LedgerTransaction
export type { SpendingCaps, SpendingCapsStatus }


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
  caps: () => call<SpendingCapsStatus>('/api/credits/caps'),
  setCaps: (caps: SpendingCaps) => call<SpendingCapsStatus>('/api/credits/caps', { method: 'PUT', body: JSON.stringify(caps) }),
}

/** The micro-credits in a number of credits as a person types it (`5`, `0.25`, `1,5`), exactly; null when it is not one (negative, more than 6 decimals, not a number). */
export function parseCredits(text: string): number | null {
  const match = /^(\d{1,9})?(?:[.,](\d{0,6}))?$/.exec(text.trim())
  if (!match || (match[1] === undefined && !match[2])) return null
  return Number(match[1] ?? 0) * 1_000_000 + Number((match[2] ?? '').padEnd(6, '0'))
}

/** Credits as a cap is typed back into its field: `5`, `0.25` (never rounded). */
export const creditsText = (micros: number): string => String(Number((micros / 1e6).toFixed(6)))

/** The caps form as typed: the daily cap (empty for none) and one row per project. */
export interface CapsDraft {
  daily: string
  projects: Array<{ id: number; name: string; cap: string }>
}

let nextRow = 0
/** A new, empty project row. */
export const newCapRow = (name = '', cap = ''): CapsDraft['projects'][number] => ({ id: nextRow++, name, cap })

/** The form filled in from saved caps. */
export function draftOf(caps: SpendingCaps): CapsDraft {
  return {
    daily: caps.dailyMicros === null ? '' : creditsText(caps.dailyMicros),
    projects: Object.entries(caps.projects).map(([name, micros]) => newCapRow(name, creditsText(micros))),
  }
}

/** The caps a filled-in form asks for, or what is wrong with it, in words for the person who typed it. Rows left wholly empty are ignored. */
export function capsOfDraft(draft: CapsDraft): { ok: true; caps: SpendingCaps } | { ok: false; error: string } {
  let dailyMicros: number | null = null
  if (draft.daily.trim() !== '') {
    dailyMicros = parseCredits(draft.daily)
    if (dailyMicros === null) return { ok: false, error: `The daily cap "${draft.daily}" is not a number of credits (for example 5 or 0.25), or leave it empty for no cap.` }
  }
  const projects = new Map<string, number>()
  for (const row of draft.projects) {
    const name = row.name.trim()
    if (name === '' && row.cap.trim() === '') continue
    if (name === '') return { ok: false, error: `A project cap of ${row.cap} credits has no project name.` }
    if (name.length > MAX_PROJECT_NAME) return { ok: false, error: `The project name "${name.slice(0, 40)}…" is longer than ${MAX_PROJECT_NAME} characters.` }
    if (projects.has(name)) return { ok: false, error: `The project "${name}" is listed twice.` }
    const micros = parseCredits(row.cap)
    if (micros === null) return { ok: false, error: `The cap of "${name}" ("${row.cap}") is not a number of credits (for example 5 or 0.25).` }
    projects.set(name, micros)
  }
  return { ok: true, caps: { dailyMicros, projects: Object.fromEntries(projects) } }
}
