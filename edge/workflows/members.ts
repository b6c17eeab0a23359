/**
 * Who belongs to a workflow project: the users with a `workflow_repos` row for the GitHub
 * repository (each connected it with their own GitHub sign-in). Repository names match without
 * regard to case, as GitHub's do; the stored spelling is the one handed back.
 */
import type { Context } from 'hono'
import { requireUser } from '../auth/sessions'
import type { AppEnv } from '../env'
import { ApiError } from '../errors'

/** `owner/name`: GitHub's rules for both parts, loosely (letters, digits, `-`, `_`, `.`). */
export const REPO = /^[\w.-]{1,100}\/[\w.-]{1,100}$/

/** Whether `userId` is a member of `repo`. */
export async function isMember(db: D1Database, repo: string, userId: string): Promise<boolean> {
  return (await db.prepare('SELECT 1 FROM workflow_repos WHERE repo = ? COLLATE NOCASE AND user_id = ?').bind(repo, userId).first()) !== null
}

/** The repositories `userId` is a member of, as stored (`owner/name`), sorted. */
export async function memberRepos(db: D1Database, userId: string): Promise<string[]> {
  const { results } = await db.prepare('SELECT repo FROM workflow_repos WHERE user_id = ? ORDER BY repo').bind(userId).all<{ repo: string }>()
  return results.map((r) => r.repo)
}

/**
 * The signed-in user's membership of `repo`: resolves to the repository as stored. A 401 when
 * signed out; a 404 for non-members, the same as for a repository nobody connected, so its
 * existence is not revealed.
 */
export async function requireMember(c: Context<AppEnv>, repo: string): Promise<string> {
  const user = requireUser(c)
  const row = REPO.test(repo)
    ? await c.env.DB.prepare('SELECT repo FROM workflow_repos WHERE repo = ? COLLATE NOCASE AND user_id = ?').bind(repo, user.id).first<{ repo: string }>()
    : null
  if (!row) throw new ApiError(404, 'not_found', `No connected repository ${repo}: connect it for workflows first`)
  return row.repo
}
