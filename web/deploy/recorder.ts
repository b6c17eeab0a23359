/**
 * A deploy's run record at the edge (`/api/runs`, kind `deploy`), so it shows on the Runs page
 * beside the agents' runs: the record, its events in order, its artifacts (the build log, the
 * manifest) and how it ended. The agent's recorder (worker/agent/host/run-record.ts) speaks only
 * agent events and end reasons; this is its small sibling for deploys. Recording never fails a
 * deploy: signed out or without an edge it records nothing; offline it waits for the connection.
 */

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

interface Op {
  create?: boolean
  url: string
  init: RequestInit
}

const REQUEST_TIMEOUT_MS = 30_000
const MAX_WAIT_MS = 30_000

/**
 * A recorder for one deploy (see DeployRecorder): requests go out one at a time, in order. A 401
 * stops recording (signed out), as does a create answered by something that is not the edge; a
 * network error or 5xx is tried again after a growing wait (without using up tries while the
 * browser is offline); any other refusal skips that one request.
 */
export function createDeployRecorder(options: DeployRecorderOptions = {}): DeployRecorder {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init))
  const attempts = options.retry?.attempts ?? 4
  const firstDelay = options.retry?.delayMs ?? 500
  const runId = crypto.randomUUID()
  const base = `/api/runs/${runId}`
  const ops: Op[] = []
  let state: DeployRecorderState = 'idle'
  let pumping: Promise<void> | null = null
  const stopped = () => state === 'signed-out' || state === 'unavailable' || state === 'gave-up'

  const waitOnline = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        removeEventListener('online', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      addEventListener('online', done)
    })

  /** 'sent', 'skip', 'retry' or a state that stops recording. */
  async function send(op: Op): Promise<'sent' | 'skip' | 'retry' | 'signed-out' | 'unavailable'> {
    let res: Response
    try {
      res = await doFetch(op.url, { ...op.init, credentials: 'same-origin', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
    } catch {
      return 'retry'
    }
    if (res.ok) return op.create && !(res.headers.get('content-type') ?? '').includes('json') ? 'unavailable' : 'sent'
    if (res.status === 401) return 'signed-out'
    // A create retried after its answer was lost: the record is there.
    if (op.create && res.status === 409) return 'sent'
    if (op.create && (res.status === 404 || res.status === 405)) return 'unavailable'
    if (res.status >= 500 || res.status === 408 || res.status === 429) return 'retry'
    return 'skip'
  }

  function pump() {
    pumping ??= (async () => {
      await null
      while (ops.length && !stopped()) {
        const op = ops[0]!
        let verdict = await send(op)
        for (let attempt = 1; verdict === 'retry'; ) {
          if (navigator.onLine === false) {
            await waitOnline(MAX_WAIT_MS)
          } else {
            if (attempt++ >= attempts) break
            await waitOnline(Math.min(firstDelay * 2 ** (attempt - 2), MAX_WAIT_MS))
          }
          verdict = await send(op)
        }
        if (verdict === 'retry') state = 'gave-up'
        else if (verdict === 'signed-out' || verdict === 'unavailable') state = verdict
        else ops.shift()
      }
      if (stopped()) ops.length = 0
      pumping = null
    })()
  }

  const enqueue = (op: Op) => {
    if (stopped() || state === 'idle') return
    ops.push(op)
    pump()
  }
  const json = (method: string, body: unknown): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

  return {
    runId,
    start(run) {
      if (state !== 'idle') return
      state = 'recording'
      const body = { id: runId, project: run.project, kind: 'deploy', title: run.title, status: 'running', startedAt: Date.now(), ...(run.branch ? { branch: run.branch } : {}), ...(run.commit ? { commit: run.commit } : {}) }
      enqueue({ create: true, url: '/api/runs', init: json('POST', body) })
    },
    event(event) {
      enqueue({ url: `${base}/events`, init: { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: `${JSON.stringify(event)}\n` } })
    },
    artifact(name, contentType, content) {
      enqueue({ url: `${base}/artifacts/${encodeURIComponent(name)}`, init: { method: 'PUT', headers: { 'content-type': contentType }, body: content } })
    },
    async finish(status, reason) {
      enqueue({ url: base, init: json('PATCH', { status, ...(reason ? { reason } : {}), finishedAt: Date.now() }) })
      while (pumping) await pumping
      if (state === 'recording') state = 'done'
      return state
    },
  }
}
