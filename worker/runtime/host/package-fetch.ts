import { AppError } from '../../../shared/errors'

/**
 * The run's environment variable naming the edge's package proxy (`<origin>/api/packages/`). The
 * page sets it while the setting "Fetch packages through the edge" is on.
 */
export const PACKAGE_PROXY_ENV = 'CODER_PACKAGE_PROXY'

/** Set by the edge's proxy on all its answers: `upstream` (the registry's own status and body) or `edge` (the edge answered itself). */
const PROXY_HEADER = 'coder-proxy'

/**
 * The proxy URL for `url` (`<proxy>https/registry.example.com/@scope%2fname?x`: path and query
 * as they are), or null when the proxy cannot carry it (not http(s), or credentials in the URL).
 * `proxy` ends with a slash.
 */
export function proxiedUrl(url: string, proxy: string): string | null {
  if (url.startsWith(proxy)) return url
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return null
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.username || parsed.password) return null
  return `${proxy}${parsed.protocol.slice(0, -1)}/${parsed.host}${parsed.pathname}${parsed.search}`
}

/** The upstream URL a proxy URL stands for, or null when `url` is not one. */
export function upstreamUrl(url: string, proxy: string): string | null {
  if (!url.startsWith(proxy)) return null
  const m = /^(https?)\/([^/?#]+)([/?].*)?$/.exec(url.slice(proxy.length))
  return m ? `${m[1]}://${m[2]}${m[3]?.startsWith('/') ? m[3] : `/${m[3] ?? ''}`}` : null
}

/**
 * A `fetch` for package registries and indexes (npm packuments and tarballs, PEP 503 pages and
 * wheels). With {@link PACKAGE_PROXY_ENV} in `env`, each http(s) request goes through the edge's
 * proxy, which adds the registry's token at the edge; the response's `url` is the upstream's, as
 * a direct fetch would give. When the edge is not there (nothing answers, or an answer without
 * the proxy's header: a static deployment), it fetches directly from then on. When the edge
 * answers with its own error (an upstream it does not allow, an unreachable upstream), it rejects
 * with an `AppError` carrying the edge's message, never silently going around the edge. The
 * registry's own errors resolve as responses, as from a direct fetch. Without the variable:
 * `base` itself.
 */
export function createPackageFetch(env: Record<string, string | undefined>, base: typeof fetch = (input, init) => globalThis.fetch(input, init)): typeof fetch {
  const setting = env[PACKAGE_PROXY_ENV]?.trim()
  if (!setting) return base
  const proxy = setting.endsWith('/') ? setting : `${setting}/`
  let edgeMissing = false
  return async (input, init) => {
    const request = input instanceof Request ? input : null
    const url = request ? request.url : String(input)
    const proxied = edgeMissing ? null : proxiedUrl(url, proxy)
    if (!proxied) return base(input, init)
    let response: Response
    try {
      response = await base(request ? new Request(proxied, request) : proxied, init)
    } catch (error) {
      if (init?.signal?.aborted || request?.signal.aborted) throw error
      edgeMissing = true
      return base(input, init)
    }
    const answeredBy = response.headers.get(PROXY_HEADER)
    if (answeredBy === null) {
      await response.body?.cancel()
      edgeMissing = true
      return base(input, init)
    }
    if (answeredBy === 'edge' && !response.ok) {
      throw new AppError('NETWORK', `the edge answered ${response.status}: ${await edgeMessage(response)}`, { url, status: response.status })
    }
    const upstream = upstreamUrl(response.url, proxy) ?? url
    // A Response's url cannot be set; an own property shadows the getter, so relative links in an
    // index page resolve against the registry's URL, not the proxy's.
    if (response.url !== upstream) Object.defineProperty(response, 'url', { value: upstream })
    return response
  }
}

async function edgeMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '')
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message
    if (typeof message === 'string') return message
  } catch {}
  return text.trim().slice(0, 300) || response.statusText || 'no message'
}
