// The Stripe stand-in judged by the official client: stripe-node creates and retrieves sessions on
// it, and its webhook deliveries verify with stripe.webhooks.constructEvent (and only with the right secret).
import { createHmac } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import Stripe from 'stripe'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseStripeForm, startStripeStandIn, type StripeStandIn } from './index.ts'

const secret = 'whsec_unit_test_secret'
// Vitest resolves stripe to its fetch/SubtleCrypto build, whose default crypto is async only;
// constructEvent (synchronous, as a Node server calls it) gets Node's HMAC.
const nodeCrypto = {
  computeHMACSignature: (payload: string, key: string) => createHmac('sha256', key).update(payload, 'utf8').digest('hex'),
  computeHMACSignatureAsync: async (payload: string, key: string) => createHmac('sha256', key).update(payload, 'utf8').digest('hex'),
  computeSHA256Async: async (data: Uint8Array) => new Uint8Array(await crypto.subtle.digest('SHA-256', data)),
}
const verify = (body: string, header: unknown, key = secret) => stripe.webhooks.constructEvent(body, String(header), key, undefined, nodeCrypto)
let standIn: StripeStandIn
let stripe: Stripe
let receiver: ReturnType<typeof createServer>
const received: { headers: IncomingMessage['headers']; body: string }[] = []
let receiverUrl = ''

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      res.writeHead(200).end('{"received":true}')
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
  standIn = await startStripeStandIn({ apiKeys: ['sk_test_unit'], webhooks: [{ url: receiverUrl, secret }], prices: [{ id: 'price_seeded', unitAmount: 500, currency: 'eur', productName: '5 credits' }] })
  const { hostname, port } = new URL(standIn.url)
  stripe = new Stripe('sk_test_unit', { host: hostname, port, protocol: 'http', maxNetworkRetries: 0 })
})

afterAll(async () => {
  await standIn?.close()
  await new Promise<void>((resolve) => receiver.close(() => resolve()))
})

const checkout = (overrides: Partial<Stripe.Checkout.SessionCreateParams> = {}) =>
  stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [{ price_data: { currency: 'usd', unit_amount: 1000, product_data: { name: '10 credits' } }, quantity: 1 }],
    success_url: 'http://app.test/credits/success?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://app.test/credits',
    client_reference_id: 'user-1',
    metadata: { pack: 'small', credits: '10' },
    customer_email: 'ada@example.com',
    ...overrides,
  })

