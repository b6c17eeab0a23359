/** @module The edge worker's composition root: the Hono app bound to the Workers runtime. */
import { createApp } from './app'
import type { Env } from './env'
import { fireSchedules } from './workflows/schedule'

export type { Env } from './env'
/** Durable Object classes the runtime instantiates by name (wrangler.toml [[durable_objects.bindings]]). */
export { LedgerAccount } from './ledger'
export { WorkflowRun } from './workflows/run-object'
/** What the preview worker (edge/preview) binds to: a deployment's files, and nothing else. */
export { DeploymentFiles } from './deployments/preview'

const app = createApp()

/** The Workers handler: every request that reaches the worker (run_worker_first: /api/*, /git/*). */
export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  /** The Cron Trigger (wrangler.toml [triggers], every minute): scheduled workflows due this minute. */
  scheduled: (controller, env, ctx) => ctx.waitUntil(fireSchedules(env, new Date(controller.scheduledTime))),
} satisfies ExportedHandler<Env>
