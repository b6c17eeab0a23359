/**
 * The Stripe stand-in: a stateful HTTP server on 127.0.0.1 speaking Stripe's wire format for the
 * calls Coder makes, for tests and the local stack (api.stripe.com cannot be reached from here):
 * - `POST /v1/checkout/sessions` (form-encoded, as Stripe takes it) and `GET /v1/checkout/sessions/:id`;
 * - `POST /v1/refunds` (`payment_intent`, optional `amount`), which sends `charge.refunded`;
 * - the hosted checkout page `/pay/:id`: "Pay" completes the session (payment_status paid, a
 *   payment intent and charge), sends a signed `checkout.session.completed` to every webhook
 *   endpoint and redirects to `success_url`; "Cancel" goes back to `cancel_url`;
 * - knobs: `POST /_standin/sessions/:id/refund[?amount=]`, `POST /_standin/sessions/:id/dispute`,
 *   `GET /_standin/events` (every event generated, oldest first), `GET /_standin/deliveries`.
 * The API wants `Authorization: Bearer <key>` with one of the configured secret keys; errors come
 * in Stripe's `{ error: { type, code, message, param } }` shape.
 *
 * CLI: `node standins/stripe/server.ts [--port 12111] [--api-key sk_test_…] [--webhook url]…
 * [--webhook-secret whsec_…]`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import { deliver, makeEvent, stripeId, type Delivery, type WebhookEndpoint } from './webhooks.ts'
import { runAsScript, stopOnSignals } from '../cli.ts'

/** A price the stand-in knows, for `line_items[i][price]`. */
export interface SeedPrice {
  id: string
  unitAmount: number
  currency: string
  productName?: string
}

export interface StripeStandInOptions {
  /** Port on 127.0.0.1; default a free one. */
  port?: number
  /** Secret keys the API accepts; default `['sk_test_standin']`. */
  apiKeys?: string[]
  webhooks?: WebhookEndpoint[]
  prices?: SeedPrice[]
}

/** A Checkout Session as the stand-in keeps it (Stripe's field names). */
export interface CheckoutSession {
  id: string
  object: 'checkout.session'
  mode: string
  status: 'open' | 'complete' | 'expired'
  payment_status: 'unpaid' | 'paid'
  amount_subtotal: number
  amount_total: number
  currency: string
  client_reference_id: string | null
  customer_email: string | null
  customer_details: { email: string | null } | null
  metadata: Record<string, string>
  payment_intent: string | null
  success_url: string
  cancel_url: string | null
  url: string | null
  created: number
  expires_at: number
  livemode: false
  line_items: { name: string; quantity: number; unit_amount: number; currency: string }[]
}

interface Charge {
  id: string
  object: 'charge'
  amount: number
  amount_refunded: number
  currency: string
  paid: true
  payment_intent: string
  refunded: boolean
  disputed: boolean
  status: 'succeeded'
  created: number
  livemode: false
}

/** A running Stripe stand-in. */
export interface StripeStandIn {
  /** e.g. `http://127.0.0.1:12111`; the API is under `/v1`. */
  url: string
  sessions: Map<string, CheckoutSession>
  /** Every event generated, oldest first (delivered or not). */
  events: Record<string, unknown>[]
  deliveries: Delivery[]
  webhooks: WebhookEndpoint[]
  /** Completes a session as the hosted page's "Pay" does; resolves once its webhook deliveries have finished. */
  pay(sessionId: string): Promise<CheckoutSession>
  /** Refunds (part of) a paid session's charge and sends `charge.refunded`; the rest of the charge when `amount` is left out. */
  refund(sessionId: string, amount?: number): Promise<Charge>
  /** Opens a dispute on a paid session's charge and sends `charge.dispute.created`. */
  dispute(sessionId: string): Promise<Record<string, unknown>>
  close(): Promise<void>
}

