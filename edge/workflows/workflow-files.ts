/**
 * The workflow files of a connected repository: `.coder/workflows/*.yml|*.yaml|*.json` read from a
 * branch through GitHub's contents API, parsed, and cached in D1 (`workflow_files`) so that
 * webhooks, the cron and the lists never wait on GitHub. A file that does not parse is kept with
 * its problems (line and column), so the IDE can show why it does not run.
 */
import { Octokit } from '@octokit/rest'
import type { Env } from '../env'
import { fromGitHubError } from '../github'
import { isWorkflowPath, parseWorkflow, WORKFLOW_DIR } from '../../shared/workflow'
import type { ParseResult, Workflow, WorkflowProblem, WorkflowTriggers } from '../../shared/workflow'

/** The largest workflow file read (GitHub's contents API itself stops inlining at 1 MB). */
export const MAX_WORKFLOW_BYTES = 256 * 1024
/** At most this many workflow files per repository are read; the rest are reported as a problem. */
export const MAX_WORKFLOW_FILES = 50

/** A workflow file as cached: its text and, when it parses, its name and triggers, else its problems. */
export interface CachedWorkflowFile {
  repo: string
  path: string
  sha: string
  source: string
  name: string | null
  triggers: WorkflowTriggers | null
  problems: WorkflowProblem[]
  readAt: number
}

interface FileRow {
  repo: string
  path: string
  sha: string
  source: string
  name: string | null
  triggers: string | null
  problems: string | null
  read_at: number
}

/** Octokit's request log, without its line per failed request: failures become ApiErrors, and a 404 here is often an answer (no workflows). */
const quiet = { debug() {}, info() {}, warn: console.warn, error() {} }

/** An Octokit on GITHUB_API_URL acting with `token` (a member's GitHub sign-in). */
export function gitHubClient(env: Env, token: string): Octokit {
  return new Octokit({ auth: token, baseUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''), userAgent: 'coder-edge', request: { retries: 0 }, log: quiet })
}

/** `owner/name` split for Octokit. */
export function splitRepo(repo: string): { owner: string; repo: string } {
  const slash = repo.indexOf('/')
  return { owner: repo.slice(0, slash), repo: repo.slice(slash + 1) }
}

const status = (error: unknown) => (error as { status?: number }).status

function decodeBase64(text: string): string {
  const binary = atob(text.replace(/\s+/g, ''))
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return new TextDecoder().decode(bytes)
}

/**
 * One file's text at `ref` through the contents API; null when there is no such file (or the path
 * is a directory). GitHub's other failures become ApiErrors with a message.
 */
export async function fetchFile(octokit: Octokit, repo: string, path: string, ref: string): Promise<{ sha: string; source: string; size: number } | null> {
  try {
    const { data } = await octokit.rest.repos.getContent({ ...splitRepo(repo), path, ref })
    if (Array.isArray(data) || data.type !== 'file') return null
    const file = data as { sha: string; size: number; content?: string; encoding?: string }
    if (file.size > MAX_WORKFLOW_BYTES || file.encoding !== 'base64' || file.content === undefined) return { sha: file.sha, source: '', size: file.size }
    return { sha: file.sha, source: decodeBase64(file.content), size: file.size }
  } catch (error) {
    if (status(error) === 404) return null
    throw fromGitHubError(error, `reading ${path} of ${repo}`)
  }
}

/** Parses a workflow file, with the problem of a file too large to read. */
export function parseFile(path: string, file: { source: string; size: number }): ParseResult {
  if (file.size > MAX_WORKFLOW_BYTES) {
    return { ok: false, problems: [{ file: path, line: 1, column: 1, message: `The file is ${Math.ceil(file.size / 1024)} KB; workflow files may be at most ${MAX_WORKFLOW_BYTES / 1024} KB` }] }
  }
  return parseWorkflow(file.source, path)
}

function fromRow(row: FileRow): CachedWorkflowFile {
  return {
    repo: row.repo,
    path: row.path,
    sha: row.sha,
    source: row.source,
    name: row.name,
    triggers: row.triggers ? (JSON.parse(row.triggers) as WorkflowTriggers) : null,
    problems: row.problems ? (JSON.parse(row.problems) as WorkflowProblem[]) : [],
    readAt: row.read_at,
  }
}

