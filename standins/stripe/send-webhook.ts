/**
 * Sends one properly signed Stripe webhook event to an endpoint (the local edge's
 * `/api/stripe/webhook`), as Stripe would: from a JSON file, or from a built-in template.
 *
 *   node standins/stripe/send-webhook.ts --secret whsec_… [--url http://127.0.0.1:8787/api/stripe/webhook]
 *     (--file event.json | --type checkout.session.completed --session cs_… [--user <id>] [--payment-intent pi_…] [--amount 1000]
 *                        | --type charge.refunded --payment-intent pi_… --amount 1000 [--refunded 1000])
 *     [--timestamp <unix seconds>]
 *
 * A file holding a whole event is sent as it is (its id kept, so sending it twice is a replay);
 * a file holding only an object is wrapped in a new event of `--type`. Prints the endpoint's answer
 * and exits 1 unless it was a 2xx.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { makeEvent, signatureHeader, stripeId } from './webhooks.ts'

/** The object a built-in template puts in the event. */
function template(type: string, v: Record<string, string | undefined>): Record<string, unknown> {
  const amount = Number(v.amount ?? 1000)
  const paymentIntent = v['payment-intent'] ?? stripeId('pi')
  if (type === 'checkout.session.completed') {
    if (!v.session) throw new Error('--session cs_… is needed: the edge credits only sessions it created')
    return { id: v.session, object: 'checkout.session', mode: 'payment', status: 'complete', payment_status: 'paid', amount_total: amount, currency: 'usd', client_reference_id: v.user ?? null, metadata: {}, payment_intent: paymentIntent }
  }
  if (type === 'charge.refunded') {
    if (!v['payment-intent']) throw new Error('--payment-intent pi_… is needed: the payment to refund')
    return { id: stripeId('ch'), object: 'charge', amount, amount_refunded: Number(v.refunded ?? amount), currency: 'usd', payment_intent: paymentIntent, refunded: Number(v.refunded ?? amount) >= amount, status: 'succeeded' }
  }
  throw new Error(`No built-in template for ${type}: give --file event.json (templates: checkout.session.completed, charge.refunded)`)
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:8787/api/stripe/webhook' },
      secret: { type: 'string', default: process.env.STRIPE_WEBHOOK_SECRET },
      file: { type: 'string' },
      type: { type: 'string' },
      session: { type: 'string' },
      user: { type: 'string' },
      'payment-intent': { type: 'string' },
      amount: { type: 'string' },
      refunded: { type: 'string' },
      timestamp: { type: 'string' },
    },
  })
  if (!v.secret) throw new Error('--secret whsec_… (or STRIPE_WEBHOOK_SECRET) is needed: the endpoint secret events are signed with')
  let event: Record<string, unknown>
  if (v.file) {
    const parsed = JSON.parse(readFileSync(v.file, 'utf8')) as Record<string, unknown>
    if (parsed.object === 'event') event = parsed
    else if (v.type) event = makeEvent(v.type, parsed)
    else throw new Error(`${v.file} holds no event (object: "event"); say which --type to wrap it in`)
  } else if (v.type) {
    event = makeEvent(v.type, template(v.type, v))
  } else {
    throw new Error('Give --file event.json or --type <event type>')
  }
  const body = JSON.stringify(event, null, 2)
  const response = await fetch(v.url!, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Stripe-Signature': signatureHeader(body, v.secret, v.timestamp ? Number(v.timestamp) : undefined) },
    body,
  })
  console.log(`${event.type as string} ${event.id as string} → ${v.url}: HTTP ${response.status}`)
  console.log(await response.text())
  if (!response.ok) process.exitCode = 1
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
