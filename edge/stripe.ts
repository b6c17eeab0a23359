/**
 * @module Buying credits with Stripe Checkout. Packs and prices come from configuration
 * (CREDIT_PACKS); `POST /api/credits/checkout` opens a Checkout Session for the signed-in user and
 * records what it buys; Stripe's signed webhook (`POST /api/stripe/webhook`) credits the user's
 * ledger once the session is paid and takes credits back on refunds and disputes. Every event is
 * recorded by its id, and every ledger entry has a ref (the session id; the payment intent and
 * how much of it has been reversed), so a replayed or duplicated event changes nothing twice.
 * STRIPE_API_URL points the client elsewhere (locally, the stand-in in standins/stripe).
 */
import { Hono } from 'hono'
import Stripe from 'stripe'
import { appOrigin } from './auth/csrf'
import { requireUser } from './auth/sessions'
import type { AppEnv, Env } from './env'
import type { CreditPack } from '../shared/credits'
import { ApiError } from './errors'
import { applyLedgerEntry } from './ledger'
import { MAX_JSON_BYTES, readBoundedBody, readJsonBody } from './request'


/** How old a webhook's signature may be, in seconds (Stripe's default). */
export const WEBHOOK_TOLERANCE_SECONDS = 300
const MICROS = 1_000_000

interface SessionRow {
  id: string
  user_id: string
  pack: string
  credits: number
  amount: number
  currency: string
  status: string
  payment_intent: string | null
  reversed_micros: number
  created_at: number
  paid_at: number | null
}

/** What handling one event did, as stored in stripe_events. */
interface Outcome {
  status: 'applied' | 'duplicate' | 'unpaid' | 'unmatched' | 'deferred' | 'ignored'
  note: string
  userId?: string | null
  paymentIntent?: string | null
}

const notSetUp = (what: string) => new ApiError(503, 'internal', `Buying credits is not set up on this server: ${what}`)

/** The configured packs; a 503 naming the fault when CREDIT_PACKS is missing or malformed. */
export function creditPacks(env: Env): CreditPack[] {
  if (!env.CREDIT_PACKS) throw notSetUp('CREDIT_PACKS is unset')
  let parsed: unknown
  try {
    parsed = JSON.parse(env.CREDIT_PACKS)
  } catch (error) {
    throw notSetUp(`CREDIT_PACKS is not JSON (${(error as Error).message})`)
  }
  if (!Array.isArray(parsed) || !parsed.length) throw notSetUp('CREDIT_PACKS must be a JSON array of packs')
  return parsed.map((raw: Record<string, unknown>, i) => {
    const ok =
      raw && typeof raw.id === 'string' && /^[\w-]{1,40}$/.test(raw.id) &&
      Number.isSafeInteger(raw.credits) && (raw.credits as number) > 0 &&
      Number.isSafeInteger(raw.amount) && (raw.amount as number) > 0 &&
      typeof raw.currency === 'string' && /^[a-z]{3}$/i.test(raw.currency) && typeof raw.name === 'string' && raw.name
    if (!ok) throw notSetUp(`CREDIT_PACKS[${i}] needs id, credits (whole, > 0), amount (smallest currency unit, > 0), currency (3 letters) and name`)
    return { id: raw.id as string, credits: raw.credits as number, amount: raw.amount as number, currency: (raw.currency as string).toLowerCase(), name: raw.name as string }
  })
}

/** A Stripe client on fetch, aimed at STRIPE_API_URL (default api.stripe.com). */
function stripeClient(env: Env): Stripe {
  if (!env.STRIPE_SECRET_KEY) throw notSetUp('STRIPE_SECRET_KEY is unset')
  const api = new URL(env.STRIPE_API_URL || 'https://api.stripe.com')
  const protocol = api.protocol === 'http:' ? 'http' : 'https'
  return new Stripe(env.STRIPE_SECRET_KEY, {
    httpClient: Stripe.createFetchHttpClient(),
    host: api.hostname,
    port: api.port || (protocol === 'http' ? 80 : 443),
    protocol,
    maxNetworkRetries: 1,
    timeout: 20_000,
  })
}

