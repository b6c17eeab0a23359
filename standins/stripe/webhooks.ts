/**
 * Stripe webhook events as Stripe sends them: the `event` envelope, the `Stripe-Signature` header
 * (`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the endpoint's whsec_ secret>`)
 * and a POST to the endpoint. Shared by the stand-in and the send-webhook CLI.
 */
import { createHmac, randomBytes } from 'node:crypto'

/** The API version the stand-in's objects follow (the version stripe-node 23 pins). */
export const API_VERSION = '2026-10-28.endive'

/** A webhook endpoint: where events go and the secret they are signed with. */
export interface WebhookEndpoint {
  url: string
  /** `whsec_…` */
  secret: string
}

/** One delivery attempt, as the stand-in's log keeps it. */
export interface Delivery {
  eventId: string
  type: string
  url: string
  /** The receiver's HTTP status, or null when it could not be reached. */
  status: number | null
  error: string | null
  body: string
}

/** A Stripe-style object id: `prefix_` and random letters and digits. */
export function stripeId(prefix: string, length = 24): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
  return `${prefix}_${Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join('')}`
}

/** A Stripe event envelope around `object`. */
export function makeEvent(type: string, object: Record<string, unknown>, created = Math.floor(Date.now() / 1000)): Record<string, unknown> {
  return {
    id: stripeId('evt'),
    object: 'event',
    api_version: API_VERSION,
    created,
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  }
}

/** The `Stripe-Signature` header for `body`, exactly as Stripe computes it. */
export function signatureHeader(body: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')
  return `t=${timestamp},v1=${v1}`
}

/** POSTs `body` signed for `endpoint`; never throws: failures come back in the delivery record. */
export async function deliver(endpoint: WebhookEndpoint, body: string, options: { timestamp?: number; timeoutMs?: number } = {}): Promise<Delivery> {
  const event = JSON.parse(body) as { id?: string; type?: string }
  const delivery: Delivery = { eventId: String(event.id), type: String(event.type), url: endpoint.url, status: null, error: null, body }
  try {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks) stand-in',
        'Stripe-Signature': signatureHeader(body, endpoint.secret, options.timestamp),
      },
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    })
    delivery.status = response.status
    await response.body?.cancel()
  } catch (error) {
    delivery.error = error instanceof Error ? error.message : String(error)
  }
  return delivery
}
