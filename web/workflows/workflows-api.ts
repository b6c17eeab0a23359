/** @module The edge's workflow API as the IDE uses it: connected repositories, workflows, runs, approvals, secrets and runner tokens. */
import type { WorkflowProblem, WorkflowRunStatus, WorkflowRunView, WorkflowTriggers } from '../../shared/workflow'

/** A GitHub repository connected for workflows (GET /api/workflows/repos). */
export interface WorkflowRepo {
  repo: string
  defaultBranch: string
  connectedAt: number
  /** In the order they connected it: the first is whose connection trigger-started runs run under. */
  members: Array<{ id: string; name: string; login: string | null }>
}

/** A workflow file as the edge last read it from the default branch, with its state. */
export interface EdgeWorkflow {
  path: string
  name: string | null
  triggers: WorkflowTriggers | null
  problems: WorkflowProblem[] | null
  enabled: boolean
  lastRun: { id: string; status: WorkflowRunStatus; createdAt: number } | null
  nextRunAt: number | null
}

/** A run as a repository's run list gives it. */
export interface WorkflowRunSummary {
  id: string
  path: string
  name: string
  status: WorkflowRunStatus
  trigger: { kind: string; summary: string }
  costMicros: number
  createdAt: number
  finishedAt: number | null
}

export interface RunnerToken {
  id: string
  name: string
  createdAt: number
  lastUsedAt: number | null
  revokedAt: number | null
}

/** How run statuses read in lists and headers. */
export const RUN_STATUS_LABELS: Record<WorkflowRunStatus, string> = { queued: 'Queued', running: 'Running', waiting: 'Waiting', succeeded: 'Succeeded', failed: 'Failed', cancelled: 'Cancelled' }

/** Why a call failed: `status` is the HTTP status (0 when no server answered), `code` the edge's. */
export class WorkflowsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch {
    throw new WorkflowsError(0, 'offline', navigator.onLine === false ? 'You are offline. Workflows are kept by the server; try again once you are back online.' : 'The server could not be reached. Try again in a moment.')
  }
  const data = (await res.json().catch(() => null)) as ({ error?: { code?: string; message?: string } } & T) | null
  if (!res.ok) {
    const fallback = res.status === 401 ? 'Sign in to use workflows.' : res.status === 404 ? 'The server has no such workflow route or record (404).' : `the server answered ${res.status} ${res.statusText}`
    throw new WorkflowsError(res.status, data?.error?.code ?? String(res.status), data?.error?.message ?? fallback)
  }
  return data as T
}

const enc = encodeURIComponent
/** `owner/name` → `owner/name` with each part URL-encoded, for paths. */
const repoPath = (repo: string) => repo.split('/').map(enc).join('/')

/** The edge's workflow routes (same origin, the session cookie). Every call rejects with a WorkflowsError carrying the edge's message. */
export const workflowsApi = {
  repos: () => call<{ repos: WorkflowRepo[] }>('GET', '/api/workflows/repos').then((r) => r.repos),
  /** Connects `repo` for the signed-in user (the edge checks with GitHub that they may push). */
  connect: (repo: string) => call<{ repo: string; defaultBranch: string; workflows: EdgeWorkflow[] }>('POST', '/api/workflows/repos', { repo }),
  disconnect: (repo: string) => call<unknown>('DELETE', `/api/workflows/repos/${repoPath(repo)}`),
  workflows: (repo: string, refresh = false) => call<{ workflows: EdgeWorkflow[] }>('GET', `/api/workflows/repos/${repoPath(repo)}/workflows${refresh ? '?refresh=1' : ''}`).then((r) => r.workflows),
  setEnabled: (repo: string, path: string, enabled: boolean) => call<unknown>('PUT', `/api/workflows/repos/${repoPath(repo)}/workflows/enabled`, { path, enabled }),
  /** Queues a manual run of `path` ("Run now"); `source` is the file as the IDE has it on branch `ref`. */
  startRun: (repo: string, options: { path: string; source?: string; ref?: string; inputs?: Record<string, unknown> }) =>
    call<{ run: WorkflowRunView }>('POST', `/api/workflows/repos/${repoPath(repo)}/runs`, options).then((r) => r.run),
  runs: (repo: string) => call<{ runs: WorkflowRunSummary[] }>('GET', `/api/workflows/repos/${repoPath(repo)}/runs`).then((r) => r.runs),
  secrets: (repo: string) => call<{ secrets: Array<{ name: string; updatedAt: number }> }>('GET', `/api/workflows/repos/${repoPath(repo)}/secrets`).then((r) => r.secrets),
  setSecret: (repo: string, name: string, value: string) => call<unknown>('PUT', `/api/workflows/repos/${repoPath(repo)}/secrets/${enc(name)}`, { value }),
  deleteSecret: (repo: string, name: string) => call<unknown>('DELETE', `/api/workflows/repos/${repoPath(repo)}/secrets/${enc(name)}`),
  getRun: (id: string) => call<WorkflowRunView>('GET', `/api/workflows/runs/${enc(id)}`),
  approve: (id: string, decision: 'approved' | 'rejected', note?: string) => call<unknown>('POST', `/api/workflows/runs/${enc(id)}/approval`, { decision, ...(note ? { note } : {}) }),
  cancel: (id: string) => call<unknown>('POST', `/api/workflows/runs/${enc(id)}/cancel`),
  runnerTokens: () => call<{ tokens: RunnerToken[] }>('GET', '/api/runners/tokens').then((r) => r.tokens),
  /** Creates a runner token; the token itself is in this answer only. */
  createRunnerToken: (name: string) => call<{ id: string; name: string; token: string }>('POST', '/api/runners/tokens', { name }),
  revokeRunnerToken: (id: string) => call<unknown>('DELETE', `/api/runners/tokens/${enc(id)}`),
}
