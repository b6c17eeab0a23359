/**
 * Workflow runs under /api/workflows: members read a run and approve, reject or cancel it;
 * runners (a member's session, usually opened from a runner token) claim queued runs of their
 * repositories and drive them under a lease (heartbeat, step start/log/finish, secrets, release).
 * The state machine is the run's Durable Object (run-object.ts); these routes check who is asking,
 * validate and mask what runners report, and turn the object's refusals into errors.
 */
import { Hono, type Context } from 'hono'
import { requireUser, type SessionUser } from '../auth/sessions'
import type { AppEnv } from '../env'
import { ApiError } from '../errors'
import { readJsonBody } from '../request'
import { maskSecrets, type StepOutput } from '../../shared/workflow'
import { REPO } from './members'
import { workflowRun } from './queue'
import type { Refusal, StepResult } from './run-object'
import { maskDeep, readSecrets } from './secrets'

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const RUNNER_NAME = /^[\w .@:-]{1,100}$/
/** How many queued runs one claim tries before answering "nothing for you" (others may take them first). */
const CLAIM_TRIES = 10
const DEFAULT_LEASE_SECONDS = 60
/** Longest error text a step may report. */
const ERROR_MAX = 4000

/** The lease length: WORKFLOW_LEASE_SECONDS (default 60). */
export function leaseMs(c: Context<AppEnv>): number {
  const seconds = Number(c.env.WORKFLOW_LEASE_SECONDS)
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_LEASE_SECONDS) * 1000
}

/** The outcome when it is a success; its refusal thrown as an `ApiError` otherwise. */
function settle<O extends { ok: true } | Refusal>(outcome: O): Extract<O, { ok: true }> {
  if (!outcome.ok) {
    const refusal = outcome as Refusal
    throw new ApiError(refusal.status, refusal.code, refusal.message)
  }
  return outcome as Extract<O, { ok: true }>
}

const displayName = (user: SessionUser) => user.name ?? user.login ?? user.email ?? user.id

/** The run `:id` when the caller is a member of its repository; a 404 otherwise, as for no run. */
async function memberRun(c: Context<AppEnv>): Promise<{ id: string; repo: string; user: SessionUser }> {
  const user = requireUser(c)
  const id = c.req.param('id') ?? ''
  if (!ID.test(id)) throw new ApiError(400, 'bad_request', `"${id}" is not a workflow run id (a UUID)`)
  const row = await c.env.DB.prepare('SELECT r.repo FROM workflow_runs r JOIN workflow_repos m ON m.repo = r.repo AND m.user_id = ? WHERE r.id = ?').bind(user.id, id).first<{ repo: string }>()
  if (!row) throw new ApiError(404, 'not_found', `No workflow run ${id}`)
  return { id, repo: row.repo, user }
}

async function body(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const value = await readJsonBody(c)
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ApiError(400, 'bad_request', 'The body must be a JSON object')
  return value as Record<string, unknown>
}

function leaseToken(b: Record<string, unknown>): string {
  if (typeof b.leaseToken !== 'string' || !b.leaseToken) throw new ApiError(400, 'bad_request', 'leaseToken is missing: send the token the claim answered')
  return b.leaseToken
}

function stepIndex(c: Context<AppEnv>): number {
  const text = c.req.param('index') ?? ''
  if (!/^\d{1,4}$/.test(text)) throw new ApiError(400, 'bad_request', `"${text}" is not a step index (0, 1, 2…)`)
  return Number(text)
}

/** The values of the secrets the run's policy grants, to hide them in what its runner reports. */
async function secretValues(c: Context<AppEnv>, id: string, repo: string): Promise<string[]> {
  const names = await workflowRun(c.env, id).secretNames()
  return Object.values(await readSecrets(c.env, repo, names))
}

function stepResult(b: Record<string, unknown>): StepResult {
  const status = b.status
  if (status !== 'succeeded' && status !== 'failed' && status !== 'skipped') throw new ApiError(400, 'bad_request', 'status must be one of succeeded, failed, skipped')
  const output = b.output
  if (output !== undefined && (output === null || typeof output !== 'object' || Array.isArray(output))) throw new ApiError(400, 'bad_request', 'output must be an object (summary, values, workspace, patch…)')
  const error = b.error
  if (error !== undefined && typeof error !== 'string') throw new ApiError(400, 'bad_request', 'error must be text')
  const cost = b.costMicros ?? 0
  if (!Number.isSafeInteger(cost) || (cost as number) < 0) throw new ApiError(400, 'bad_request', 'costMicros must be a whole number of micro-credits, 0 or more')
  return {
    status,
    ...(output ? { output: output as StepOutput } : {}),
    ...(error ? { error: error.length > ERROR_MAX ? `${error.slice(0, ERROR_MAX)}…` : error } : {}),
    costMicros: cost as number,
  }
}

