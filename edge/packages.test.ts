import { env, exports } from 'cloudflare:workers'
import { describe, expect, it, inject } from 'vitest'
import { createApp } from './app'
import { browser, signInByEmail } from './test/browser'

declare module 'vitest' {
  // Provided by the globalSetup e2e/support/package-upstream.ts (which declares them for Node).
  export interface ProvidedContext {
    packageUpstream: string
    deadUpstream: string
  }
}

// The upstream is a real HTTP server on 127.0.0.1 (e2e/support/package-upstream.ts, started by
// the edge project's globalSetup); the proxy under test runs in workerd and fetches from it.
const upstream = inject('packageUpstream')
const dead = inject('deadUpstream')
const edge = 'http://coder.test'
const TOKEN = 'edge-secret-7f3a9c'

/** The proxy URL for an upstream URL. */
const via = (url: string) => `${edge}/api/packages/${url.replace('://', '/')}`

/**
 * Calls the edge app with the package proxy configured by `vars` (the upstream allowed unless said
 * otherwise), as a signed-in user unless `signedIn` is false.
 */
async function call(url: string, init: RequestInit = {}, vars: Record<string, string> = {}, { signedIn = true } = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  if (signedIn) {
    const b = browser()
    await signInByEmail(b, `reader-${crypto.randomUUID()}@example.com`)
    headers.set('cookie', `coder_session=${b.jar.get('coder_session')}`)
  }
  return createApp().request(url, { ...init, headers }, { ...env, PACKAGE_UPSTREAMS: upstream, ...vars })
}

type Echo = { method: string; url: string; headers: Record<string, string> }
type ErrorBody = { error: { code: string; message: string } }

async function errorOf(res: Response): Promise<ErrorBody['error']> {
  expect(res.headers.get('content-type')).toMatch(/^application\/json/)
  return ((await res.json()) as ErrorBody).error
}

describe('which upstreams the proxy reaches', () => {
  it('proxies an allowed upstream, keeping the path and query byte for byte (a scoped name stays encoded)', async () => {
    const res = await call(via(`${upstream}/echo/@scope%2fname?write=true`))
    expect(res.status).toBe(200)
    expect(res.headers.get('coder-proxy')).toBe('upstream')
    const echo = (await res.json()) as Echo
    expect(echo.method).toBe('GET')
    expect(echo.url).toBe('/echo/@scope%2fname?write=true')
  })

  it('refuses an upstream not in PACKAGE_UPSTREAMS with a 403 naming the host and how to allow it', async () => {
    const res = await call(via('https://registry.example.org/left-pad'))
    expect(res.status).toBe(403)
    expect(res.headers.get('coder-proxy')).toBe('edge')
    const error = await errorOf(res)
    expect(error.code).toBe('forbidden')
    expect(error.message).toBe(
      "registry.example.org is not an allowed package upstream: add https://registry.example.org to PACKAGE_UPSTREAMS in the edge's configuration (wrangler.toml [vars], or --var PACKAGE_UPSTREAMS:… with wrangler dev)",
    )
    // Same host, another port or scheme: another origin.
    const port = Number(new URL(upstream).port)
    expect((await call(via(`http://127.0.0.1:${port + 1}/echo/x`))).status).toBe(403)
    expect((await call(via(`${upstream.replace('http:', 'https:')}/echo/x`))).status).toBe(403)
    // With nothing configured, nothing is reachable.
    expect((await call(via(`${upstream}/echo/x`), {}, { PACKAGE_UPSTREAMS: '' })).status).toBe(403)
  })

  it('uses wrangler.toml’s list in the deployed worker: a local upstream is not in it', async () => {
    const res = await exports.default.fetch(via(`${upstream}/echo/x`))
    expect(res.status).toBe(403)
    expect((await errorOf(res)).message).toContain(`add ${upstream} to PACKAGE_UPSTREAMS`)
  })

  it('limits an upstream given as a URL prefix to the paths under it', async () => {
    const vars = { PACKAGE_UPSTREAMS: `https://registry.example.org, ${upstream}/echo/` }
    expect((await call(via(`${upstream}/echo/a`), {}, vars)).status).toBe(200)
    expect((await call(via(`${upstream}/echoes`), {}, vars)).status).toBe(403)
    expect((await call(via(`${upstream}/status/200`), {}, vars)).status).toBe(403)
  })

  it('answers malformed targets with a 400 that says what is wrong', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/api/packages', /^Malformed package proxy path \/api\/packages: expected \/api\/packages\/<http\|https>\/<host\[:port\]>\/<path>/],
      ['/api/packages/', /^Malformed package proxy path/],
      ['/api/packages/https', /^Malformed package proxy path/],
      ['/api/packages/ftp/registry.example.org/x', /^Only http and https upstreams can be proxied, not "ftp"/],
      ['/api/packages/file/etc/passwd', /^Only http and https upstreams can be proxied, not "file"/],
      ['/api/packages/https/evil@registry.example.org/x', /^The upstream host may not carry credentials/],
      ['/api/packages/https/user:pw@registry.example.org/x', /^The upstream host may not carry credentials/],
      ['/api/packages/https/evil%40registry.example.org/x', /^The upstream host may not carry credentials/],
      ['/api/packages/https/registry%2eexample.org/x', /is not a host name with an optional port/],
      ['/api/packages/https/a b/x', /is not a host name with an optional port/],
      ['/api/packages/https/registry.example.org/a%2f..%2f..%2fadmin', /may not contain "\." or "\.\." segments/],
      ['/api/packages/https/registry.example.org/a%5c..%5cadmin', /may not contain "\." or "\.\." segments/],
      ['/api/packages/https/registry.example.org/%zz', /^Malformed percent-encoding/],
    ]
    for (const [path, message] of cases) {
      const res = await call(`${edge}${path}`, {}, { PACKAGE_UPSTREAMS: `https://registry.example.org ${upstream}` })
      expect(res.status, path).toBe(400)
      const error = await errorOf(res)
      expect(error.code, path).toBe('bad_request')
      expect(error.message, path).toMatch(message)
    }
  })

  it('never lets `..` in the path reach another host than the one the path names', async () => {
    // The URL is normalised before routing: this names https://evil.example/x, which is refused.
    const res = await call(`${edge}/api/packages/http/${new URL(upstream).host}/../../https/evil.example/x`)
    expect(res.status).toBe(403)
    expect((await errorOf(res)).message).toMatch(/^evil\.example is not an allowed package upstream/)
  })

  it('answers methods other than GET and HEAD with a 405', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      // A browser's own page (same Origin), which the edge's CSRF check lets through to the route.
      const res = await call(via(`${upstream}/echo/x`), { method, headers: { origin: edge }, body: method === 'DELETE' ? undefined : '{}' })
      expect(res.status, method).toBe(405)
      expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS')
      expect((await errorOf(res)).message).toBe(`The package proxy only reads: ${method} is not allowed (use GET or HEAD)`)
    }
  })
})

