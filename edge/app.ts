import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { secureHeaders } from 'hono/secure-headers'
import type { AppEnv } from './env'
import { ApiError, codeForStatus, type ApiErrorBody } from './errors'
import { createHealthRoutes } from './health'

/** Builds the edge app: security headers, the API routes, JSON 404s and the one error boundary. */
export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  // Same isolation headers as the assets (public/_headers), so API responses never break COEP.
  app.use(secureHeaders({ crossOriginEmbedderPolicy: 'require-corp', crossOriginOpenerPolicy: 'same-origin' }))

  app.route('/api/health', createHealthRoutes())

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
