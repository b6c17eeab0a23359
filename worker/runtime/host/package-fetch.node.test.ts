import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import { createPackageFetch, proxiedUrl, upstreamUrl } from './package-fetch'

// Real HTTP on 127.0.0.1: a registry, an "edge" answering as edge/packages.ts does (its
// Coder-Proxy header and JSON errors; the real edge is exercised in e2e/package-proxy.spec.ts), a
// static host with no edge (404 for /api/), and a port where nothing listens.
type Seen = { via: string; url: string; authorization: string | null }
let registry: string
let edge: string
let staticHost: string
let nowhere: string
const servers: Server[] = []
const staticRequests: string[] = []

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}
const answer = (res: ServerResponse, via: string, req: IncomingMessage, headers: Record<string, string> = {}) =>
  res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ via, url: req.url ?? '', authorization: req.headers.authorization ?? null } satisfies Seen))

beforeAll(async () => {
  registry = await serve((req, res) => answer(res, 'direct', req))
  edge = await serve((req, res) => {
    const target = /^\/api\/packages\/(https?)\/([^/]+)(\/.*)$/.exec(req.url ?? '')
    if (!target) return void res.writeHead(400, { 'coder-proxy': 'edge' }).end()
    const [, , host, path] = target
    const error = (status: number, message: string) => res.writeHead(status, { 'content-type': 'application/json', 'coder-proxy': 'edge' }).end(JSON.stringify({ error: { code: 'x', message } }))
    if (host === 'blocked.example') return error(403, 'blocked.example is not an allowed package upstream: add https://blocked.example to PACKAGE_UPSTREAMS')
    if (host === 'down.example') return error(502, 'Could not reach the package upstream https://down.example: connection refused')
    if (path === '/moved') return void res.writeHead(301, { location: `/api/packages/http/${host}/moved/`, 'coder-proxy': 'upstream' }).end()
    if (path === '/missing') return void res.writeHead(404, { 'content-type': 'application/json', 'coder-proxy': 'upstream' }).end('{"error":"not found"}')
    answer(res, 'edge', req, { 'coder-proxy': 'upstream' })
  })
  staticHost = await serve((req, res) => {
    staticRequests.push(req.url ?? '')
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n')
  })
  nowhere = await serve(() => {})
  const last = servers.pop()!
  await new Promise((resolve) => last.close(resolve))
})
afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => (s.closeAllConnections(), s.close(resolve))))))

const json = async (res: Response) => (await res.json()) as Seen

describe('package URLs through the proxy', () => {
  it('maps an http(s) URL to the proxy and back, path and query kept as they are', () => {
    const proxy = 'https://coder.example/api/packages/'
    const cases: Array<[url: string, proxied: string, back: string]> = [
      ['https://registry.example.com/@scope%2fname', 'https://coder.example/api/packages/https/registry.example.com/@scope%2fname', 'https://registry.example.com/@scope%2fname'],
      ['http://127.0.0.1:4873/left-pad/-/left-pad-1.3.0.tgz', 'https://coder.example/api/packages/http/127.0.0.1:4873/left-pad/-/left-pad-1.3.0.tgz', 'http://127.0.0.1:4873/left-pad/-/left-pad-1.3.0.tgz'],
      ['https://pypi.example/simple/six/?format=html', 'https://coder.example/api/packages/https/pypi.example/simple/six/?format=html', 'https://pypi.example/simple/six/?format=html'],
      ['https://registry.example.com', 'https://coder.example/api/packages/https/registry.example.com/', 'https://registry.example.com/'],
    ]
    for (const [url, proxied, back] of cases) {
      expect(proxiedUrl(url, proxy)).toBe(proxied)
      expect(upstreamUrl(proxied, proxy)).toBe(back)
    }
    expect(upstreamUrl('https://coder.example/api/packages/https/registry.example.com?x=1', proxy)).toBe('https://registry.example.com/?x=1')
    expect(proxiedUrl('https://user:pw@registry.example.com/x', proxy)).toBeNull()
    expect(proxiedUrl('file:///etc/passwd', proxy)).toBeNull()
    expect(proxiedUrl('not a url', proxy)).toBeNull()
    expect(upstreamUrl('https://other.example/x', proxy)).toBeNull()
  })
})

describe('createPackageFetch', () => {
  it('fetches directly when the run has no CODER_PACKAGE_PROXY', async () => {
    const fetch = createPackageFetch({ npm_config_registry: registry })
    expect(await json(await fetch(`${registry}/left-pad`))).toMatchObject({ via: 'direct', url: '/left-pad' })
  })

  it('goes through the edge, passing the request’s headers; the response’s url is the registry’s', async () => {
    const fetch = createPackageFetch({ CODER_PACKAGE_PROXY: `${edge}/api/packages/` })
    const res = await fetch(`${registry}/@scope%2fname?write=true`, { headers: { authorization: 'Bearer from-npmrc' } })
    expect(await json(res)).toEqual({ via: 'edge', url: `/api/packages/http/${new URL(registry).host}/@scope%2fname?write=true`, authorization: 'Bearer from-npmrc' })
    expect(res.url).toBe(`${registry}/@scope%2fname?write=true`)
    // A redirect followed through the proxy ends at the registry's URL too.
    const moved = await fetch(`${registry}/moved`)
    expect(moved.url).toBe(`${registry}/moved/`)
    // The registry's own errors are responses, as from a direct fetch.
    expect((await fetch(`${registry}/missing`)).status).toBe(404)
  })

  it('rejects with the edge’s message when the edge refuses, never going around it', async () => {
    const fetch = createPackageFetch({ CODER_PACKAGE_PROXY: `${edge}/api/packages` })
    const refused = await fetch('https://blocked.example/left-pad').then(() => null, (e: unknown) => e)
    expect(refused).toBeInstanceOf(AppError)
    expect((refused as AppError).message).toBe('the edge answered 403: blocked.example is not an allowed package upstream: add https://blocked.example to PACKAGE_UPSTREAMS')
    await expect(fetch('https://down.example/x')).rejects.toThrow('the edge answered 502: Could not reach the package upstream https://down.example: connection refused')
    // Still through the edge afterwards.
    expect((await json(await fetch(`${registry}/a`))).via).toBe('edge')
  })

  it('fetches directly when the page’s host has no edge (a static deployment), asking it only once', async () => {
    const fetch = createPackageFetch({ CODER_PACKAGE_PROXY: `${staticHost}/api/packages/` })
    const before = staticRequests.length
    expect(await json(await fetch(`${registry}/one`))).toMatchObject({ via: 'direct', url: '/one' })
    expect(await json(await fetch(`${registry}/two`))).toMatchObject({ via: 'direct', url: '/two' })
    expect(staticRequests.slice(before)).toEqual([`/api/packages/http/${new URL(registry).host}/one`])
  })

  it('fetches directly when the edge cannot be reached, but not when the fetch was cancelled', async () => {
    const fetch = createPackageFetch({ CODER_PACKAGE_PROXY: `${nowhere}/api/packages/` })
    expect(await json(await fetch(`${registry}/x`))).toMatchObject({ via: 'direct', url: '/x' })
    const cancelled = createPackageFetch({ CODER_PACKAGE_PROXY: `${edge}/api/packages/` })
    await expect(cancelled(`${registry}/x`, { signal: AbortSignal.abort() })).rejects.toThrow(/abort/i)
  })
})