describe('tokens stay at the edge', () => {
  it('lends its token to signed-in users only; an upstream it holds no token for needs no account', async () => {
    const refused = await call(via(`${upstream}/echo/private`), {}, { PACKAGE_TOKENS: JSON.stringify({ [upstream]: TOKEN }) }, { signedIn: false })
    expect(refused.status).toBe(401)
    expect((await errorOf(refused)).message).toBe(`Sign in to install from ${upstream}: this server holds its token and lends it only to signed-in users`)
    const open = await call(via(`${upstream}/echo/public`), {}, {}, { signedIn: false })
    expect(open.status).toBe(200)
  })

  it('adds the PACKAGE_TOKENS token upstream in place of the tab’s Authorization', async () => {
    const res = await call(via(`${upstream}/echo/private`), { headers: { authorization: 'Bearer tab-token' } }, { PACKAGE_TOKENS: JSON.stringify({ [upstream]: TOKEN }) })
    expect(((await res.json()) as Echo).headers.authorization).toBe(`Bearer ${TOKEN}`)
  })

  it('picks the most specific key; a token with a scheme is sent as it is', async () => {
    const tokens = { [upstream]: 'origin-token', [`${upstream}/echo/scoped/`]: 'Basic dXNlcjpwdw==' }
    const scoped = (await (await call(via(`${upstream}/echo/scoped/x`), {}, { PACKAGE_TOKENS: JSON.stringify(tokens) })).json()) as Echo
    expect(scoped.headers.authorization).toBe('Basic dXNlcjpwdw==')
    const other = (await (await call(via(`${upstream}/echo/other`), {}, { PACKAGE_TOKENS: JSON.stringify(tokens) })).json()) as Echo
    expect(other.headers.authorization).toBe('Bearer origin-token')
  })

  it('forwards the tab’s Authorization only when the edge has no token for the upstream', async () => {
    const tokens = JSON.stringify({ 'https://registry.example.org': TOKEN })
    const echo = (await (await call(via(`${upstream}/echo/x`), { headers: { authorization: 'Bearer tab-token' } }, { PACKAGE_TOKENS: tokens })).json()) as Echo
    expect(echo.headers.authorization).toBe('Bearer tab-token')
    const none = (await (await call(via(`${upstream}/echo/x`), {}, { PACKAGE_TOKENS: tokens })).json()) as Echo
    expect(none.headers.authorization).toBeUndefined()
  })

  it('never returns the token: cookies, auth challenges and other upstream headers are dropped', async () => {
    const res = await call(via(`${upstream}/reflect`), {}, { PACKAGE_TOKENS: JSON.stringify({ [upstream]: TOKEN }) })
    // The upstream's status and body pass through…
    expect(res.status).toBe(401)
    expect(res.headers.get('coder-proxy')).toBe('upstream')
    const body = await res.text()
    expect(JSON.parse(body)).toEqual({ error: 'reflected' })
    // …but none of the headers it copied the token into (the upstream did receive it).
    expect(res.headers.get('set-cookie')).toBeNull()
    expect(res.headers.get('www-authenticate')).toBeNull()
    expect(res.headers.get('x-seen-authorization')).toBeNull()
    for (const [name, value] of res.headers) expect(`${name}: ${value}`).not.toContain(TOKEN)
  })

  it('reports a malformed PACKAGE_TOKENS without echoing it', async () => {
    for (const tokens of [`{"${upstream}": "${TOKEN}"`, JSON.stringify([TOKEN]), JSON.stringify({ [upstream]: 42 }), JSON.stringify({ 'ftp://x': TOKEN })]) {
      const res = await call(via(`${upstream}/echo/x`), {}, { PACKAGE_TOKENS: tokens })
      expect(res.status).toBe(500)
      const text = await res.text()
      expect(text).toMatch(/PACKAGE_TOKENS is misconfigured/)
      expect(text).not.toContain(TOKEN)
    }
  })

  it('forwards only the allow-listed request headers, and keeps the response headers a client needs', async () => {
    const res = await call(via(`${upstream}/echo/x`), {
      headers: { accept: 'application/vnd.npm.install-v1+json', 'if-none-match': '"v1"', 'npm-command': 'install', cookie: 'session=abc', 'x-forwarded-for': '10.0.0.1', 'x-custom': 'no' },
    })
    const echo = (await res.json()) as Echo
    expect(echo.headers).toMatchObject({ accept: 'application/vnd.npm.install-v1+json', 'if-none-match': '"v1"', 'npm-command': 'install' })
    for (const name of ['cookie', 'x-custom', 'x-forwarded-for', 'authorization']) expect(echo.headers[name], name).toBeUndefined()
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(res.headers.get('etag')).toBe('"echo-1"')
    expect(res.headers.get('cache-control')).toBe('max-age=300')
    expect(res.headers.get('x-upstream-internal')).toBeNull()
  })
})

