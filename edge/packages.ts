import { Hono, type Context } from 'hono'
import type { AppEnv, Env } from './env'
import { allowedOrigins } from './auth/csrf'
import { ApiError } from './errors'

/**
 * Where the package proxy is mounted. Below it, `<http|https>/<host[:port]>/<path…>` names the
 * upstream URL, its path and query kept byte for byte (`@scope%2fname` stays encoded).
 */
export const PACKAGES_PATH = '/api/packages'

/**
 * Set on every response of the proxy: `upstream` when the status and body are the upstream's,
 * `edge` when the edge answered itself (a refusal, an unreachable upstream, a preflight). The tab
 * tells "the edge refused" from "the registry refused" by it, and "no edge here" by its absence.
 */
export const PROXY_HEADER = 'Coder-Proxy'

/** Request headers passed upstream; anything else the tab sends stays at the edge. */
const REQUEST_HEADERS = ['accept', 'if-none-match', 'if-modified-since', 'range', 'if-range', 'npm-command', 'npm-scope', 'npm-session', 'npm-in-ci']

/** Upstream response headers passed to the tab (`location` rewritten); cookies and auth challenges never are. */
const RESPONSE_HEADERS = ['content-type', 'content-length', 'content-encoding', 'etag', 'last-modified', 'cache-control', 'expires', 'vary', 'content-range', 'accept-ranges']

const DEFAULT_TIMEOUT_SECONDS = 60

/**
 * Routes under {@link PACKAGES_PATH}: a GET/HEAD proxy to the package upstreams PACKAGE_UPSTREAMS
 * allows (npm registries, Python indexes), adding the PACKAGE_TOKENS token for the upstream, so
 * tokens stay at the edge. The body streams through unbuffered. The edge's own answers are JSON
 * errors: 400 for a malformed target, 403 for an upstream or page origin not allowed, 405 for
 * other methods, 502 when the upstream cannot be reached, 504 when it does not answer within
 * PACKAGE_TIMEOUT_SECONDS. Cross-origin callers are served only from the IDE's origins (APP_ORIGINS).
 */
export function createPackageRoutes(): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .use('*', async (c, next) => {
      const cors = corsHeadersFor(c)
      await next()
      for (const [name, value] of Object.entries(cors)) {
        if (name === 'Vary') c.res.headers.append(name, value)
        else c.res.headers.set(name, value)
      }
      if (!c.res.headers.has(PROXY_HEADER)) c.res.headers.set(PROXY_HEADER, 'edge')
    })
    .options('*', (c) => {
      c.header('Allow', 'GET, HEAD, OPTIONS')
      if (c.req.header('origin')) {
        c.header('Access-Control-Allow-Methods', 'GET, HEAD')
        c.header('Access-Control-Allow-Headers', ['authorization', ...REQUEST_HEADERS].join(', '))
        c.header('Access-Control-Max-Age', '600')
      }
      return c.body(null, 204)
    })
    .get('*', (c) => proxy(c))
    .all('*', (c) => {
      c.header('Allow', 'GET, HEAD, OPTIONS')
      throw new ApiError(405, 'method_not_allowed', `The package proxy only reads: ${c.req.method} is not allowed (use GET or HEAD)`)
    })
}

