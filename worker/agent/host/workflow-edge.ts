import { AppError } from '../../../shared/errors'
import type { StepOutput, StepState, WorkflowRunView } from '../../../shared/workflow/types'

/** The answer to starting a step: run it, it was finished before (skip it), or the run now waits for a person. */
export type StepStart = { step: StepState; already: boolean; waiting?: false } | { waiting: true }

/** A runner's calls on one leased run (POST /api/workflows/runs/<id>/…), each proving the lease. */
export interface RunnerEdge {
  heartbeat(): Promise<{ cancelled: boolean }>
  startStep(index: number): Promise<StepStart>
  log(index: number, text: string): Promise<void>
  finishStep(index: number, result: { status: 'succeeded' | 'failed' | 'skipped'; output?: StepOutput; error?: string; costMicros?: number }): Promise<WorkflowRunView>
  secrets(): Promise<Record<string, string>>
  release(): Promise<void>
  /** Any other same-origin JSON call with the runner's session (GitHub through the edge, the git hosts). */
  json<T>(method: string, path: string, body?: unknown): Promise<T>
  /** A raw same-origin request with the runner's session (`path` starts with `/api/`), its answer as it is: for callers that read errors themselves (deployments). */
  fetch(path: string, init?: RequestInit): Promise<Response>
}

/** The edge's `{ error: { code, message } }` as an AppError (`LEASE_LOST` for a lease that is gone). */
async function failure(res: Response, doing: string): Promise<AppError> {
  let code = ''
  let message = `${res.status} ${res.statusText}`
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } }
    code = body.error?.code ?? ''
    message = body.error?.message ?? message
  } catch {
    // Not JSON: the status line says enough.
  }
  if (code === 'lease_lost') return new AppError('LEASE_LOST', `${doing}: ${message}`)
  return new AppError('NETWORK', `${doing}: ${message}`, { status: res.status, code })
}

export function createRunnerEdge(origin: string, runId: string, leaseToken: string, fetchFn: typeof fetch = fetch): RunnerEdge {
  const json = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetchFn(`${origin}${path}`, {
      method,
      credentials: 'include',
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    if (!res.ok) throw await failure(res, `${method} ${path}`)
    return (res.status === 204 ? undefined : await res.json()) as T
  }
  const run = `/api/workflows/runs/${runId}`
  return {
    heartbeat: () => json('POST', `${run}/heartbeat`, { leaseToken }),
    startStep: (index) => json('POST', `${run}/steps/${index}/start`, { leaseToken }),
    log: async (index, text) => void (await json('POST', `${run}/steps/${index}/log`, { leaseToken, text })),
    finishStep: async (index, result) => (await json<{ run: WorkflowRunView }>('POST', `${run}/steps/${index}/finish`, { leaseToken, ...result })).run,
    secrets: async () => (await json<{ secrets: Record<string, string> }>('POST', `${run}/secrets`, { leaseToken })).secrets,
    release: async () => void (await json('POST', `${run}/release`, { leaseToken })),
    json,
    fetch: (path, init) => fetchFn(`${origin}${path}`, { ...init, credentials: 'include' }),
  }
}
