/**
 * A deploy's run record at the edge (`/api/runs`, kind `deploy`), so it shows on the Runs page
 * beside the agents' runs: the record, its events in order, its artifacts (the build log, the
 * manifest) and how it ended. The agent's recorder (worker/agent/host/run-record.ts) speaks only
 * agent events and end reasons; this is its small sibling for deploys, on the same record queue
 * (worker/agent/host/record-queue.ts). Recording never fails a deploy: signed out or without an
 * edge it records nothing; offline it waits for the connection.
 */
import { createRecordQueue, type RecordOp } from '../../worker/agent/host/record-queue'

/** One line of a deploy's event log. */
export type DeployRunEvent =
  | { type: 'deploy-started'; project: string; projectId: string; buildCommand: string | null; outputFolder: string; spa: boolean; visibility: string; at: number }
  | { type: 'deploy-phase'; phase: 'build' | 'collect' | 'upload'; at: number }
  | { type: 'deploy-build-finished'; command: string; code: number; durationMs: number; at: number }
  | { type: 'deploy-collected'; files: number; at: number }
  | { type: 'deploy-uploaded'; deploymentId: string; uploadedFiles: number; totalFiles: number; uploadedBytes: number; totalBytes: number; at: number }
  | { type: 'deploy-finished'; status: DeployRunStatus; message: string; deploymentId?: string; url?: string; at: number }

export type DeployRunStatus = 'succeeded' | 'failed' | 'cancelled'

/** `done`: all recorded; `signed-out` / `unavailable` (no edge) / `gave-up` (the edge kept failing): the rest was not recorded. */
export type DeployRecorderState = 'idle' | 'recording' | 'done' | 'signed-out' | 'unavailable' | 'gave-up'

export interface DeployRecorder {
  readonly runId: string
  /** Creates the record (status running). Nothing is sent before it. */
  start(run: { project: string; title: string; branch?: string | null; commit?: string | null }): void
  event(event: DeployRunEvent): void
  /** Stores an artifact (name: letters, digits, `.`, `-`, `_`) after the events so far. */
  artifact(name: string, contentType: string, content: string): void
  /** Ends the record with `status` and `reason` (`build_failed`, …) once everything before it is sent; resolves to the final state, never rejects. */
  finish(status: DeployRunStatus, reason?: string): Promise<DeployRecorderState>
}

export interface DeployRecorderOptions {
  fetch?: typeof fetch
  /** Tries per request while online (default 4), the first wait between them (default 500 ms, doubling). */
  retry?: { attempts?: number; delayMs?: number }
}

/** A recorder for one deploy (see DeployRecorder), its requests in order through the agent's record queue. */
export function createDeployRecorder(options: DeployRecorderOptions = {}): DeployRecorder {
  const queue = createRecordQueue({ fetch: options.fetch, credentials: 'same-origin', attempts: options.retry?.attempts ?? 4, delayMs: options.retry?.delayMs ?? 500 })
  const runId = crypto.randomUUID()
  const base = `/api/runs/${runId}`
  let started = false
  const enqueue = (kind: RecordOp['kind'], url: string, init: RequestInit) => {
    if (started) queue.add({ kind, request: async () => new Request(url, init) })
  }
  const json = (method: string, body: unknown): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

  return {
    runId,
    start(run) {
      if (started) return
      started = true
      const body = { id: runId, project: run.project, kind: 'deploy', title: run.title, status: 'running', startedAt: Date.now(), ...(run.branch ? { branch: run.branch } : {}), ...(run.commit ? { commit: run.commit } : {}) }
      enqueue('create', '/api/runs', json('POST', body))
      queue.open()
    },
    event(event) {
      enqueue('events', `${base}/events`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: `${JSON.stringify(event)}\n` })
    },
    artifact(name, contentType, content) {
      enqueue('artifact', `${base}/artifacts/${encodeURIComponent(name)}`, { method: 'PUT', headers: { 'content-type': contentType }, body: content })
    },
    async finish(status, reason) {
      enqueue('end', base, json('PATCH', { status, ...(reason ? { reason } : {}), finishedAt: Date.now() }))
      await queue.settled()
      const state = queue.state
      return !started ? 'idle' : state === 'signed-out' || state === 'unavailable' || state === 'gave-up' ? state : 'done'
    },
  }
}
