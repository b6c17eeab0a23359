/** The routes under /api/deployments: create, upload, finalize, list, read, delete, signed links, and each project's production alias. */
import { Hono, type Context } from 'hono'
import type { BlobBatchResponse, BlobUploadResponse, CreateDeploymentResponse, DeploymentDetails, DeploymentLink, DeploymentList, FinalizeConflictBody, ProductionState } from '../../shared/deploy'
import { DEPLOY_LINK_PARAM, MAX_DEPLOY_BATCH } from '../../shared/deploy'
import { requireUser } from '../auth/sessions'
import type { AppEnv } from '../env'
import { ApiError } from '../errors'
import { readBoundedBody, readJsonBody } from '../request'
import { requireMember } from '../workflows/members'
import { signDeploymentLink } from './links'
import { checkManifest, deployLimits, manifestBodyLimit, SHA256 } from './manifest'
import { productionState, promote, rollback } from './production'
import {
  canManage,
  createDeployment,
  deleteDeployment,
  deploymentFiles,
  deploymentView,
  failStaleUploads,
  finalizeDeployment,
  findDeployment,
  memberOf,
  missingBlobs,
  previewUrl,
  SELECT_DEPLOYMENT,
  listedFile,
  listedFiles,
  sizeMismatch,
  storeDeploymentBlob,
  storeDeploymentBlobs,
  type DeploymentRow,
} from './store'

/** Signed links last between a minute and 30 days; a day when the request does not say. */
const LINK_MIN_SECONDS = 60
const LINK_MAX_SECONDS = 30 * 24 * 60 * 60
const LINK_DEFAULT_SECONDS = 24 * 60 * 60

/** A batch upload's most files and bytes (shared/deploy's uploader keeps below both). */
const MAX_BATCH_FILES = MAX_DEPLOY_BATCH.files
const MAX_BATCH_BYTES = MAX_DEPLOY_BATCH.bytes

/**
 * A deployment the signed-in user may manage, or a 404 — the same as for one that does not exist.
 * Stale uploads are swept first, except for `sweep: false` (a blob upload: one write less on the
 * hottest path; finalize sweeps, so a stale deployment still never becomes ready).
 */
async function managedDeployment(c: Context<AppEnv>, id = c.req.param('id') ?? '', { sweep = true } = {}): Promise<DeploymentRow> {
  const user = requireUser(c)
  if (sweep) await failStaleUploads(c.env.DB)
  const row = await findDeployment(c.env.DB, id)
  if (!row || !(await canManage(c.env.DB, row, user.id))) throw new ApiError(404, 'not_found', `No deployment ${id}`)
  return row
}

function projectOf(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200) throw new ApiError(400, 'bad_request', 'project is missing (at most 200 characters)')
  return value
}

const asObject = (body: unknown): Record<string, unknown> =>
  body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {}

