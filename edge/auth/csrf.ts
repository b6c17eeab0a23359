import type { Context, MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env'
import { ApiError } from '../errors'

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])

/** The public origin of the IDE: APP_URL's, or the request's own. */
export function appOrigin(c: Context<AppEnv>): string {
  return new URL(c.env.APP_URL || c.req.url).origin
}

/** Origins allowed to change state: the IDE's, the request's own, and APP_ORIGINS. */
export function allowedOrigins(c: Context<AppEnv>): Set<string> {
  const extra = (c.env.APP_ORIGINS ?? '').split(/[\s,]+/).filter(Boolean)
  return new Set([appOrigin(c), new URL(c.req.url).origin, ...extra.map((o) => new URL(o).origin)])
}

/**
 * CSRF protection for state-changing requests: the browser's `Origin` must be one of ours, or
 * (where it sends `null`) its `Sec-Fetch-Site` must say same-origin; the session cookie is
 * SameSite=Lax as well. Requests with neither are refused, except those `exempt` names
 * (webhooks, which carry their own signatures).
 */
export function csrfMiddleware(exempt: (path: string) => boolean = () => false): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!SAFE.has(c.req.method) && !exempt(c.req.path)) {
      const origin = c.req.header('origin')
      // A form posted from our own pages says `Origin: null` under `Referrer-Policy: no-referrer`;
      // the browser's Sec-Fetch-Site still tells that it came from this origin.
      const sameSite = (!origin || origin === 'null') && c.req.header('sec-fetch-site') === 'same-origin'
      if (!sameSite && (!origin || origin === 'null' || !allowedOrigins(c).has(origin))) {
        throw new ApiError(403, 'forbidden', origin ? `Cross-site request refused: ${origin} may not call this API` : 'Cross-site request refused: the request has no Origin header')
      }
    }
    await next()
  }
}
