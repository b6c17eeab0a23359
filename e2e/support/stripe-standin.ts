/**
 * @module Vitest globalSetup of the `edge` project: the Stripe stand-in (standins/stripe) on
 * 127.0.0.1, for the checkout routes' API calls. The tests in workerd pay sessions and read the
 * events it generated over HTTP (its `/pay/:id` page and `/_standin/` knobs), then deliver those
 * events to the edge signed with `webhookSecret`. Provides `stripe` to the tests.
 */
import type { TestProject } from 'vitest/node'
import { startStripeStandIn } from '../../standins/stripe'

declare module 'vitest' {
  export interface ProvidedContext {
    stripe: { url: string; secretKey: string; webhookSecret: string }
  }
}

export default async function setup(project: TestProject) {
  const secretKey = 'sk_test_edge_tests_0000000000000000'
  const standIn = await startStripeStandIn({ apiKeys: [secretKey] })
  project.provide('stripe', { url: standIn.url, secretKey, webhookSecret: 'whsec_edge_tests_0000000000000000' })
  return () => standIn.close()
}
