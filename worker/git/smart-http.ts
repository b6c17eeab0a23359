import { AppError } from '../../shared/errors'
import type { Progress } from '../../shared/protocol'
import { concatBytes } from './bytes'

/** What a server advertises for git-upload-pack (protocol v1). */
export interface Advertisement {
  /** ref name → object id (tags as advertised, not peeled). */
  refs: Map<string, string>
  /** The branch HEAD points at, when the server says (`symref=HEAD:refs/heads/main`). */
  head: string | null
  capabilities: Set<string>
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** One pkt-line: 4 hex digits of length (including themselves), then the payload. */
export function pktLine(text: string): Uint8Array {
  const body = encoder.encode(text)
  const out = new Uint8Array(body.length + 4)
  out.set(encoder.encode((body.length + 4).toString(16).padStart(4, '0')))
  out.set(body, 4)
  return out
}

const FLUSH = encoder.encode('0000')

/** Splits pkt-lines; `null` stands for a flush packet. */
export function* readPktLines(bytes: Uint8Array, from = 0): Generator<{ payload: Uint8Array | null; end: number }> {
  let at = from
  while (at + 4 <= bytes.length) {
    const len = parseInt(decoder.decode(bytes.subarray(at, at + 4)), 16)
    if (Number.isNaN(len)) throw new AppError('GIT', 'the server sent a malformed pkt-line')
    if (len === 0 || len === 1 || len === 2) {
      at += 4
      yield { payload: null, end: at }
      continue
    }
    if (len < 4 || at + len > bytes.length) throw new AppError('GIT', 'the server sent a truncated pkt-line')
    yield { payload: bytes.subarray(at + 4, at + len), end: at + len }
    at += len
  }
}

async function readAll(res: Response, onBytes?: (loaded: number, total: number) => void): Promise<Uint8Array> {
  const total = Number(res.headers.get('content-length') ?? 0)
  if (!res.body) return new Uint8Array(await res.arrayBuffer())
  const reader = res.body.getReader()
  const parts: Uint8Array[] = []
  let loaded = 0
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    parts.push(value)
    loaded += value.length
    onBytes?.(loaded, total)
  }
  return concatBytes(parts)
}

/** A git host's HTTP failure, with what it most likely means for the user. */
export function httpFailure(status: number | undefined, statusText: string, what: string, cause?: unknown): AppError {
  const hint = status === 401 || status === 403 ? ' (the repository is private or the credentials were refused)' : status === 404 ? ' (no repository at that address)' : ''
  return new AppError('NETWORK', `${what} failed: HTTP ${status ?? '?'} ${statusText}${hint}`.replace(/\s+/g, ' ').trim(), { status }, { cause })
}

/** The failure of `res`; the edge's git proxy explains itself in a JSON body, which is used when present. */
async function httpError(res: Response, what: string): Promise<AppError> {
  if (res.headers.get('content-type')?.includes('application/json')) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null
    if (body?.error?.message) return new AppError('NETWORK', `${what} failed: ${body.error.message}`, { status: res.status })
  }
  return httpFailure(res.status, res.statusText, what)
}

async function request(url: string, init: RequestInit, what: string): Promise<Response> {
  try {
    return await fetch(url, init)
  } catch (cause) {
    if (init.signal?.aborted) throw new AppError('ABORTED', 'the import was cancelled', {}, { cause })
    throw new AppError('NETWORK', `could not reach ${new URL(url).host}: ${cause instanceof Error ? cause.message : String(cause)}`, { url }, { cause })
  }
}