/** The run and runner routes; mounted at /api/workflows. */
export function createWorkflowRunRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.get('/runs/:id', async (c) => {
    const { id } = await memberRun(c)
    const run = await workflowRun(c.env, id).view()
    if (!run) throw new ApiError(404, 'not_found', `No workflow run ${id}`)
    return c.json(run)
  })

  app.post('/runs/:id/approval', async (c) => {
    const { id, user } = await memberRun(c)
    const b = await body(c)
    if (b.decision !== 'approved' && b.decision !== 'rejected') throw new ApiError(400, 'bad_request', 'decision must be approved or rejected')
    if (b.note !== undefined && (typeof b.note !== 'string' || b.note.length > 2000)) throw new ApiError(400, 'bad_request', 'note must be text of at most 2,000 characters')
    const { run } = settle(await workflowRun(c.env, id).decide({ id: user.id, name: displayName(user) }, b.decision, (b.note as string | undefined) || undefined))
    return c.json({ run })
  })

  app.post('/runs/:id/cancel', async (c) => {
    const { id, user } = await memberRun(c)
    const { run } = settle(await workflowRun(c.env, id).cancel({ id: user.id, name: displayName(user) }))
    return c.json({ run })
  })

  // Runners.

  app.post('/claim', async (c) => {
    const user = requireUser(c)
    const b = await body(c)
    if (typeof b.runner !== 'string' || !RUNNER_NAME.test(b.runner)) throw new ApiError(400, 'bad_request', 'runner must be the runner\'s name (letters, digits, space, ".", "@", ":", "-", "_"; at most 100)')
    const runner = b.runner
    let repos: string[] | null = null
    if (b.repos !== undefined) {
      if (!Array.isArray(b.repos) || b.repos.length > 100 || !b.repos.every((r) => typeof r === 'string' && REPO.test(r))) {
        throw new ApiError(400, 'bad_request', 'repos must be a list of at most 100 repositories, each "owner/name"')
      }
      repos = b.repos as string[]
    }
    const now = Date.now()
    // Queued runs, and runs whose lease ran out before the alarm said so, oldest first, of my repositories.
    const filter = repos?.length ? ` AND r.repo COLLATE NOCASE IN (${repos.map(() => '?').join(', ')})` : ''
    const { results } = await c.env.DB.prepare(
      `SELECT r.id FROM workflow_runs r JOIN workflow_repos m ON m.repo = r.repo AND m.user_id = ?
       WHERE (r.status = 'queued' OR (r.status = 'running' AND r.lease_expires <= ?))${filter}
       ORDER BY r.created_at, r.id LIMIT ?`,
    )
      .bind(user.id, now, ...(repos ?? []), CLAIM_TRIES)
      .all<{ id: string }>()
    for (const { id } of results) {
      const outcome = await workflowRun(c.env, id).claim(runner, user.id, leaseMs(c))
      if (outcome.ok) return c.json(outcome.job)
    }
    return c.body(null, 204)
  })

  app.post('/runs/:id/heartbeat', async (c) => {
    const { id } = await memberRun(c)
    const token = leaseToken(await body(c))
    const { cancelled } = settle(await workflowRun(c.env, id).heartbeat(token, leaseMs(c)))
    return c.json({ ok: true, cancelled })
  })

  app.post('/runs/:id/steps/:index/start', async (c) => {
    const { id } = await memberRun(c)
    const index = stepIndex(c)
    const token = leaseToken(await body(c))
    const started = settle(await workflowRun(c.env, id).startStep(token, index))
    return c.json(started.waiting ? { waiting: true, step: started.step } : { step: started.step, already: started.already })
  })

  app.post('/runs/:id/steps/:index/log', async (c) => {
    const { id, repo } = await memberRun(c)
    const index = stepIndex(c)
    const b = await body(c)
    const token = leaseToken(b)
    if (typeof b.text !== 'string') throw new ApiError(400, 'bad_request', 'text is missing: send the lines to append')
    const text = maskSecrets(b.text, await secretValues(c, id, repo))
    const { bytes } = settle(await workflowRun(c.env, id).logStep(token, index, text))
    return c.json({ ok: true, bytes })
  })

  app.post('/runs/:id/steps/:index/finish', async (c) => {
    const { id, repo } = await memberRun(c)
    const index = stepIndex(c)
    const b = await body(c)
    const token = leaseToken(b)
    const result = maskDeep(stepResult(b), await secretValues(c, id, repo))
    const { run, already } = settle(await workflowRun(c.env, id).finishStep(token, index, result))
    return c.json({ run, already })
  })

  app.post('/runs/:id/secrets', async (c) => {
    const { id, repo } = await memberRun(c)
    const token = leaseToken(await body(c))
    const { names } = settle(await workflowRun(c.env, id).grantedSecrets(token))
    const secrets = await readSecrets(c.env, repo, names)
    return c.json({ secrets, missing: names.filter((n) => !(n in secrets)) })
  })

  app.post('/runs/:id/release', async (c) => {
    const { id } = await memberRun(c)
    const token = leaseToken(await body(c))
    const { run } = settle(await workflowRun(c.env, id).release(token))
    return c.json({ run })
  })

  return app
}
