/**
 * @module A real smart-HTTP git server for tests, benchmarks and the GitHub stand-in: Node's http
 * server in front of git's own `git http-backend` CGI. `startGitServer` is open to everyone and to
 * cross-origin pages (CORS + CORP); `serveGitHttp` is the CGI bridge alone, for servers that check
 * who is asking first.
 */
import { spawn, execFileSync } from 'node:child_process'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import type { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'

/** A running git server. */
export interface GitServer {
  /** Base URL without trailing slash; a repo `<root>/small.git` is at `${url}/small.git`. */
  url: string
  /** Directory whose bare repositories are served. */
  root: string
  /** Stops accepting connections, drops open ones and resolves once the server is closed. */
  close(): Promise<void>
}

const ALLOWED_HEADERS = [
  'content-type',
  'git-protocol',
  'authorization',
  'user-agent',
  'accept',
  'x-authorization',
  'x-requested-with',
  'cache-control',
  'pragma',
  'range',
]

const CORS_HEADERS: Record<string, string> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Expose-Headers': '*',
  'Access-Control-Max-Age': '600',
  'Cross-Origin-Resource-Policy': 'cross-origin',
}

let backendPath: string | undefined

/** Path of git's `http-backend` CGI program. */
function findHttpBackend(): string {
  if (backendPath) return backendPath
  const debian = '/usr/lib/git-core/git-http-backend'
  if (existsSync(debian)) return (backendPath = debian)
  const execPath = execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim()
  return (backendPath = join(execPath, 'git-http-backend'))
}

/**
 * Starts a git smart-HTTP server on 127.0.0.1 (random port) serving every bare repository under
 * `root`, fetch and push alike (push is allowed for everyone; it is a test server).
 */
export async function startGitServer({ root }: { root: string }): Promise<GitServer> {
  const server = createServer((req, res) => {
    handle(root, req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { ...CORS_HEADERS, 'Content-Type': 'text/plain' })
        res.end(String(error))
      } else {
        res.destroy(error instanceof Error ? error : undefined)
      }
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    root,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}

async function handle(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'OPTIONS') {
    const requested = req.headers['access-control-request-headers']
    res.writeHead(204, {
      ...CORS_HEADERS,
      'Access-Control-Allow-Headers': [...ALLOWED_HEADERS, ...(requested ? [requested] : [])].join(', '),
    })
    res.end()
    return
  }
  if (req.method !== 'GET' && req.method !== 'POST') {
    res.writeHead(405, { ...CORS_HEADERS, Allow: 'GET, POST, OPTIONS' })
    res.end()
    return
  }

  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  await serveGitHttp(req, res, { root, path: decodeURIComponent(url.pathname), user: 'coder', headers: CORS_HEADERS })
}

/** How `serveGitHttp` maps one request onto `git http-backend`. */
export interface GitHttpOptions {
  /** Directory whose bare repositories are served (`GIT_PROJECT_ROOT`). */
  root: string
  /** Path of the request below `root`, e.g. `/owner/repo.git/info/refs`. */
  path: string
  /** The authenticated user (`REMOTE_USER`); pushes are allowed either way, so check first. */
  user?: string
  /** Extra response headers, added to git's own. */
  headers?: Record<string, string>
  /**
   * Runs once git http-backend has exited, before the response ends: after a push, the client
   * sees its push complete only when this is done.
   */
  beforeEnd?: () => Promise<void>
}

/**
 * Answers one smart-HTTP (or dumb-HTTP) git request with `git http-backend`, fetch and push alike;
 * resolves once the response has ended. Authorisation is the caller's.
 */