/** A fault answered in Stripe's error shape. */
class StripeError extends Error {
  readonly status: number
  readonly type: 'invalid_request_error' | 'authentication_error' | 'api_error'
  readonly code: string | undefined
  readonly param: string | undefined

  constructor(status: number, type: StripeError['type'], message: string, code?: string, param?: string) {
    super(message)
    this.status = status
    this.type = type
    this.code = code
    this.param = param
  }
}

const now = () => Math.floor(Date.now() / 1000)

/**
 * Parses a form body the way Stripe reads it: `a[b][0][c]=x` becomes `{ a: { b: [{ c: 'x' }] } }`.
 */
export function parseStripeForm(text: string): Record<string, unknown> {
  const root: Record<string, unknown> = {}
  for (const [key, value] of new URLSearchParams(text)) {
    const path = [key.replace(/\[.*$/, ''), ...[...key.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]!)]
    let node: Record<string, unknown> | unknown[] = root
    path.forEach((segment, i) => {
      const last = i === path.length - 1
      const k: string | number = Array.isArray(node) ? Number(segment) : segment
      const holder = node as Record<string | number, unknown>
      if (last) holder[k] = value
      else node = (holder[k] ??= /^\d+$/.test(path[i + 1]!) ? [] : {}) as Record<string, unknown> | unknown[]
    })
  }
  return root
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, null, 2)
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), 'Request-Id': stripeId('req', 14), ...headers })
  res.end(text)
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(Buffer.byteLength(html)) })
  res.end(html)
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > 1024 * 1024) throw new StripeError(413, 'invalid_request_error', 'Request body too large')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

const escapeHtml = (value: unknown) => String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
const money = (amount: number, currency: string) => `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`

function requiredString(fields: Record<string, unknown>, name: string): string {
  const value = fields[name]
  if (typeof value !== 'string' || !value) throw new StripeError(400, 'invalid_request_error', `Missing required param: ${name}.`, 'parameter_missing', name)
  return value
}

function positiveInteger(value: unknown, param: string): number {
  const n = Number(value)
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < 1) throw new StripeError(400, 'invalid_request_error', `Invalid positive integer: ${param}`, 'parameter_invalid_integer', param)
  return n
}

