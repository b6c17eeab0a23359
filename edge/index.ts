/** @module The edge worker's composition root: the Hono app bound to the Workers runtime. */
import { createApp } from './app'
import type { Env } from './env'

export type { Env } from './env'
/** Durable Object classes the runtime instantiates by name (wrangler.toml [[durable_objects.bindings]]). */
export { LedgerAccount } from './ledger'

const app = createApp()

/** The Workers handler: every request that reaches the worker (run_worker_first: /api/*, /git/*). */
export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>
