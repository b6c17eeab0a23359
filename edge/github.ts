/**
 * @module GitHub's REST API on the user's behalf, under /api/github: the user's repositories,
 * branches, pull requests, comments, labels and checks. @octokit/rest runs here with the user's
 * token and GITHUB_API_URL (GitHub Enterprise Server works the same); GitHub's errors become
 * messages a person can act on.
 */
import { Octokit } from '@octokit/rest'
import { Hono, type Context } from 'hono'
import { requireUser } from './auth/sessions'
import { gitHubToken } from './auth/users'
import type { AppEnv } from './env'
import { ApiError } from './errors'
import { readJsonBody } from './request'

/** An Octokit for the signed-in user; a 401 saying to connect GitHub when they have no token. */
async function octokitFor(c: Context<AppEnv>): Promise<Octokit> {
  const user = requireUser(c)
  const token = await gitHubToken(c.env, user.id)
  if (!token) throw new ApiError(401, 'unauthorized', 'Connect GitHub first: sign in with GitHub to use your repositories and pull requests')
  return new Octokit({ auth: token, baseUrl: (c.env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''), userAgent: 'coder-edge', request: { retries: 0 } })
}

interface GitHubErrorShape {
  status?: number
  message?: string
  response?: { headers?: Record<string, string | undefined>; data?: { message?: string; errors?: Array<{ message?: string; code?: string; field?: string; resource?: string }> } }
}

/** GitHub's error as an ApiError with a message that says what happened and what to do. */
export function fromGitHubError(error: unknown, doing: string): ApiError {
  const e = error as GitHubErrorShape
  const status = e.status
  const data = e.response?.data
  const headers = e.response?.headers ?? {}
  if (!status) return new ApiError(502, 'bad_gateway', `Could not reach GitHub while ${doing}: ${(error as Error).message}`, { cause: error })
  if ((status === 403 || status === 429) && (headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(data?.message ?? ''))) {
    const reset = Number(headers['x-ratelimit-reset'] ?? 0) * 1000
    const minutes = reset ? Math.max(1, Math.round((reset - Date.now()) / 60_000)) : null
    return new ApiError(429, 'too_many_requests', `GitHub's rate limit is used up${reset ? `; it resets at ${new Date(reset).toISOString().slice(11, 16)} UTC (in ${minutes} min)` : ''}. Try again then.`, { cause: error })
  }
  if (status === 401) return new ApiError(401, 'unauthorized', 'GitHub no longer accepts your sign-in (the token was revoked or expired): sign in with GitHub again', { cause: error })
  if (status === 404) return new ApiError(404, 'not_found', `GitHub found nothing while ${doing}: the repository does not exist, or your GitHub account cannot see it`, { cause: error })
  if (status === 422) {
    const details = (data?.errors ?? []).map((d) => d.message ?? [d.resource, d.field, d.code].filter(Boolean).join(' ')).filter(Boolean)
    return new ApiError(422, 'unprocessable', `GitHub refused ${doing}: ${details.length ? details.join('; ') : (data?.message ?? 'validation failed')}`, { cause: error })
  }
  if (status === 403) return new ApiError(403, 'forbidden', `GitHub refused ${doing}: ${data?.message ?? 'forbidden'} (your sign-in may lack the permission)`, { cause: error })
  return new ApiError(502, 'bad_gateway', `GitHub answered ${status} while ${doing}: ${data?.message ?? e.message ?? ''}`, { cause: error })
}

async function call<T>(doing: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    if (error instanceof ApiError) throw error
    throw fromGitHubError(error, doing)
  }
}

const NAME = /^[A-Za-z0-9_.-]{1,100}$/

function repoOf(c: Context<AppEnv>): { owner: string; repo: string } {
  const owner = c.req.param('owner') ?? ''
  const repo = c.req.param('repo') ?? ''
  if (!NAME.test(owner) || !NAME.test(repo)) throw new ApiError(400, 'bad_request', `"${owner}/${repo}" is not a GitHub repository name`)
  return { owner, repo }
}

function text(value: unknown, what: string, { required = true, max = 65_536 } = {}): string | undefined {
  if (value === undefined || value === null || value === '') {
    if (required) throw new ApiError(400, 'bad_request', `${what} is missing`)
    return undefined
  }
  if (typeof value !== 'string') throw new ApiError(400, 'bad_request', `${what} must be text`)
  if (value.length > max) throw new ApiError(400, 'bad_request', `${what} is too long (at most ${max} characters)`)
  return value
}

