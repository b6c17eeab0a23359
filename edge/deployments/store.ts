/**
 * Deployments in storage: the manifest and file list in D1, the bytes in R2 at `blobs/<sha256>`
 * (the blob space run artifacts use too), each stored once whichever deployments list it. D1's
 * `blobs` table records a blob only after R2 has stored it, so "which bytes are missing" is one
 * query rather than an R2 request per file.
 */
import type { Deployment, DeployFile, DeploymentStatus, DeploymentVisibility } from '../../shared/deploy'
import { sha256Hex } from '../../shared/deploy/upload'
import type { Env } from '../env'
import { ApiError } from '../errors'
import type { CheckedManifest } from './manifest'

/** How long a deployment may stay `uploading`; after that it has `failed`. */
export const UPLOAD_WINDOW_MS = 24 * 60 * 60 * 1000

/** A deployment's id: a random UUID. */
export const DEPLOYMENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Files per INSERT: each batch statement binds one JSON list, well under D1's 2 MB value limit. */
const FILES_PER_STATEMENT = 1000

export interface DeploymentRow {
  id: string
  user_id: string
  project: string
  repo: string | null
  commit_oid: string | null
  branch: string | null
  status: DeploymentStatus
  spa: number
  visibility: DeploymentVisibility
  total_bytes: number
  file_count: number
  created_at: number
  ready_at: number | null
  deleted_at: number | null
  /** The author's name (or login, or e-mail address), joined from users. */
  author_name: string | null
}

/** Selects deployment rows with their author's name; add a WHERE. */
export const SELECT_DEPLOYMENT = 'SELECT d.*, COALESCE(u.name, u.login, u.email) AS author_name FROM deployments d JOIN users u ON u.id = d.user_id'

/**
 * SQL that is true when user `?<param>` may manage deployment `d` (or the alias `a`): they made
 * it, or it names a repository they are a member of (edge/workflows/members: a workflow_repos row).
 */
export const memberOf = (repoColumn: string, userParam: string) =>
  `(${repoColumn} IS NOT NULL AND EXISTS (SELECT 1 FROM workflow_repos w WHERE w.repo = ${repoColumn} COLLATE NOCASE AND w.user_id = ${userParam}))`

/** The preview URL of `id` from PREVIEW_URL_TEMPLATE, or undefined when it is unset. */
export function previewUrl(env: Pick<Env, 'PREVIEW_URL_TEMPLATE'>, id: string): string | undefined {
  const template = env.PREVIEW_URL_TEMPLATE?.trim()
  return template ? template.replaceAll('{id}', id) : undefined
}

/** A row as the API answers it. */
export function deploymentView(env: Pick<Env, 'PREVIEW_URL_TEMPLATE'>, row: DeploymentRow): Deployment {
  const url = row.status === 'deleted' ? undefined : previewUrl(env, row.id)
  return {
    id: row.id,
    project: row.project,
    repo: row.repo,
    commit: row.commit_oid,
    branch: row.branch,
    author: { id: row.user_id, name: row.author_name },
    status: row.status,
    createdAt: row.created_at,
    readyAt: row.ready_at,
    totalBytes: row.total_bytes,
    fileCount: row.file_count,
    spa: row.spa === 1,
    visibility: row.visibility,
    ...(url ? { url } : {}),
  }
}

/** Marks deployments left `uploading` past the upload window as `failed`. */
export async function failStaleUploads(db: D1Database, now = Date.now()): Promise<void> {
  await db.prepare("UPDATE deployments SET status = 'failed' WHERE status = 'uploading' AND created_at < ?").bind(now - UPLOAD_WINDOW_MS).run()
}

/** The deployment `id`, or null when there is none (whoever asks: access is the caller's to check). */
export async function findDeployment(db: D1Database, id: string): Promise<DeploymentRow | null> {
  if (!DEPLOYMENT_ID.test(id)) return null
  return db.prepare(`${SELECT_DEPLOYMENT} WHERE d.id = ?`).bind(id).first<DeploymentRow>()
}

/** Whether `userId` may see and manage `row`: its author, or a member of its repository. */
export async function canManage(db: D1Database, row: Pick<DeploymentRow, 'id' | 'user_id' | 'repo'>, userId: string): Promise<boolean> {
  if (row.user_id === userId) return true
  if (!row.repo) return false
  return (await db.prepare(`SELECT 1 FROM deployments d WHERE d.id = ?1 AND ${memberOf('d.repo', '?2')}`).bind(row.id, userId).first()) !== null
}

