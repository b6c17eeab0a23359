/**
 * What the preview worker (its own origin, serving nothing but deployment files) calls: which
 * deployment an address names, and which stored file answers a request path.
 */
import type { DeploymentVisibility } from '../../shared/deploy'
import type { Env } from '../env'
import { extensionOf } from '../../shared/mime'
import { DEPLOYMENT_ID } from './store'

/** A `ready` deployment as the preview worker needs it. */
export interface ServedDeployment {
  id: string
  project: string
  spa: boolean
  /** `private`: serve it only with a signed link (`verifyDeploymentLink`). */
  visibility: DeploymentVisibility
  /** Reached through its project's production alias rather than its own id. */
  production: boolean
}

/**
 * The ready deployment `key` names: a deployment id, or else the host label of a project's
 * production (production.ts productionHost) whose deployment it is. Null for anything else,
 * including deployments still uploading, failed or deleted. A deployment id always wins over a
 * production label of the same text.
 */
export async function resolveDeployment(env: Pick<Env, 'DB'>, key: string): Promise<ServedDeployment | null> {
  type Row = { id: string; project: string; spa: number; visibility: DeploymentVisibility }
  const served = (row: Row, production: boolean): ServedDeployment => ({ id: row.id, project: row.project, spa: row.spa === 1, visibility: row.visibility, production })
  if (DEPLOYMENT_ID.test(key)) {
    const own = await env.DB.prepare("SELECT id, project, spa, visibility FROM deployments WHERE id = ? AND status = 'ready'").bind(key).first<Row>()
    if (own) return served(own, false)
  }
  const alias = await env.DB.prepare(
    "SELECT d.id, d.project, d.spa, d.visibility FROM production_aliases a JOIN deployments d ON d.id = a.deployment_id WHERE a.host = ? AND d.status = 'ready'",
  )
    .bind(key)
    .first<Row>()
  return alias ? served(alias, true) : null
}

/** How a request path is answered; `file.status` is 404 when it is the deployment's own `404.html`. */
export type DeploymentFileResult =
  | { type: 'file'; status: 200 | 404; path: string; sha256: string; size: number; contentType: string; body: ReadableStream<Uint8Array> }
  /** A folder asked for without its trailing slash: send the browser to `location` (append the query yourself), so relative links resolve. */
  | { type: 'redirect'; location: string }
  | { type: 'not_found' }

/** Extensions that name pages, which a single-page app's fallback may answer; any other extension is an asset, and a missing asset is a 404. */
const PAGE_EXTENSIONS = new Set(['', 'html', 'htm'])

/**
 * The file that answers `pathname` (a URL's pathname, percent-encoded, starting with `/`) in
 * `deployment`, in this order: the file itself; for a path ending in `/`, its `index.html`; for an
 * extension-less path, `<path>.html`, or a redirect to `<path>/` when that is a folder with an
 * `index.html`; with `spa`, the root `index.html` for any other page path (never for a missing
 * asset such as `app.js`); the deployment's `404.html` with status 404; else `not_found`. Paths
 * that do not decode, or hold `.`/`..` segments or encoded slashes, are `not_found`. Throws when a
 * listed file's bytes are missing from R2 (a fault, not an outcome).
 */
export async function readDeploymentFile(env: Pick<Env, 'DB' | 'ARTIFACTS'>, deployment: Pick<ServedDeployment, 'id' | 'spa'>, pathname: string): Promise<DeploymentFileResult> {
  const segments: string[] = []
  for (const raw of pathname.replace(/^\/+/, '').split('/')) {
    let segment: string
    try {
      segment = decodeURIComponent(raw)
    } catch {
      return { type: 'not_found' }
    }
    if (segment === '.' || segment === '..' || segment.includes('/') || segment.includes('\\')) return { type: 'not_found' }
    segments.push(segment)
  }
  const folder = segments.length === 0 || segments[segments.length - 1] === ''
  const path = segments.filter((s, i) => s !== '' || i < segments.length - 1).join('/')
  if (path !== '' && path.split('/').includes('')) return { type: 'not_found' }

  const ext = extensionOf(path)
  const exact = folder ? (path ? `${path}/index.html` : 'index.html') : path
  const asHtml = !folder && ext === '' ? `${path}.html` : null
  const asFolder = !folder && path ? `${path}/index.html` : null
  const spa = deployment.spa && PAGE_EXTENSIONS.has(ext) ? 'index.html' : null
  const candidates = [exact, asHtml, asFolder, spa, '404.html'].filter((p): p is string => p !== null)
  const { results } = await env.DB.prepare(`SELECT path, sha256, size, content_type FROM deployment_files WHERE deployment_id = ? AND path IN (${candidates.map(() => '?').join(', ')})`)
    .bind(deployment.id, ...candidates)
    .all<{ path: string; sha256: string; size: number; content_type: string }>()
  const found = new Map(results.map((r) => [r.path, r]))

  const serve = async (file: { path: string; sha256: string; size: number; content_type: string }, status: 200 | 404): Promise<DeploymentFileResult> => {
    const object = await env.ARTIFACTS.get(`blobs/${file.sha256}`)
    if (!object) throw new Error(`Deployment ${deployment.id}: the bytes of ${file.path} (blobs/${file.sha256}) are missing from R2`)
    return { type: 'file', status, path: file.path, sha256: file.sha256, size: file.size, contentType: file.content_type, body: object.body }
  }
  const hit = found.get(exact) ?? (asHtml ? found.get(asHtml) : undefined)
  if (hit) return serve(hit, 200)
  if (asFolder && found.has(asFolder)) return { type: 'redirect', location: `/${pathname.replace(/^\/+/, '')}/` }
  const fallback = spa ? found.get(spa) : undefined
  if (fallback) return serve(fallback, 200)
  const notFound = found.get('404.html')
  if (notFound) return serve(notFound, 404)
  return { type: 'not_found' }
}
