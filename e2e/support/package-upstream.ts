/**
 * @module A scripted package upstream on 127.0.0.1 for the edge's package proxy tests (a vitest
 * globalSetup of the `edge` project, which runs its tests in workerd): real HTTP, so the proxy's
 * fetch, streaming, time limit and header handling are exercised as on the network.
 *
 * Routes: `/echo/…` answers the request it got as JSON (`{ method, url, headers }`); `/reflect`
 * answers with the request's Authorization copied into response headers (`x-seen-authorization`,
 * `set-cookie`, `www-authenticate`); `/gzip` is gzip-encoded JSON; `/status/<n>` answers status n;
 * `/redirect?to=<location>` a 302; `/slow/<id>` sends `first\n`, then waits for `/release/<id>`
 * before sending `second\n`; `/hang` never answers; `/big/<bytes>` streams that many `x`s;
 * anything else 404.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Origin of the scripted package upstream, e.g. `http://127.0.0.1:41234`. */
    packageUpstream: string
    /** An origin on 127.0.0.1 where nothing listens. */
    deadUpstream: string
  }
}

/** A running upstream. */
export interface PackageUpstream {
  /** Origin without trailing slash. */
  url: string
  close(): Promise<void>
}

/** Starts the scripted upstream on a free port of 127.0.0.1. */
export async function startPackageUpstream(): Promise<PackageUpstream> {
  const waiting = new Map<string, () => void>()
  const server = createServer((req, res) => handle(req, res, waiting))
  const url = await listen(server)
  return { url, close: () => closeServer(server) }
}

function handle(req: IncomingMessage, res: ServerResponse, waiting: Map<string, () => void>): void {
  const url = new URL(req.url ?? '/', 'http://upstream')
  const path = url.pathname
  const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
  }
  if (path.startsWith('/echo/')) {
    // req.url is the raw request target: percent-encoding exactly as it arrived.
    return json(200, { method: req.method, url: req.url, headers: req.headers }, { etag: '"echo-1"', 'cache-control': 'max-age=300', 'x-upstream-internal': 'yes' })
  }
  if (path === '/reflect') {
    const seen = String(req.headers.authorization ?? '')
    return json(401, { error: 'reflected' }, { 'x-seen-authorization': seen, 'set-cookie': `session=${seen}; Path=/`, 'www-authenticate': `Bearer realm="${seen}"` })
  }
  if (path === '/gzip') {
    const body = gzipSync(JSON.stringify({ name: 'gzipped', padding: 'p'.repeat(5000) }))
    return void res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length }).end(body)
  }
  const status = /^\/status\/(\d{3})$/.exec(path)
  if (status) return json(Number(status[1]), { error: `upstream says ${status[1]}` })
  if (path === '/redirect') return void res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end()
  const slow = /^\/slow\/(\w+)$/.exec(path)
  if (slow) {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.write('first\n')
    waiting.set(slow[1]!, () => res.end('second\n'))
    return
  }
  const release = /^\/release\/(\w+)$/.exec(path)
  if (release) {
    const finish = waiting.get(release[1]!)
    waiting.delete(release[1]!)
    finish?.()
    return json(finish ? 200 : 404, { released: Boolean(finish) })
  }
  if (path === '/hang') return
  const big = /^\/big\/(\d+)$/.exec(path)
  if (big) {
    let left = Number(big[1])
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': left })
    const chunk = Buffer.alloc(64 * 1024, 'x')
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, chunk.length)
        left -= n
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', pump)
      }
      res.end()
    }
    return pump()
  }
  json(404, { error: 'no such route' })
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

/** globalSetup: provides `packageUpstream` and `deadUpstream`; the teardown stops the upstream. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const upstream = await startPackageUpstream()
  // A port that was just free and is closed again: nothing listens there.
  const dead = createServer()
  const deadUrl = await listen(dead)
  await closeServer(dead)
  project.provide('packageUpstream', upstream.url)
  project.provide('deadUpstream', deadUrl)
  return () => upstream.close()
}
