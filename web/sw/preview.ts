/**
 * @module The in-tab preview, served by the service worker: `/preview/<projectId>/<path>` answers
 * with the file `<path>` of that project's `/workspace`, read straight from the project's
 * IndexedDB database, so a static site or a built app in the workspace runs in an iframe (or a
 * tab) of the IDE's own origin, online or offline.
 *
 * The workspace worker owns the database; this side only reads it. It opens the database without
 * a version (never creating or upgrading one), reads every answer in one read-only transaction
 * (a consistent snapshot, even while the worker commits), closes its connection when done, and
 * at once when another connection wants to upgrade or delete the database.
 *
 * It reads the `/workspace` mount's records as worker/namespace/idb.ts stores them (the `dirs`,
 * `small` and `blobs` stores under the scope 'workspace'), one directory record per path segment,
 * rather than opening that module's Tree: a Tree loads every entry of the mount when it opens,
 * which for each request of a page in a large workspace is far too much, and it writes a root
 * record into an empty mount.
 */
import { unreachable } from '../../shared/errors'
import { contentTypeOf } from '../../shared/mime'
import { normalizePath } from '../../shared/namespace'

/** Where the preview lives in this origin. */
export const PREVIEW_PREFIX = '/preview/'
/** Name of a project's database (worker/projects: `${prefix}-project-${id}`, prefix 'coder'). */
const DATABASE_PREFIX = 'coder-project-'
/** The key scope of the `/workspace` mount inside a project's database. */
const WORKSPACE_SCOPE = 'workspace'
/** As worker/namespace's Tree: symbolic links followed before giving up. */
const MAX_LINKS = 40
const PROJECT_ID = /^[\w-]{1,128}$/

/** One stored entry, as worker/namespace/tree.ts's `Entry` (the fields read here). */
interface StoredEntry {
  type: 'file' | 'dir' | 'symlink'
  size: number
  ino: number
  target?: string
}

/** A `dirs` record: the directory's children by name. */
interface DirRecord {
  entries: Record<string, StoredEntry>
}

/** Every response of the preview carries these: an iframe of the cross-origin-isolated IDE may show it, and a reload always reads the latest save. */
export const PREVIEW_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // Opened in a tab of its own, the preview is cross-origin isolated as it is in the IDE's iframe.
  'Cross-Origin-Opener-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
}

/** A preview URL's path, taken apart. */
export type PreviewPath =
  /** `path` is absolute within `/workspace`, normalised; `slash`: the URL ended with '/'. */
  | { ok: true; projectId: string; path: string; slash: boolean }
  /** Not a file the preview may serve; `path` is what to name in the 404 page. */
  | { ok: false; projectId: string | null; path: string }

/**
 * Takes apart the pathname of a `/preview/<projectId>/<path>` URL. Every segment of `<path>` is
 * percent-decoded once; a segment that then holds '/', '\', NUL, or is '.' or '..' (which the URL
 * parser already resolved when they were literal) makes the path invalid, as does a `.git` segment
 * in any case, or a malformed escape: the result can never leave `/workspace` or reach `.git`.
 */
export function parsePreviewPath(pathname: string): PreviewPath {
  const rest = pathname.startsWith(PREVIEW_PREFIX) ? pathname.slice(PREVIEW_PREFIX.length) : ''
  const slashAt = rest.indexOf('/')
  const rawId = slashAt < 0 ? rest : rest.slice(0, slashAt)
  const rawPath = slashAt < 0 ? '' : rest.slice(slashAt)
  const projectId = PROJECT_ID.test(rawId) ? rawId : null
  const segments: string[] = []
  let valid = projectId !== null
  for (const raw of rawPath.split('/')) {
    if (raw === '') continue
    let segment: string
    try {
      segment = decodeURIComponent(raw)
    } catch {
      segment = raw
      valid = false
    }
    if (segment === '.' || segment === '..' || /[/\\\0]/.test(segment) || segment.toLowerCase() === '.git') valid = false
    segments.push(segment)
  }
  const path = '/' + segments.join('/')
  return valid ? { ok: true, projectId: projectId!, path, slash: pathname.endsWith('/') } : { ok: false, projectId, path }
}

/** True when a normalised path names `.git` or something inside it (any case). */
export function isGitPath(path: string): boolean {
  return path.split('/').some((segment) => segment.toLowerCase() === '.git')
}

/** The small HTML page of a 404, naming what was asked for and why it is missing. */
export function notFoundPage(what: string, reason = "is not in this project's workspace"): string {
  const text = what.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
  return `<!doctype html>\n<meta charset="utf-8">\n<title>Not found</title>\n<style>body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1f2328}code{background:#f6f8fa;padding:0 4px;border-radius:4px}</style>\n<h1>Not found</h1>\n<p><code>${text}</code> ${reason}.</p>\n`
}

/**
 * Answers a request for `/preview/<projectId>/<path>` (GET or HEAD) from the project's `/workspace`:
 * the file; for a folder (the project's root included) its `index.html`, after a redirect to the
 * form with a trailing slash so that relative URLs resolve inside it; else a 404 page naming what
 * is missing. Never writes to, creates or upgrades a database, and never throws (a storage fault
 * is a 500). Every response carries PREVIEW_HEADERS and is never cached.
 */
