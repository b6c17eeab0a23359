/**
 * What a preview origin answers: the preview worker (edge/preview, its own Worker on its own host
 * names) hands every request here through a service binding to `DeploymentFiles`. The host names
 * the deployment (`<id>.<preview-domain>`) or a project's production (`<project>.<preview-domain>`);
 * only that deployment's files are ever served, with their content types, caching that fits an
 * immutable deployment, and a restrictive CSP. A private deployment opens with a signed link: its
 * token becomes a cookie of that host only, and the address loses it.
 */
import { WorkerEntrypoint } from 'cloudflare:workers'
import { DEPLOY_LINK_PARAM } from '../../shared/deploy'
import type { Env } from '../env'
import { verifyDeploymentLink } from './links'
import { readDeploymentFile, resolveDeployment, type ServedDeployment } from './serve'

/** The cookie a signed link's token is kept in, on the deployment's own host. */
export const PREVIEW_COOKIE = 'coder_preview_link'

/**
 * The deployment key a preview host names: the part of the host that `{id}` stands for in
 * PREVIEW_URL_TEMPLATE (`{id}.preview.example` → `abc.preview.example` names `abc`), or the first
 * label of the host name when the template is unset. Null for a host the template does not match.
 */
export function previewKey(env: Pick<Env, 'PREVIEW_URL_TEMPLATE'>, url: URL): string | null {
  const template = env.PREVIEW_URL_TEMPLATE?.trim()
  const hostname = url.hostname.toLowerCase()
  if (!template) return /^[a-z0-9-]+(?=\.)/.exec(hostname)?.[0] ?? null
  let pattern: URL
  try {
    pattern = new URL(template.replaceAll('{id}', 'coder-preview-key'))
  } catch {
    return null
  }
  const [before, after] = pattern.hostname.split('coder-preview-key')
  if (before === undefined || after === undefined || !hostname.startsWith(before) || !hostname.endsWith(after)) return null
  const key = hostname.slice(before.length, hostname.length - after.length)
  return /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(key) ? key : null
}

/**
 * The CSP of every preview answer: the deployment's own origin only (inline scripts and styles
 * allowed, as static sites need them), no plugins, forms and `<base>` kept home; and framed only by
 * the IDE (PREVIEW_FRAME_ANCESTORS, else APP_URL; neither set: by nothing).
 */
export function previewCsp(env: Pick<Env, 'PREVIEW_FRAME_ANCESTORS' | 'APP_URL'>): string {
  const ancestors = (env.PREVIEW_FRAME_ANCESTORS ?? env.APP_URL ?? '').trim()
  return [
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    `frame-ancestors ${ancestors ? ancestors.split(/\s+/).map((o) => o.replace(/\/+$/, '')).join(' ') : "'none'"}`,
  ].join('; ')
}

function securityHeaders(env: Env, headers: Headers): Headers {
  headers.set('content-security-policy', previewCsp(env))
  headers.set('x-content-type-options', 'nosniff')
  headers.set('referrer-policy', 'no-referrer')
  // The IDE is cross-origin isolated: its preview pane may embed this page only when it says so.
  headers.set('cross-origin-resource-policy', 'cross-origin')
  headers.set('cross-origin-embedder-policy', 'credentialless')
  return headers
}

/** A short page explaining why there is nothing to show (never anything of the IDE's). */
function problem(env: Env, status: number, title: string, detail: string, method: string): Response {
  const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)
  const html = `<!doctype html><meta charset="utf-8"><title>${escape(title)}</title><h1>${escape(title)}</h1><p>${escape(detail)}</p>\n`
  const headers = securityHeaders(env, new Headers({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }))
  return new Response(method === 'HEAD' ? null : html, { status, headers })
}

function cookieOf(request: Request, name: string): string | null {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === name) return v.join('=')
  }
  return null
}

