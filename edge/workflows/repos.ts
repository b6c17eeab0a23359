/**
 * Connected repositories for workflows, under /api/workflows/repos: connecting one (GitHub must
 * say the user may push to it), the members' list, the workflows read from its default branch
 * with their state, switching one off, "Run now", the repository's runs and named webhooks. Also
 * the pieces the GitHub webhook and the cron share: whose connection a triggered run runs under,
 * which cached workflows are switched on, and queueing a run.
 */
import { Hono, type Context } from 'hono'
import type { Octokit } from '@octokit/rest'
import { requireUser } from '../auth/sessions'
import { gitHubToken } from '../auth/users'
import type { AppEnv, Env } from '../env'
import { ApiError } from '../errors'
import { fromGitHubError } from '../github'
import { MAX_JSON_BYTES, readBoundedBody, readJsonBody } from '../request'
import { checkInputs, formatProblem, isWorkflowPath, matchesTrigger, nextScheduledTime, parseWorkflow, triggerInfo } from '../../shared/workflow'
import type { TriggerEvent, Workflow, WorkflowProblem, WorkflowRunStatus, WorkflowRunView } from '../../shared/workflow'
import { REPO, requireMember } from './members'
import { queueWorkflowRun } from './queue'
import { cachedWorkflow, cachedWorkflowFiles, fetchFile, gitHubClient, MAX_WORKFLOW_BYTES, readWorkflowFiles, splitRepo, type CachedWorkflowFile } from './workflow-files'

