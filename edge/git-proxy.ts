/**
 * @module The git smart-HTTP proxy: `/git/<host[:port]>/<repo path>/{info/refs,git-upload-pack,git-receive-pack}`.
 * isomorphic-git in the tab clones and pushes through it, so the user's token is added here and
 * never reaches the tab. Only hosts in GIT_HOSTS are reachable; bodies stream both ways.
 */
import { Hono, type Context } from 'hono'
import type { AppEnv, Env } from './env'
import { allowedOrigins } from './auth/csrf'
import { decryptToken, encryptToken } from './auth/crypto'
import { requireUser } from './auth/sessions'
import { gitHubToken } from './auth/users'
import { ApiError } from './errors'
import { readJsonBody } from './request'

export const GIT_PATH = '/git'

/** `upstream` when the status and body are the git host's, `edge` when the edge answered itself. */
export const GIT_PROXY_HEADER = 'Coder-Proxy'

const REQUEST_HEADERS = ['accept', 'content-type', 'content-encoding', 'git-protocol', 'content-length']
const RESPONSE_HEADERS = ['content-type', 'content-encoding', 'cache-control', 'expires', 'pragma', 'content-length']

const DEFAULTS = { timeoutSeconds: 60, transferSeconds: 900, maxPushBytes: 200 * 1024 * 1024, maxFetchBytes: 2 * 1024 * 1024 * 1024 }

/** A git host the edge may reach: its origin (scheme included), and a path prefix when only part of it is allowed. */
interface GitHost {
  origin: string
  host: string
  prefix: string
}

/** GIT_HOSTS: origins (or origin + path prefixes) separated by spaces or commas; GitHub's web URL is always one. */
export function gitHosts(env: Env): GitHost[] {
  const entries = (env.GIT_HOSTS ?? '').split(/[\s,]+/).filter(Boolean)
  const github = env.GITHUB_WEB_URL || 'https://github.com'
  return [...new Set([github, ...entries])].map((entry) => {
    let url: URL
    try {
      url = new URL(entry)
    } catch {
      throw new ApiError(500, 'internal', `The edge's GIT_HOSTS is misconfigured: "${entry}" is not an http(s) URL`)
    }
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.search) {
      throw new ApiError(500, 'internal', `The edge's GIT_HOSTS is misconfigured: "${entry}" must be an http(s) origin or URL prefix`)
    }
    return { origin: url.origin, host: url.host, prefix: url.pathname.replace(/\/?$/, '/') }
  })
}

const numberFrom = (value: string | undefined, fallback: number) => (value && Number(value) > 0 ? Number(value) : fallback)

/** What one proxied request is: the upstream URL, the git service and whether it pushes. */
interface Target {
  url: URL
  host: GitHost
  service: 'git-upload-pack' | 'git-receive-pack'
  kind: 'refs' | 'rpc'
}

const USAGE = `expected ${GIT_PATH}/<host>/<owner>/<repo>.git/info/refs?service=git-upload-pack (or git-receive-pack), or a POST to …/git-upload-pack or …/git-receive-pack`

/** The upstream a request names, checked against GIT_HOSTS; a 400/403/405 with a clear message otherwise. */
function parseTarget(c: Context<AppEnv>): Target {
  const url = new URL(c.req.url)
  const rest = url.pathname.slice(GIT_PATH.length + 1)
  const slash = rest.indexOf('/')
  const hostPart = slash > 0 ? rest.slice(0, slash).toLowerCase() : ''
  const path = slash > 0 ? rest.slice(slash) : ''
  if (!hostPart || !path) throw new ApiError(400, 'bad_request', `Malformed git proxy path ${url.pathname}: ${USAGE}`)
  if (hostPart.includes('@') || hostPart.includes('%')) throw new ApiError(400, 'bad_request', 'The git host may not carry credentials or encoded characters: sign in, or save a token for the host, instead')
  if (!/^[a-z0-9.-]+(:\d{1,5})?$/.test(hostPart)) throw new ApiError(400, 'bad_request', `"${hostPart}" is not a host name: ${USAGE}`)
  let decoded: string
  try {
    decoded = decodeURIComponent(path)
  } catch {
    throw new ApiError(400, 'bad_request', `Malformed percent-encoding in the git proxy path: ${url.pathname}`)
  }
  if (decoded.split(/[/\\]/).some((part) => part === '.' || part === '..') || decoded.includes('//')) {
    throw new ApiError(400, 'bad_request', `The git proxy path may not contain "." or ".." segments: ${url.pathname}`)
  }
  const host = gitHosts(c.env).find((h) => h.host === hostPart && path.startsWith(h.prefix))
  if (!host) throw new ApiError(403, 'forbidden', `${hostPart} is not a git host this server may reach: add its URL to GIT_HOSTS in the edge's configuration`)

  let m = /^(.+)\/info\/refs$/.exec(path)
  if (m) {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') throw new ApiError(405, 'method_not_allowed', `${c.req.method} is not allowed on info/refs: git fetches it with GET`)
    const service = url.searchParams.get('service')
    if (service !== 'git-upload-pack' && service !== 'git-receive-pack') throw new ApiError(400, 'bad_request', `info/refs needs ?service=git-upload-pack or ?service=git-receive-pack (the smart HTTP protocol); got ${service ?? 'none'}`)
    return { url: new URL(`${host.origin}${m[1]}/info/refs?service=${service}`), host, service, kind: 'refs' }
  }
  m = /^(.+)\/(git-upload-pack|git-receive-pack)$/.exec(path)
  if (m) {
    if (c.req.method !== 'POST') throw new ApiError(405, 'method_not_allowed', `${c.req.method} is not allowed on ${m[2]}: git sends it with POST`)
    return { url: new URL(`${host.origin}${m[1]}/${m[2]}`), host, service: m[2] as Target['service'], kind: 'rpc' }
  }
  throw new ApiError(404, 'not_found', `The git proxy serves only the smart HTTP endpoints: ${USAGE}`)
}