describe('responses', () => {
  it('streams the body: the first chunk arrives before the upstream has finished', async () => {
    const id = `s${Date.now()}`
    const res = await call(via(`${upstream}/slow/${id}`))
    expect(res.status).toBe(200)
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
    const first = await Promise.race([reader.read(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no chunk before the upstream finished: the body was buffered')), 5_000))])
    expect(first.value).toBe('first\n')
    // Only now does the upstream send the rest and end.
    expect(await (await fetch(`${upstream}/release/${id}`)).json()).toEqual({ released: true })
    let rest = ''
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += r.value
    expect(rest).toBe('second\n')
  })

  it('passes a large body through whole, with its length', async () => {
    const size = 8 * 1024 * 1024 + 17
    const res = await call(via(`${upstream}/big/${size}`))
    expect(res.headers.get('content-length')).toBe(String(size))
    let bytes = 0
    let chunks = 0
    const reader = res.body!.getReader()
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      bytes += r.value.byteLength
      chunks++
    }
    expect(bytes).toBe(size)
    expect(chunks).toBeGreaterThan(1)
  })

  it('answers HEAD with the headers only', async () => {
    const res = await call(via(`${upstream}/big/1000`), { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-length')).toBe('1000')
    expect(await res.text()).toBe('')
  })

  it('decodes a gzip-encoded upstream body correctly', async () => {
    const res = await call(via(`${upstream}/gzip`))
    expect(res.status).toBe(200)
    expect(((await res.json()) as { name: string }).name).toBe('gzipped')
  })

  it('passes the upstream’s 4xx and 5xx through with their status and body', async () => {
    for (const status of [404, 503]) {
      const res = await call(via(`${upstream}/status/${status}`))
      expect(res.status).toBe(status)
      expect(res.headers.get('coder-proxy')).toBe('upstream')
      expect(await res.json()).toEqual({ error: `upstream says ${status}` })
    }
  })

  it('turns an upstream redirect into a path back through the proxy, so the next hop is checked too', async () => {
    const host = new URL(upstream).host
    const local = await call(via(`${upstream}/redirect?to=${encodeURIComponent('/echo/next%2fname?q=1')}`))
    expect(local.status).toBe(302)
    expect(local.headers.get('location')).toBe(`/api/packages/http/${host}/echo/next%2fname?q=1`)
    const away = await call(via(`${upstream}/redirect?to=${encodeURIComponent('https://cdn.example.net/t.tgz')}`))
    expect(away.headers.get('location')).toBe('/api/packages/https/cdn.example.net/t.tgz')
    expect((await call(`${edge}${away.headers.get('location')}`)).status).toBe(403)
  })

  it('answers 502 naming the upstream when it cannot be reached', async () => {
    const res = await call(via(`${dead}/left-pad`), {}, { PACKAGE_UPSTREAMS: dead, PACKAGE_TOKENS: JSON.stringify({ [dead]: TOKEN }) })
    expect(res.status).toBe(502)
    expect(res.headers.get('coder-proxy')).toBe('edge')
    const error = await errorOf(res)
    expect(error.code).toBe('bad_gateway')
    expect(error.message).toMatch(new RegExp(`^Could not reach the package upstream ${dead.replace(/\./g, '\\.')}: `))
    expect(error.message).not.toContain(TOKEN)
  })

  it('answers 504 when the upstream does not answer within PACKAGE_TIMEOUT_SECONDS', async () => {
    const t0 = Date.now()
    const res = await call(via(`${upstream}/hang`), {}, { PACKAGE_TIMEOUT_SECONDS: '0.5' })
    expect(res.status).toBe(504)
    expect(await errorOf(res)).toEqual({ code: 'gateway_timeout', message: `The package upstream ${upstream} did not answer within 0.5 s (PACKAGE_TIMEOUT_SECONDS)` })
    expect(Date.now() - t0).toBeLessThan(5_000)
    const bad = await call(via(`${upstream}/echo/x`), {}, { PACKAGE_TIMEOUT_SECONDS: 'soon' })
    expect(bad.status).toBe(500)
    expect((await errorOf(bad)).message).toBe(`The edge's PACKAGE_TIMEOUT_SECONDS is misconfigured: "soon" is not a positive number of seconds`)
  })
})

describe('CORS', () => {
  const ide = 'http://ide.test'

  it('answers a preflight from an IDE origin (APP_ORIGINS) with what the tab may send', async () => {
    const res = await call(via(`${upstream}/echo/x`), { method: 'OPTIONS', headers: { origin: ide, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization, npm-command' } }, { APP_ORIGINS: ide })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe(ide)
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, HEAD')
    expect(res.headers.get('access-control-allow-headers')).toMatch(/(^|, )authorization(,|$)/)
    expect(res.headers.get('access-control-allow-headers')).toMatch(/(^|, )npm-command(,|$)/)
  })

  it('lets an IDE origin read responses, errors included, and refuses any other origin', async () => {
    const vars = { APP_ORIGINS: ide }
    const ok = await call(via(`${upstream}/echo/x`), { headers: { origin: ide } }, vars)
    expect(ok.status).toBe(200)
    expect(ok.headers.get('access-control-allow-origin')).toBe(ide)
    expect(ok.headers.get('access-control-expose-headers')).toMatch(/(^|, )Coder-Proxy(,|$)/)
    expect(ok.headers.get('vary')).toMatch(/Origin/)
    const refused = await call(via('https://registry.example.org/x'), { headers: { origin: ide } }, vars)
    expect(refused.status).toBe(403)
    expect(refused.headers.get('access-control-allow-origin')).toBe(ide)

    const other = await call(via(`${upstream}/echo/x`), { headers: { origin: 'https://evil.example' } }, vars)
    expect(other.status).toBe(403)
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
    expect((await errorOf(other)).message).toBe("Pages of https://evil.example may not use this edge's package proxy: add the origin to APP_ORIGINS in the edge's configuration")
    const preflight = await call(via(`${upstream}/echo/x`), { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } }, vars)
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('needs no CORS for the IDE served by the edge itself', async () => {
    const res = await call(via(`${upstream}/echo/x`), { headers: { origin: edge } })
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })
})
