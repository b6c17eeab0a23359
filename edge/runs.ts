/**
 * @module Run records under /api/runs: a run's metadata in D1 (who, which project, kind, status,
 * times, cost, and what it left: branch, commit, pull request, why it ended), its event log and
 * artifacts in R2 — artifacts content-addressed by SHA-256 and size-limited — so a run started in
 * one tab can be followed from another device. Only the owner sees a run: anyone else gets the
 * same 404 as for a run that does not exist.
 */
import { Hono, type Context } from 'hono'
import { requireUser } from './auth/sessions'
import type { AppEnv, Env } from './env'
import { ApiError } from './errors'
import { readBoundedBody, readJsonBody } from './request'

export const RUN_KINDS = ['agent', 'workflow', 'tests', 'deploy', 'command'] as const
export const RUN_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'] as const
const FINAL = new Set(['succeeded', 'failed', 'cancelled'])

/** Largest artifact, and largest piece of event log, in bytes (RUN_ARTIFACT_MAX_BYTES overrides the first). */
const DEFAULT_ARTIFACT_MAX = 10 * 1024 * 1024
const EVENTS_MAX = 1024 * 1024
/** A run's id: the client's UUID, so it can name the run before the edge has answered. */
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const ARTIFACT = /^[\w][\w.-]{0,99}$/

interface RunRow {
  id: string
  project: string
  kind: string
  title: string | null
  status: string
  started_at: number
  finished_at: number | null
  cost_micros: number
  event_chunks: number
  updated_at: number
  branch: string | null
  commit_oid: string | null
  pr_url: string | null
  reason: string | null
}

const view = (r: RunRow) => ({
  id: r.id,
  project: r.project,
  kind: r.kind,
  title: r.title,
  status: r.status,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  cost: r.cost_micros / 1e6,
  events: r.event_chunks,
  updatedAt: r.updated_at,
  branch: r.branch,
  commit: r.commit_oid,
  pullRequest: r.pr_url,
  reason: r.reason,
})

/** What a run left (branch, commit, pull request, why it ended): the fields a body sets, the others kept as they are. */
function details(body: Record<string, unknown>, run: Pick<RunRow, 'branch' | 'commit_oid' | 'pr_url' | 'reason'> | null) {
  const text = (name: string, value: unknown, pattern: RegExp, what: string): string | null | undefined => {
    if (value === undefined) return undefined
    if (value === null) return null
    if (typeof value !== 'string' || !pattern.test(value)) throw new ApiError(400, 'bad_request', `${name} must be ${what}`)
    return value
  }
  const branch = text('branch', body.branch, /^[^\s~^:?*[\\\x00-\x1f]{1,250}$/, 'a branch name (at most 250 characters)')
  const commit = text('commit', body.commit, /^[0-9a-f]{40}([0-9a-f]{24})?$/, 'a full commit id')
  const pullRequest = text('pullRequest', body.pullRequest, /^https?:\/\/[^\s]{1,500}$/, "the pull request's http(s) URL")
  const reason = text('reason', body.reason, /^[a-z_]{1,40}$/, 'a short reason such as finished or stuck')
  return {
    branch: branch === undefined ? (run?.branch ?? null) : branch,
    commit: commit === undefined ? (run?.commit_oid ?? null) : commit,
    pullRequest: pullRequest === undefined ? (run?.pr_url ?? null) : pullRequest,
    reason: reason === undefined ? (run?.reason ?? null) : reason,
  }
}

/** The caller's own run, or a 404 (also for other people's runs: their existence is not revealed). */
async function ownRun(c: Context<AppEnv>): Promise<RunRow> {
  const user = requireUser(c)
  const id = c.req.param('id') ?? ''
  if (!ID.test(id)) throw new ApiError(400, 'bad_request', `"${id}" is not a run id (a UUID)`)
  const row = await c.env.DB.prepare('SELECT * FROM runs WHERE id = ? AND user_id = ?').bind(id, user.id).first<RunRow>()
  if (!row) throw new ApiError(404, 'not_found', `No run ${id}`)
  return row
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) throw new ApiError(400, 'bad_request', `${what} must be one of ${allowed.join(', ')}`)
  return value as T
}

