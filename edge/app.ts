import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { secureHeaders } from 'hono/secure-headers'
import type { AppEnv } from './env'
import { ApiError, codeForStatus, type ApiErrorBody } from './errors'
import { createHealthRoutes } from './health'
import { createRunRoutes } from './runs'
import { createDeploymentRoutes } from './deployments'
import { createModelRoutes } from './models'
import { createCreditRoutes } from './ledger'
import { createGitHubRoutes } from './github'
import { createGitHostRoutes, createGitProxyRoutes, GIT_PATH } from './git-proxy'
import { csrfMiddleware } from './auth/csrf'
import { createAuthRoutes, createDevMailboxRoutes } from './auth/routes'
import { runnerScopeMiddleware } from './auth/runner-scope'
import { RECENT_SESSION_MS, sessionMiddleware } from './auth/sessions'
import { createPackageRoutes, PACKAGES_PATH } from './packages'
import { createCheckoutRoutes, createStripeWebhookRoutes } from './stripe'
import { createRunnerRoutes, RUNNER_SESSION_PATH } from './workflows/runners'
import { createWorkflowRunRoutes } from './workflows/runs'
import { createWorkflowSecretRoutes } from './workflows/secrets'
import { createWorkflowRepoRoutes } from './workflows/repos'
import { createGitHubWebhookRoutes } from './workflows/github-webhook'

/**
 * Routes called by other services or headless clients, which prove who they are with signatures
 * or a bearer token (never a cookie) rather than an Origin.
 */
const WEBHOOK_PATHS: string[] = ['/api/stripe/webhook', RUNNER_SESSION_PATH, '/api/github/webhook']

/** Builds the edge app: security headers, the API routes, JSON 404s and the one error boundary. */
export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  // Same isolation headers as the assets (public/_headers), so API responses never break COEP.
  app.use(secureHeaders({ crossOriginEmbedderPolicy: 'require-corp', crossOriginOpenerPolicy: 'same-origin' }))

  // Who is signed in, for every API route; state-changing calls only from our own pages.
  app.use('/api/*', sessionMiddleware(), csrfMiddleware((path) => WEBHOOK_PATHS.includes(path)), runnerScopeMiddleware())
  app.use(`${GIT_PATH}/*`, sessionMiddleware())
  // The model APIs (OpenAI- and Anthropic-compatible) for the signed-in user's tab, metered and
  // charged. A session seen live in the last few seconds is believed without a D1 read, which would
  // otherwise sit before every first token (see RECENT_SESSION_MS for the trade-off).
  app.use('/v1/*', sessionMiddleware({ recentMs: RECENT_SESSION_MS }), csrfMiddleware())

  app.route('/api/health', createHealthRoutes())
  app.route('/api/auth', createAuthRoutes())
  app.route('/api/dev/mailbox', createDevMailboxRoutes())
  app.route('/api/git', createGitHostRoutes())
  app.route('/api/github', createGitHubRoutes())
  app.route('/api/runs', createRunRoutes())
  app.route('/api/deployments', createDeploymentRoutes())
  app.route('/api/credits', createCreditRoutes())
  app.route('/api/credits', createCheckoutRoutes())
  app.route('/api/stripe', createStripeWebhookRoutes())
  app.route(GIT_PATH, createGitProxyRoutes())
  app.route('/v1', createModelRoutes())
  app.route(PACKAGES_PATH, createPackageRoutes())
  app.route('/api/workflows/repos/:owner/:repo/secrets', createWorkflowSecretRoutes())
  app.route('/api/workflows/repos', createWorkflowRepoRoutes())
  app.route('/api/github', createGitHubWebhookRoutes())
  app.route('/api/workflows', createWorkflowRunRoutes())
  app.route('/api/runners', createRunnerRoutes())

  app.notFound((c) =>
    c.json<ApiErrorBody>({ error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` } }, 404),
  )

  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json<ApiErrorBody>({ error: { code: err.code, message: err.message } }, err.status)
    if (err instanceof HTTPException) {
      return c.json<ApiErrorBody>({ error: { code: codeForStatus(err.status), message: err.message } }, err.status)
    }
    console.error(`${c.req.method} ${c.req.path} failed:`, err)
    return c.json<ApiErrorBody>({ error: { code: 'internal', message: 'Internal error' } }, 500)
  })

  return app
}