/** The deployment's files, sorted by path. */
export async function deploymentFiles(db: D1Database, id: string): Promise<DeployFile[]> {
  const { results } = await db.prepare('SELECT path, sha256, size, content_type FROM deployment_files WHERE deployment_id = ? ORDER BY path')
    .bind(id)
    .all<{ path: string; sha256: string; size: number; content_type: string }>()
  return results.map((f) => ({ path: f.path, sha256: f.sha256, size: f.size, contentType: f.content_type }))
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/**
 * Records a new `uploading` deployment by `userId` with its files, in one D1 batch (all or
 * nothing). Resolves to it with the hashes whose bytes the edge lacks, each once, in file order.
 * A 400 when a listed size contradicts the size of bytes already stored under that hash.
 */
export async function createDeployment(db: D1Database, userId: string, manifest: CheckedManifest): Promise<{ id: string; missing: string[] }> {
  const unique = [...new Set(manifest.files.map((f) => f.sha256))]
  const stored = new Map<string, number>()
  for (const part of chunks(unique, 5000)) {
    const { results } = await db.prepare('SELECT b.sha256, b.size FROM json_each(?) j JOIN blobs b ON b.sha256 = j.value').bind(JSON.stringify(part)).all<{ sha256: string; size: number }>()
    for (const row of results) stored.set(row.sha256, row.size)
  }
  for (const file of manifest.files) {
    const size = stored.get(file.sha256)
    if (size !== undefined && size !== file.size) {
      throw new ApiError(400, 'bad_request', `"${file.path}" is listed as ${file.size} bytes, but the bytes with its SHA-256 are ${size} bytes`)
    }
  }

  const id = crypto.randomUUID()
  await db.batch([
    db
      .prepare('INSERT INTO deployments (id, user_id, project, repo, commit_oid, branch, status, spa, visibility, total_bytes, file_count, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .bind(id, userId, manifest.project, manifest.repo, manifest.commit, manifest.branch, 'uploading', manifest.spa ? 1 : 0, manifest.visibility, manifest.totalBytes, manifest.files.length, Date.now()),
    ...chunks(manifest.files, FILES_PER_STATEMENT).map((part) =>
      db
        .prepare(
          "INSERT INTO deployment_files (deployment_id, path, sha256, size, content_type) SELECT ?1, value ->> '$[0]', value ->> '$[1]', value ->> '$[2]', value ->> '$[3]' FROM json_each(?2)",
        )
        .bind(id, JSON.stringify(part.map((f) => [f.path, f.sha256, f.size, f.contentType]))),
    ),
  ])
  return { id, missing: unique.filter((sha) => !stored.has(sha)) }
}

/** A 400 for bytes whose size is not the listed one (`actual`: their size, or undefined for "more"). */
export function sizeMismatch(listed: { path: string; size: number }, actual?: number): ApiError {
  const these = actual === undefined ? 'these are more' : `these are ${actual}`
  return new ApiError(400, 'bad_request', `size mismatch: "${listed.path}" is listed as ${listed.size} bytes, ${these}; nothing was stored`)
}

/** The file of `deploymentId` listed with `sha256` (the first by path), or null when it lists none. */
export async function listedFile(db: D1Database, deploymentId: string, sha256: string): Promise<{ path: string; size: number } | null> {
  return db.prepare('SELECT path, size FROM deployment_files WHERE deployment_id = ? AND sha256 = ? ORDER BY path LIMIT 1').bind(deploymentId, sha256).first<{ path: string; size: number }>()
}

/**
 * Stores the bytes of a `listed` file under `sha256`: a 400 (nothing stored) when they hash to
 * something else ("hash mismatch") or their size is not the listed one. Idempotent: bytes the edge
 * has already are not written again (`stored: false`).
 */
export async function storeDeploymentBlob(env: Pick<Env, 'DB' | 'ARTIFACTS'>, listed: { path: string; size: number }, sha256: string, bytes: Uint8Array): Promise<{ stored: boolean }> {
  if (bytes.byteLength !== listed.size) throw sizeMismatch(listed, bytes.byteLength)
  const stored = await storeDeploymentBlobs(env, [{ sha256, path: listed.path, size: listed.size, bytes }])
  return { stored: stored.length > 0 }
}

/** The files of `deploymentId` listed with each of `hashes` (the first by path for each), keyed by hash. */
export async function listedFiles(db: D1Database, deploymentId: string, hashes: string[]): Promise<Map<string, { path: string; size: number }>> {
  const { results } = await db
    .prepare('SELECT f.sha256, MIN(f.path) AS path, f.size FROM deployment_files f JOIN json_each(?2) j ON j.value = f.sha256 WHERE f.deployment_id = ?1 GROUP BY f.sha256')
    .bind(deploymentId, JSON.stringify(hashes))
    .all<{ sha256: string; path: string; size: number }>()
  return new Map(results.map((r) => [r.sha256, { path: r.path, size: r.size }]))
}

/**
 * Stores several listed files' bytes at once (`POST …/blobs`): each is checked first — hash and
 * size — and a single mismatch stores nothing. New bytes go to R2 in parallel and their rows into
 * D1 in one batch. Resolves to the hashes that were new.
 */
export async function storeDeploymentBlobs(env: Pick<Env, 'DB' | 'ARTIFACTS'>, items: Array<{ sha256: string; path: string; size: number; bytes: Uint8Array }>): Promise<string[]> {
  for (const item of items) {
    const actual = await sha256Hex(item.bytes)
    if (actual !== item.sha256) throw new ApiError(400, 'bad_request', `hash mismatch: the bytes given for "${item.path}" hash to ${actual}, not ${item.sha256}; nothing was stored`)
  }
  const { results } = await env.DB.prepare('SELECT b.sha256 FROM json_each(?) j JOIN blobs b ON b.sha256 = j.value').bind(JSON.stringify(items.map((i) => i.sha256))).all<{ sha256: string }>()
  const known = new Set(results.map((r) => r.sha256))
  const fresh = items.filter((i) => !known.has(i.sha256))
  const written = await Promise.all(
    fresh.map(async (item) => {
      // Run artifacts share the space, so the bytes may be in R2 without a row here yet.
      if ((await env.ARTIFACTS.head(`blobs/${item.sha256}`)) !== null) return null
      await env.ARTIFACTS.put(`blobs/${item.sha256}`, item.bytes, { sha256: item.sha256 })
      return item.sha256
    }),
  )
  if (fresh.length) {
    const now = Date.now()
    await env.DB.prepare("INSERT INTO blobs (sha256, size, stored_at) SELECT value ->> '$[0]', value ->> '$[1]', ?2 FROM json_each(?1) WHERE true ON CONFLICT (sha256) DO NOTHING")
      .bind(JSON.stringify(fresh.map((i) => [i.sha256, i.bytes.byteLength])), now)
      .run()
  }
  return written.filter((sha): sha is string => sha !== null)
}

/** Listed files whose bytes are not stored yet: one file per missing hash, at most `limit`. */
export async function missingBlobs(db: D1Database, deploymentId: string, limit = 1000): Promise<Array<{ sha256: string; path: string }>> {
  const { results } = await db
    .prepare('SELECT f.sha256, MIN(f.path) AS path FROM deployment_files f WHERE f.deployment_id = ? AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = f.sha256) GROUP BY f.sha256 ORDER BY path LIMIT ?')
    .bind(deploymentId, limit)
    .all<{ sha256: string; path: string }>()
  return results
}

/**
 * Makes an `uploading` deployment `ready` when every listed file's bytes are stored — checked in
 * the same statement that changes the status. Resolves to true when it is ready (now or already).
 */
export async function finalizeDeployment(db: D1Database, deploymentId: string): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE deployments SET status = 'ready', ready_at = ?2 WHERE id = ?1 AND status = 'uploading'
         AND NOT EXISTS (SELECT 1 FROM deployment_files f WHERE f.deployment_id = ?1 AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.sha256 = f.sha256))`,
    )
    .bind(deploymentId, Date.now())
    .run()
  if (result.meta.changes) return true
  return (await db.prepare("SELECT 1 FROM deployments WHERE id = ? AND status = 'ready'").bind(deploymentId).first()) !== null
}

/**
 * Deletes a deployment (its status becomes `deleted`, its file list goes; the bytes stay, other
 * deployments may share them), unless it is a project's production deployment — checked in the
 * same statement. Resolves to false when it is production. A deployment that was some alias's
 * previous one stops being it, so nothing rolls back to it.
 */
export async function deleteDeployment(db: D1Database, deploymentId: string): Promise<boolean> {
  const [marked] = await db.batch([
    db
      .prepare("UPDATE deployments SET status = 'deleted', deleted_at = ?2 WHERE id = ?1 AND status <> 'deleted' AND NOT EXISTS (SELECT 1 FROM production_aliases a WHERE a.deployment_id = ?1)")
      .bind(deploymentId, Date.now()),
    db.prepare("UPDATE production_aliases SET previous_id = NULL WHERE previous_id = ?1 AND EXISTS (SELECT 1 FROM deployments WHERE id = ?1 AND status = 'deleted')").bind(deploymentId),
    db.prepare("DELETE FROM deployment_files WHERE deployment_id = ?1 AND EXISTS (SELECT 1 FROM deployments WHERE id = ?1 AND status = 'deleted')").bind(deploymentId),
  ])
  if (marked!.meta.changes) return true
  return (await db.prepare("SELECT 1 FROM deployments WHERE id = ? AND status = 'deleted'").bind(deploymentId).first()) !== null
}