/** Serves `request` (any host) as the preview origin: a deployment's files and nothing else. */
export async function servePreview(env: Env, request: Request): Promise<Response> {
  const method = request.method
  if (method !== 'GET' && method !== 'HEAD') {
    const res = problem(env, 405, 'Method not allowed', 'A preview serves files only (GET and HEAD).', 'HEAD')
    res.headers.set('allow', 'GET, HEAD')
    return res
  }
  const url = new URL(request.url)
  const key = previewKey(env, url)
  const deployment = key ? await resolveDeployment(env, key) : null
  if (!deployment) return problem(env, 404, 'No deployment here', 'This address names no ready deployment: it may have been deleted, or is still uploading.', method)

  const token = url.searchParams.get(DEPLOY_LINK_PARAM)
  if (token !== null) {
    if (!(await verifyDeploymentLink(env, deployment.id, token))) {
      return problem(env, 403, 'This link has expired', 'The link is expired or not valid. Ask whoever shared it for a new one.', method)
    }
    // Keep the grant on this host only, and take the token out of the address (and of any Referer).
    url.searchParams.delete(DEPLOY_LINK_PARAM)
    const maxAge = Math.max(0, Math.floor((Number(token.split('.')[0]) - Date.now()) / 1000))
    // SameSite=None + Partitioned: the IDE's preview pane (another site) frames the page, and the
    // cookie must reach the page's own requests there too; partitioned, it is kept per top-level
    // site. Browsers take Secure cookies over https, and over http on *.localhost (a secure context).
    const secure = url.protocol === 'https:' || url.hostname === 'localhost' || url.hostname.endsWith('.localhost')
    const headers = securityHeaders(env, new Headers({ location: url.pathname + url.search, 'cache-control': 'no-store' }))
    headers.append('set-cookie', `${PREVIEW_COOKIE}=${token}; Path=/; Max-Age=${maxAge}; HttpOnly; ${secure ? 'SameSite=None; Secure; Partitioned' : 'SameSite=Lax'}`)
    return new Response(null, { status: 303, headers })
  }
  if (deployment.visibility === 'private') {
    const kept = cookieOf(request, PREVIEW_COOKIE)
    if (!kept || !(await verifyDeploymentLink(env, deployment.id, kept))) {
      return problem(env, 403, 'This preview is private', 'Open it through a link shared with you; links expire.', method)
    }
  }
  return serveFile(env, request, deployment, url, method)
}

async function serveFile(env: Env, request: Request, deployment: ServedDeployment, url: URL, method: string): Promise<Response> {
  const result = await readDeploymentFile(env, deployment, url.pathname)
  if (result.type === 'redirect') {
    return new Response(null, { status: 308, headers: securityHeaders(env, new Headers({ location: result.location + url.search })) })
  }
  if (result.type === 'not_found') {
    let shown = url.pathname
    try {
      shown = decodeURI(shown)
    } catch {}
    return problem(env, 404, 'Not found', `${shown} is not part of this deployment.`, method)
  }

  const etag = `"${result.sha256}"`
  const headers = securityHeaders(env, new Headers({ 'content-type': result.contentType, etag }))
  // A deployment's files never change: its assets are cached for good. Its pages are revalidated
  // each time (cheap, with the ETag), so deleting it or making it private takes effect on the next
  // visit. Production moves, and private must stay out of shared caches: revalidate those always.
  const page = result.contentType.startsWith('text/html')
  const cache =
    result.status === 404
      ? 'no-cache'
      : deployment.production || deployment.visibility === 'private'
        ? `${deployment.visibility === 'private' ? 'private' : 'public'}, no-cache`
        : page
          ? 'public, no-cache'
          : 'public, max-age=31536000, immutable'
  headers.set('cache-control', cache)
  const matches = (request.headers.get('if-none-match') ?? '').split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}`)
  if (matches && result.status === 200) {
    await result.body.cancel()
    return new Response(null, { status: 304, headers })
  }
  headers.set('content-length', String(result.size))
  if (method === 'HEAD') {
    await result.body.cancel()
    return new Response(null, { status: result.status, headers })
  }
  return new Response(result.body, { status: result.status, headers })
}

/**
 * The entrypoint the preview worker binds to (`[[services]] entrypoint = "DeploymentFiles"`):
 * only `fetch`, only deployment files. Not reachable from the internet by itself.
 */
export class DeploymentFiles extends WorkerEntrypoint<Env> {
  override async fetch(request: Request): Promise<Response> {
    try {
      return await servePreview(this.env, request)
    } catch (error) {
      console.error('preview', request.url, error)
      return problem(this.env, 500, 'Something went wrong', 'The preview could not be served. Try again in a moment.', request.method)
    }
  }
}