/** Reads the refs a smart-HTTP server offers (GET info/refs?service=git-upload-pack). */
export async function discoverRefs(url: string, signal?: AbortSignal): Promise<Advertisement> {
  const base = url.replace(/\/+$/, '')
  const res = await request(`${base}/info/refs?service=git-upload-pack`, { signal }, `reading the refs of ${url}`)
  if (!res.ok) throw await httpError(res, `reading the refs of ${url}`)
  const type = res.headers.get('content-type') ?? ''
  if (type !== 'application/x-git-upload-pack-advertisement') {
    throw new AppError('GIT', `${url} does not speak git's smart HTTP protocol (content type '${type || 'none'}')`, { url, unsupported: true })
  }
  const bytes = await readAll(res)
  const refs = new Map<string, string>()
  let capabilities = new Set<string>()
  let first = true
  for (const { payload } of readPktLines(bytes)) {
    if (!payload) continue
    let line = decoder.decode(payload).replace(/\n$/, '')
    if (line.startsWith('# service=')) continue
    if (first) {
      const nul = line.indexOf('\0')
      if (nul >= 0) {
        capabilities = new Set(line.slice(nul + 1).split(' ').filter(Boolean))
        line = line.slice(0, nul)
      }
      first = false
    }
    const [oid, name] = line.split(' ')
    if (!/^[0-9a-f]{40}$/.test(oid ?? '') || !name) throw new AppError('GIT', `the server sent an unexpected ref line: '${line.slice(0, 80)}'`)
    if (name === 'capabilities^{}') continue
    refs.set(name, oid)
  }
  const symref = [...capabilities].find((c) => c.startsWith('symref=HEAD:'))
  return { refs, head: symref ? symref.slice('symref=HEAD:'.length) : null, capabilities }
}

/** The pack and shallow commits a fetch returned. */
export interface FetchedPack {
  pack: Uint8Array
  shallow: string[]
}

/**
 * Fetches the objects reachable from `wants` (POST git-upload-pack, protocol v1, side-band-64k),
 * with `depth` commits of history when given. Download progress is reported in bytes.
 */
export async function fetchPack(url: string, wants: string[], options: { depth?: number; signal?: AbortSignal; onProgress?: (p: Progress) => void; capabilities: Set<string> }): Promise<FetchedPack> {
  const { depth, signal, onProgress, capabilities } = options
  for (const need of ['side-band-64k', 'ofs-delta']) {
    if (!capabilities.has(need)) throw new AppError('GIT', `the server does not offer '${need}'`, { unsupported: true })
  }
  if (depth !== undefined && !capabilities.has('shallow')) throw new AppError('GIT', 'the server cannot make shallow clones', { unsupported: true })
  const caps = ['side-band-64k', 'ofs-delta', 'agent=coder/0.1', ...(depth !== undefined ? ['shallow'] : []), ...(capabilities.has('no-progress') ? ['no-progress'] : [])]
  const lines = [...new Set(wants)].map((oid, i) => pktLine(i === 0 ? `want ${oid} ${caps.join(' ')}\n` : `want ${oid}\n`))
  if (depth !== undefined) lines.push(pktLine(`deepen ${depth}\n`))
  lines.push(FLUSH, pktLine('done\n'))
  const body = concatBytes(lines)

  const base = url.replace(/\/+$/, '')
  const res = await request(
    `${base}/git-upload-pack`,
    { method: 'POST', body, signal, headers: { 'content-type': 'application/x-git-upload-pack-request', accept: 'application/x-git-upload-pack-result' } },
    `fetching from ${url}`,
  )
  if (!res.ok) throw await httpError(res, `fetching from ${url}`)
  const bytes = await readAll(res, (loaded, total) => onProgress?.({ phase: 'Downloading', loaded, total }))

  const shallow: string[] = []
  const parts: Uint8Array[] = []
  let inPack = false
  for (const { payload } of readPktLines(bytes)) {
    if (!payload) continue
    if (!inPack) {
      const text = decoder.decode(payload.subarray(0, 64))
      if (text.startsWith('shallow ')) shallow.push(text.slice(8, 48))
      else if (text.startsWith('unshallow ')) continue
      else if (text.startsWith('NAK') || text.startsWith('ACK')) inPack = true
      else if (text.startsWith('ERR ')) throw new AppError('GIT', `the server refused: ${decoder.decode(payload).slice(4).trim()}`)
      continue
    }
    const band = payload[0]
    if (band === 1) {
      parts.push(payload.subarray(1))
    } else if (band === 3) {
      throw new AppError('GIT', `the server failed: ${decoder.decode(payload.subarray(1)).trim()}`)
    }
  }
  const pack = concatBytes(parts)
  if (pack.length === 0) throw new AppError('GIT', `${url} sent no pack`)
  return { pack, shallow }
}