async function sha256OfBytes(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** Appends JSON Lines to a run's event log as its next piece (the counter moves first, so two appends never write the same piece). */
export async function appendRunEvents(env: Pick<Env, 'DB' | 'ARTIFACTS'>, runId: string, lines: string[]): Promise<number> {
  const slot = await env.DB.prepare('UPDATE runs SET event_chunks = event_chunks + 1, updated_at = ? WHERE id = ? RETURNING event_chunks').bind(Date.now(), runId).first<{ event_chunks: number }>()
  if (!slot) throw new ApiError(404, 'not_found', `No run ${runId}`)
  const n = slot.event_chunks
  await env.ARTIFACTS.put(`runs/${runId}/events/${String(n).padStart(6, '0')}.jsonl`, `${lines.join('\n')}\n`, { httpMetadata: { contentType: 'application/x-ndjson' } })
  return n
}

/** Stores one artifact of a run, content-addressed (the same bytes are stored once, whichever runs name them). */
export async function storeRunArtifact(env: Pick<Env, 'DB' | 'ARTIFACTS'>, runId: string, name: string, contentType: string, bytes: Uint8Array): Promise<{ sha256: string; size: number }> {
  const sha = await sha256OfBytes(bytes)
  if (!(await env.ARTIFACTS.head(`blobs/${sha}`))) await env.ARTIFACTS.put(`blobs/${sha}`, bytes, { sha256: sha, httpMetadata: { contentType } })
  await env.DB.prepare(
    'INSERT INTO run_artifacts (run_id, name, sha256, size, content_type, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, name) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size, content_type = excluded.content_type',
  )
    .bind(runId, name, sha, bytes.byteLength, contentType, Date.now())
    .run()
  return { sha256: sha, size: bytes.byteLength }
}

export function createRunRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.post('/', async (c) => {
    const user = requireUser(c)
    const body = (await readJsonBody(c)) as Record<string, unknown>
    const id = typeof body.id === 'string' ? body.id : crypto.randomUUID()
    if (!ID.test(id)) throw new ApiError(400, 'bad_request', 'id must be a UUID')
    const project = typeof body.project === 'string' && body.project.length > 0 && body.project.length <= 200 ? body.project : null
    if (!project) throw new ApiError(400, 'bad_request', 'project is missing (at most 200 characters)')
    const kind = oneOf(body.kind, RUN_KINDS, 'kind')
    const status = body.status === undefined ? 'running' : oneOf(body.status, RUN_STATUSES, 'status')
    const title = typeof body.title === 'string' ? body.title.slice(0, 300) : null
    const startedAt = typeof body.startedAt === 'number' && Number.isFinite(body.startedAt) ? Math.round(body.startedAt) : Date.now()
    const more = details(body, null)
    const now = Date.now()
    const inserted = await c.env.DB.prepare(
      'INSERT INTO runs (id, user_id, project, kind, title, status, started_at, updated_at, branch, commit_oid, pr_url, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
    )
      .bind(id, user.id, project, kind, title, status, startedAt, now, more.branch, more.commit, more.pullRequest, more.reason)
      .run()
    if (!inserted.meta.changes) throw new ApiError(409, 'conflict', `A run ${id} exists already`)
    const row = await c.env.DB.prepare('SELECT * FROM runs WHERE id = ?').bind(id).first<RunRow>()
    return c.json(view(row!), 201)
  })

  app.get('/', async (c) => {
    const user = requireUser(c)
    const project = c.req.query('project')
    const before = Number(c.req.query('before') ?? Number.MAX_SAFE_INTEGER) || Number.MAX_SAFE_INTEGER
    const limit = Math.max(1, Math.min(100, Number(c.req.query('limit') ?? 50) || 50))
    const { results } = await (project
      ? c.env.DB.prepare('SELECT * FROM runs WHERE user_id = ? AND project = ? AND started_at < ? ORDER BY started_at DESC LIMIT ?').bind(user.id, project, before, limit)
      : c.env.DB.prepare('SELECT * FROM runs WHERE user_id = ? AND started_at < ? ORDER BY started_at DESC LIMIT ?').bind(user.id, before, limit)
    ).all<RunRow>()
    return c.json({ runs: results.map(view), more: results.length === limit })
  })

  app.get('/:id', async (c) => {
    const run = await ownRun(c)
    const { results } = await c.env.DB.prepare('SELECT name, sha256, size, content_type, created_at FROM run_artifacts WHERE run_id = ? ORDER BY name').bind(run.id).all<{
      name: string
      sha256: string
      size: number
      content_type: string
      created_at: number
    }>()
    return c.json({ ...view(run), artifacts: results.map((a) => ({ name: a.name, sha256: a.sha256, size: a.size, contentType: a.content_type, createdAt: a.created_at })) })
  })

  app.patch('/:id', async (c) => {
    const run = await ownRun(c)
    const body = (await readJsonBody(c)) as Record<string, unknown>
    if (FINAL.has(run.status)) throw new ApiError(409, 'conflict', `The run has ended (${run.status}); it cannot change any more`)
    const status = body.status === undefined ? run.status : oneOf(body.status, RUN_STATUSES, 'status')
    const cost = body.cost === undefined ? run.cost_micros / 1e6 : body.cost
    if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0) throw new ApiError(400, 'bad_request', 'cost must be a number of credits, 0 or more')
    const finishedAt = FINAL.has(status) ? (typeof body.finishedAt === 'number' ? Math.round(body.finishedAt) : Date.now()) : null
    const title = typeof body.title === 'string' ? body.title.slice(0, 300) : run.title
    const more = details(body, run)
    await c.env.DB.prepare('UPDATE runs SET status = ?, cost_micros = ?, finished_at = ?, title = ?, branch = ?, commit_oid = ?, pr_url = ?, reason = ?, updated_at = ? WHERE id = ?')
      .bind(status, Math.round(cost * 1e6), finishedAt, title, more.branch, more.commit, more.pullRequest, more.reason, Date.now(), run.id)
      .run()
    const row = await c.env.DB.prepare('SELECT * FROM runs WHERE id = ?').bind(run.id).first<RunRow>()
    return c.json(view(row!))
  })

  // The event log: pieces of JSON Lines appended in order, read back as one stream.
  app.post('/:id/events', async (c) => {
    const run = await ownRun(c)
    const bytes = await readBoundedBody(c, EVENTS_MAX, 'This piece of the event log')
    const lines = new TextDecoder().decode(bytes).split('\n').filter((l) => l.trim())
    if (!lines.length) throw new ApiError(400, 'bad_request', 'Send events as JSON Lines: one JSON object per line')
    lines.forEach((line, i) => {
      try {
        const value = JSON.parse(line) as unknown
        if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object')
      } catch (error) {
        throw new ApiError(400, 'bad_request', `Event line ${i + 1} is not a JSON object: ${(error as Error).message}`)
      }
    })
    const n = await appendRunEvents(c.env, run.id, lines)
    return c.json({ appended: lines.length, piece: n }, 201)
  })

  app.get('/:id/events', async (c) => {
    const run = await ownRun(c)
    const keys = Array.from({ length: run.event_chunks }, (_, i) => `runs/${run.id}/events/${String(i + 1).padStart(6, '0')}.jsonl`)
    const bucket = c.env.ARTIFACTS
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const key = keys.shift()
        if (!key) return controller.close()
        const object = await bucket.get(key)
        if (object) controller.enqueue(new Uint8Array(await object.arrayBuffer()))
      },
    })
    return new Response(stream, { headers: { 'content-type': 'application/x-ndjson' } })
  })

  app.put('/:id/artifacts/:name', async (c) => {
    const run = await ownRun(c)
    const name = c.req.param('name')
    if (!ARTIFACT.test(name)) throw new ApiError(400, 'bad_request', `"${name}" is not an artifact name (letters, digits, ".", "-", "_"; at most 100)`)
    const max = Number(c.env.RUN_ARTIFACT_MAX_BYTES ?? DEFAULT_ARTIFACT_MAX) || DEFAULT_ARTIFACT_MAX
    const bytes = await readBoundedBody(c, max, `The artifact ${name}`)
    const sha = await sha256OfBytes(bytes)
    const claimed = c.req.header('x-content-sha256')
    if (claimed && claimed.toLowerCase() !== sha) throw new ApiError(400, 'bad_request', `The artifact's SHA-256 is ${sha}, not ${claimed} as the request says: it was damaged on the way`)
    const contentType = (c.req.header('content-type') ?? 'application/octet-stream').slice(0, 100)
    await storeRunArtifact(c.env, run.id, name, contentType, bytes)
    return c.json({ name, sha256: sha, size: bytes.byteLength }, 201)
  })

  app.get('/:id/artifacts/:name', async (c) => {
    const run = await ownRun(c)
    const row = await c.env.DB.prepare('SELECT sha256, content_type FROM run_artifacts WHERE run_id = ? AND name = ?').bind(run.id, c.req.param('name')).first<{ sha256: string; content_type: string }>()
    if (!row) throw new ApiError(404, 'not_found', `The run has no artifact ${c.req.param('name')}`)
    const object = await c.env.ARTIFACTS.get(`blobs/${row.sha256}`)
    if (!object) throw new ApiError(404, 'not_found', `The artifact ${c.req.param('name')} is missing from storage`)
    return new Response(object.body, { headers: { 'content-type': row.content_type, etag: `"${row.sha256}"`, 'cache-control': 'private, max-age=31536000, immutable' } })
  })

  return app
}

