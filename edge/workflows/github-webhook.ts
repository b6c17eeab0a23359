/**
 * GitHub's webhook for workflows, `POST /api/github/webhook` (exempt from the CSRF check: the
 * signature is the proof). Every delivery is verified against GITHUB_WEBHOOK_SECRET and recorded
 * by its X-GitHub-Delivery id, so a replayed delivery is refused and starts nothing. A push to a
 * connected repository's default branch re-reads its workflow files; `issues` and `pull_request`
 * events queue the repository's switched-on workflows whose triggers match, under its first
 * connected member. A pull request from a branch of the same repository runs on that branch (what
 * a reviewer wants to see); one from a fork runs on the default branch, never on the fork's code,
 * which could otherwise read the repository's secrets — its number is in the trigger context.
 */
import { Hono } from 'hono'
import { verify } from '@octokit/webhooks-methods'
import type { AppEnv, Env } from '../env'
import { ApiError } from '../errors'
import { readBoundedBody } from '../request'
import { matchesTrigger, WORKFLOW_BRANCH_PREFIX } from '../../shared/workflow'
import type { TriggerEvent } from '../../shared/workflow'
import { connectedRepo, enabledWorkflows, memberClient, repoMembers, startRuns } from './repos'
import { readWorkflowFiles } from './workflow-files'

/** The largest delivery read (GitHub caps payloads at 25 MB; the events used here are far smaller). */
const MAX_DELIVERY_BYTES = 5 * 1024 * 1024

type Payload = Record<string, unknown> & {
  action?: unknown
  ref?: unknown
  repository?: { full_name?: unknown; default_branch?: unknown }
  sender?: { login?: unknown }
  pull_request?: { head?: { ref?: unknown; repo?: { full_name?: unknown } | null } }
}

/** What handling one delivery did: the runs it queued (and workflows refused, their budget spent), the workflow files re-read on a push. */
interface Outcome {
  runs: string[]
  skipped?: Array<{ path: string; reason: string }>
  workflows?: string[]
}

/** `/api/github/webhook`. */
export function createGitHubWebhookRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.post('/webhook', async (c) => {
    const secret = c.env.GITHUB_WEBHOOK_SECRET
    if (!secret) throw new ApiError(503, 'internal', 'GitHub webhooks are not set up on this server: GITHUB_WEBHOOK_SECRET is unset')
    const body = new TextDecoder().decode(await readBoundedBody(c, MAX_DELIVERY_BYTES, 'Webhook body'))
    const signature = c.req.header('x-hub-signature-256')
    if (!signature) throw new ApiError(401, 'unauthorized', 'X-Hub-Signature-256 is missing: only GitHub, signing with the webhook’s secret, may call this')
    if (!(await verify(secret, body, signature).catch(() => false))) throw new ApiError(401, 'unauthorized', 'X-Hub-Signature-256 does not match the body: the webhook’s secret differs from GITHUB_WEBHOOK_SECRET')
    const delivery = c.req.header('x-github-delivery')
    const event = c.req.header('x-github-event')
    if (!delivery || delivery.length > 100 || !event) throw new ApiError(400, 'bad_request', 'X-GitHub-Delivery and X-GitHub-Event are required')
    let payload: Payload
    try {
      payload = JSON.parse(body) as Payload
    } catch (cause) {
      throw new ApiError(400, 'bad_request', `Webhook body is not valid JSON: ${(cause as Error).message}`, { cause })
    }
    if (!payload || typeof payload !== 'object') throw new ApiError(400, 'bad_request', 'Webhook body is not a JSON object')

    const seen = await c.env.DB.prepare('INSERT INTO webhook_deliveries (id, event, received_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING').bind(delivery, event, Date.now()).run()
    if (!seen.meta.changes) throw new ApiError(409, 'conflict', `Delivery ${delivery} was received before; a replay starts nothing`)
    if (event === 'ping') return c.json({ ok: true }, 200)
    try {
      return c.json(await handle(c.env, event, payload), 202)
    } catch (error) {
      // Not handled: GitHub's redelivery of it may try again.
      await c.env.DB.prepare('DELETE FROM webhook_deliveries WHERE id = ?').bind(delivery).run()
      throw error
    }
  })

  return app
}

async function handle(env: Env, event: string, payload: Payload): Promise<Outcome> {
  const fullName = payload.repository?.full_name
  const connected = typeof fullName === 'string' ? await connectedRepo(env.DB, fullName) : null
  if (!connected) return { runs: [] }
  const { repo } = connected

  if (event === 'push') {
    const defaultBranch = typeof payload.repository?.default_branch === 'string' ? payload.repository.default_branch : connected.defaultBranch
    if (payload.ref !== `refs/heads/${defaultBranch}`) return { runs: [] }
    if (defaultBranch !== connected.defaultBranch) await env.DB.prepare('UPDATE workflow_repos SET default_branch = ? WHERE repo = ?').bind(defaultBranch, repo).run()
    const client = await memberClient(env, repo)
    if (!client) throw new ApiError(503, 'internal', `No member of ${repo} has a GitHub sign-in to read its workflow files with`)
    const files = await readWorkflowFiles(env, client.octokit, repo, defaultBranch)
    return { runs: [], workflows: files.map((f) => f.path) }
  }

  if (event !== 'issues' && event !== 'pull_request') return { runs: [] }
  // A pull request a workflow opened (its branch `coder/wf-…`) starts no workflow: a workflow that
  // opens pull requests on pull requests would otherwise feed itself forever.
  if (event === 'pull_request' && typeof payload.pull_request?.head?.ref === 'string' && payload.pull_request.head.ref.startsWith(WORKFLOW_BRANCH_PREFIX)) return { runs: [] }
  const action = typeof payload.action === 'string' ? payload.action : ''
  const trigger: TriggerEvent = { kind: event, action, payload }
  const matching = (await enabledWorkflows(env.DB, repo)).filter(({ workflow }) => matchesTrigger(workflow, trigger))
  if (!matching.length) return { runs: [] }
  const [author] = await repoMembers(env.DB, repo)
  const sender = typeof payload.sender?.login === 'string' ? payload.sender.login : 'unknown'
  const head = payload.pull_request?.head
  const sameRepo = typeof head?.repo?.full_name === 'string' && head.repo.full_name.toLowerCase() === repo.toLowerCase()
  const baseRef = event === 'pull_request' && sameRepo && typeof head?.ref === 'string' ? head.ref : connected.defaultBranch
  return startRuns(env, matching, { repo, event: trigger, authorId: author.id, baseRef, by: `github:${sender}` })
}