/** The Basic credentials the edge adds for the signed-in user on `host`, or null. */
async function credentialsFor(c: Context<AppEnv>, host: GitHost): Promise<string | null> {
  const user = c.get('user')
  if (!user) return null
  const githubHost = new URL(c.env.GITHUB_WEB_URL || 'https://github.com').host
  if (host.host === githubHost) {
    const token = await gitHubToken(c.env, user.id)
    if (token) return btoa(`x-access-token:${token}`)
  }
  const saved = await c.env.DB.prepare('SELECT username, token_ciphertext FROM host_tokens WHERE user_id = ? AND host = ?').bind(user.id, host.host).first<{ username: string; token_ciphertext: string }>()
  if (!saved) return null
  const token = await decryptToken(c.env.TOKEN_KEY, saved.token_ciphertext, `host:${user.id}:${host.host}`)
  return btoa(`${saved.username}:${token}`)
}

/** Counts bytes through a stream; past `limit` the stream errors with `message`. */
function limited(body: ReadableStream<Uint8Array>, limit: number, message: string): ReadableStream<Uint8Array> {
  let seen = 0
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength
        if (seen > limit) controller.error(new Error(message))
        else controller.enqueue(chunk)
      },
    }),
  )
}

async function proxy(c: Context<AppEnv>): Promise<Response> {
  const target = parseTarget(c)
  // The session's token is added only for pages of ours (the cookie alone would let another site push).
  const origin = c.req.header('origin')
  const fromUs = origin ? allowedOrigins(c).has(origin) : c.req.method === 'GET'
  if (c.get('user') && origin && !fromUs) throw new ApiError(403, 'forbidden', `Cross-site request refused: ${origin} may not use the git proxy`)
  const credentials = fromUs ? await credentialsFor(c, target.host) : null

  const headers = new Headers({ 'user-agent': 'git/coder-edge' })
  for (const name of REQUEST_HEADERS) {
    const value = c.req.header(name)
    if (value !== undefined) headers.set(name, value)
  }
  if (credentials) headers.set('authorization', `Basic ${credentials}`)
  else if (c.req.header('authorization')) headers.set('authorization', c.req.header('authorization')!)

  const maxPush = numberFrom(c.env.GIT_MAX_PUSH_BYTES, DEFAULTS.maxPushBytes)
  const maxFetch = numberFrom(c.env.GIT_MAX_FETCH_BYTES, DEFAULTS.maxFetchBytes)
  const declared = Number(c.req.header('content-length') ?? 0)
  if (target.service === 'git-receive-pack' && declared > maxPush) {
    throw new ApiError(413, 'payload_too_large', `This push is ${Math.ceil(declared / 1024 / 1024)} MB; the git proxy takes pushes up to ${Math.floor(maxPush / 1024 / 1024)} MB (GIT_MAX_PUSH_BYTES)`)
  }
  const body = target.kind === 'rpc' && c.req.raw.body ? limited(c.req.raw.body, target.service === 'git-receive-pack' ? maxPush : 10 * 1024 * 1024, 'the request is larger than the git proxy allows') : null

  const timeout = numberFrom(c.env.GIT_TIMEOUT_SECONDS, DEFAULTS.timeoutSeconds)
  const transfer = numberFrom(c.env.GIT_TRANSFER_SECONDS, DEFAULTS.transferSeconds)
  const controller = new AbortController()
  const answerTimer = setTimeout(() => controller.abort(), timeout * 1000)
  // The whole transfer has a limit too, so a stalled clone does not hold the worker forever.
  const transferTimer = setTimeout(() => controller.abort(), transfer * 1000)
  let upstream: Response
  try {
    upstream = await fetch(target.url, { method: c.req.method, headers, body, redirect: 'manual', signal: controller.signal, ...(body ? { duplex: 'half' } : {}) } as RequestInit)
  } catch (cause) {
    clearTimeout(transferTimer)
    if (controller.signal.aborted) throw new ApiError(504, 'gateway_timeout', `${target.host.host} did not answer within ${timeout} s (GIT_TIMEOUT_SECONDS)`, { cause })
    throw new ApiError(502, 'bad_gateway', `Could not reach the git host ${target.host.host}: ${(cause as Error).message}`, { cause })
  } finally {
    clearTimeout(answerTimer)
  }

  const out = new Headers({ [GIT_PROXY_HEADER]: 'upstream' })
  for (const name of RESPONSE_HEADERS) {
    const value = upstream.headers.get(name)
    if (value !== null) out.set(name, value)
  }
  if (out.has('content-encoding')) out.delete('content-length')
  if (upstream.status === 401 || upstream.status === 403) {
    clearTimeout(transferTimer)
    await upstream.body?.cancel()
    const github = target.host.host === new URL(c.env.GITHUB_WEB_URL || 'https://github.com').host
    const message = credentials
      ? `${target.host.host} refused access to this repository with your ${github ? 'GitHub sign-in' : 'saved token'} (HTTP ${upstream.status}): check that it can ${target.service === 'git-receive-pack' ? 'push to' : 'read'} it`
      : `${target.host.host} needs credentials for this repository: ${github ? 'sign in with GitHub' : `save a token for ${target.host.host}`} in Coder`
    out.set('content-type', 'application/json')
    return new Response(JSON.stringify({ error: { code: upstream.status === 401 ? 'unauthorized' : 'forbidden', message } }), { status: upstream.status, headers: out })
  }
  const declaredOut = Number(upstream.headers.get('content-length') ?? 0)
  if (declaredOut > maxFetch) {
    clearTimeout(transferTimer)
    await upstream.body?.cancel()
    throw new ApiError(413, 'payload_too_large', `The repository's pack is ${Math.ceil(declaredOut / 1024 / 1024)} MB; the git proxy passes at most ${Math.floor(maxFetch / 1024 / 1024)} MB (GIT_MAX_FETCH_BYTES): try a shallow clone`)
  }
  if (!upstream.body || c.req.method === 'HEAD') {
    clearTimeout(transferTimer)
    return new Response(null, { status: upstream.status, headers: out })
  }
  const streamed = limited(upstream.body, maxFetch, 'the repository is larger than the git proxy passes (GIT_MAX_FETCH_BYTES)').pipeThrough(
    new TransformStream({ flush: () => clearTimeout(transferTimer) }),
  )
  return new Response(streamed, { status: upstream.status, headers: out })
}

