import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import type { Env } from '../env'
import { ApiError } from '../errors'
import { browser, resetAccounts, signInByEmail } from '../test/browser'
import { applyLedgerEntry, auditLedger, balanceOf, transactionsOf, usageOf } from './index'

const e = env as unknown as Env
const CREDIT = 1_000_000
const newUser = () => `user-${crypto.randomUUID()}`
const refusal = (p: Promise<unknown>) => p.then(() => null, (error: unknown) => (error instanceof ApiError ? { status: error.status, code: error.code, message: error.message } : Promise.reject(error)))

async function expectBooksBalanced(userId: string) {
  const audit = await auditLedger(e, userId)
  expect(audit.unbalancedTransactions).toEqual([])
  expect(audit.driftingAccounts).toEqual([])
  return audit
}

describe('the credits ledger', () => {
  it('stays exact under 1,000 concurrent hold+capture debits on one account, refusing those that would overdraw', async () => {
    const user = newUser()
    const initial = 3_000 // µ: enough for some of the 1,000 debits, not all
    await applyLedgerEntry(e, user, { kind: 'purchase', amountMicros: initial, ref: 'pi_1' })
    const amounts = Array.from({ length: 1000 }, (_, i) => 1 + (i % 7)) // 1..7 µ each; sum ≈ 4,000 > initial
    const outcomes = await Promise.all(
      amounts.map(async (amount, i) => {
        try {
          const held = await applyLedgerEntry(e, user, { kind: 'hold', amountMicros: amount, ref: `call-${i}`, meta: { model: i % 2 ? 'gpt-4o' : 'claude', project: 'p1' } })
          expect(held.availableMicros).toBeGreaterThanOrEqual(0)
          await applyLedgerEntry(e, user, { kind: 'capture', amountMicros: amount, ref: `call-${i}`, holdRef: `call-${i}` })
          return amount
        } catch (error) {
          expect(error).toBeInstanceOf(ApiError)
          expect((error as ApiError).status).toBe(402)
          return null
        }
      }),
    )
    const accepted = outcomes.filter((o): o is number => o !== null)
    const rejected = outcomes.filter((o) => o === null).length
    expect(accepted.length + rejected).toBe(1000)
    expect(rejected).toBeGreaterThan(0)
    const spent = accepted.reduce((a, b) => a + b, 0)
    expect(await balanceOf(e, user)).toEqual({ availableMicros: initial - spent, heldMicros: 0, spentMicros: spent })
    // Greedy acceptance: a refused debit means what was left could not pay for it.
    expect(initial - spent).toBeLessThan(7)
    const audit = await expectBooksBalanced(user)
    // 1 purchase + a hold and a capture per accepted debit, two entries each: nothing lost or doubled.
    expect(audit.transactions).toBe(1 + 2 * accepted.length)
    expect(audit.entries).toBe(2 * audit.transactions)
    // Every available-after the ledger reported along the way was ≥ 0.
    const all = await transactionsOf(e, user, undefined, 5000)
    expect(all).toHaveLength(audit.transactions)
    expect(new Set(all.map((t) => t.id)).size).toBe(all.length)
  })

  it('applies the same (kind, ref) once and answers a repeat with the first result', async () => {
    const user = newUser()
    const first = await applyLedgerEntry(e, user, { kind: 'purchase', amountMicros: 5 * CREDIT, ref: 'pi_abc' })
    const again = await applyLedgerEntry(e, user, { kind: 'purchase', amountMicros: 5 * CREDIT, ref: 'pi_abc' })
    expect(first.duplicate).toBe(false)
    expect(again).toEqual({ ...first, duplicate: true })
    // Concurrent repeats too.
    const burst = await Promise.all(Array.from({ length: 20 }, () => applyLedgerEntry(e, user, { kind: 'grant', amountMicros: CREDIT, ref: 'promo' })))
    expect(new Set(burst.map((r) => r.transactionId)).size).toBe(1)
    expect(burst.filter((r) => !r.duplicate)).toHaveLength(1)
    expect((await balanceOf(e, user)).availableMicros).toBe(6 * CREDIT)
    // The same ref under another kind is another transaction.
    await applyLedgerEntry(e, user, { kind: 'refund', amountMicros: CREDIT, ref: 'pi_abc' })
    expect((await balanceOf(e, user)).availableMicros).toBe(5 * CREDIT)
    await expectBooksBalanced(user)
  })

  it('holds a budget, captures part, releases the rest — once — and refuses to capture more than is held', async () => {
    const user = newUser()
    await applyLedgerEntry(e, user, { kind: 'grant', amountMicros: 10 * CREDIT, ref: 'g' })
    const held = await applyLedgerEntry(e, user, { kind: 'hold', amountMicros: 4 * CREDIT, ref: 'run-1', meta: { model: 'gpt-4o', project: 'p1', runId: 'r1' } })
    expect(held).toMatchObject({ availableMicros: 6 * CREDIT, heldMicros: 4 * CREDIT })
    expect(await refusal(applyLedgerEntry(e, user, { kind: 'hold', amountMicros: 7 * CREDIT, ref: 'run-2' }))).toMatchObject({ status: 402, code: 'payment_required', message: expect.stringMatching(/Not enough credits/) })

    await applyLedgerEntry(e, user, { kind: 'capture', amountMicros: CREDIT, ref: 'run-1:step-1', holdRef: 'run-1' })
    const tooMuch = await refusal(applyLedgerEntry(e, user, { kind: 'capture', amountMicros: 3 * CREDIT + 1, ref: 'run-1:step-2', holdRef: 'run-1' }))
    expect(tooMuch).toEqual({ status: 409, code: 'conflict', message: `Cannot capture ${3 * CREDIT + 1} µcredits: the hold run-1 has only ${3 * CREDIT} left` })
    expect(await balanceOf(e, user)).toEqual({ availableMicros: 6 * CREDIT, heldMicros: 3 * CREDIT, spentMicros: CREDIT })

    const released = await applyLedgerEntry(e, user, { kind: 'release', amountMicros: 1, ref: 'run-1', holdRef: 'run-1' })
    const twice = await applyLedgerEntry(e, user, { kind: 'release', amountMicros: 1, ref: 'run-1', holdRef: 'run-1' })
    expect(twice).toEqual({ ...released, duplicate: true })
    expect(await balanceOf(e, user)).toEqual({ availableMicros: 9 * CREDIT, heldMicros: 0, spentMicros: CREDIT })
    expect(await refusal(applyLedgerEntry(e, user, { kind: 'capture', amountMicros: 1, ref: 'late', holdRef: 'run-1' }))).toMatchObject({ status: 409, message: expect.stringMatching(/released/) })
    expect(await refusal(applyLedgerEntry(e, user, { kind: 'capture', amountMicros: 1, ref: 'x', holdRef: 'nope' }))).toMatchObject({ status: 404 })

    // The capture carries the hold's model, project and run into the usage views.
    const usage = await usageOf(e, user, Date.now() - 60_000)
    expect(usage).toMatchObject({ totalMicros: CREDIT, byModel: [{ model: 'gpt-4o', spentMicros: CREDIT }], byProject: [{ project: 'p1', spentMicros: CREDIT }], byRun: [{ runId: 'r1', spentMicros: CREDIT }] })
    expect(usage.byDay).toEqual([{ day: new Date().toISOString().slice(0, 10), spentMicros: CREDIT }])
    await expectBooksBalanced(user)
  })

  it('records a refund larger than what is available as a shortfall and leaves 0, never less', async () => {
    const user = newUser()
    await applyLedgerEntry(e, user, { kind: 'purchase', amountMicros: 5 * CREDIT, ref: 'pi_1' })
    await applyLedgerEntry(e, user, { kind: 'hold', amountMicros: 2 * CREDIT, ref: 'h' })
    const refund = await applyLedgerEntry(e, user, { kind: 'refund', amountMicros: 5 * CREDIT, ref: 're_1' })
    expect(refund).toMatchObject({ availableMicros: 0, heldMicros: 2 * CREDIT, shortfallMicros: 2 * CREDIT, duplicate: false })
    expect((await balanceOf(e, user)).availableMicros).toBe(0)
    const [last] = await transactionsOf(e, user, undefined, 1)
    expect(last).toMatchObject({ kind: 'refund', amountMicros: 5 * CREDIT, shortfallMicros: 2 * CREDIT })
    await expectBooksBalanced(user)
  })

  it('refuses malformed entries with a 400 and stores nothing', async () => {
    const user = newUser()
    for (const bad of [
      { kind: 'grant', amountMicros: 0, ref: 'a' },
      { kind: 'grant', amountMicros: -5, ref: 'a' },
      { kind: 'grant', amountMicros: 1.5, ref: 'a' },
      { kind: 'grant', amountMicros: 5, ref: '' },
      { kind: 'steal', amountMicros: 5, ref: 'a' },
    ]) {
      expect(await refusal(applyLedgerEntry(e, user, bad as never))).toMatchObject({ status: 400, code: 'bad_request' })
    }
    expect((await auditLedger(e, user)).transactions).toBe(0)
  })
})