async function proxy(c: Context<AppEnv>): Promise<Response> {
  const target = parseTarget(new URL(c.req.url))
  const upstreams = parseRules(c.env.PACKAGE_UPSTREAMS ?? '', 'PACKAGE_UPSTREAMS')
  if (!upstreams.some((rule) => matches(rule, target))) {
    throw new ApiError(
      403,
      'forbidden',
      `${target.host} is not an allowed package upstream: add ${target.origin} to PACKAGE_UPSTREAMS in the edge's configuration (wrangler.toml [vars], or --var PACKAGE_UPSTREAMS:… with wrangler dev)`,
    )
  }

  const headers = new Headers()
  for (const name of REQUEST_HEADERS) {
    const value = c.req.header(name)
    if (value !== undefined) headers.set(name, value)
  }
  const token = tokenFor(c.env, target)
  // The edge's token is lent to signed-in users only: anyone else could read a private registry through it.
  if (token && !c.get('user')) throw new ApiError(401, 'unauthorized', `Sign in to install from ${target.origin}: this server holds its token and lends it only to signed-in users`)
  if (token) headers.set('authorization', /\s/.test(token) ? token : `Bearer ${token}`)
  else if (c.req.header('authorization')) headers.set('authorization', c.req.header('authorization')!)

  const seconds = timeoutSeconds(c.env)
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), seconds * 1000)
  let upstream: Response
  try {
    upstream = await fetch(target, { method: c.req.method, headers, redirect: 'manual', signal: controller.signal })
  } catch (cause) {
    if (controller.signal.aborted) {
      throw new ApiError(504, 'gateway_timeout', `The package upstream ${target.origin} did not answer within ${seconds} s (PACKAGE_TIMEOUT_SECONDS)`, { cause })
    }
    throw new ApiError(502, 'bad_gateway', `Could not reach the package upstream ${target.origin}: ${(cause as Error).message}`, { cause })
  } finally {
    // The limit is on the answer; a large body then streams for as long as it flows.
    clearTimeout(timer)
  }

  const out = new Headers({ [PROXY_HEADER]: 'upstream' })
  for (const name of RESPONSE_HEADERS) {
    const value = upstream.headers.get(name)
    if (value !== null) out.set(name, value)
  }
  // The runtime hands over an encoded body decoded and encodes it again on the way out: the
  // upstream's length no longer holds.
  if (out.has('content-encoding')) out.delete('content-length')
  const location = upstream.headers.get('location')
  if (location) out.set('location', proxiedLocation(location, target))
  const bodyless = c.req.method === 'HEAD' || [101, 204, 205, 304].includes(upstream.status)
  return new Response(bodyless ? null : upstream.body, { status: upstream.status, headers: out })
}

/** The upstream URL the request path names; throws a 400 naming what is wrong. */
function parseTarget(url: URL): URL {
  const usage = `expected ${PACKAGES_PATH}/<http|https>/<host[:port]>/<path>, e.g. ${PACKAGES_PATH}/https/registry.example.com/left-pad`
  const rest = url.pathname.startsWith(`${PACKAGES_PATH}/`) ? url.pathname.slice(PACKAGES_PATH.length + 1) : ''
  const [scheme = '', host = '', ...segments] = rest.split('/')
  if (!scheme || !host) throw new ApiError(400, 'bad_request', `Malformed package proxy path ${url.pathname}: ${usage}`)
  if (scheme !== 'http' && scheme !== 'https') throw new ApiError(400, 'bad_request', `Only http and https upstreams can be proxied, not "${scheme}": ${usage}`)
  if (host.includes('@') || host.toLowerCase().includes('%40')) {
    throw new ApiError(400, 'bad_request', `The upstream host may not carry credentials ("user@host"): tokens belong in the edge's PACKAGE_TOKENS`)
  }
  if (!/^([a-z0-9_-]+(\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])(:\d{1,5})?$/i.test(host)) throw new ApiError(400, 'bad_request', `"${host}" is not a host name with an optional port: ${usage}`)
  for (const segment of segments) {
    let decoded: string
    try {
      decoded = decodeURIComponent(segment)
    } catch {
      throw new ApiError(400, 'bad_request', `Malformed percent-encoding in the package proxy path: "${segment}"`)
    }
    // An encoded slash keeps a scoped name in one segment; a dot segment inside it could still
    // climb out of the upstream's folder once the upstream decodes it.
    if (decoded.split(/[/\\]/).some((part) => part === '.' || part === '..')) {
      throw new ApiError(400, 'bad_request', `The package proxy path may not contain "." or ".." segments: ${url.pathname}`)
    }
  }
  const path = `/${segments.join('/')}`
  let target: URL
  try {
    target = new URL(`${scheme}://${host}${path}${url.search}`)
  } catch {
    throw new ApiError(400, 'bad_request', `${scheme}://${host}${path} is not a valid URL`)
  }
  // Nothing may have been normalised away: the request reaches exactly the host and path named.
  if (target.host !== host.toLowerCase().replace(scheme === 'https' ? /:443$/ : /:80$/, '') || target.pathname !== path || target.username || target.password) {
    throw new ApiError(400, 'bad_request', `Malformed package proxy path ${url.pathname}: ${usage}`)
  }
  return target
}

