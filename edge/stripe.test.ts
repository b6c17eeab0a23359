// Buying credits: checkout against the Stripe stand-in (a real HTTP server speaking Stripe's API),
// and Stripe's signed webhooks — the events the stand-in generated when a session was paid,
// refunded or disputed — moving the user's ledger exactly once.
import { env } from 'cloudflare:workers'
import Stripe from 'stripe'
import { describe, expect, inject, it } from 'vitest'
import type { Env } from './env'
import { balanceOf } from './ledger'
import { browser, signInByEmail, type TestBrowser } from './test/browser'

declare module 'vitest' {
  export interface ProvidedContext {
    stripe: { url: string; secretKey: string; webhookSecret: string }
  }
}

const standIn = inject('stripe')
const e = env as unknown as Env
const CREDIT = 1_000_000
const PACKS = [
  { id: 'small', credits: 10, amount: 1000, currency: 'usd', name: '10 credits' },
  { id: 'large', credits: 50, amount: 4500, currency: 'usd', name: '50 credits' },
]
const config = { STRIPE_API_URL: standIn.url, STRIPE_SECRET_KEY: standIn.secretKey, STRIPE_WEBHOOK_SECRET: standIn.webhookSecret, CREDIT_PACKS: JSON.stringify(PACKS) }

type StripeEvent = { id: string; type: string; created: number; data: { object: Record<string, unknown> } }

/** A signed-in browser and the user's id. */
async function shopper(): Promise<{ b: TestBrowser; userId: string }> {
  const b = browser(config)
  const email = `buyer-${crypto.randomUUID()}@example.com`
  await signInByEmail(b, email)
  const row = await e.DB.prepare('SELECT id FROM users WHERE email = ?').bind(email).first<{ id: string }>()
  return { b, userId: row!.id }
}

const available = async (userId: string) => (await balanceOf(e, userId)).availableMicros

/** Opens a checkout for `pack` as `b` and pays it on the stand-in's hosted page, as the buyer would; resolves to the session id and its completed event. */
async function buy(b: TestBrowser, pack = 'small'): Promise<{ sessionId: string; completed: StripeEvent }> {
  const res = await b.json('/api/credits/checkout', 'POST', { pack })
  expect(res.status).toBe(201)
  const { id, url } = (await res.json()) as { id: string; url: string }
  const paid = await fetch(url, { method: 'POST', body: new URLSearchParams({ action: 'pay' }), redirect: 'manual' })
  expect(paid.status).toBe(303)
  expect(paid.headers.get('location')).toBe(`http://coder.test/credits/success?session_id=${id}`)
  return { sessionId: id, completed: await lastEvent('checkout.session.completed', (o) => o.id === id) }
}

/** The newest event of `type` the stand-in generated that `match`es. */
async function lastEvent(type: string, match: (object: Record<string, unknown>) => boolean): Promise<StripeEvent> {
  const events = (await (await fetch(`${standIn.url}/_standin/events`)).json()) as StripeEvent[]
  const found = events.filter((ev) => ev.type === type && match(ev.data.object)).at(-1)
  expect(found, `no ${type} event`).toBeTruthy()
  return found!
}

/** POSTs `event` to the webhook as Stripe does: its JSON, signed with `secret` at `timestamp`. */
async function deliver(b: TestBrowser, event: unknown, options: { secret?: string; timestamp?: number; body?: string } = {}) {
  const payload = options.body ?? JSON.stringify(event)
  const header = await Stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: options.secret ?? standIn.webhookSecret,
    timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
    cryptoProvider: Stripe.createSubtleCryptoProvider(),
  })
  // Stripe sends no Origin: the webhook is exempt from the CSRF check.
  return b.request('/api/stripe/webhook', { method: 'POST', body: payload, headers: { 'content-type': 'application/json', 'stripe-signature': header }, origin: null })
}

const recorded = (id: string) => e.DB.prepare('SELECT type, status, user_id, note FROM stripe_events WHERE id = ?').bind(id).first<{ type: string; status: string; user_id: string | null; note: string }>()