/** Runs a Stripe API call; its failures become 502s saying what Stripe answered. */
async function callStripe<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) {
      console.error(`Stripe: ${what} failed:`, error.type, error.statusCode, error.message)
      throw new ApiError(502, 'bad_gateway', `Stripe could not ${what}: ${error.message}`, { cause: error })
    }
    throw error
  }
}

const idOf = (value: string | { id: string } | null | undefined) => (typeof value === 'string' ? value : (value?.id ?? null))

/**
 * Credits a paid Checkout Session's pack to the user who opened it — the pack and user from our
 * own record, not from the event — exactly once (the ledger's ref is the session id), then
 * applies any refund or dispute that arrived before the payment did.
 */
async function fulfil(env: Env, session: Pick<Stripe.Checkout.Session, 'id' | 'payment_status' | 'payment_intent'>): Promise<Outcome> {
  const row = await env.DB.prepare('SELECT * FROM checkout_sessions WHERE id = ?').bind(session.id).first<SessionRow>()
  if (!row) return { status: 'unmatched', note: `checkout session ${session.id} was not opened by this server; nothing credited` }
  const paymentIntent = idOf(session.payment_intent)
  if (session.payment_status !== 'paid') return { status: 'unpaid', userId: row.user_id, paymentIntent, note: `payment_status is ${session.payment_status}; credited once paid` }
  const result = await applyLedgerEntry(env, row.user_id, { kind: 'purchase', amountMicros: row.credits * MICROS, ref: row.id, memo: `Bought ${row.credits} credits (${row.pack})` })
  await env.DB.prepare(`UPDATE checkout_sessions SET status = CASE status WHEN 'open' THEN 'paid' ELSE status END, payment_intent = COALESCE(payment_intent, ?), paid_at = COALESCE(paid_at, ?) WHERE id = ?`)
    .bind(paymentIntent, Date.now(), row.id)
    .run()
  if (paymentIntent) await applyDeferred(env, paymentIntent)
  return result.duplicate
    ? { status: 'duplicate', userId: row.user_id, paymentIntent, note: `checkout session ${row.id} was credited already` }
    : { status: 'applied', userId: row.user_id, paymentIntent, note: `+${row.credits} credits (${row.pack}); available ${result.availableMicros / MICROS}` }
}

/**
 * Takes back `fraction` (0–1, cumulative: what has been refunded of the payment so far; a dispute: all) of the
 * credits a payment bought. Only the part not reversed before is taken, and the session's
 * `reversed_micros` is claimed before the ledger moves, so two refund events never take the same
 * credits twice. A payment not (yet) known is deferred: the event is kept and applied when the
 * session's completion arrives.
 */
async function reverse(env: Env, paymentIntent: string | null, fraction: number, cause: 'refund' | 'dispute', why: string): Promise<Outcome> {
  if (!paymentIntent) return { status: 'unmatched', note: `${why}: no payment intent to match` }
  for (let attempt = 0; attempt < 5; attempt++) {
    const row = await env.DB.prepare('SELECT * FROM checkout_sessions WHERE payment_intent = ?').bind(paymentIntent).first<SessionRow>()
    if (!row) return { status: 'deferred', paymentIntent, note: `${why}: no paid checkout session with payment intent ${paymentIntent} yet; applied when its checkout.session.completed arrives` }
    const bought = row.credits * MICROS
    const target = Math.min(bought, Math.round(bought * Math.min(1, Math.max(0, fraction))))
    const delta = target - row.reversed_micros
    const base = { userId: row.user_id, paymentIntent }
    if (delta <= 0) return { status: 'duplicate', ...base, note: `${why}: ${row.reversed_micros / MICROS} credits were taken back already` }
    const status = cause === 'dispute' ? 'disputed' : target === bought ? 'refunded' : 'partially_refunded'
    const claimed = await env.DB.prepare('UPDATE checkout_sessions SET reversed_micros = ?, status = ? WHERE id = ? AND reversed_micros = ?').bind(target, status, row.id, row.reversed_micros).run()
    if (!claimed.meta.changes) continue // another event moved it meanwhile: read again
    try {
      const result = await applyLedgerEntry(env, row.user_id, { kind: 'refund', amountMicros: delta, ref: `${paymentIntent}:reversed:${target}`, memo: `${why} (${row.pack}, ${row.id})` })
      const shortfall = result.shortfallMicros ? `; ${result.shortfallMicros / MICROS} credits had been spent already and could not be taken` : ''
      return { status: result.duplicate ? 'duplicate' : 'applied', ...base, note: `${why}: -${delta / MICROS} credits${shortfall}` }
    } catch (error) {
      await env.DB.prepare('UPDATE checkout_sessions SET reversed_micros = ?, status = ? WHERE id = ? AND reversed_micros = ?').bind(row.reversed_micros, row.status, row.id, target).run()
      throw error
    }
  }
  throw new Error(`Refund of ${paymentIntent}: the session kept changing; try again`)
}

