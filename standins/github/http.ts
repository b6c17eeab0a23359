/** Small HTTP helpers shared by the stand-in's API, OAuth, git and pages. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { randomBytes } from 'node:crypto'
import type { GitHubState, Token } from './state.ts'

/** Reads the whole request body. */
export async function readBody(req: IncomingMessage, limit = 25 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limit) throw new Error('request body too large')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/** Reads a form (`application/x-www-form-urlencoded`) or JSON body as string fields; query parameters count too, as on GitHub. */
export async function readFields(req: IncomingMessage, url: URL): Promise<Record<string, string>> {
  const fields: Record<string, string> = Object.fromEntries(url.searchParams)
  const text = (await readBody(req)).toString('utf8')
  if (!text.trim()) return fields
  if (/json/i.test(String(req.headers['content-type'] ?? ''))) {
    try {
      const parsed: unknown = JSON.parse(text)
      if (parsed && typeof parsed === 'object') {
        for (const [k, v] of Object.entries(parsed)) if (v !== undefined && v !== null) fields[k] = String(v)
      }
    } catch {
      // Unparseable JSON is treated as no fields; the caller reports what is missing.
    }
    return fields
  }
  return { ...fields, ...Object.fromEntries(new URLSearchParams(text)) }
}

/** Answers with a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), ...headers })
  res.end(text)
}

/** Answers with an HTML page. */
export function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(Buffer.byteLength(html)), ...headers })
  res.end(html)
}

/** Answers with plain text (git clients show it to the user). */
export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), ...headers })
  res.end(text)
}

/** Answers 302 to `location`. */
export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { Location: location, 'Content-Length': '0' })
  res.end()
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/**
 * The token a request presents, GitHub-style: `Authorization: token …` or `Bearer …`, or Basic with
 * the token as password (`x-access-token:<token>`) or as user name with an empty or
 * `x-oauth-basic` password. Resolves `none` without credentials and `bad` for unknown ones.
 */
export function authenticate(state: GitHubState, req: IncomingMessage): { kind: 'none' } | { kind: 'bad' } | { kind: 'token'; token: Token } {
  const header = req.headers.authorization
  if (!header) return { kind: 'none' }
  const [scheme = '', value = ''] = header.trim().split(/\s+/, 2)
  let secret: string
  if (/^(token|bearer)$/i.test(scheme)) {
    secret = value
  } else if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    const user = colon === -1 ? decoded : decoded.slice(0, colon)
    const password = colon === -1 ? '' : decoded.slice(colon + 1)
    secret = password && password !== 'x-oauth-basic' ? password : user
  } else {
    return { kind: 'bad' }
  }
  const token = state.tokens.get(secret)
  return token ? { kind: 'token', token } : { kind: 'bad' }
}

/** A request id in GitHub's `x-github-request-id` form (`C1A4:2B3F:1234567:89ABCDE:6630F0A1`). */
export function requestId(): string {
  const hex = (bytes: number, digits: number) => randomBytes(bytes).toString('hex').slice(0, digits).toUpperCase()
  return `${hex(2, 4)}:${hex(2, 4)}:${hex(4, 7)}:${hex(4, 7)}:${hex(4, 8)}`
}