export async function serveGitHttp(req: IncomingMessage, res: ServerResponse, options: GitHttpOptions): Promise<void> {
  const backend = findHttpBackend()
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const extra = options.headers ?? {}
  const gzipped = /^(x-)?gzip$/i.test(String(req.headers['content-encoding'] ?? ''))
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GIT_PROJECT_ROOT: options.root,
    GIT_HTTP_EXPORT_ALL: '1',
    // Push is allowed when REMOTE_USER is set; the explicit config makes that independent of it.
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.receivepack',
    GIT_CONFIG_VALUE_0: 'true',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    SERVER_SOFTWARE: 'coder-test-git-server',
    REQUEST_METHOD: req.method,
    PATH_INFO: options.path,
    QUERY_STRING: url.search.slice(1),
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
  }
  if (options.user) env.REMOTE_USER = options.user
  if (req.headers['content-type']) env.CONTENT_TYPE = req.headers['content-type']
  // A gunzipped body has no known length; http-backend then reads to EOF.
  if (!gzipped && req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length']
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'content-type' || name === 'content-length' || name === 'content-encoding') continue
    if (value !== undefined) env[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`] = String(value)
  }

  const cgi = spawn(backend, [], { env, stdio: ['pipe', 'pipe', 'pipe'] })
  const stderr: Buffer[] = []
  cgi.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
  cgi.stdin.on('error', () => {}) // http-backend may exit before reading everything (e.g. on a 404)

  const body: Readable = gzipped ? req.pipe(createGunzip()) : req
  body.on('error', () => cgi.kill())
  body.pipe(cgi.stdin)
  res.on('close', () => {
    if (cgi.exitCode === null) cgi.kill()
  })

  const exited = new Promise<number>((resolve) => cgi.on('close', (code) => resolve(code ?? 1)))
  const head = await readCgiHead(cgi.stdout)
  if (!head) {
    const code = await exited
    res.writeHead(500, { ...extra, 'Content-Type': 'text/plain' })
    res.end(`git http-backend exited with ${code} before sending headers\n${Buffer.concat(stderr)}`)
    return
  }
  res.writeHead(head.status, head.statusText, { ...head.headers, ...extra })
  if (head.rest.length) res.write(head.rest)
  cgi.stdout.pipe(res, { end: false })
  const code = await exited
  if (code !== 0 && stderr.length) console.error(`[git-server] ${req.method} ${req.url}: ${Buffer.concat(stderr)}`)
  try {
    await options.beforeEnd?.()
  } finally {
    res.end()
  }
}

interface CgiHead {
  status: number
  statusText: string
  headers: Record<string, string>
  rest: Buffer
}

/** Reads the CGI header block off `stdout`; resolves null if the stream ends before it is complete. */
function readCgiHead(stdout: Readable): Promise<CgiHead | null> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      const crlf = buffered.indexOf('\r\n\r\n')
      const lf = buffered.indexOf('\n\n')
      let end = -1
      let sep = 0
      if (crlf !== -1 && (lf === -1 || crlf < lf)) [end, sep] = [crlf, 4]
      else if (lf !== -1) [end, sep] = [lf, 2]
      if (end === -1) return
      stdout.off('data', onData)
      stdout.off('end', onEnd)
      stdout.pause()
      resolve(parseHead(buffered.subarray(0, end).toString('latin1'), buffered.subarray(end + sep)))
    }
    const onEnd = () => resolve(null)
    stdout.on('data', onData)
    stdout.once('end', onEnd)
    stdout.once('error', reject)
  })
}

function parseHead(text: string, rest: Buffer): CgiHead {
  let status = 200
  let statusText = 'OK'
  const headers: Record<string, string> = {}
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim()
    const value = line.slice(colon + 1).trim()
    if (name.toLowerCase() === 'status') {
      const match = /^(\d{3})\s*(.*)$/.exec(value)
      if (match) [status, statusText] = [Number(match[1]), match[2] || statusText]
    } else {
      headers[name] = value
    }
  }
  return { status, statusText, headers, rest }
}

/**
 * Clones the repository at `workDir` into a new bare repository at `bareDir` (all branches and
 * tags) and allows pushes to it over HTTP.
 */
export function exportToBare(workDir: string, bareDir: string): void {
  execFileSync('git', ['clone', '--quiet', '--bare', '--no-local', workDir, bareDir], { stdio: 'pipe' })
  execFileSync('git', ['config', 'http.receivepack', 'true'], { cwd: bareDir, stdio: 'pipe' })
}
