import { AppError } from '../../../shared/errors'

/** One file a package index lists for a project. */
export interface IndexFile {
  filename: string
  /** Absolute, without the hash fragment. */
  url: string
  /** Lowercase hex digests by algorithm (`sha256`), from the `#sha256=` fragment or the JSON `hashes`. */
  hashes: Record<string, string>
  /** `data-requires-python` / `requires-python` (a specifier list), or null. */
  requiresPython: string | null
  /** Yanked files are skipped unless pinned exactly (PEP 592); the reason, or '' when none is given. */
  yanked: string | null
}

/** The JSON form of the simple API (PEP 691), the one Accept header asks for first. */
export const SIMPLE_JSON = 'application/vnd.pypi.simple.v1+json'
/** What to send as Accept: JSON first, then either HTML form. */
export const SIMPLE_ACCEPT = `${SIMPLE_JSON}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1`

/**
 * The files of a project page of a simple repository API: PEP 691 JSON when `contentType` says
 * so, else PEP 503 HTML (the anchors; `<base href>` honoured; attributes HTML-unescaped). URLs are
 * made absolute against `pageUrl`. Throws BAD_INPUT for JSON that is not a project page.
 */
export function parseProjectPage(body: string, contentType: string, pageUrl: string): IndexFile[] {
  if (contentType.split(';')[0]!.trim().toLowerCase() === SIMPLE_JSON) return parseJsonPage(body, pageUrl)
  return parseHtmlPage(body, pageUrl)
}

function parseJsonPage(body: string, pageUrl: string): IndexFile[] {
  let json: { files?: unknown }
  try {
    json = JSON.parse(body) as { files?: unknown }
  } catch (error) {
    throw new AppError('BAD_INPUT', `the package index page ${pageUrl} is not valid JSON: ${(error as Error).message}`)
  }
  if (!json || !Array.isArray(json.files)) throw new AppError('BAD_INPUT', `the package index page ${pageUrl} has no "files" list (PEP 691)`)
  const out: IndexFile[] = []
  for (const f of json.files as Array<Record<string, unknown>>) {
    if (typeof f?.filename !== 'string' || typeof f.url !== 'string') continue
    const { url, hashes } = splitFragment(new URL(f.url, pageUrl).href)
    if (f.hashes && typeof f.hashes === 'object') for (const [k, v] of Object.entries(f.hashes as Record<string, unknown>)) if (typeof v === 'string') hashes[k.toLowerCase()] = v.toLowerCase()
    const yanked = f.yanked === true ? '' : typeof f.yanked === 'string' ? f.yanked : null
    out.push({ filename: f.filename, url, hashes, requiresPython: typeof f['requires-python'] === 'string' ? f['requires-python'] : null, yanked })
  }
  return out
}

// Quoted attribute values may hold a raw `>` (`data-requires-python=">=3.8"`, unescaped by some servers).
const ANCHOR = /<a\b((?:[^>"']|"[^"]*"|'[^']*')*)>([\s\S]*?)<\/a\s*>/gi
const ATTRIBUTE = /([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g

function parseHtmlPage(body: string, pageUrl: string): IndexFile[] {
  const base = /<base\b((?:[^>"']|"[^"]*"|'[^']*')*)>/i.exec(body)
  const baseHref = base ? attributes(base[1]!).href : undefined
  const baseUrl = baseHref ? new URL(baseHref, pageUrl).href : pageUrl
  const out: IndexFile[] = []
  for (const m of body.matchAll(ANCHOR)) {
    const attrs = attributes(m[1]!)
    if (!attrs.href) continue
    let absolute: string
    try {
      absolute = new URL(attrs.href, baseUrl).href
    } catch {
      continue
    }
    const { url, hashes } = splitFragment(absolute)
    const text = unescapeHtml(m[2]!.replace(/<[^>]*>/g, '')).trim()
    const filename = text || decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '')
    out.push({ filename, url, hashes, requiresPython: attrs['data-requires-python'] ?? null, yanked: attrs['data-yanked'] ?? null })
  }
  return out
}

/** An anchor's attributes, names lowercased, values unescaped; a bare attribute is ''. */
function attributes(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of text.matchAll(ATTRIBUTE)) out[m[1]!.toLowerCase()] = unescapeHtml(m[2] ?? m[3] ?? m[4] ?? '')
  return out
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' }

function unescapeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, code: string) => {
    if (code[0] === '#') {
      const n = code[1] === 'x' || code[1] === 'X' ? parseInt(code.slice(2), 16) : parseInt(code.slice(1), 10)
      return Number.isFinite(n) && n <= 0x10ffff ? String.fromCodePoint(n) : whole
    }
    return ENTITIES[code.toLowerCase()] ?? whole
  })
}

/** `https://…/x.whl#sha256=ab12` → the URL without the fragment and `{ sha256: 'ab12' }`. */
function splitFragment(href: string): { url: string; hashes: Record<string, string> } {
  const u = new URL(href)
  const hashes: Record<string, string> = {}
  const m = /^#([a-z0-9]+)=([0-9a-f]+)$/i.exec(u.hash)
  if (m) hashes[m[1]!.toLowerCase()] = m[2]!.toLowerCase()
  u.hash = ''
  return { url: u.href, hashes }
}

/**
 * The Subresource Integrity string (`sha256-<base64>`) of the strongest digest the index gives
 * for `file` that Web Crypto can check (sha512, sha384, sha256), or null when it gives none
 * (an md5 fragment cannot be checked: the file is then hashed on download instead). Throws
 * INTEGRITY for a digest that is not the right number of hex digits.
 */
export function fileIntegrity(file: IndexFile): string | null {
  for (const algorithm of ['sha512', 'sha384', 'sha256'] as const) {
    const hex = file.hashes[algorithm]
    if (hex === undefined) continue
    if (!/^[0-9a-f]+$/.test(hex) || hex.length !== { sha512: 128, sha384: 96, sha256: 64 }[algorithm]) throw new AppError('INTEGRITY', `the index gives ${file.filename} a malformed ${algorithm} (${hex}): refusing to install it unchecked`, { filename: file.filename })
    let s = ''
    for (let i = 0; i < hex.length; i += 2) s += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16))
    return `${algorithm}-${btoa(s)}`
  }
  return null
}