describe('Stripe stand-in', () => {
  it('parses nested form fields as Stripe does', () => {
    expect(parseStripeForm('a[b][0][c]=x&a[b][1][c]=y&m[k]=v&n=1')).toEqual({ a: { b: [{ c: 'x' }, { c: 'y' }] }, m: { k: 'v' }, n: '1' })
  })

  it('creates and retrieves Checkout Sessions for stripe-node', async () => {
    const session = await checkout()
    expect(session).toMatchObject({ object: 'checkout.session', mode: 'payment', status: 'open', payment_status: 'unpaid', amount_total: 1000, currency: 'usd', client_reference_id: 'user-1', metadata: { pack: 'small', credits: '10' }, customer_email: 'ada@example.com', payment_intent: null })
    expect(session.id).toMatch(/^cs_test_/)
    expect(session.url).toBe(`${standIn.url}/pay/${session.id}`)
    const again = await stripe.checkout.sessions.retrieve(session.id)
    expect(again.id).toBe(session.id)
    expect(again.amount_total).toBe(1000)

    const seeded = await checkout({ line_items: [{ price: 'price_seeded', quantity: 2 }] })
    expect(seeded).toMatchObject({ amount_total: 1000, currency: 'eur' })
  })

  it('answers bad requests in Stripe’s error shape, which stripe-node turns into typed errors', async () => {
    await expect(stripe.checkout.sessions.retrieve('cs_test_nope')).rejects.toMatchObject({ type: 'StripeInvalidRequestError', code: 'resource_missing', statusCode: 404 })
    await expect(checkout({ line_items: [{ price: 'price_unknown', quantity: 1 }] })).rejects.toMatchObject({ code: 'resource_missing', param: 'line_items[0][price]' })
    await expect(checkout({ success_url: '' as string })).rejects.toMatchObject({ code: 'parameter_missing', param: 'success_url' })
    const wrongKey = new Stripe('sk_test_wrong_key_000', { host: '127.0.0.1', port: new URL(standIn.url).port, protocol: 'http', maxNetworkRetries: 0 })
    await expect(wrongKey.checkout.sessions.retrieve('cs_test_x')).rejects.toMatchObject({ type: 'StripeAuthenticationError', statusCode: 401 })
    const raw = await fetch(`${standIn.url}/v1/checkout/sessions/x`)
    expect(raw.status).toBe(401)
    expect(((await raw.json()) as { error: { type: string } }).error.type).toBe('authentication_error')
  })

  it('pays on the hosted page: redirects to success_url and delivers a signed checkout.session.completed', async () => {
    const session = await checkout()
    const page = await fetch(session.url!)
    expect(await page.text()).toContain('Pay 10.00 USD')
    const before = received.length
    const paid = await fetch(session.url!, { method: 'POST', body: new URLSearchParams({ action: 'pay' }), redirect: 'manual' })
    expect(paid.status).toBe(303)
    expect(paid.headers.get('location')).toBe(`http://app.test/credits/success?session_id=${session.id}`)
    const delivery = received[before]!
    const event = verify(delivery.body, delivery.headers['stripe-signature'])
    expect(event.type).toBe('checkout.session.completed')
    const object = event.data.object as Stripe.Checkout.Session
    expect(object).toMatchObject({ id: session.id, payment_status: 'paid', status: 'complete', client_reference_id: 'user-1' })
    expect(object.payment_intent).toMatch(/^pi_/)
    expect(() => verify(delivery.body, delivery.headers['stripe-signature'], 'whsec_another_secret')).toThrow(Stripe.errors.StripeSignatureVerificationError)
    expect(() => verify(delivery.body.replace('"paid"', '"unpaid"'), delivery.headers['stripe-signature'])).toThrow(/No signatures found matching/)

    const retrieved = await stripe.checkout.sessions.retrieve(session.id)
    expect(retrieved).toMatchObject({ status: 'complete', payment_status: 'paid', payment_intent: object.payment_intent })

    // Cancel on another session goes back without paying.
    const other = await checkout()
    const cancelled = await fetch(other.url!, { method: 'POST', body: new URLSearchParams({ action: 'cancel' }), redirect: 'manual' })
    expect(cancelled.headers.get('location')).toBe('http://app.test/credits')
    expect((await stripe.checkout.sessions.retrieve(other.id)).payment_status).toBe('unpaid')
  })

  it('refunds (in part, then the rest) and disputes a paid session with signed charge events', async () => {
    const session = await checkout()
    await standIn.pay(session.id)
    const pi = standIn.sessions.get(session.id)!.payment_intent!
    const before = received.length
    const refund = await stripe.refunds.create({ payment_intent: pi, amount: 400 })
    expect(refund).toMatchObject({ object: 'refund', amount: 400, payment_intent: pi })
    const knob = await fetch(`${standIn.url}/_standin/sessions/${session.id}/refund`, { method: 'POST' })
    expect(await knob.json()).toMatchObject({ amount_refunded: 1000, refunded: true })
    await expect(stripe.refunds.create({ payment_intent: pi, amount: 1 })).rejects.toMatchObject({ code: 'amount_too_large' })
    const dispute = await fetch(`${standIn.url}/_standin/sessions/${session.id}/dispute`, { method: 'POST' })
    expect(dispute.status).toBe(200)
    const events = received.slice(before).map((d) => verify(d.body, d.headers['stripe-signature']))
    expect(events.map((e) => [e.type, (e.data.object as { amount_refunded?: number }).amount_refunded])).toEqual([
      ['charge.refunded', 400],
      ['charge.refunded', 1000],
      ['charge.dispute.created', undefined],
    ])
    expect((events[2]!.data.object as { payment_intent: string }).payment_intent).toBe(pi)
  })

  it('send-webhook.ts sends a properly signed event from a template', async () => {
    const before = received.length
    const { stdout } = await promisify(execFile)(process.execPath, ['standins/stripe/send-webhook.ts', '--url', receiverUrl, '--secret', secret, '--type', 'charge.refunded', '--payment-intent', 'pi_123', '--amount', '1000', '--refunded', '500'])
    expect(stdout).toContain('HTTP 200')
    const event = verify(received[before]!.body, received[before]!.headers['stripe-signature'])
    expect(event.data.object).toMatchObject({ object: 'charge', payment_intent: 'pi_123', amount: 1000, amount_refunded: 500 })
  })
})
