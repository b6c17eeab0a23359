/**
 * @module Publishing a build output to the edge, the same way from the IDE, a workflow runner and
 * the agent: hash every file (SHA-256), send the manifest, upload only the bytes the edge lacks (in
 * parallel), finalize. Knows nothing of where files come from (`read`) or how requests reach the
 * edge (`api`), so it runs in a page, a worker or Node.
 */
import type { CreateDeploymentRequest, CreateDeploymentResponse, Deployment, FinalizeConflictBody } from './index'
import { deployPathProblem, MAX_DEPLOY_BATCH } from './index'

/** Files up to this size share a request with others; larger ones go alone. */
const BATCH_FILE_BYTES = 256 * 1024
/** A batch's bytes, kept well below the edge's MAX_DEPLOY_BATCH.bytes. */
const BATCH_BYTES = 2 * 1024 * 1024

/** A file of the output, its bytes read on demand (twice at most: to hash, and to upload when the edge lacks them). */
export interface DeploySource {
  /** Relative to the output's root, `/`-separated: `index.html`, `assets/app.js`. */
  path: string
  read(): Promise<Uint8Array>
}

export type DeployPhase = 'hashing' | 'creating' | 'uploading' | 'finalizing' | 'done'

export interface DeployProgress {
  phase: DeployPhase
  /** Files hashed (hashing) or uploaded (uploading) so far, of `total`. */
  done: number
  total: number
  /** Bytes uploaded so far, of `bytesTotal` (the bytes the edge asked for). */
  bytesDone: number
  bytesTotal: number
}

export interface UploadOptions {
  /** Everything of the manifest but its files. */
  request: Omit<CreateDeploymentRequest, 'files'>
  files: DeploySource[]
  /** Sends a request to the edge: `path` starts with `/api/`. */
  api: (path: string, init?: RequestInit) => Promise<Response>
  onProgress?: (progress: DeployProgress) => void
  /** Uploads at once (default 6, as many as a browser opens to one host). */
  concurrency?: number
  signal?: AbortSignal
}

export interface UploadResult {
  deployment: Deployment
  /** Files whose bytes went up in this deploy, and their bytes; the rest the edge had already. */
  uploadedFiles: number
  uploadedBytes: number
  totalFiles: number
  totalBytes: number
}

/** An error the edge answered, with its status and code (`bad_request`, `too_large`, …). */
export class DeployError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message)
    this.name = 'DeployError'
  }
}

/** Lower-case hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
  let hex = ''
  for (const b of digest) hex += b.toString(16).padStart(2, '0')
  return hex
}

/**
 * Publishes `files` as a new deployment and resolves to it once ready. Throws a DeployError with
 * the edge's message when it refuses (limits, a bad path, a hash that does not match), and
 * refuses bad paths and duplicates itself before sending anything.
 */