/** `/git/*`: the smart-HTTP proxy. */
export function createGitProxyRoutes(): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .use('*', async (c, next) => {
      await next()
      if (!c.res.headers.has(GIT_PROXY_HEADER)) c.res.headers.set(GIT_PROXY_HEADER, 'edge')
    })
    .all('*', (c) => proxy(c))
}

/** `/api/git`: the git hosts this edge reaches, and the tokens a user saves for hosts other than GitHub. */
export function createGitHostRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get('/hosts', async (c) => {
    const user = c.get('user')
    const saved = user ? (await c.env.DB.prepare('SELECT host FROM host_tokens WHERE user_id = ?').bind(user.id).all<{ host: string }>()).results.map((r) => r.host) : []
    const githubHost = new URL(c.env.GITHUB_WEB_URL || 'https://github.com').host
    const github = user ? (await gitHubToken(c.env, user.id).catch(() => null)) !== null : false
    return c.json({ hosts: gitHosts(c.env).map((h) => ({ url: `${h.origin}${h.prefix === '/' ? '' : h.prefix}`, host: h.host, github: h.host === githubHost, credentials: h.host === githubHost ? github : saved.includes(h.host) })) })
  })
  app.put('/tokens/:host', async (c) => {
    const user = requireUser(c)
    const host = c.req.param('host').toLowerCase()
    if (!gitHosts(c.env).some((h) => h.host === host)) throw new ApiError(400, 'bad_request', `${host} is not a git host this server reaches (GIT_HOSTS)`)
    const body = (await readJsonBody(c)) as { token?: unknown; username?: unknown }
    const token = typeof body?.token === 'string' ? body.token.trim() : ''
    const username = typeof body?.username === 'string' && body.username.trim() ? body.username.trim() : 'oauth2'
    if (!token || token.length > 1000 || /\s/.test(token)) throw new ApiError(400, 'bad_request', 'Paste the access token the git host gave you (no spaces)')
    if (username.includes(':') || username.length > 100) throw new ApiError(400, 'bad_request', 'The user name may not contain ":"')
    const sealed = await encryptToken(c.env.TOKEN_KEY, token, `host:${user.id}:${host}`)
    await c.env.DB.prepare('INSERT INTO host_tokens (user_id, host, username, token_ciphertext, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, host) DO UPDATE SET username = excluded.username, token_ciphertext = excluded.token_ciphertext')
      .bind(user.id, host, username, sealed, Date.now())
      .run()
    return c.json({ host, saved: true })
  })
  app.delete('/tokens/:host', async (c) => {
    const user = requireUser(c)
    await c.env.DB.prepare('DELETE FROM host_tokens WHERE user_id = ? AND host = ?').bind(user.id, c.req.param('host').toLowerCase()).run()
    return c.json({ host: c.req.param('host').toLowerCase(), saved: false })
  })
  return app
}