/** Applies the refunds and disputes that arrived before `paymentIntent`'s payment was known. */
async function applyDeferred(env: Env, paymentIntent: string): Promise<void> {
  const { results } = await env.DB.prepare(`SELECT id, payload FROM stripe_events WHERE status = 'deferred' AND payment_intent = ? ORDER BY created`).bind(paymentIntent).all<{ id: string; payload: string }>()
  for (const deferred of results) {
    const outcome = await handleEvent(env, JSON.parse(deferred.payload) as Stripe.Event)
    if (outcome.status === 'deferred') continue
    await env.DB.prepare('UPDATE stripe_events SET status = ?, user_id = ?, note = ?, payload = NULL WHERE id = ?').bind(outcome.status, outcome.userId ?? null, `${outcome.note} (deferred until the payment arrived)`, deferred.id).run()
    console.log(`Stripe ${deferred.id}: deferred event now ${outcome.status}: ${outcome.note}`)
  }
}

/** What one verified event does to the books. */
async function handleEvent(env: Env, event: Stripe.Event): Promise<Outcome> {
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return fulfil(env, event.data.object)
    case 'charge.refunded': {
      const charge = event.data.object
      return reverse(env, idOf(charge.payment_intent), charge.amount > 0 ? charge.amount_refunded / charge.amount : 1, 'refund', `refund of ${charge.amount_refunded} of ${charge.amount} ${charge.currency}`)
    }
    case 'charge.dispute.created': {
      const dispute = event.data.object
      return reverse(env, idOf(dispute.payment_intent), 1, 'dispute', `dispute ${dispute.id} (${dispute.reason})`)
    }
    default:
      return { status: 'ignored', note: `${event.type} is not an event this server acts on` }
  }
}