export async function uploadDeployment(options: UploadOptions): Promise<UploadResult> {
  const { files, api, signal } = options
  const concurrency = Math.max(1, options.concurrency ?? 6)
  const progress = (p: DeployProgress) => options.onProgress?.(p)
  const seen = new Set<string>()
  for (const file of files) {
    const problem = deployPathProblem(file.path)
    if (problem) throw new DeployError(`Cannot deploy "${file.path}": the path ${problem}`, 400, 'bad_request')
    if (seen.has(file.path)) throw new DeployError(`Cannot deploy "${file.path}": it is listed twice`, 400, 'bad_request')
    seen.add(file.path)
  }
  if (files.length === 0) throw new DeployError('There is nothing to deploy: the output folder is empty', 400, 'bad_request')

  const listed: Array<{ source: DeploySource; sha256: string; size: number }> = []
  let totalBytes = 0
  progress({ phase: 'hashing', done: 0, total: files.length, bytesDone: 0, bytesTotal: 0 })
  await eachLimited(files, concurrency, async (source) => {
    signal?.throwIfAborted()
    const bytes = await source.read()
    listed.push({ source, sha256: await sha256Hex(bytes), size: bytes.byteLength })
    totalBytes += bytes.byteLength
    progress({ phase: 'hashing', done: listed.length, total: files.length, bytesDone: 0, bytesTotal: 0 })
  })
  listed.sort((a, b) => (a.source.path < b.source.path ? -1 : a.source.path > b.source.path ? 1 : 0))

  progress({ phase: 'creating', done: 0, total: 0, bytesDone: 0, bytesTotal: 0 })
  const created = (await answer(
    await api('/api/deployments', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...options.request, files: listed.map((f) => ({ path: f.source.path, sha256: f.sha256, size: f.size })) }),
      signal,
    }),
  )) as CreateDeploymentResponse
  const id = created.deployment.id
  try {
    const byHash = new Map(listed.map((f) => [f.sha256, f]))

    let uploadedFiles = 0
    let uploadedBytes = 0
    /** Uploads the bytes of `hashes`: small files together (one request per batch), large ones alone. */
    const upload = async (hashes: string[]) => {
      const files = hashes.map((sha) => {
        const file = byHash.get(sha)
        if (!file) throw new DeployError(`The edge asked for bytes no file here has (${sha})`, 500, 'internal')
        return file
      })
      const bytesTotal = files.reduce((sum, f) => sum + f.size, 0)
      let done = 0
      let bytesDone = 0
      progress({ phase: 'uploading', done, total: files.length, bytesDone, bytesTotal })
      const requests: Array<typeof files> = []
      let batch: typeof files = []
      let batchBytes = 0
      for (const file of files) {
        if (file.size > BATCH_FILE_BYTES) {
          requests.push([file])
          continue
        }
        if (batch.length === MAX_DEPLOY_BATCH.files || batchBytes + file.size > BATCH_BYTES) {
          requests.push(batch)
          batch = []
          batchBytes = 0
        }
        batch.push(file)
        batchBytes += file.size
      }
      if (batch.length) requests.push(batch)

      await eachLimited(requests, concurrency, async (group) => {
        signal?.throwIfAborted()
        const parts = await Promise.all(
          group.map(async (file) => {
            const bytes = await file.source.read()
            // The file changed since it was hashed: refuse rather than publish something half-new.
            if ((await sha256Hex(bytes)) !== file.sha256) throw new DeployError(`${file.source.path} changed while it was being deployed; deploy again`, 409, 'conflict')
            return bytes
          }),
        )
        if (group.length === 1) {
          await answer(await api(`/api/deployments/${id}/blobs/${group[0]!.sha256}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: parts[0] as Uint8Array<ArrayBuffer>, signal }))
        } else {
          const body = new Uint8Array(parts.reduce((sum, p) => sum + p.byteLength, 0))
          let at = 0
          for (const part of parts) {
            body.set(part, at)
            at += part.byteLength
          }
          const hashes = group.map((f) => f.sha256).join(',')
          await answer(await api(`/api/deployments/${id}/blobs?hashes=${hashes}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body, signal }))
        }
        for (const file of group) {
          done++
          bytesDone += file.size
          uploadedFiles++
          uploadedBytes += file.size
        }
        progress({ phase: 'uploading', done, total: files.length, bytesDone, bytesTotal })
      })
    }
    await upload(created.missing)

    progress({ phase: 'finalizing', done: 0, total: 0, bytesDone: 0, bytesTotal: 0 })
    let finalized = await api(`/api/deployments/${id}/finalize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', signal })
    // Bytes the edge reported as present but lost meanwhile (another deploy's upload failed, say): once more.
    if (finalized.status === 409) {
      const body = (await finalized.clone().json().catch(() => null)) as FinalizeConflictBody | null
      if (body?.missing?.length) {
        await upload([...new Set(body.missing.map((m) => m.sha256))])
        finalized = await api(`/api/deployments/${id}/finalize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', signal })
      }
    }
    const deployment = (await answer(finalized)) as Deployment
    progress({ phase: 'done', done: files.length, total: files.length, bytesDone: uploadedBytes, bytesTotal: uploadedBytes })
    return { deployment, uploadedFiles, uploadedBytes, totalFiles: files.length, totalBytes }
  } catch (error) {
    // Nothing half-made stays behind: a deployment that will never be ready goes (best effort, not
    // on the aborted signal; the edge fails unfinished uploads after a day anyway).
    await api(`/api/deployments/${id}`, { method: 'DELETE' }).catch(() => undefined)
    throw error
  }
}

/** The JSON of a 2xx answer; otherwise a DeployError carrying the edge's message. */
async function answer(res: Response): Promise<unknown> {
  const text = await res.text()
  let body: unknown = null
  try {
    body = text ? JSON.parse(text) : null
  } catch {}
  if (res.ok) return body
  const error = (body as { error?: { code?: string; message?: string } } | null)?.error
  const message = error?.message ?? (res.status === 401 ? 'Sign in to deploy' : `The edge answered ${res.status} ${res.statusText}${text && !body ? `: ${text.slice(0, 200)}` : ''}`)
  throw new DeployError(message, res.status, error?.code ?? 'http_error')
}

/** Runs `work` over `items`, at most `limit` at once; the first failure stops the rest from starting and is thrown. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  let failed = false
  const lane = async () => {
    while (!failed && next < items.length) {
      const item = items[next++]!
      try {
        await work(item)
      } catch (error) {
        failed = true
        throw error
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane))
}
