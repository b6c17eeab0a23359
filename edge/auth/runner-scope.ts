/**
 * What a runner's session may do. A session opened with a runner token (POST /api/runners/session)
 * runs its user's workflow jobs and nothing else: claim and report jobs, read the git hosts, call
 * GitHub on one repository (a branch, a pull request, a comment, labels, checks), keep run records
 * (written, never read back) and publish preview deployments; and read packages through the
 * package proxy (/api/packages). The model and git proxies are outside /api and open to it.
 * Everything else its user can do (buy credits, read the ledger or other runs, connect
 * repositories, set secrets, trigger runs, approve or cancel them, manage tokens, promote or share
 * deployments, sign out everywhere) needs the user's own session, so a leaked runner token is
 * worth one runner's work.
 */
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env'
import { ApiError } from '../errors'

const ID = '[^/]+'
const REPO = `/api/github/repos/${ID}/${ID}`
const RUN = `/api/workflows/runs/${ID}`

/** `METHOD path` patterns a runner's session may call, anchored at both ends. */
const RUNNER_CALLS: readonly RegExp[] = [
  'GET /api/auth/me',
  'POST /api/auth/signout',
  'POST /api/workflows/claim',
  `GET ${RUN}`,
  `POST ${RUN}/(heartbeat|secrets|release)`,
  `POST ${RUN}/steps/\\d+/(start|log|finish)`,
  'GET /api/git/hosts',
  `POST ${REPO}/(branches|pulls)`,
  `POST ${REPO}/issues/\\d+/(comments|labels)`,
  `GET ${REPO}/commits/${ID}/checks`,
  'POST /api/runs',
  `PATCH /api/runs/${ID}`,
  `POST /api/runs/${ID}/events`,
  `PUT /api/runs/${ID}/artifacts/${ID}`,
  'POST /api/deployments',
  `GET /api/deployments/(?!production$)${ID}`,
  `DELETE /api/deployments/${ID}`,
  `PUT /api/deployments/${ID}/blobs/${ID}`,
  `POST /api/deployments/${ID}/(blobs|finalize)`,
  'GET /api/packages/.+',
].map((call) => new RegExp(`^${call.replace(/^GET /, '(GET|HEAD) ')}$`))

/** Whether a runner's session may make this call (`path` without its query). */
export function runnerMayCall(method: string, path: string): boolean {
  const call = `${method.toUpperCase()} ${path.replace(/\/+$/, '') || '/'}`
  return RUNNER_CALLS.some((pattern) => pattern.test(call))
}

/** Middleware after the session's: a runner's session gets a 403 naming the call for anything outside its scope. */
export function runnerScopeMiddleware(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = c.get('user')
    if (user?.runnerTokenId && !runnerMayCall(c.req.method, c.req.path)) {
      throw new ApiError(403, 'forbidden', `A runner's session only runs workflow jobs: ${c.req.method} ${c.req.path} needs you signed in to Coder yourself`)
    }
    await next()
  }
}
