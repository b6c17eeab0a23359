import { env } from 'cloudflare:workers'
import { beforeEach, describe, expect, it } from 'vitest'
import type { Env } from '../env'
import { ApiError } from '../errors'
import { browser, resetAccounts, signInByEmail } from '../test/browser'
import { applyLedgerEntry, auditLedger, balanceOf, capsOf, placeHold, setCaps, transactionsOf, usageOf } from './index'

const e = env as unknown as Env
const CREDIT = 1_000_000
const DAY = 24 * 60 * 60 * 1000
const newUser = () => `user-${crypto.randomUUID()}`
const refusal = (p: Promise<unknown>) => p.then(() => null, (error: unknown) => (error instanceof ApiError ? { status: error.status, code: error.code, message: error.message } : Promise.reject(error)))

async function expectBooksBalanced(userId: string) {
  const audit = await auditLedger(e, userId)
  expect(audit.unbalancedTransactions).toEqual([])
  expect(audit.driftingAccounts).toEqual([])
  return audit
}

describe('the credits ledger', () => {
  // 2,000 transactions on one object: seconds on a busy 2-core machine.
  it('stays exact under 1,000 concurrent hold+capture debits on one account, refusing those that would overdraw', { timeout: 30_000 }, async () => {
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

describe('settling a hold', () => {
  it('captures the cost and releases the rest in one transaction, once', async () => {
    const user = newUser()
    await applyLedgerEntry(e, user, { kind: 'grant', amountMicros: 10 * CREDIT, ref: 'g' })
    await applyLedgerEntry(e, user, { kind: 'hold', amountMicros: 4 * CREDIT, ref: 'call-1', meta: { model: 'gpt-4o', project: 'p1', runId: 'r1' } })
    const settled = await applyLedgerEntry(e, user, { kind: 'settle', amountMicros: CREDIT, ref: 'call-1' })
    expect(settled).toMatchObject({ availableMicros: 9 * CREDIT, heldMicros: 0, duplicate: false })
    expect(await applyLedgerEntry(e, user, { kind: 'settle', amountMicros: CREDIT, ref: 'call-1' })).toEqual({ ...settled, duplicate: true })
    expect(await balanceOf(e, user)).toEqual({ availableMicros: 9 * CREDIT, heldMicros: 0, spentMicros: CREDIT })
    // A closed hold takes nothing more; a settle beyond what is held is refused and changes nothing.
    expect(await refusal(applyLedgerEntry(e, user, { kind: 'settle', amountMicros: 1, ref: 'late', holdRef: 'call-1' }))).toMatchObject({ status: 409, message: expect.stringMatching(/released/) })
    await applyLedgerEntry(e, user, { kind: 'hold', amountMicros: 100, ref: 'call-2' })
    expect(await refusal(applyLedgerEntry(e, user, { kind: 'settle', amountMicros: 101, ref: 'call-2' }))).toEqual({ status: 409, code: 'conflict', message: 'Cannot settle 101 µcredits: the hold call-2 has only 100 left' })
    // A call that cost nothing settles at 0: all of it comes back.
    await applyLedgerEntry(e, user, { kind: 'settle', amountMicros: 0, ref: 'call-2' })
    expect(await balanceOf(e, user)).toEqual({ availableMicros: 9 * CREDIT, heldMicros: 0, spentMicros: CREDIT })
    const [last, first] = await transactionsOf(e, user, undefined, 4).then((t) => [t[0], t[2]])
    expect(last).toMatchObject({ kind: 'settle', amountMicros: 0 })
    expect(first).toMatchObject({ kind: 'settle', amountMicros: CREDIT, holdRef: 'call-1', meta: { model: 'gpt-4o', project: 'p1', runId: 'r1' } })
    // What a settle captured counts as spent in the usage views.
    expect(await usageOf(e, user, Date.now() - 60_000)).toMatchObject({ totalMicros: CREDIT, byModel: [{ model: 'gpt-4o', spentMicros: CREDIT }], byRun: [{ runId: 'r1', spentMicros: CREDIT }] })
    await expectBooksBalanced(user)
  })
})

describe('spending caps', () => {
  it('never lets ~200 concurrent calls pass the daily cap: spent + held stays within it, and nothing is lost', { timeout: 30_000 }, async () => {
    const user = newUser()
    await applyLedgerEntry(e, user, { kind: 'grant', amountMicros: 100 * CREDIT, ref: 'g' })
    const cap = 5_000
    await setCaps(e, user, { dailyMicros: cap, projects: {} })
    const amounts = Array.from({ length: 200 }, (_, i) => 20 + (i % 13) * 10) // 20..140 µ; all of them would be ≈ 16,000
    const snapshots: number[] = []
    let running = true
    // Meanwhile, what the account spent and holds today, read over and over (each read is one step of the object).
    const watcher = (async () => {
      while (running) {
        const { today } = await capsOf(e, user)
        snapshots.push(today.spentMicros + today.heldMicros)
      }
    })()
    const outcomes = await Promise.all(
      amounts.map(async (amount, i) => {
        const held = await placeHold(e, user, { amountMicros: amount, ref: `call-${i}`, meta: { model: 'm', project: i % 2 ? 'a' : 'b' } })
        if (!held.ok) return held
        // The call cost half its worst case: the rest comes back and makes room for others.
        await applyLedgerEntry(e, user, { kind: 'settle', amountMicros: Math.ceil(amount / 2), ref: `call-${i}` })
        return held
      }),
    )
    running = false
    await watcher
    const accepted = outcomes.filter((o) => o.ok)
    const refused = outcomes.filter((o) => !o.ok)
    expect(accepted.length + refused.length).toBe(200)
    expect(refused.length).toBeGreaterThan(0)
    for (const r of refused) expect(r).toMatchObject({ ok: false, refusal: 'cap', cap: { scope: 'day', capMicros: cap }, message: expect.stringMatching(/^Today's spending cap of 0\.005 credits is reached: /) })
    const spent = amounts.reduce((sum, amount, i) => sum + (outcomes[i]!.ok ? Math.ceil(amount / 2) : 0), 0)
    expect(await balanceOf(e, user)).toEqual({ availableMicros: 100 * CREDIT - spent, heldMicros: 0, spentMicros: spent })
    expect(spent).toBeLessThanOrEqual(cap)
    expect(snapshots.length).toBeGreaterThan(0)
    expect(Math.max(...snapshots)).toBeLessThanOrEqual(cap)
    expect((await capsOf(e, user)).today).toMatchObject({ spentMicros: spent, heldMicros: 0 })
    const audit = await expectBooksBalanced(user)
    expect(audit.transactions).toBe(1 + 2 * accepted.length)
  })

  it('caps a project per day, apart from the others, and says which cap refused and how to go on', async () => {
    const user = newUser()
    await applyLedgerEntry(e, user, { kind: 'grant', amountMicros: 10 * CREDIT, ref: 'g' })
    await setCaps(e, user, { dailyMicros: null, projects: { 'demo site': CREDIT } })
    await applyLedgerEntry(e, user, { kind: 'hold', amountMicros: 600_000, ref: 'a', meta: { project: 'demo site' } })
    await applyLedgerEntry(e, user, { kind: 'settle', amountMicros: 500_000, ref: 'a' })
    await applyLedgerEntry(e, user, { kind: 'hold', amountMicros: 400_000, ref: 'b', meta: { project: 'demo site' } })
    const refused = await placeHold(e, user, { amountMicros: 100_001, ref: 'c', meta: { project: 'demo site' } })
    expect(refused).toEqual({
      ok: false,
      refusal: 'cap',
      cap: { scope: 'project', name: 'demo site', capMicros: CREDIT, usedMicros: 900_000, needMicros: 100_001 },
      message: 'The daily spending cap of 1 credit for the project "demo site" is reached: 0.9000 spent or held today, this hold needs 0.1000. Raise the project\'s cap on the Credits page, or wait until 00:00 UTC.',
    })
    // Exactly up to the cap is allowed; other projects and calls without a project are not held back.
    expect((await placeHold(e, user, { amountMicros: 100_000, ref: 'd', meta: { project: 'demo site' } })).ok).toBe(true)
    expect((await placeHold(e, user, { amountMicros: 3 * CREDIT, ref: 'e', meta: { project: 'other' } })).ok).toBe(true)
    expect((await placeHold(e, user, { amountMicros: 3 * CREDIT, ref: 'f' })).ok).toBe(true)
    // The API answers a refused hold with 402 and the same message; nothing was stored for it.
    expect(await refusal(applyLedgerEntry(e, user, { kind: 'hold', amountMicros: 1, ref: 'g2', meta: { project: 'demo site' } }))).toMatchObject({ status: 402, code: 'payment_required', message: expect.stringMatching(/project "demo site"/) })
    const caps = await capsOf(e, user)
    expect(caps).toMatchObject({ dailyMicros: null, projects: { 'demo site': CREDIT }, today: { spentMicros: 500_000, heldMicros: 6_500_000, projects: { 'demo site': { spentMicros: 500_000, heldMicros: 500_000 } } } })
    await expectBooksBalanced(user)
  })

  it("holds a run to its budget across its calls, and other runs to theirs", async () => {
    const user = newUser()
    await applyLedgerEntry(e, user, { kind: 'grant', amountMicros: 10 * CREDIT, ref: 'g' })
    const budget = 50_000 // 0.05 credits
    const call = (ref: string, amount: number, runId = 'run-1') => placeHold(e, user, { amountMicros: amount, ref, meta: { runId }, runBudgetMicros: budget })
    expect((await call('1', 30_000)).ok).toBe(true)
    await applyLedgerEntry(e, user, { kind: 'settle', amountMicros: 28_000, ref: '1' })
    expect((await call('2', 20_000)).ok).toBe(true)
    const refused = await call('3', 10_000)
    expect(refused).toMatchObject({ ok: false, refusal: 'cap', cap: { scope: 'run', name: 'run-1', usedMicros: 48_000 } })
    expect(!refused.ok && refused.message).toBe("This run's budget of 0.05 credits is used up: 0.0480 spent or held, this hold needs 0.0100. Give the run a larger budget.")
    expect((await call('4', 2_000)).ok).toBe(true)
    expect((await call('5', 50_000, 'run-2')).ok).toBe(true)
    // A budget needs its run, and is a whole number.
    expect(await refusal(applyLedgerEntry(e, user, { kind: 'hold', amountMicros: 1, ref: 'x', runBudgetMicros: 10 }))).toMatchObject({ status: 400, message: expect.stringMatching(/needs meta\.runId/) })
    expect(await refusal(applyLedgerEntry(e, user, { kind: 'hold', amountMicros: 1, ref: 'x', meta: { runId: 'r' }, runBudgetMicros: 1.5 }))).toMatchObject({ status: 400 })
    await expectBooksBalanced(user)
  })

  it('starts afresh each UTC day', async () => {
    const user = newUser()
    await applyLedgerEntry(e, user, { kind: 'grant', amountMicros: 10 * CREDIT, ref: 'g' })
    await setCaps(e, user, { dailyMicros: CREDIT, projects: {} })
    const lateToday = Date.UTC(2031, 4, 6, 23, 59, 0)
    await applyLedgerEntry(e, user, { kind: 'hold', amountMicros: CREDIT, ref: 'a' }, lateToday)
    await applyLedgerEntry(e, user, { kind: 'settle', amountMicros: 980_000, ref: 'a' }, lateToday)
    const refused = await placeHold(e, user, { amountMicros: 100_000, ref: 'b', memo: 'x' }, lateToday + 30_000)
    expect(!refused.ok && refused.message).toBe("Today's spending cap of 1 credit is reached: 0.9800 spent or held, this hold needs 0.1000. Raise the cap on the Credits page, or wait until 00:00 UTC.")
    expect(await capsOf(e, user, lateToday)).toMatchObject({ day: '2031-05-06', resetsAt: Date.UTC(2031, 4, 7), today: { spentMicros: 980_000, heldMicros: 0 } })
    // Past midnight UTC, yesterday's spending no longer counts.
    const tomorrow = Date.UTC(2031, 4, 7, 0, 0, 1)
    expect((await placeHold(e, user, { amountMicros: 900_000, ref: 'b' }, tomorrow)).ok).toBe(true)
    expect(await capsOf(e, user, tomorrow)).toMatchObject({ day: '2031-05-07', today: { spentMicros: 0, heldMicros: 900_000 } })
    expect(await capsOf(e, user, tomorrow + DAY)).toMatchObject({ day: '2031-05-08', today: { spentMicros: 0 } })
    await expectBooksBalanced(user)
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

  it('sets and shows spending caps with today’s spending, and refuses bad caps with a clear 400, keeping the old ones', async () => {
    const b = browser({ STARTER_CREDITS: '5' })
    await signInByEmail(b, 'ada@example.com')
    expect(await (await b.request('/api/credits/caps')).json()).toMatchObject({ dailyMicros: null, projects: {}, today: { spentMicros: 0, heldMicros: 0, projects: {} } })
    const put = await b.json('/api/credits/caps', 'PUT', { dailyMicros: 2 * CREDIT, projects: { 'demo-project': 500_000, 'owner/repo': 0 } })
    expect(put.status).toBe(200)
    await b.json('/api/credits/holds', 'POST', { amountMicros: 400_000, ref: 'call-1', meta: { project: 'demo-project' } })
    await b.json('/api/credits/holds/call-1/settle', 'POST', { amountMicros: 300_000 })
    await b.json('/api/credits/holds', 'POST', { amountMicros: 100_000, ref: 'call-2', meta: { project: 'demo-project' } })
    const shown = await (await b.request('/api/credits/caps')).json()
    expect(shown).toEqual({
      dailyMicros: 2 * CREDIT,
      projects: { 'demo-project': 500_000, 'owner/repo': 0 },
      day: new Date().toISOString().slice(0, 10),
      resetsAt: expect.any(Number),
      today: { spentMicros: 300_000, heldMicros: 100_000, projects: { 'demo-project': { spentMicros: 300_000, heldMicros: 100_000 }, 'owner/repo': { spentMicros: 0, heldMicros: 0 } } },
    })
    const over = await b.json('/api/credits/holds', 'POST', { amountMicros: 100_001, ref: 'call-3', meta: { project: 'demo-project' } })
    expect(over.status).toBe(402)
    expect(((await over.json()) as { error: { message: string } }).error.message).toMatch(/^The daily spending cap of 0\.5 credits for the project "demo-project" is reached: 0\.4000 spent or held today/)

    const cases: Array<[unknown, RegExp]> = [
      [{ dailyMicros: -1, projects: {} }, /dailyMicros must be a whole number of micro-credits, 0 or more/],
      [{ dailyMicros: 1.5, projects: {} }, /dailyMicros must be a whole number/],
      [{ dailyMicros: '5', projects: {} }, /dailyMicros must be a whole number/],
      [{ projects: {} }, /dailyMicros is missing/],
      [{ dailyMicros: null }, /projects is missing/],
      [{ dailyMicros: null, projects: [] }, /projects must be an object/],
      [{ dailyMicros: null, projects: { '': 5 } }, /cannot be empty/],
      [{ dailyMicros: null, projects: { ' padded': 5 } }, /starts or ends with a space/],
      [{ dailyMicros: null, projects: { ['x'.repeat(101)]: 5 } }, /longer than 100 characters/],
      [{ dailyMicros: null, projects: { 'tab\there': 5 } }, /control characters/],
      [{ dailyMicros: null, projects: { ok: -3 } }, /The cap of project "ok" must be a whole number/],
      [{ dailyMicros: null, projects: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`p${i}`, 1])) }, /At most 100 projects/],
      [{ dailyMicros: null, projects: {}, daily: 5 }, /Unknown field "daily"/],
      [[1], /must be a JSON object/],
    ]
    for (const [body, message] of cases) {
      const res = await b.json('/api/credits/caps', 'PUT', body)
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400)
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message)
    }
    expect((await b.request('/api/credits/caps', { method: 'PUT', body: '{nope' })).status).toBe(400)
    // Nothing of that changed the caps.
    expect(await (await b.request('/api/credits/caps')).json()).toMatchObject({ dailyMicros: 2 * CREDIT, projects: { 'demo-project': 500_000, 'owner/repo': 0 } })
    // Clearing them: no caps at all.
    expect(await (await b.json('/api/credits/caps', 'PUT', { dailyMicros: null, projects: {} })).json()).toMatchObject({ dailyMicros: null, projects: {}, today: { projects: {} } })
    expect((await b.json('/api/credits/holds', 'POST', { amountMicros: 100_001, ref: 'call-3', meta: { project: 'demo-project' } })).status).toBe(201)
    expect((await browser().request('/api/credits/caps')).status).toBe(401)
    expect((await browser().json('/api/credits/caps', 'PUT', { dailyMicros: null, projects: {} })).status).toBe(401)
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