/** A branch, tag or commit as a run's starting point (git's ref rules, loosely). */
const REF = /^(?!\/|.*(?:\/\/|\.\.|@\{|\\|\/$|\.lock$|\.$))[^\x00-\x20~^:?*[\x7f]{1,250}$/

/** A connected repository as stored: its spelling and default branch. */
export interface ConnectedRepo {
  repo: string
  defaultBranch: string
}

/** The connected repository `repo` (any case), or null when no one connected it. */
export async function connectedRepo(db: D1Database, repo: string): Promise<ConnectedRepo | null> {
  const row = await db
    .prepare('SELECT repo, default_branch FROM workflow_repos WHERE repo = ? COLLATE NOCASE ORDER BY connected_at, user_id LIMIT 1')
    .bind(repo)
    .first<{ repo: string; default_branch: string }>()
  return row ? { repo: row.repo, defaultBranch: row.default_branch } : null
}

/**
 * The members of `repo` in the order they connected it, with their names: the first is whose
 * connection runs from triggers (GitHub, the cron) run under.
 */
export async function repoMembers(db: D1Database, repo: string): Promise<Array<{ id: string; name: string; login: string | null }>> {
  const { results } = await db
    .prepare(
      `SELECT u.id, u.name, u.login, u.email FROM workflow_repos r JOIN users u ON u.id = r.user_id
       WHERE r.repo = ? COLLATE NOCASE ORDER BY r.connected_at, r.user_id`,
    )
    .bind(repo)
    .all<{ id: string; name: string | null; login: string | null; email: string | null }>()
  return results.map((u) => ({ id: u.id, name: u.name ?? u.login ?? u.email ?? 'member', login: u.login }))
}

/**
 * An Octokit acting for the first member of `repo` who still has a GitHub sign-in, and that
 * member; null when none has (nobody can read the repository for the edge).
 */
export async function memberClient(env: Env, repo: string): Promise<{ octokit: Octokit; memberId: string } | null> {
  for (const member of await repoMembers(env.DB, repo)) {
    const token = await gitHubToken(env, member.id)
    if (token) return { octokit: gitHubClient(env, token), memberId: member.id }
  }
  return null
}

/** The cached workflows of `repo` that parse and are switched on, each with its parsed workflow. */
export async function enabledWorkflows(db: D1Database, repo: string): Promise<Array<{ file: CachedWorkflowFile; workflow: Workflow }>> {
  const [files, disabled] = await Promise.all([cachedWorkflowFiles(db, repo), disabledPaths(db, repo)])
  return files.flatMap((file) => {
    const workflow = disabled.has(file.path) ? null : cachedWorkflow(file)
    return workflow ? [{ file, workflow }] : []
  })
}

async function disabledPaths(db: D1Database, repo: string): Promise<Set<string>> {
  const { results } = await db.prepare('SELECT path FROM workflow_settings WHERE repo = ? AND enabled = 0').bind(repo).all<{ path: string }>()
  return new Set(results.map((r) => r.path))
}

/** What starting one run needs. */
export interface StartRun {
  repo: string
  path: string
  workflow: Workflow
  source: string
  event: TriggerEvent
  /** The user the run belongs to: Run now's caller, or the member whose connection a trigger runs under. */
  authorId: string
  baseRef: string
  /** Who caused it, for the trace: `user:<id>`, `github:<login>`, `cron`. */
  by: string
  inputs?: Record<string, unknown>
}

/** Queues one run of a workflow for `event` (its trigger summary and context from `triggerInfo`); resolves to the run. */
export async function startRun(env: Env, run: StartRun): Promise<WorkflowRunView> {
  return queueWorkflowRun(env, {
    repo: run.repo,
    path: run.path,
    name: run.workflow.name,
    source: run.source,
    workflow: run.workflow,
    trigger: triggerInfo(run.event),
    inputs: run.inputs ?? {},
    authorId: run.authorId,
    baseRef: run.baseRef,
    by: run.by,
  })
}

/**
 * Starts a run of each of `workflows` for a trigger; a workflow refused for its own reason (its
 * daily budget spent) is reported in `skipped` and does not keep the others from starting.
 */
export async function startRuns(env: Env, workflows: Array<{ file: CachedWorkflowFile; workflow: Workflow }>, run: Omit<StartRun, 'path' | 'workflow' | 'source'>): Promise<{ runs: string[]; skipped: Array<{ path: string; reason: string }> }> {
  const runs: string[] = []
  const skipped: Array<{ path: string; reason: string }> = []
  for (const { file, workflow } of workflows) {
    try {
      runs.push((await startRun(env, { ...run, path: file.path, workflow, source: file.source })).id)
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 402) throw error
      skipped.push({ path: file.path, reason: error.message })
    }
  }
  return { runs, skipped }
}

/** GitHub's word on whether `token`'s user may push to `repo`, and the repository as GitHub spells it. */
async function checkPushAccess(octokit: Octokit, repo: string): Promise<ConnectedRepo> {
  let data: { full_name: string; default_branch: string; permissions?: { push?: boolean } }
  try {
    data = (await octokit.rest.repos.get(splitRepo(repo))).data
  } catch (error) {
    throw fromGitHubError(error, `reading ${repo}`)
  }
  if (!data.permissions?.push) {
    throw new ApiError(403, 'forbidden', `Your GitHub account cannot push to ${data.full_name}, so you cannot connect it for workflows: ask its owner for write access`)
  }
  return { repo: data.full_name, defaultBranch: data.default_branch }
}

async function userClient(c: Context<AppEnv>): Promise<Octokit> {
  const user = requireUser(c)
  const token = await gitHubToken(c.env, user.id)
  if (!token) throw new ApiError(401, 'unauthorized', 'Connect GitHub first: sign in with GitHub to use workflows of your repositories')
  return gitHubClient(c.env, token)
}

/** The workflows of `repo` as the IDE lists them: cached files with their switch, last run and next scheduled time. */
async function listWorkflows(db: D1Database, repo: string, files?: CachedWorkflowFile[]) {
  const [cached, disabled, lastRuns] = await Promise.all([
    files ?? cachedWorkflowFiles(db, repo),
    disabledPaths(db, repo),
    db
      .prepare(
        `SELECT r.path, r.id, r.status, r.created_at FROM workflow_runs r
         WHERE r.repo = ? AND r.created_at = (SELECT MAX(created_at) FROM workflow_runs WHERE repo = r.repo AND path = r.path)`,
      )
      .bind(repo)
      .all<{ path: string; id: string; status: WorkflowRunStatus; created_at: number }>(),
  ])
  const last = new Map(lastRuns.results.map((r) => [r.path, { id: r.id, status: r.status, createdAt: r.created_at }]))
  const now = new Date()
  return cached.map((file) => {
    const enabled = !disabled.has(file.path)
    const workflow = enabled && file.triggers?.schedule ? cachedWorkflow(file) : null
    return {
      path: file.path,
      name: file.name,
      triggers: file.triggers,
      problems: file.problems.length ? file.problems : null,
      enabled,
      lastRun: last.get(file.path) ?? null,
      nextRunAt: workflow ? (nextScheduledTime(workflow, now)?.getTime() ?? null) : null,
    }
  })
}

function repoParam(c: Context<AppEnv>): string {
  const repo = `${c.req.param('owner')}/${c.req.param('repo')}`
  if (!REPO.test(repo)) throw new ApiError(400, 'bad_request', `"${repo}" is not a GitHub repository name (owner/name)`)
  return repo
}

function workflowPath(value: unknown): string {
  if (typeof value !== 'string' || !value) throw new ApiError(400, 'bad_request', 'path is missing: the workflow file, e.g. .coder/workflows/fix.yml')
  if (!isWorkflowPath(value) || value !== value.split('/').filter((part) => part && part !== '.').join('/')) throw new ApiError(400, 'bad_request', `"${value}" is not a workflow file: workflows live in .coder/workflows/ and end in .yml, .yaml or .json`)
  return value
}

function problemsMessage(problems: WorkflowProblem[]): string {
  const shown = problems.slice(0, 5).map(formatProblem)
  return `The workflow does not parse: ${shown.join('; ')}${problems.length > shown.length ? ` (and ${problems.length - shown.length} more)` : ''}`
}

/** `/api/workflows/repos`: connections and each connected repository's workflows (members only). */
export function createWorkflowRepoRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.get('/', async (c) => {
    const user = requireUser(c)
    const { results } = await c.env.DB.prepare('SELECT repo, default_branch, connected_at FROM workflow_repos WHERE user_id = ? ORDER BY repo').bind(user.id).all<{ repo: string; default_branch: string; connected_at: number }>()
    const repos = await Promise.all(
      results.map(async (r) => ({ repo: r.repo, defaultBranch: r.default_branch, connectedAt: r.connected_at, members: await repoMembers(c.env.DB, r.repo) })),
    )
    return c.json({ repos })
  })

  app.post('/', async (c) => {
    const user = requireUser(c)
    const body = (await readJsonBody(c)) as { repo?: unknown }
    const asked = typeof body.repo === 'string' ? body.repo.trim().replace(/\.git$/, '') : ''
    if (!REPO.test(asked)) throw new ApiError(400, 'bad_request', 'repo must be a GitHub repository as owner/name')
    const octokit = await userClient(c)
    const github = await checkPushAccess(octokit, asked)
    // Members share one spelling: the first connection's (GitHub's own names are case-insensitive).
    const repo = (await connectedRepo(c.env.DB, github.repo))?.repo ?? github.repo
    // The files first: when GitHub fails to give them, the repository is not connected.
    const files = await readWorkflowFiles(c.env, octokit, repo, github.defaultBranch)
    const inserted = await c.env.DB.batch([
      c.env.DB.prepare('INSERT INTO workflow_repos (repo, user_id, default_branch, connected_at) VALUES (?, ?, ?, ?) ON CONFLICT (repo, user_id) DO NOTHING').bind(repo, user.id, github.defaultBranch, Date.now()),
      c.env.DB.prepare('UPDATE workflow_repos SET default_branch = ? WHERE repo = ?').bind(github.defaultBranch, repo),
    ])
    return c.json({ repo, defaultBranch: github.defaultBranch, workflows: await listWorkflows(c.env.DB, repo, files) }, inserted[0].meta.changes ? 201 : 200)
  })

  app.delete('/:owner/:repo', async (c) => {
    const user = requireUser(c)
    const repo = await requireMember(c, repoParam(c))
    await c.env.DB.prepare('DELETE FROM workflow_repos WHERE repo = ? AND user_id = ?').bind(repo, user.id).run()
    // The last member gone: nothing may trigger its workflows any more.
    if (!(await connectedRepo(c.env.DB, repo))) await c.env.DB.prepare('DELETE FROM workflow_files WHERE repo = ?').bind(repo).run()
    return c.json({ ok: true })
  })

  app.get('/:owner/:repo/workflows', async (c) => {
    const repo = await requireMember(c, repoParam(c))
    if (c.req.query('refresh') === '1') {
      const octokit = await userClient(c)
      const github = await checkPushAccess(octokit, repo)
      await c.env.DB.prepare('UPDATE workflow_repos SET default_branch = ? WHERE repo = ?').bind(github.defaultBranch, repo).run()
      return c.json({ workflows: await listWorkflows(c.env.DB, repo, await readWorkflowFiles(c.env, octokit, repo, github.defaultBranch)) })
    }
    return c.json({ workflows: await listWorkflows(c.env.DB, repo) })
  })

  app.put('/:owner/:repo/workflows/enabled', async (c) => {
    const user = requireUser(c)
    const repo = await requireMember(c, repoParam(c))
    const body = (await readJsonBody(c)) as { path?: unknown; enabled?: unknown }
    const path = workflowPath(body.path)
    if (typeof body.enabled !== 'boolean') throw new ApiError(400, 'bad_request', 'enabled must be true or false')
    await c.env.DB.prepare(
      `INSERT INTO workflow_settings (repo, path, enabled, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (repo, path) DO UPDATE SET enabled = excluded.enabled, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
    )
      .bind(repo, path, body.enabled ? 1 : 0, user.id, Date.now())
      .run()
    return c.json({ path, enabled: body.enabled })
  })

  // Run now: the file as the IDE has it (`source`), or as it is at `ref` on GitHub. Switching a
  // workflow off stops its triggers, not a member who asks for a run.
  app.post('/:owner/:repo/runs', async (c) => {
    const user = requireUser(c)
    const repo = await requireMember(c, repoParam(c))
    const body = (await readJsonBody(c)) as { path?: unknown; source?: unknown; ref?: unknown; inputs?: unknown }
    const path = workflowPath(body.path)
    if (body.ref !== undefined && (typeof body.ref !== 'string' || !REF.test(body.ref))) throw new ApiError(400, 'bad_request', 'ref must be a branch, tag or commit')
    if (body.inputs !== undefined && (!body.inputs || typeof body.inputs !== 'object' || Array.isArray(body.inputs))) throw new ApiError(400, 'bad_request', 'inputs must be an object of input names and values')
    const connected = (await connectedRepo(c.env.DB, repo))!
    const ref = (body.ref as string | undefined) ?? connected.defaultBranch

    let source: string
    if (body.source !== undefined) {
      if (typeof body.source !== 'string') throw new ApiError(400, 'bad_request', 'source must be the workflow file’s text')
      if (body.source.length > MAX_WORKFLOW_BYTES) throw new ApiError(413, 'payload_too_large', `The workflow file is larger than ${MAX_WORKFLOW_BYTES / 1024} KB`)
      source = body.source
    } else {
      const file = await fetchFile(await userClient(c), repo, path, ref)
      if (!file) throw new ApiError(404, 'not_found', `There is no ${path} on ${ref} of ${repo}`)
      if (file.size > MAX_WORKFLOW_BYTES) throw new ApiError(413, 'payload_too_large', `${path} is ${Math.ceil(file.size / 1024)} KB; workflow files may be at most ${MAX_WORKFLOW_BYTES / 1024} KB`)
      source = file.source
    }
    const parsed = parseWorkflow(source, path)
    if (!parsed.ok) throw new ApiError(400, 'bad_request', problemsMessage(parsed.problems))
    const workflow = parsed.workflow
    const inputs = (body.inputs ?? {}) as Record<string, unknown>
    if (!matchesTrigger(workflow, { kind: 'manual', inputs })) throw new ApiError(400, 'bad_request', 'This workflow has no manual trigger: add `manual:` under `on:` to run it by hand')
    const checked = checkInputs(workflow, inputs)
    if (!checked.ok) throw new ApiError(400, 'bad_request', checked.message)
    const run = await startRun(c.env, { repo, path, workflow, source, event: { kind: 'manual', inputs: checked.inputs }, inputs: checked.inputs, authorId: user.id, baseRef: ref, by: `user:${user.id}` })
    return c.json({ run }, 201)
  })

  app.get('/:owner/:repo/runs', async (c) => {
    const repo = await requireMember(c, repoParam(c))
    const { results } = await c.env.DB.prepare(
      `SELECT id, path, name, status, trigger_kind, trigger_summary, cost_micros, created_at, finished_at FROM workflow_runs
       WHERE repo = ? ORDER BY created_at DESC, id DESC LIMIT 50`,
    )
      .bind(repo)
      .all<{ id: string; path: string; name: string; status: WorkflowRunStatus; trigger_kind: string; trigger_summary: string; cost_micros: number; created_at: number; finished_at: number | null }>()
    return c.json({
      runs: results.map((r) => ({
        id: r.id,
        path: r.path,
        name: r.name,
        status: r.status,
        trigger: { kind: r.trigger_kind, summary: r.trigger_summary },
        costMicros: r.cost_micros,
        createdAt: r.created_at,
        finishedAt: r.finished_at,
      })),
    })
  })

  // A named webhook: any member (or a script with a member's session) fires the switched-on
  // workflows that listen for it, with the body as `trigger.payload`.
  app.post('/:owner/:repo/hooks/:name', async (c) => {
    const user = requireUser(c)
    const repo = await requireMember(c, repoParam(c))
    const name = c.req.param('name')
    if (!/^[\w.-]{1,100}$/.test(name)) throw new ApiError(400, 'bad_request', `"${name}" is not a webhook name (letters, digits, -, _ and .)`)
    const text = new TextDecoder().decode(await readBoundedBody(c, MAX_JSON_BYTES, 'The webhook body'))
    const payload = text.trim() ? safeJson(text) : {}
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new ApiError(400, 'bad_request', 'The webhook body must be a JSON object (or empty)')
    const connected = (await connectedRepo(c.env.DB, repo))!
    const event: TriggerEvent = { kind: 'webhook', name, payload: payload as Record<string, unknown> }
    const matching = (await enabledWorkflows(c.env.DB, repo)).filter(({ workflow }) => matchesTrigger(workflow, event))
    return c.json(await startRuns(c.env, matching, { repo, event, authorId: user.id, baseRef: connected.defaultBranch, by: `user:${user.id}` }), 202)
  })

  return app
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch (cause) {
    throw new ApiError(400, 'bad_request', `The webhook body is not valid JSON: ${(cause as Error).message}`, { cause })
  }
}
