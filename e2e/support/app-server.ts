/**
 * @module The built IDE (`vite build` → dist/) served as the edge serves it: on 127.0.0.1, with the
 * headers of public/_headers (COOP, COEP, CORP, …), Cloudflare's revalidation caching (ETag,
 * `max-age=0, must-revalidate`) and its single-page-application fallback to index.html.
 * e2e/support/build-app.ts builds dist/ once per test run.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The build `startAppServer()` serves by default. */
export const distDir = fileURLToPath(new URL('../../dist', import.meta.url))

/** A running app server. */
export interface AppServer {
  /** Origin without trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string
  /** Serves another build from now on, on the same origin (as a new deployment would). */
  setRoot(dir: string): void
  /** Requests answered so far, oldest first. */
  requests: ServedRequest[]
  /** Stops the server, dropping open connections. */
  close(): Promise<void>
}

/** One request as the server answered it. */
export interface ServedRequest {
  path: string
  status: number
  /** The request's Sec-Fetch-Dest ('document', 'script', 'style', 'worker', 'sharedworker', 'empty' for fetch(), …). */
  dest: string
  /** The file sent, when one was (a 304 names the file too). */
  file?: string
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

/**
 * Serves the build in `root` (default dist/, which must have been built) on a free port of
 * 127.0.0.1; resolves once it listens. Paths under /api/ and /git/ answer 404 (no edge here).
 */
export async function startAppServer({ root = distDir }: { root?: string } = {}): Promise<AppServer> {
  let site = loadSite(root)
  const requests: ServedRequest[] = []
  const server = createServer((req, res) => {
    const served = serve(site, req, res)
    requests.push({ ...served, dest: String(req.headers['sec-fetch-dest'] ?? '') })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setRoot: (dir) => void (site = loadSite(dir)),
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}

interface Site {
  root: string
  rules: HeaderRule[]
}

function loadSite(root: string): Site {
  if (!existsSync(join(root, 'index.html'))) throw new Error(`${root} has no index.html: run \`npm run build\` first`)
  const headersFile = join(root, '_headers')
  return { root, rules: existsSync(headersFile) ? parseHeaders(readFileSync(headersFile, 'utf8')) : [] }
}

function serve(site: Site, req: IncomingMessage, res: ServerResponse): { path: string; status: number; file?: string } {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
  const answer = (status: number, file?: string) => ({ path, status, file })
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end()
    return answer(405)
  }
  const headers = headersFor(site.rules, path)
  let file = resolveFile(site.root, path)
  const navigation = req.headers['sec-fetch-mode'] === 'navigate' || String(req.headers.accept ?? '').includes('text/html')
  if (!file && navigation && !/^\/(api|git)\//.test(path)) file = join(site.root, 'index.html')
  if (!file) {
    res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n')
    return answer(404)
  }
  const stat = statSync(file)
  const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`
  Object.assign(headers, { ETag: etag, 'Cache-Control': 'public, max-age=0, must-revalidate' })
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers).end()
    return answer(304, file)
  }
  res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': stat.size })
  if (req.method === 'HEAD') res.end()
  else createReadStream(file).pipe(res)
  return answer(200, file)
}

/** The file `path` names inside `root` ('/' and directories: their index.html), or null. `_headers` is config, never served. */
function resolveFile(root: string, path: string): string | null {
  const relative = normalize(path).replace(/^([/\\])+/, '')
  if (relative.startsWith('..') || relative === '_headers') return null
  let file = join(root, relative)
  if (!file.startsWith(root.endsWith(sep) ? root : root + sep) && file !== root) return null
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html')
  return existsSync(file) && statSync(file).isFile() ? file : null
}

interface HeaderRule {
  pattern: RegExp
  headers: Record<string, string>
}

/** Cloudflare's `_headers` format: a URL pattern (`*` splat, `:name` placeholder), then indented `Name: value` lines. */
function parseHeaders(text: string): HeaderRule[] {
  const rules: HeaderRule[] = []
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim() || line.trim().startsWith('#')) continue
    if (!/^\s/.test(line)) {
      const source = line.trim().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/:\w+/g, '[^/]+')
      rules.push({ pattern: new RegExp(`^${source}$`), headers: {} })
      continue
    }
    const colon = line.indexOf(':')
    const rule = rules.at(-1)
    if (rule && colon > 0) rule.headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim()
  }
  return rules
}

function headersFor(rules: HeaderRule[], path: string): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const rule of rules) if (rule.pattern.test(path)) Object.assign(headers, rule.headers)
  return headers
}