describe('starter credits', () => {
  beforeEach(resetAccounts)

  it('grants STARTER_CREDITS once per new user, and none when it is "0"', async () => {
    const ada = browser({ STARTER_CREDITS: '2.5' })
    await signInByEmail(ada, 'ada@example.com')
    expect(await (await ada.request('/api/credits')).json()).toEqual({ availableMicros: 2_500_000, heldMicros: 0, spentMicros: 0 })
    // Signing in again (another device) is not a new user: no second grant.
    const adaPhone = browser({ STARTER_CREDITS: '2.5' })
    await signInByEmail(adaPhone, 'ada@example.com')
    expect(((await (await adaPhone.request('/api/credits')).json()) as { availableMicros: number }).availableMicros).toBe(2_500_000)
    const entries = (await (await adaPhone.request('/api/credits/entries')).json()) as { entries: Array<{ kind: string; memo: string }> }
    expect(entries.entries).toEqual([expect.objectContaining({ kind: 'grant', amountMicros: 2_500_000, memo: 'Starter credits' })])

    const eve = browser({ STARTER_CREDITS: '0' })
    await signInByEmail(eve, 'eve@example.com')
    expect(await (await eve.request('/api/credits')).json()).toEqual({ availableMicros: 0, heldMicros: 0, spentMicros: 0 })
  })
})