/** The /api/deployments routes (signed-in users; a deployment's author and the members of its repository manage it). */
export function createDeploymentRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.post('/', async (c) => {
    const user = requireUser(c)
    const limits = deployLimits(c.env)
    const manifest = checkManifest(await readJsonBody(c, manifestBodyLimit(limits)), limits)
    // Naming a repository shares the deployment with its members: only a member may.
    if (manifest.repo) manifest.repo = await requireMember(c, manifest.repo)
    // A project named like a repository (a workflow's) belongs to that repository's members, so no
    // one else can take its production address by promoting first.
    if (manifest.project.includes('/') && manifest.project.toLowerCase() !== manifest.repo?.toLowerCase()) {
      throw new ApiError(400, 'bad_request', `The project "${manifest.project}" is named like a repository: deploy it with repo "${manifest.project}" (a connected repository you are a member of)`)
    }
    const { id, missing } = await createDeployment(c.env.DB, user.id, manifest)
    const row = await findDeployment(c.env.DB, id)
    return c.json<CreateDeploymentResponse>({ deployment: deploymentView(c.env, row!), missing }, 201)
  })

  app.get('/', async (c) => {
    const user = requireUser(c)
    await failStaleUploads(c.env.DB)
    const project = c.req.query('project') || null
    const before = Number(c.req.query('before')) || Number.MAX_SAFE_INTEGER
    const limit = Math.max(1, Math.min(100, Number(c.req.query('limit') ?? 50) || 50))
    const { results } = await c.env.DB.prepare(
      `${SELECT_DEPLOYMENT} WHERE d.status <> 'deleted' AND (?1 IS NULL OR d.project = ?1) AND d.created_at < ?2
         AND (d.user_id = ?3 OR ${memberOf('d.repo', '?3')}) ORDER BY d.created_at DESC, d.rowid DESC LIMIT ?4`,
    )
      .bind(project, before, user.id, limit)
      .all<DeploymentRow>()
    return c.json<DeploymentList>({ deployments: results.map((r) => deploymentView(c.env, r)), more: results.length === limit })
  })

  app.get('/production', async (c) => {
    const user = requireUser(c)
    return c.json<ProductionState>(await productionState(c.env, projectOf(c.req.query('project')), user.id))
  })

  app.post('/production', async (c) => {
    const user = requireUser(c)
    const body = asObject(await readJsonBody(c))
    const project = projectOf(body.project)
    if (typeof body.deploymentId !== 'string') throw new ApiError(400, 'bad_request', 'deploymentId is missing')
    const deployment = await managedDeployment(c, body.deploymentId)
    await promote(c.env.DB, project, deployment, user.id)
    return c.json<ProductionState>(await productionState(c.env, project, user.id))
  })

  app.post('/production/rollback', async (c) => {
    const user = requireUser(c)
    const project = projectOf(asObject(await readJsonBody(c)).project)
    await rollback(c.env.DB, project, user.id)
    return c.json<ProductionState>(await productionState(c.env, project, user.id))
  })

  app.get('/:id', async (c) => {
    const row = await managedDeployment(c)
    return c.json<DeploymentDetails>({ ...deploymentView(c.env, row), files: await deploymentFiles(c.env.DB, row.id) })
  })

  app.delete('/:id', async (c) => {
    const row = await managedDeployment(c)
    // A runner deletes only the deployment it failed to finish (see auth/runner-scope.ts).
    if (c.get('user')?.runnerTokenId && row.status === 'ready') {
      throw new ApiError(403, 'forbidden', `A runner's session cannot delete the ready deployment ${row.id}: sign in to Coder yourself`)
    }
    if (!(await deleteDeployment(c.env.DB, row.id))) {
      throw new ApiError(409, 'conflict', `Deployment ${row.id} is its project's production deployment: promote another deployment (or roll back) before deleting it`)
    }
    return c.json(deploymentView(c.env, (await findDeployment(c.env.DB, row.id))!))
  })

  app.put('/:id/blobs/:sha256', async (c) => {
    const row = await managedDeployment(c, undefined, { sweep: false })
    const sha = c.req.param('sha256').toLowerCase()
    if (!SHA256.test(sha)) throw new ApiError(400, 'bad_request', `"${c.req.param('sha256')}" is not a SHA-256 in hex (64 digits)`)
    if (row.status !== 'uploading' && row.status !== 'ready') throw new ApiError(409, 'conflict', `Deployment ${row.id} is ${row.status}; create a new deployment`)
    const listed = await listedFile(c.env.DB, row.id, sha)
    if (!listed) throw new ApiError(400, 'bad_request', `The deployment lists no file with SHA-256 ${sha}`)
    // At most the listed size is read (the listing was held to DEPLOY_MAX_FILE_BYTES).
    const bytes = await readBoundedBody(c, listed.size).catch((error: unknown) => {
      throw error instanceof ApiError && error.status === 413 ? sizeMismatch(listed) : error
    })
    const { stored } = await storeDeploymentBlob(c.env, listed, sha, bytes)
    return c.json<BlobUploadResponse>({ sha256: sha, size: bytes.byteLength, stored }, stored ? 201 : 200)
  })

  // Many small files in one request: `?hashes=<sha256>,<sha256>,…` and their bytes one after
  // another in that order (each listed size long), so a site of small files is not a request each.
  app.post('/:id/blobs', async (c) => {
    const row = await managedDeployment(c, undefined, { sweep: false })
    if (row.status !== 'uploading' && row.status !== 'ready') throw new ApiError(409, 'conflict', `Deployment ${row.id} is ${row.status}; create a new deployment`)
    const hashes = (c.req.query('hashes') ?? '').toLowerCase().split(',').filter(Boolean)
    if (hashes.length === 0 || hashes.length > MAX_BATCH_FILES) throw new ApiError(400, 'bad_request', `hashes must list 1 to ${MAX_BATCH_FILES} SHA-256s, comma-separated`)
    const bad = hashes.find((h) => !SHA256.test(h))
    if (bad) throw new ApiError(400, 'bad_request', `"${bad}" is not a SHA-256 in hex (64 digits)`)
    if (new Set(hashes).size !== hashes.length) throw new ApiError(400, 'bad_request', 'hashes lists a SHA-256 twice')
    const listed = await listedFiles(c.env.DB, row.id, hashes)
    const unlisted = hashes.find((h) => !listed.has(h))
    if (unlisted) throw new ApiError(400, 'bad_request', `The deployment lists no file with SHA-256 ${unlisted}`)
    const total = hashes.reduce((sum, h) => sum + listed.get(h)!.size, 0)
    if (total > MAX_BATCH_BYTES) throw new ApiError(413, 'payload_too_large', `A batch holds at most ${MAX_BATCH_BYTES / 1024 / 1024} MB; upload larger files one by one (PUT …/blobs/<sha256>)`)
    const body = await readBoundedBody(c, total).catch((error: unknown) => {
      throw error instanceof ApiError && error.status === 413 ? new ApiError(400, 'bad_request', `size mismatch: the batch should be ${total} bytes (the listed sizes), it is more; nothing was stored`) : error
    })
    if (body.byteLength !== total) throw new ApiError(400, 'bad_request', `size mismatch: the batch should be ${total} bytes (the listed sizes), it is ${body.byteLength}; nothing was stored`)
    let at = 0
    const items = hashes.map((sha256) => {
      const { path, size } = listed.get(sha256)!
      const bytes = body.subarray(at, at + size)
      at += size
      return { sha256, path, size, bytes }
    })
    const stored = await storeDeploymentBlobs(c.env, items)
    return c.json<BlobBatchResponse>({ received: hashes.length, stored }, stored.length ? 201 : 200)
  })

  app.post('/:id/finalize', async (c) => {
    const row = await managedDeployment(c)
    if (row.status !== 'uploading' && row.status !== 'ready') throw new ApiError(409, 'conflict', `Deployment ${row.id} is ${row.status}; it cannot become ready`)
    if (!(await finalizeDeployment(c.env.DB, row.id))) {
      const missing = await missingBlobs(c.env.DB, row.id)
      const shown = missing.slice(0, 5).map((m) => `${m.path} (${m.sha256})`).join(', ')
      const more = missing.length > 5 ? ` and ${missing.length - 5} more` : ''
      return c.json<FinalizeConflictBody>(
        { error: { code: 'conflict', message: `${missing.length} file${missing.length === 1 ? ' is' : 's are'} not uploaded yet: ${shown}${more}` }, missing },
        409,
      )
    }
    return c.json(deploymentView(c.env, (await findDeployment(c.env.DB, row.id))!))
  })

  app.post('/:id/links', async (c) => {
    const row = await managedDeployment(c)
    const body = asObject(await readJsonBody(c))
    const secret = c.env.DEPLOY_LINK_KEY
    if (!secret) throw new ApiError(503, 'internal', 'Signed links are not set up on this server: the DEPLOY_LINK_KEY secret is unset')
    if (row.status === 'deleted' || row.status === 'failed') throw new ApiError(409, 'conflict', `Deployment ${row.id} is ${row.status}; there is nothing to link to`)
    const seconds = body.expiresInSeconds ?? LINK_DEFAULT_SECONDS
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < LINK_MIN_SECONDS || seconds > LINK_MAX_SECONDS) {
      throw new ApiError(400, 'bad_request', `expiresInSeconds must be a whole number of seconds from ${LINK_MIN_SECONDS} to ${LINK_MAX_SECONDS} (30 days)`)
    }
    const expiresAt = Date.now() + seconds * 1000
    const token = await signDeploymentLink(secret, row.id, expiresAt)
    const preview = previewUrl(c.env, row.id)
    let url: string | undefined
    if (preview) {
      let u: URL
      try {
        u = new URL(preview)
      } catch {
        throw new ApiError(500, 'internal', `PREVIEW_URL_TEMPLATE is not a URL once {id} is filled in: ${preview}`)
      }
      u.searchParams.set(DEPLOY_LINK_PARAM, token)
      url = u.href
    }
    return c.json<DeploymentLink>({ ...(url ? { url } : {}), token, expiresAt }, 201)
  })

  return app
}