/** Starts the stand-in on 127.0.0.1; resolves once it accepts requests. */
export async function startStripeStandIn(options: StripeStandInOptions = {}): Promise<StripeStandIn> {
  const apiKeys = new Set(options.apiKeys ?? ['sk_test_standin'])
  const prices = new Map((options.prices ?? []).map((p) => [p.id, p]))
  const sessions = new Map<string, CheckoutSession>()
  const charges = new Map<string, Charge>()
  const events: Record<string, unknown>[] = []
  const deliveries: Delivery[] = []
  const webhooks = [...(options.webhooks ?? [])]
  let url = ''

  /** Records `event` and delivers it to every endpoint; resolves once all deliveries have finished. */
  async function emit(type: string, object: Record<string, unknown>): Promise<void> {
    const event = makeEvent(type, structuredClone(object))
    events.push(event)
    const body = JSON.stringify(event, null, 2)
    const done = await Promise.all(webhooks.map((endpoint) => deliver(endpoint, body)))
    for (const d of done) {
      deliveries.push(d)
      if (d.status === null || d.status >= 300) console.warn(`[stripe-standin] ${type} ${d.eventId} to ${d.url}: ${d.error ?? `HTTP ${d.status}`}`)
    }
  }

  function createSession(fields: Record<string, unknown>): CheckoutSession {
    const mode = requiredString(fields, 'mode')
    if (mode !== 'payment') throw new StripeError(400, 'invalid_request_error', `The stand-in supports mode=payment only, not ${mode}.`, 'parameter_invalid', 'mode')
    const successUrl = requiredString(fields, 'success_url')
    const items = fields.line_items
    if (!Array.isArray(items) || !items.length) throw new StripeError(400, 'invalid_request_error', 'Missing required param: line_items.', 'parameter_missing', 'line_items')
    const lineItems = items.map((raw, i) => {
      const item = (raw ?? {}) as Record<string, unknown>
      const quantity = positiveInteger(item.quantity ?? '1', `line_items[${i}][quantity]`)
      if (typeof item.price === 'string') {
        const price = prices.get(item.price)
        if (!price) throw new StripeError(400, 'invalid_request_error', `No such price: '${item.price}'`, 'resource_missing', `line_items[${i}][price]`)
        return { name: price.productName ?? price.id, quantity, unit_amount: price.unitAmount, currency: price.currency }
      }
      const data = item.price_data as Record<string, unknown> | undefined
      if (!data) throw new StripeError(400, 'invalid_request_error', `line_items[${i}] needs price or price_data.`, 'parameter_missing', `line_items[${i}][price]`)
      const currency = requiredString(data, 'currency').toLowerCase()
      const unitAmount = positiveInteger(data.unit_amount, `line_items[${i}][price_data][unit_amount]`)
      const name = (data.product_data as Record<string, unknown> | undefined)?.name
      if (typeof name !== 'string' || !name) throw new StripeError(400, 'invalid_request_error', 'Missing required param: product_data[name].', 'parameter_missing', `line_items[${i}][price_data][product_data][name]`)
      return { name, quantity, unit_amount: unitAmount, currency }
    })
    const currency = lineItems[0]!.currency
    if (lineItems.some((l) => l.currency !== currency)) throw new StripeError(400, 'invalid_request_error', 'All line items must have the same currency.', 'parameter_invalid', 'line_items')
    const total = lineItems.reduce((sum, l) => sum + l.unit_amount * l.quantity, 0)
    const id = stripeId('cs_test', 58)
    const metadata = fields.metadata && typeof fields.metadata === 'object' ? (fields.metadata as Record<string, string>) : {}
    const email = typeof fields.customer_email === 'string' ? fields.customer_email : null
    const session: CheckoutSession = {
      id,
      object: 'checkout.session',
      mode,
      status: 'open',
      payment_status: 'unpaid',
      amount_subtotal: total,
      amount_total: total,
      currency,
      client_reference_id: typeof fields.client_reference_id === 'string' ? fields.client_reference_id : null,
      customer_email: email,
      customer_details: null,
      metadata,
      payment_intent: null,
      success_url: successUrl,
      cancel_url: typeof fields.cancel_url === 'string' ? fields.cancel_url : null,
      url: `${url}/pay/${id}`,
      created: now(),
      expires_at: now() + 24 * 60 * 60,
      livemode: false,
      line_items: lineItems,
    }
    sessions.set(id, session)
    return session
  }

  /** The public view of a session: Stripe does not include line items unless expanded. */
  const view = ({ line_items: _, ...session }: CheckoutSession) => session

  function session(id: string): CheckoutSession {
    const found = sessions.get(id)
    if (!found) throw new StripeError(404, 'invalid_request_error', `No such checkout.session: '${id}'`, 'resource_missing', 'session')
    return found
  }

  function chargeOf(s: CheckoutSession): Charge {
    const charge = [...charges.values()].find((c) => c.payment_intent === s.payment_intent)
    if (!s.payment_intent || !charge) throw new StripeError(400, 'invalid_request_error', `Checkout session ${s.id} has not been paid.`, 'charge_not_found')
    return charge
  }

  async function pay(id: string): Promise<CheckoutSession> {
    const s = session(id)
    if (s.status === 'complete') return s
    if (s.status === 'expired') throw new StripeError(400, 'invalid_request_error', `Checkout session ${id} has expired.`, 'checkout_session_expired')
    s.status = 'complete'
    s.payment_status = 'paid'
    s.payment_intent = stripeId('pi')
    s.customer_details = { email: s.customer_email ?? 'customer@example.com' }
    s.url = null
    const charge: Charge = { id: stripeId('ch'), object: 'charge', amount: s.amount_total, amount_refunded: 0, currency: s.currency, paid: true, payment_intent: s.payment_intent, refunded: false, disputed: false, status: 'succeeded', created: now(), livemode: false }
    charges.set(charge.id, charge)
    await emit('checkout.session.completed', view(s))
    return s
  }

  async function refundCharge(charge: Charge, amount?: number): Promise<Charge> {
    const left = charge.amount - charge.amount_refunded
    const value = amount ?? left
    if (!Number.isInteger(value) || value < 1 || value > left) {
      throw new StripeError(400, 'invalid_request_error', `Refund amount (${value}) is greater than unrefunded amount on charge (${left})`, 'amount_too_large', 'amount')
    }
    charge.amount_refunded += value
    charge.refunded = charge.amount_refunded === charge.amount
    await emit('charge.refunded', { ...charge })
    return charge
  }

  async function disputeCharge(charge: Charge): Promise<Record<string, unknown>> {
    charge.disputed = true
    const dispute = { id: stripeId('dp'), object: 'dispute', amount: charge.amount - charge.amount_refunded, charge: charge.id, currency: charge.currency, payment_intent: charge.payment_intent, reason: 'fraudulent', status: 'needs_response', created: now(), livemode: false }
    await emit('charge.dispute.created', dispute)
    return dispute
  }

  async function api(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const header = req.headers.authorization ?? ''
    const key = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? (/^Basic\s+(\S+)$/i.test(header) ? Buffer.from(header.split(/\s+/)[1]!, 'base64').toString().split(':')[0] : '')
    if (!key) throw new StripeError(401, 'authentication_error', 'You did not provide an API key. Provide it in the Authorization header as a Bearer token.')
    if (!apiKeys.has(key!)) throw new StripeError(401, 'authentication_error', `Invalid API Key provided: ${key!.slice(0, 8)}${'*'.repeat(Math.max(0, key!.length - 12))}${key!.slice(-4)}`, 'api_key_invalid')
    const fields = req.method === 'POST' ? parseStripeForm(await readBody(req)) : {}
    if (path === '/v1/checkout/sessions' && req.method === 'POST') return sendJson(res, 200, view(createSession(fields)))
    const one = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path)
    if (one && req.method === 'GET') return sendJson(res, 200, view(session(decodeURIComponent(one[1]!))))
    if (path === '/v1/refunds' && req.method === 'POST') {
      const pi = requiredString(fields, 'payment_intent')
      const charge = [...charges.values()].find((c) => c.payment_intent === pi)
      if (!charge) throw new StripeError(404, 'invalid_request_error', `No such payment_intent: '${pi}'`, 'resource_missing', 'payment_intent')
      const before = charge.amount_refunded
      await refundCharge(charge, fields.amount === undefined ? undefined : positiveInteger(fields.amount, 'amount'))
      return sendJson(res, 200, { id: stripeId('re'), object: 'refund', amount: charge.amount_refunded - before, charge: charge.id, currency: charge.currency, payment_intent: pi, status: 'succeeded', created: now() })
    }
    throw new StripeError(404, 'invalid_request_error', `Unrecognized request URL (${req.method}: ${path}). The Stripe stand-in serves only the calls Coder makes.`)
  }

  async function knob(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    if (path === '/_standin/events' && req.method === 'GET') return sendJson(res, 200, events)
    if (path === '/_standin/deliveries' && req.method === 'GET') return sendJson(res, 200, deliveries)
    const m = /^\/_standin\/sessions\/([^/]+)\/(pay|refund|dispute)$/.exec(path)
    if (!m || req.method !== 'POST') throw new StripeError(404, 'invalid_request_error', `No stand-in knob ${req.method} ${path}`)
    const s = session(decodeURIComponent(m[1]!))
    if (m[2] === 'pay') return sendJson(res, 200, view(await pay(s.id)))
    if (m[2] === 'refund') return sendJson(res, 200, await refundCharge(chargeOf(s), query.has('amount') ? positiveInteger(query.get('amount'), 'amount') : undefined))
    return sendJson(res, 200, await disputeCharge(chargeOf(s)))
  }

  async function hostedPage(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const s = sessions.get(id)
    if (!s) return sendHtml(res, 404, '<!doctype html><title>Not found</title><p>No such checkout session (Stripe stand-in).')
    if (req.method === 'POST') {
      const action = new URLSearchParams(await readBody(req)).get('action')
      if (action === 'cancel') {
        res.writeHead(303, { Location: s.cancel_url ?? url }).end()
        return
      }
      await pay(id)
      res.writeHead(303, { Location: s.success_url.replaceAll('{CHECKOUT_SESSION_ID}', s.id) }).end()
      return
    }
    const items = s.line_items.map((l) => `<li>${escapeHtml(l.name)} × ${l.quantity}: ${escapeHtml(money(l.unit_amount * l.quantity, l.currency))}</li>`).join('')
    const body =
      s.status === 'open'
        ? `<form method="post"><button type="submit" name="action" value="pay">Pay ${escapeHtml(money(s.amount_total, s.currency))}</button> <button type="submit" name="action" value="cancel">Cancel</button></form>`
        : `<p>This checkout session is ${escapeHtml(s.status)} (${escapeHtml(s.payment_status)}).</p>`
    sendHtml(res, 200, `<!doctype html><meta charset="utf-8"><title>Checkout (Stripe stand-in)</title><h1>Checkout</h1><p>Stripe stand-in: no card needed, nothing is charged.</p><ul>${items}</ul>${body}`)
  }

  const server = createServer((req, res) => {
    const parsed = new URL(req.url ?? '/', 'http://standin')
    const path = parsed.pathname
    const handle = path.startsWith('/v1/')
      ? api(req, res, path)
      : path.startsWith('/_standin/')
        ? knob(req, res, path, parsed.searchParams)
        : /^\/pay\/[^/]+$/.test(path)
          ? hostedPage(req, res, decodeURIComponent(path.slice('/pay/'.length)))
          : Promise.reject(new StripeError(404, 'invalid_request_error', `Unrecognized request URL (${req.method}: ${path}).`))
    handle.catch((error: unknown) => {
      if (res.headersSent) return void res.destroy()
      if (error instanceof StripeError) {
        return sendJson(res, error.status, { error: { type: error.type, code: error.code, message: error.message, param: error.param } })
      }
      console.error('[stripe-standin]', req.method, req.url, error)
      sendJson(res, 500, { error: { type: 'api_error', message: `Stripe stand-in: ${error instanceof Error ? error.message : String(error)}` } })
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    sessions,
    events,
    deliveries,
    webhooks,
    pay,
    refund: (id, amount) => refundCharge(chargeOf(session(id)), amount),
    dispute: (id) => disputeCharge(chargeOf(session(id))),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '12111' },
      'api-key': { type: 'string', multiple: true, default: [] },
      webhook: { type: 'string', multiple: true, default: [] },
      'webhook-secret': { type: 'string', default: 'whsec_standin_local' },
    },
  })
  const apiKeys = values['api-key']!.length ? values['api-key']! : ['sk_test_standin']
  const standIn = await startStripeStandIn({ port: Number(values.port), apiKeys, webhooks: values.webhook!.map((url) => ({ url, secret: values['webhook-secret']! })) })
  console.log(`Stripe stand-in (local, for development and tests) on ${standIn.url}`)
  console.log(`  API:      ${standIn.url}/v1 (STRIPE_API_URL=${standIn.url}); secret keys: ${apiKeys.join(', ')}`)
  for (const w of standIn.webhooks) console.log(`  webhooks: ${w.url} signed with ${w.secret} (STRIPE_WEBHOOK_SECRET)`)
  stopOnSignals(() => standIn.close())
}

runAsScript(import.meta.url, main)