/**
 * Reads the workflow files of `repo` at `ref` (its default branch) and makes `workflow_files`
 * match them: new and changed files are fetched and parsed (a file whose blob sha is cached
 * already is not fetched again), files gone are dropped. A missing `.coder/workflows` directory
 * means no workflows. Resolves to the cached files, sorted by path.
 */
export async function readWorkflowFiles(env: Env, octokit: Octokit, repo: string, ref: string): Promise<CachedWorkflowFile[]> {
  let listing: Array<{ type: string; path: string; sha: string; size: number }> = []
  try {
    const { data } = await octokit.rest.repos.getContent({ ...splitRepo(repo), path: WORKFLOW_DIR, ref })
    if (Array.isArray(data)) listing = data
  } catch (error) {
    // No directory (or an empty repository): no workflows.
    if (status(error) !== 404) throw fromGitHubError(error, `listing ${WORKFLOW_DIR} of ${repo}`)
  }
  const entries = listing.filter((e) => e.type === 'file' && isWorkflowPath(e.path)).sort((a, b) => a.path.localeCompare(b.path))
  const skipped = entries.slice(MAX_WORKFLOW_FILES)
  const cached = new Map((await cachedWorkflowFiles(env.DB, repo)).map((f) => [f.path, f]))
  const now = Date.now()

  const files = await Promise.all(
    entries.slice(0, MAX_WORKFLOW_FILES).map(async (entry) => {
      const known = cached.get(entry.path)
      const file = known && known.sha === entry.sha ? { sha: known.sha, source: known.source, size: entry.size } : await fetchFile(octokit, repo, entry.path, ref)
      return file ? { path: entry.path, ...file } : null
    }),
  )
  const statements: D1PreparedStatement[] = []
  const kept: string[] = []
  for (const file of files) {
    if (!file) continue
    kept.push(file.path)
    const parsed = parseFile(file.path, file)
    statements.push(
      env.DB.prepare(
        `INSERT INTO workflow_files (repo, path, sha, source, name, triggers, problems, read_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (repo, path) DO UPDATE SET sha = excluded.sha, source = excluded.source, name = excluded.name,
           triggers = excluded.triggers, problems = excluded.problems, read_at = excluded.read_at`,
      ).bind(
        repo,
        file.path,
        file.sha,
        file.source,
        parsed.ok ? parsed.workflow.name : null,
        parsed.ok ? JSON.stringify(parsed.workflow.on) : null,
        parsed.ok ? null : JSON.stringify(parsed.problems),
        now,
      ),
    )
  }
  for (const entry of skipped) {
    kept.push(entry.path)
    const problem: WorkflowProblem = { file: entry.path, line: 1, column: 1, message: `Only the first ${MAX_WORKFLOW_FILES} workflow files of a repository are read` }
    statements.push(
      env.DB.prepare(
        `INSERT INTO workflow_files (repo, path, sha, source, name, triggers, problems, read_at) VALUES (?, ?, ?, '', NULL, NULL, ?, ?)
         ON CONFLICT (repo, path) DO UPDATE SET sha = excluded.sha, source = '', name = NULL, triggers = NULL, problems = excluded.problems, read_at = excluded.read_at`,
      ).bind(repo, entry.path, entry.sha, JSON.stringify([problem]), now),
    )
  }
  statements.push(env.DB.prepare('DELETE FROM workflow_files WHERE repo = ? AND path NOT IN (SELECT value FROM json_each(?))').bind(repo, JSON.stringify(kept)))
  await env.DB.batch(statements)
  return cachedWorkflowFiles(env.DB, repo)
}

/** The cached workflow files of `repo` (as stored), sorted by path. */
export async function cachedWorkflowFiles(db: D1Database, repo: string): Promise<CachedWorkflowFile[]> {
  const { results } = await db.prepare('SELECT * FROM workflow_files WHERE repo = ? ORDER BY path').bind(repo).all<FileRow>()
  return results.map(fromRow)
}

/** The workflow a cached file holds, parsed again from its text; null when it does not parse. */
export function cachedWorkflow(file: CachedWorkflowFile): Workflow | null {
  if (!file.triggers) return null
  const parsed = parseWorkflow(file.source, file.path)
  return parsed.ok ? parsed.workflow : null
}