describe('/api/credits', () => {
  beforeEach(resetAccounts)

  it('needs a signed-in user', async () => {
    const anonymous = browser()
    for (const [path, method] of [['/api/credits', 'GET'], ['/api/credits/entries', 'GET'], ['/api/credits/usage', 'GET'], ['/api/credits/holds', 'POST'], ['/api/credits/holds/x/release', 'POST']] as const) {
      const res = method === 'GET' ? await anonymous.request(path) : await anonymous.json(path, method, { amountMicros: 1, ref: 'x' })
      expect(res.status).toBe(401)
    }
  })

  it('holds, captures and releases through the API, and lists entries and usage', async () => {
    const b = browser({ STARTER_CREDITS: '1' })
    await signInByEmail(b, 'ada@example.com')
    const held = await b.json('/api/credits/holds', 'POST', { amountMicros: 400_000, ref: 'call-1', memo: 'chat', meta: { model: 'gpt-4o', project: 'p1' } })
    expect(held.status).toBe(201)
    expect(await held.json()).toMatchObject({ availableMicros: 600_000, heldMicros: 400_000, duplicate: false })
    const tooBig = await b.json('/api/credits/holds', 'POST', { amountMicros: 700_000, ref: 'call-2' })
    expect(tooBig.status).toBe(402)
    expect(await tooBig.json()).toEqual({ error: { code: 'payment_required', message: 'Not enough credits: the hold needs 700000 µcredits, 600000 are available' } })
    expect((await b.json('/api/credits/holds/call-1/capture', 'POST', { amountMicros: 150_000 })).status).toBe(200)
    expect(await (await b.json('/api/credits/holds/call-1/release', 'POST', {})).json()).toMatchObject({ availableMicros: 850_000, heldMicros: 0 })
    expect(await (await b.request('/api/credits')).json()).toEqual({ availableMicros: 850_000, heldMicros: 0, spentMicros: 150_000 })

    const page1 = (await (await b.request('/api/credits/entries?limit=2')).json()) as { entries: Array<{ kind: string; seq: number }>; next: number }
    expect(page1.entries.map((x) => x.kind)).toEqual(['release', 'capture'])
    const page2 = (await (await b.request(`/api/credits/entries?limit=2&before=${page1.next}`)).json()) as { entries: Array<{ kind: string; meta: object }> }
    expect(page2.entries.map((x) => x.kind)).toEqual(['hold', 'grant'])
    expect(page2.entries[0]!.meta).toEqual({ model: 'gpt-4o', project: 'p1' })
    const usage = await (await b.request('/api/credits/usage?days=7')).json()
    expect(usage).toMatchObject({ totalMicros: 150_000, byModel: [{ model: 'gpt-4o', spentMicros: 150_000 }], byProject: [{ project: 'p1', spentMicros: 150_000 }] })
  })

  it('answers bad input with a clear 400 and stores nothing', async () => {
    const b = browser({ STARTER_CREDITS: '1' })
    await signInByEmail(b, 'ada@example.com')
    const cases: Array<[string, unknown, RegExp]> = [
      ['/api/credits/holds', { amountMicros: 0.5, ref: 'a' }, /amountMicros must be a whole number/],
      ['/api/credits/holds', { amountMicros: '100', ref: 'a' }, /amountMicros/],
      ['/api/credits/holds', { amountMicros: 100 }, /ref is missing/],
      ['/api/credits/holds', { amountMicros: 100, ref: 'a', meta: 'gpt' }, /meta must be an object/],
      ['/api/credits/holds', [1, 2], /JSON object/],
      ['/api/credits/holds/a/capture', { amountMicros: -1 }, /amountMicros/],
    ]
    for (const [path, body, message] of cases) {
      const res = await b.json(path, 'POST', body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message)
    }
    const notJson = await b.request('/api/credits/holds', { method: 'POST', body: '{oops' })
    expect(notJson.status).toBe(400)
    expect((await b.request('/api/credits/usage?days=9999')).status).toBe(400)
    expect((await b.request('/api/credits/entries?limit=abc')).status).toBe(400)
    expect((await b.json('/api/credits/holds/none/capture', 'POST', { amountMicros: 1 })).status).toBe(404)
    expect(await (await b.request('/api/credits')).json()).toEqual({ availableMicros: 1_000_000, heldMicros: 0, spentMicros: 0 })
    expect(((await (await b.request('/api/credits/entries')).json()) as { entries: unknown[] }).entries).toHaveLength(1)
  })

  it('runs the benchmark debits only when LEDGER_BENCH is on, and keeps the books exact', async () => {
    const closed = browser({ STARTER_CREDITS: '1' })
    await signInByEmail(closed, 'ada@example.com')
    expect((await closed.json('/api/credits/bench', 'POST', { count: 10 })).status).toBe(404)
    const open = browser({ STARTER_CREDITS: '1', LEDGER_BENCH: 'on' })
    await signInByEmail(open, 'eve@example.com')
    const res = await open.json('/api/credits/bench', 'POST', { count: 50, concurrency: 8 })
    expect(res.status).toBe(200)
    const r = (await res.json()) as { refused: number; before: { availableMicros: number }; after: { availableMicros: number; heldMicros: number; spentMicros: number } }
    expect(r).toMatchObject({ refused: 0, after: { availableMicros: 1_000_000 - 50_000, heldMicros: 0, spentMicros: 50_000 } })
    expect(((await (await open.request('/api/runs')).json()) as { runs: unknown[] }).runs).toEqual([])
  })
})