const BRANCH = /^(?!\/|.*(?:\/\/|\.\.|@\{|\\|\/$|\.lock$|\.$))[^\x00-\x20~^:?*[\x7f]{1,250}$/

export function createGitHubRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.get('/repos', async (c) => {
    const octokit = await octokitFor(c)
    const page = Math.max(1, Math.min(100, Number(c.req.query('page') ?? 1) || 1))
    const { data } = await call('listing your repositories', () => octokit.rest.repos.listForAuthenticatedUser({ per_page: 50, page, sort: 'pushed' }))
    return c.json({
      page,
      repos: data.map((r) => ({ fullName: r.full_name, private: r.private, cloneUrl: r.clone_url, defaultBranch: r.default_branch, description: r.description, pushedAt: r.pushed_at, htmlUrl: r.html_url })),
      more: data.length === 50,
    })
  })

  // A branch ref (created from `sha` when missing), so that a pull request's head exists.
  app.post('/repos/:owner/:repo/branches', async (c) => {
    const { owner, repo } = repoOf(c)
    const body = (await readJsonBody(c)) as { name?: unknown; sha?: unknown }
    const name = text(body.name, 'The branch name', { max: 250 })!
    const sha = text(body.sha, 'The commit (sha)', { max: 64 })!
    if (!BRANCH.test(name)) throw new ApiError(400, 'bad_request', `"${name}" is not a valid branch name`)
    if (!/^[0-9a-f]{40}$/.test(sha)) throw new ApiError(400, 'bad_request', 'The commit must be a full 40-character sha')
    const octokit = await octokitFor(c)
    const existing = await octokit.rest.git.getRef({ owner, repo, ref: `heads/${name}` }).then((r) => r.data.object.sha, (e: GitHubErrorShape) => (e.status === 404 ? null : Promise.reject(e))).catch((e: unknown) => {
      throw fromGitHubError(e, `reading the branch ${name}`)
    })
    if (existing) return c.json({ name, sha: existing, created: false })
    await call(`creating the branch ${name}`, () => octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${name}`, sha }))
    return c.json({ name, sha, created: true }, 201)
  })

  app.post('/repos/:owner/:repo/pulls', async (c) => {
    const { owner, repo } = repoOf(c)
    const body = (await readJsonBody(c)) as { title?: unknown; body?: unknown; head?: unknown; base?: unknown; draft?: unknown }
    const title = text(body.title, 'The title', { max: 256 })!.trim()
    if (!title) throw new ApiError(400, 'bad_request', 'The title is empty')
    const head = text(body.head, 'The head branch', { max: 250 })!
    const base = text(body.base, 'The base branch', { max: 250 })!
    if (!BRANCH.test(head.replace(/^[^:]+:/, '')) || !BRANCH.test(base)) throw new ApiError(400, 'bad_request', 'The head and base must be branch names')
    const octokit = await octokitFor(c)
    const { data } = await call('opening the pull request', () =>
      octokit.rest.pulls.create({ owner, repo, title, head, base, body: text(body.body, 'The description', { required: false }), draft: body.draft === true }),
    )
    return c.json({ number: data.number, url: data.html_url, state: data.state, draft: data.draft ?? false, head: data.head.ref, base: data.base.ref, headSha: data.head.sha }, 201)
  })

  app.post('/repos/:owner/:repo/issues/:number/comments', async (c) => {
    const { owner, repo } = repoOf(c)
    const number = Number(c.req.param('number'))
    if (!Number.isInteger(number) || number < 1) throw new ApiError(400, 'bad_request', 'The issue or pull request number must be a positive integer')
    const body = (await readJsonBody(c)) as { body?: unknown }
    const comment = text(body.body, 'The comment')!
    const octokit = await octokitFor(c)
    const { data } = await call('commenting', () => octokit.rest.issues.createComment({ owner, repo, issue_number: number, body: comment }))
    return c.json({ id: data.id, url: data.html_url }, 201)
  })

  app.post('/repos/:owner/:repo/issues/:number/labels', async (c) => {
    const { owner, repo } = repoOf(c)
    const number = Number(c.req.param('number'))
    if (!Number.isInteger(number) || number < 1) throw new ApiError(400, 'bad_request', 'The issue or pull request number must be a positive integer')
    const body = (await readJsonBody(c)) as { labels?: unknown }
    if (!Array.isArray(body.labels) || !body.labels.length || body.labels.some((l) => typeof l !== 'string' || !l.trim() || l.length > 50)) {
      throw new ApiError(400, 'bad_request', 'labels must be a list of label names')
    }
    const octokit = await octokitFor(c)
    const { data } = await call('adding labels', () => octokit.rest.issues.addLabels({ owner, repo, issue_number: number, labels: body.labels as string[] }))
    return c.json({ labels: data.map((l) => l.name) })
  })

  app.get('/repos/:owner/:repo/commits/:ref/checks', async (c) => {
    const { owner, repo } = repoOf(c)
    const ref = c.req.param('ref')
    if (!BRANCH.test(ref) && !/^[0-9a-f]{40}$/.test(ref)) throw new ApiError(400, 'bad_request', `"${ref}" is not a branch or commit`)
    const octokit = await octokitFor(c)
    const [runs, status] = await Promise.all([
      call('reading check runs', () => octokit.rest.checks.listForRef({ owner, repo, ref })),
      call('reading commit statuses', () => octokit.rest.repos.getCombinedStatusForRef({ owner, repo, ref })),
    ])
    return c.json({
      state: status.data.state,
      checks: runs.data.check_runs.map((r) => ({ name: r.name, status: r.status, conclusion: r.conclusion, url: r.html_url })),
      statuses: status.data.statuses.map((s) => ({ context: s.context, state: s.state, description: s.description, url: s.target_url })),
    })
  })

  return app
}