/** `/api/credits/packs` and `/api/credits/checkout`: what can be bought, and buying it. */
export function createCheckoutRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.get('/packs', (c) => c.json({ packs: creditPacks(c.env) }))

  app.post('/checkout', async (c) => {
    const user = requireUser(c)
    const body = await readJsonBody(c)
    const packs = creditPacks(c.env)
    const wanted = body && typeof body === 'object' ? (body as Record<string, unknown>).pack : undefined
    const pack = packs.find((p) => p.id === wanted)
    const choices = packs.map((p) => p.id).join(', ')
    if (!pack) throw new ApiError(400, 'bad_request', typeof wanted === 'string' ? `No credit pack "${wanted.slice(0, 40)}": choose one of ${choices}` : `pack is missing: choose one of ${choices}`)
    const origin = appOrigin(c)
    const session = await callStripe('open a checkout session', () =>
      stripeClient(c.env).checkout.sessions.create({
        mode: 'payment',
        line_items: [{ quantity: 1, price_data: { currency: pack.currency, unit_amount: pack.amount, product_data: { name: pack.name } } }],
        client_reference_id: user.id,
        ...(user.email ? { customer_email: user.email } : {}),
        metadata: { pack: pack.id, credits: String(pack.credits), user_id: user.id },
        success_url: `${origin}/credits/success?session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${origin}/credits`,
      }),
    )
    if (!session.url) throw new ApiError(502, 'bad_gateway', 'Stripe opened a checkout session without a page to pay on')
    await c.env.DB.prepare('INSERT INTO checkout_sessions (id, user_id, pack, credits, amount, currency, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .bind(session.id, user.id, pack.id, pack.credits, pack.amount, pack.currency, 'open', Date.now())
      .run()
    return c.json({ id: session.id, url: session.url }, 201)
  })

  // For the success page: Stripe's word on the session, and whether its credits have arrived. A
  // paid session whose webhook is late is credited here (the same exactly-once purchase).
  app.get('/checkout/:sessionId', async (c) => {
    const user = requireUser(c)
    const id = c.req.param('sessionId')
    const own = () => c.env.DB.prepare('SELECT * FROM checkout_sessions WHERE id = ? AND user_id = ?').bind(id, user.id).first<SessionRow>()
    let row = await own()
    if (!row) throw new ApiError(404, 'not_found', `No checkout session ${id.slice(0, 80)} of yours`)
    const session = await callStripe('look up the checkout session', () => stripeClient(c.env).checkout.sessions.retrieve(id))
    if (session.payment_status === 'paid' && row.status === 'open') {
      await fulfil(c.env, session)
      row = (await own())!
    }
    return c.json({
      id: row.id,
      pack: row.pack,
      credits: row.credits,
      amount: row.amount,
      currency: row.currency,
      status: session.status,
      paymentStatus: session.payment_status,
      credited: row.status !== 'open',
      reversedCredits: row.reversed_micros / MICROS,
    })
  })

  return app
}

/** `/api/stripe/webhook`: Stripe's signed events. Exempt from the CSRF check: the signature is the proof. */
export function createStripeWebhookRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.post('/webhook', async (c) => {
    const secret = c.env.STRIPE_WEBHOOK_SECRET
    if (!secret) throw notSetUp('STRIPE_WEBHOOK_SECRET is unset')
    const body = await readBoundedBody(c, MAX_JSON_BYTES, 'Webhook body')
    let event: Stripe.Event
    try {
      event = await Stripe.webhooks.constructEventAsync(body, c.req.header('stripe-signature') ?? '', secret, WEBHOOK_TOLERANCE_SECONDS, Stripe.createSubtleCryptoProvider())
    } catch (error) {
      if (error instanceof Stripe.errors.StripeSignatureVerificationError) throw new ApiError(400, 'bad_request', `Stripe signature does not verify: ${error.message.split('\n')[0]!.trim()}`)
      if (error instanceof SyntaxError) throw new ApiError(400, 'bad_request', `Webhook body is not valid JSON: ${error.message}`)
      throw error
    }
    if (!event || typeof event.id !== 'string' || !event.id || typeof event.type !== 'string' || typeof event.data?.object !== 'object') {
      throw new ApiError(400, 'bad_request', 'Webhook body is not a Stripe event (id, type and data.object)')
    }

    const seen = await c.env.DB.prepare('SELECT status FROM stripe_events WHERE id = ?').bind(event.id).first<{ status: string }>()
    if (seen) {
      console.log(`Stripe ${event.id} (${event.type}): received again; it was ${seen.status} already, nothing done`)
      return c.json({ received: true, duplicate: true, status: seen.status })
    }
    // Handled before it is recorded: a failure leaves no record, so Stripe's retry is handled in full
    // (the ledger refs keep a half-done first attempt from counting twice).
    const outcome = await handleEvent(c.env, event)
    await c.env.DB.prepare('INSERT INTO stripe_events (id, type, created, received_at, status, user_id, payment_intent, note, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING')
      .bind(event.id, event.type, Number(event.created) || 0, Date.now(), outcome.status, outcome.userId ?? null, outcome.paymentIntent ?? null, outcome.note, outcome.status === 'deferred' ? new TextDecoder().decode(body) : null)
      .run()
    console.log(`Stripe ${event.id} (${event.type}): ${outcome.status}: ${outcome.note}`)
    return c.json({ received: true, status: outcome.status })
  })

  return app
}