/** An allowed upstream or a token's scope: a whole origin, or the URLs under a path prefix on it. */
interface Rule {
  origin: string
  /** `origin + path`, ending in `/`; null for the whole origin. */
  prefix: string | null
}

/** Rules from a list of http(s) origins or URL prefixes separated by commas or white space; a bad entry is a configuration fault. */
function parseRules(list: string, name: string): Rule[] {
  return list
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((entry) => parseRule(entry, name))
}

function parseRule(entry: string, name: string): Rule {
  let url: URL | null = null
  try {
    url = new URL(entry)
  } catch {}
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash) {
    throw new ApiError(500, 'internal', `The edge's ${name} is misconfigured: "${entry}" is not an http(s) origin or URL prefix`)
  }
  return { origin: url.origin, prefix: url.pathname === '/' ? null : `${url.origin}${url.pathname.replace(/\/?$/, '/')}` }
}

function matches(rule: Rule, url: URL): boolean {
  return url.origin === rule.origin && (rule.prefix === null || `${url.origin}${url.pathname}`.startsWith(rule.prefix))
}

/** The PACKAGE_TOKENS token for `url` (the most specific key that covers it), or null. Never echoes the secret in an error. */
function tokenFor(env: Env, url: URL): string | null {
  if (!env.PACKAGE_TOKENS) return null
  const misconfigured = () => new ApiError(500, 'internal', `The edge's PACKAGE_TOKENS is misconfigured: it must be a JSON object mapping http(s) origins or URL prefixes to tokens`)
  let tokens: unknown
  try {
    tokens = JSON.parse(env.PACKAGE_TOKENS)
  } catch {
    throw misconfigured()
  }
  if (!tokens || typeof tokens !== 'object' || Array.isArray(tokens)) throw misconfigured()
  let best: { length: number; token: string } | null = null
  for (const [key, token] of Object.entries(tokens)) {
    if (typeof token !== 'string' || !token.trim()) throw misconfigured()
    const rule = parseRule(key, 'PACKAGE_TOKENS')
    const length = (rule.prefix ?? rule.origin).length
    if (matches(rule, url) && (!best || length > best.length)) best = { length, token: token.trim() }
  }
  return best?.token ?? null
}

function timeoutSeconds(env: Env): number {
  const text = env.PACKAGE_TIMEOUT_SECONDS?.trim()
  if (!text) return DEFAULT_TIMEOUT_SECONDS
  const seconds = Number(text)
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new ApiError(500, 'internal', `The edge's PACKAGE_TIMEOUT_SECONDS is misconfigured: "${text}" is not a positive number of seconds`)
  }
  return seconds
}

/** An upstream redirect as a path back through the proxy, so the next hop is checked against the allow-list too. */
function proxiedLocation(location: string, base: URL): string {
  let next: URL
  try {
    next = new URL(location, base)
  } catch {
    throw new ApiError(502, 'bad_gateway', `The package upstream ${base.origin} redirected to an invalid location`)
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new ApiError(502, 'bad_gateway', `The package upstream ${base.origin} redirected to a ${next.protocol} URL, which cannot be proxied`)
  }
  return `${PACKAGES_PATH}/${next.protocol.slice(0, -1)}/${next.host}${next.pathname}${next.search}`
}

/**
 * CORS headers for the request's page. Same-origin requests (the IDE served by this edge) need
 * none. Other origins are served only when they are the IDE's (APP_URL, APP_ORIGINS): the edge
 * adds its tokens for whoever calls, so answering any origin (`*`) would let any web page a user
 * visits read the private packages their edge can reach. Throws a 403 for any other origin.
 */
function corsHeadersFor(c: Context<AppEnv>): Record<string, string> {
  const origin = c.req.header('origin')
  if (!origin || origin === new URL(c.req.url).origin) return {}
  if (!allowedOrigins(c).has(origin)) {
    throw new ApiError(403, 'forbidden', `Pages of ${origin} may not use this edge's package proxy: add the origin to APP_ORIGINS in the edge's configuration`)
  }
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Expose-Headers': [PROXY_HEADER, ...RESPONSE_HEADERS, 'location'].join(', '),
    Vary: 'Origin',
  }
}