export async function servePreview(request: Request, url: URL): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return respond(request, 405, 'text/plain; charset=utf-8', 'The preview only answers GET and HEAD.\n', { Allow: 'GET, HEAD' })
  }
  const parsed = parsePreviewPath(url.pathname)
  if (!parsed.ok) return notFound(request, parsed.projectId === null ? url.pathname : parsed.path, parsed.projectId === null ? 'is not a preview address' : undefined)
  const db = await openExisting(DATABASE_PREFIX + parsed.projectId)
  if (!db) return notFound(request, `${PREVIEW_PREFIX}${parsed.projectId}/`, 'names no project in this browser')
  try {
    const found = await read(db, parsed.path, parsed.slash)
    switch (found.type) {
      case 'file':
        return respond(request, 200, contentTypeOf(found.path), found.bytes)
      case 'dir': {
        const location = new URL(`${url.pathname}/${url.search}`, url)
        return respond(request, 302, 'text/plain; charset=utf-8', '', { Location: location.href })
      }
      case 'missing':
        return notFound(request, found.path)
      default:
        return unreachable(found)
    }
  } catch (error) {
    return respond(request, 500, 'text/plain; charset=utf-8', `The preview could not read ${parsed.path}: ${String(error)}\n`)
  } finally {
    db.close()
  }
}

type Found =
  | { type: 'file'; path: string; bytes: Uint8Array }
  /** A folder asked for without the trailing slash. */
  | { type: 'dir' }
  | { type: 'missing'; path: string }

/** Reads what `path` names in one read-only transaction, following symbolic links as Tree does. */
async function read(db: IDBDatabase, path: string, slash: boolean): Promise<Found> {
  const tx = db.transaction(['dirs', 'small', 'blobs'], 'readonly')
  const dirs = tx.objectStore('dirs')
  let at = await resolve(dirs, path)
  if (at?.entry.type === 'dir') {
    if (!slash) return { type: 'dir' }
    const index = path === '/' ? '/index.html' : `${path}/index.html`
    at = await resolve(dirs, index)
    if (!at) return { type: 'missing', path: index }
  } else if (slash && path !== '/') {
    // A file is no folder: 'a.html/' would resolve its relative URLs wrongly.
    return { type: 'missing', path: `${path}/` }
  }
  if (!at || at.entry.type !== 'file' || isGitPath(at.path)) return { type: 'missing', path }
  const { entry } = at
  const dir = at.path.slice(0, at.path.lastIndexOf('/')) || '/'
  // Small files live in their directory's record, large ones in a blob of their own.
  const small = await get<Map<number, Uint8Array>>(tx.objectStore('small'), [WORKSPACE_SCOPE, dir])
  const bytes = small?.get(entry.ino) ?? (await get<Uint8Array>(tx.objectStore('blobs'), [WORKSPACE_SCOPE, entry.ino]))
  if (bytes) return { type: 'file', path: at.path, bytes }
  if (entry.size === 0) return { type: 'file', path: at.path, bytes: new Uint8Array(0) }
  throw new Error(`the content of ${at.path} is missing from storage`)
}

/** The real path and entry `path` names, following symbolic links within the mount; null if none. */
async function resolve(dirs: IDBObjectStore, path: string): Promise<{ path: string; entry: StoredEntry } | null> {
  let segments = path.split('/').filter(Boolean)
  let current = '/'
  let entry: StoredEntry = { type: 'dir', size: 0, ino: 0 }
  let hops = 0
  for (let i = 0; i < segments.length; i++) {
    const record = await get<DirRecord>(dirs, [WORKSPACE_SCOPE, current])
    const name = segments[i]!
    const e = record && Object.hasOwn(record.entries, name) ? record.entries[name] : undefined
    if (!e) return null
    if (e.type === 'symlink') {
      if (++hops > MAX_LINKS) return null
      const target = e.target ?? ''
      // normalizePath stops at the root: a link can never lead out of the mount.
      const resolved = normalizePath(target.startsWith('/') ? target : `${current}/${target}`)
      segments = [...resolved.split('/').filter(Boolean), ...segments.slice(i + 1)]
      current = '/'
      entry = { type: 'dir', size: 0, ino: 0 }
      i = -1
      continue
    }
    if (i < segments.length - 1 && e.type !== 'dir') return null
    current = current === '/' ? `/${name}` : `${current}/${name}`
    entry = e
  }
  return { path: current, entry }
}

/**
 * Opens the database `name` if it exists, at whatever version it has; null when it does not.
 * Never creates it: an open that would is aborted in its upgrade step.
 */
async function openExisting(name: string): Promise<IDBDatabase | null> {
  if (typeof indexedDB.databases === 'function') {
    const known = await indexedDB.databases().catch(() => null)
    if (known && !known.some((d) => d.name === name)) return null
  }
  const db = await new Promise<IDBDatabase | null>((resolve) => {
    const request = indexedDB.open(name)
    request.onupgradeneeded = () => request.transaction?.abort()
    request.onsuccess = () => resolve(request.result)
    request.onerror = (event) => {
      event.preventDefault()
      resolve(null)
    }
  })
  if (!db) return null
  // The workspace worker upgrading or deleting the project comes first.
  db.onversionchange = () => db.close()
  if (!['dirs', 'small', 'blobs'].every((store) => db.objectStoreNames.contains(store))) {
    db.close()
    return null
  }
  return db
}

function get<T>(store: IDBObjectStore, key: IDBValidKey): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const request = store.get(key)
    request.onsuccess = () => resolve(request.result as T | undefined)
    request.onerror = () => reject(request.error)
  })
}

function notFound(request: Request, what: string, reason?: string): Response {
  return respond(request, 404, 'text/html; charset=utf-8', notFoundPage(what, reason))
}

function respond(request: Request, status: number, type: string, body: string | Uint8Array, extra: Record<string, string> = {}): Response {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body
  const headers = { ...PREVIEW_HEADERS, 'Content-Type': type, 'Content-Length': String(bytes.length), ...extra }
  return new Response(request.method === 'HEAD' || status === 302 ? null : (bytes as Uint8Array<ArrayBuffer>), { status, headers })
}
