/** @module The Stripe stand-in: Checkout Sessions, refunds and signed webhook events on 127.0.0.1, for tests and the local stack. */
export { startStripeStandIn, parseStripeForm, type StripeStandIn, type StripeStandInOptions, type CheckoutSession, type SeedPrice } from './server.ts'
export { API_VERSION, deliver, makeEvent, signatureHeader, stripeId, type Delivery, type WebhookEndpoint } from './webhooks.ts'
