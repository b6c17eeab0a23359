/** Queues a workflow run: the one way runs begin (Run now, GitHub events, webhooks, the schedule). */
import type { Env } from '../env'
import { ApiError } from '../errors'
import type { TriggerInfo, Workflow, WorkflowRunView } from '../../shared/workflow'
import type { WorkflowRun } from './run-object'

type RunMethods = 'create' | 'view' | 'secretNames' | 'claim' | 'heartbeat' | 'startStep' | 'logStep' | 'finishStep' | 'grantedSecrets' | 'release' | 'decide' | 'cancel'

/**
 * The run object's methods as a caller sees them over RPC: what they return, as a promise. (The
 * RPC types would turn the views' `Record<string, unknown>` fields into `never`; the values are
 * plain JSON-shaped objects and cross intact.)
 */
export type WorkflowRunStub = { [K in RunMethods]: WorkflowRun[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never }

/** The Durable Object of run `id`. */
export function workflowRun(env: Env, id: string): WorkflowRunStub {
  return env.WORKFLOW_RUNS.get(env.WORKFLOW_RUNS.idFromName(id)) as unknown as WorkflowRunStub
}

/** Midnight UTC of the day `now` falls in. */
export function startOfUtcDay(now: number): number {
  const d = new Date(now)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
}

/**
 * What a run is queued with. The file's path may be given as `path` or `workflowPath`; the
 * author as `authorId` (their name is looked up) or `author`.
 */
export type QueueRunInit = {
  /** `owner/name`, as stored in workflow_repos. */
  repo: string
  /** The workflow's name (default: `workflow.name`). */
  name?: string
  /** The workflow file's text, handed to the runner. */
  source: string
  workflow: Workflow
  trigger: TriggerInfo
  inputs: Record<string, unknown>
  baseRef: string
  /** Who queued it, for the trace; by default `user:<author>` for manual runs, `cron` for the schedule, the GitHub sender for GitHub events, else `edge`. */
  by?: string
} & ({ path: string } | { workflowPath: string }) &
  /** The user the run belongs to: Run now's user, or the member whose connection a trigger runs under. */
  ({ authorId: string } | { author: { id: string; name: string } })

function queuedBy(init: QueueRunInit, authorId: string): string {
  if (init.by) return init.by
  switch (init.trigger.kind) {
    case 'manual':
      return `user:${authorId}`
    case 'schedule':
      return 'cron'
    case 'issues':
    case 'pull_request': {
      const sender = (init.trigger.context.sender as { login?: unknown } | undefined)?.login
      return typeof sender === 'string' ? `github:${sender}` : 'edge'
    }
    case 'webhook':
      return 'edge'
  }
}

/** The user `id` as a run's author, or a 404 when there is no such user. */
async function authorOf(env: Env, id: string, workflowName: string): Promise<{ id: string; name: string }> {
  const user = await env.DB.prepare('SELECT id, name, login, email FROM users WHERE id = ?').bind(id).first<{ id: string; name: string | null; login: string | null; email: string | null }>()
  if (!user) throw new ApiError(404, 'not_found', `No user ${id} to run "${workflowName}" as`)
  return { id: user.id, name: user.name ?? user.login ?? user.email ?? user.id }
}

/**
 * Queues a run of `init.workflow` and resolves to it (its Durable Object created, its
 * `workflow_runs` and `runs` rows written). Refuses with a 402 `ApiError` when the workflow's
 * `budget.maxCreditsPerDay` is already spent today (UTC) by its runs, and a 404 when the author
 * is no user.
 */
export async function queueWorkflowRun(env: Env, init: QueueRunInit): Promise<WorkflowRunView> {
  const now = Date.now()
  const path = 'path' in init ? init.path : init.workflowPath
  const name = init.name ?? init.workflow.name
  const perDay = init.workflow.budget.maxCreditsPerDay
  if (perDay !== undefined) {
    const spent = await env.DB.prepare('SELECT COALESCE(SUM(cost_micros), 0) AS micros FROM workflow_runs WHERE repo = ? AND path = ? AND created_at >= ?')
      .bind(init.repo, path, startOfUtcDay(now))
      .first<{ micros: number }>()
    const micros = spent?.micros ?? 0
    if (micros >= Math.round(perDay * 1e6)) {
      throw new ApiError(
        402,
        'payment_required',
        `"${name}" has spent its daily budget: ${Math.round(micros / 10_000) / 100} of ${perDay} credits today (budget.max_credits_per_day, UTC). It can run again after midnight UTC, or raise the budget in ${path}`,
      )
    }
  }
  const author = 'author' in init ? init.author : await authorOf(env, init.authorId, name)
  const id = crypto.randomUUID()
  return workflowRun(env, id).create({
    id,
    repo: init.repo,
    path,
    name,
    source: init.source,
    workflow: init.workflow,
    trigger: init.trigger,
    inputs: init.inputs,
    author,
    baseRef: init.baseRef,
    by: queuedBy(init, author.id),
  })
}