describe('buying credits with Stripe Checkout', () => {
  it('lists the configured packs to anyone', async () => {
    const res = await browser(config).request('/api/credits/packs')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ packs: PACKS })
  })

  it('opens a Checkout Session for a signed-in user; refuses signed-out users and unknown packs', async () => {
    const { b, userId } = await shopper()
    const res = await b.json('/api/credits/checkout', 'POST', { pack: 'large' })
    expect(res.status).toBe(201)
    const { id, url } = (await res.json()) as { id: string; url: string }
    expect(url).toBe(`${standIn.url}/pay/${id}`)
    // Stripe holds what the edge asked for.
    const session = (await (await fetch(`${standIn.url}/v1/checkout/sessions/${id}`, { headers: { authorization: `Bearer ${standIn.secretKey}` } })).json()) as Record<string, unknown>
    expect(session).toMatchObject({ mode: 'payment', amount_total: 4500, currency: 'usd', client_reference_id: userId, metadata: { pack: 'large', credits: '50' }, success_url: 'http://coder.test/credits/success?session_id={CHECKOUT_SESSION_ID}', cancel_url: 'http://coder.test/credits' })
    const status = await b.request(`/api/credits/checkout/${id}`)
    expect(await status.json()).toMatchObject({ id, pack: 'large', credits: 50, status: 'open', paymentStatus: 'unpaid', credited: false })

    const unknown = await b.json('/api/credits/checkout', 'POST', { pack: 'huge' })
    expect(unknown.status).toBe(400)
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toBe('No credit pack "huge": choose one of small, large')

    const signedOut = await browser(config).json('/api/credits/checkout', 'POST', { pack: 'small' })
    expect(signedOut.status).toBe(401)
    // Someone else's session is not theirs to look at.
    const { b: other } = await shopper()
    expect((await other.request(`/api/credits/checkout/${id}`)).status).toBe(404)
  })

  it('says so when Stripe is not configured', async () => {
    const unset = browser({ ...config, STRIPE_SECRET_KEY: undefined, STRIPE_WEBHOOK_SECRET: undefined })
    await signInByEmail(unset, `unset-${crypto.randomUUID()}@example.com`)
    const refused = await unset.json('/api/credits/checkout', 'POST', { pack: 'small' })
    expect(refused.status).toBe(503)
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe('Buying credits is not set up on this server: STRIPE_SECRET_KEY is unset')
    expect((await deliver(unset, { id: 'evt_x', type: 'customer.created', data: { object: {} } })).status).toBe(503)
  })

  it('credits a paid session once: replays and a new event for the same session change nothing', async () => {
    const { b, userId } = await shopper()
    const before = await available(userId)
    const { sessionId, completed } = await buy(b)

    const first = await deliver(b, completed)
    expect(first.status).toBe(200)
    expect(await first.json()).toEqual({ received: true, status: 'applied' })
    expect(await available(userId)).toBe(before + 10 * CREDIT)
    expect(await recorded(completed.id)).toMatchObject({ type: 'checkout.session.completed', status: 'applied', user_id: userId })

    // Stripe retries the same event; then sends the same session again under a new event id.
    const replay = await deliver(b, completed)
    expect(replay.status).toBe(200)
    expect(await replay.json()).toMatchObject({ received: true, duplicate: true })
    const again = await deliver(b, { ...completed, id: `evt_${crypto.randomUUID().replaceAll('-', '')}` })
    expect(await again.json()).toEqual({ received: true, status: 'duplicate' })
    expect(await available(userId)).toBe(before + 10 * CREDIT)

    const status = await b.request(`/api/credits/checkout/${sessionId}`)
    expect(await status.json()).toMatchObject({ status: 'complete', paymentStatus: 'paid', credited: true })
  })

  it('credits from the success page when the webhook is late, and the webhook then changes nothing', async () => {
    const { b, userId } = await shopper()
    const before = await available(userId)
    const { sessionId, completed } = await buy(b, 'large')
    const status = await b.request(`/api/credits/checkout/${sessionId}`)
    expect(await status.json()).toMatchObject({ paymentStatus: 'paid', credited: true, credits: 50 })
    expect(await available(userId)).toBe(before + 50 * CREDIT)
    expect(await (await deliver(b, completed)).json()).toEqual({ received: true, status: 'duplicate' })
    expect(await available(userId)).toBe(before + 50 * CREDIT)
  })

  it('credits from its own record of the session, not from what the event claims', async () => {
    const { b, userId } = await shopper()
    const { b: thief, userId: thiefId } = await shopper()
    const thiefBefore = await available(thiefId)
    const before = await available(userId)
    const { completed } = await buy(b)
    const forged = { ...completed, data: { object: { ...completed.data.object, client_reference_id: thiefId, metadata: { pack: 'large', credits: '5000' } } } }
    expect(await (await deliver(thief, forged)).json()).toEqual({ received: true, status: 'applied' })
    expect(await available(userId)).toBe(before + 10 * CREDIT)
    expect(await available(thiefId)).toBe(thiefBefore)
  })

  it('refuses invalid signatures, expired timestamps and malformed bodies with 400, recording nothing', async () => {
    const { b, userId } = await shopper()
    const before = await available(userId)
    const { completed } = await buy(b)

    const wrongSecret = await deliver(b, completed, { secret: 'whsec_not_the_endpoint_secret' })
    expect(wrongSecret.status).toBe(400)
    expect(((await wrongSecret.json()) as { error: { message: string } }).error.message).toContain('Stripe signature does not verify')
    const expired = await deliver(b, completed, { timestamp: Math.floor(Date.now() / 1000) - 301 })
    expect(expired.status).toBe(400)
    expect(((await expired.json()) as { error: { message: string } }).error.message).toMatch(/tolerance/i)
    const unsigned = await b.request('/api/stripe/webhook', { method: 'POST', body: JSON.stringify(completed), headers: { 'content-type': 'application/json' }, origin: null })
    expect(unsigned.status).toBe(400)
    // Signed for one body, sent with another.
    const header = await Stripe.webhooks.generateTestHeaderStringAsync({ payload: JSON.stringify(completed), secret: standIn.webhookSecret, cryptoProvider: Stripe.createSubtleCryptoProvider() })
    const tampered = JSON.stringify({ ...completed, data: { object: { ...completed.data.object, amount_total: 1 } } })
    expect((await b.request('/api/stripe/webhook', { method: 'POST', body: tampered, headers: { 'stripe-signature': header }, origin: null })).status).toBe(400)
    expect(await recorded(completed.id)).toBeNull()
    expect(await available(userId)).toBe(before)

    const malformed = await deliver(b, null, { body: '{"id": "evt_broken", "type": ' })
    expect(malformed.status).toBe(400)
    expect(((await malformed.json()) as { error: { message: string } }).error.message).toContain('not valid JSON')
    const notAnEvent = await deliver(b, null, { body: '[1, 2, 3]' })
    expect(notAnEvent.status).toBe(400)

    // The genuine delivery still works afterwards.
    expect((await deliver(b, completed)).status).toBe(200)
    expect(await available(userId)).toBe(before + 10 * CREDIT)
  })

  it('takes credits back on refunds (in proportion, then the rest) and disputes, each once', async () => {
    const { b, userId } = await shopper()
    const before = await available(userId)
    const { sessionId, completed } = await buy(b)
    await deliver(b, completed)
    expect(await available(userId)).toBe(before + 10 * CREDIT)

    const pi = completed.data.object.payment_intent as string
    await fetch(`${standIn.url}/_standin/sessions/${sessionId}/refund?amount=400`, { method: 'POST' })
    const partial = await lastEvent('charge.refunded', (o) => o.payment_intent === pi)
    expect(await (await deliver(b, partial)).json()).toEqual({ received: true, status: 'applied' })
    expect(await available(userId)).toBe(before + 6 * CREDIT)
    await deliver(b, partial)
    await deliver(b, { ...partial, id: `evt_${crypto.randomUUID().replaceAll('-', '')}` })
    expect(await available(userId)).toBe(before + 6 * CREDIT)

    await fetch(`${standIn.url}/_standin/sessions/${sessionId}/refund`, { method: 'POST' })
    const full = await lastEvent('charge.refunded', (o) => o.payment_intent === pi && o.refunded === true)
    await deliver(b, full)
    expect(await available(userId)).toBe(before)
    expect(await recorded(full.id)).toMatchObject({ status: 'applied', user_id: userId })

    // A dispute on a fully refunded payment has nothing left to take.
    await fetch(`${standIn.url}/_standin/sessions/${sessionId}/dispute`, { method: 'POST' })
    const dispute = await lastEvent('charge.dispute.created', (o) => o.payment_intent === pi)
    expect(await (await deliver(b, dispute)).json()).toEqual({ received: true, status: 'duplicate' })
    expect(await available(userId)).toBe(before)
  })

  it('takes back the whole pack on a dispute', async () => {
    const { b, userId } = await shopper()
    const before = await available(userId)
    const { sessionId, completed } = await buy(b, 'large')
    await deliver(b, completed)
    await fetch(`${standIn.url}/_standin/sessions/${sessionId}/dispute`, { method: 'POST' })
    const dispute = await lastEvent('charge.dispute.created', (o) => o.payment_intent === completed.data.object.payment_intent)
    expect(await (await deliver(b, dispute)).json()).toEqual({ received: true, status: 'applied' })
    expect(await available(userId)).toBe(before)
    expect(await (await b.request(`/api/credits/checkout/${sessionId}`)).json()).toMatchObject({ reversedCredits: 50 })
  })

  it('keeps a refund that arrives before its payment and applies it when the payment does', async () => {
    const { b, userId } = await shopper()
    const before = await available(userId)
    const res = await b.json('/api/credits/checkout', 'POST', { pack: 'small' })
    const { id, url } = (await res.json()) as { id: string; url: string }
    await fetch(url, { method: 'POST', body: new URLSearchParams({ action: 'pay' }), redirect: 'manual' })
    const completed = await lastEvent('checkout.session.completed', (o) => o.id === id)
    await fetch(`${standIn.url}/_standin/sessions/${id}/refund?amount=500`, { method: 'POST' })
    const refund = await lastEvent('charge.refunded', (o) => o.payment_intent === completed.data.object.payment_intent)

    const early = await deliver(b, refund)
    expect(early.status).toBe(200)
    expect(await early.json()).toEqual({ received: true, status: 'deferred' })
    expect(await available(userId)).toBe(before)
    await deliver(b, completed)
    expect(await available(userId)).toBe(before + 5 * CREDIT)
    expect(await recorded(refund.id)).toMatchObject({ status: 'applied', user_id: userId })
  })

  it('acknowledges and records events it does not act on, and sessions it did not open', async () => {
    const b = browser(config)
    const unknown = { id: `evt_${crypto.randomUUID().replaceAll('-', '')}`, object: 'event', type: 'customer.created', created: Math.floor(Date.now() / 1000), data: { object: { id: 'cus_1', object: 'customer' } } }
    const res = await deliver(b, unknown)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ received: true, status: 'ignored' })
    expect(await recorded(unknown.id)).toMatchObject({ type: 'customer.created', status: 'ignored' })

    const foreign = { ...unknown, id: `evt_${crypto.randomUUID().replaceAll('-', '')}`, type: 'checkout.session.completed', data: { object: { id: 'cs_test_elsewhere', object: 'checkout.session', payment_status: 'paid', payment_intent: 'pi_elsewhere' } } }
    expect(await (await deliver(b, foreign)).json()).toEqual({ received: true, status: 'unmatched' })
  })
})
