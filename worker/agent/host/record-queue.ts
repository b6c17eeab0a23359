/**
 * The ordered request queue behind a run's record at the edge (`/api/runs`), shared by the agent's
 * recorder (run-record.ts) and the IDE's deploy recorder (web/deploy/recorder.ts). Requests go out
 * one at a time, in the order they were added, so the edge's event log is in the run's order.
 * While the browser is offline it waits for the `online` event (offline uses up no tries); while
 * online, a request that fails (network, 5xx, 408, 429) is tried again after a growing wait, up to
 * `attempts` times, then the queue gives up. A 401 (signed out), or a create answered by something
 * that is not the edge, stops it at once; any other refusal skips that one request. It never throws.
 */

/** What a request is: a failed `create` means there is no edge to record to. */
export type RecordOpKind = 'create' | 'events' | 'artifact' | 'end'

export interface RecordOp {
  kind: RecordOpKind
  /** Made when it is sent (again on each try). */
  request(): Promise<Request>
}

/** `waiting`: the edge is out of reach and the queue tries again; the last three send nothing more. */
export type RecordQueueState = 'recording' | 'waiting' | 'signed-out' | 'unavailable' | 'gave-up'

export interface RecordQueueOptions {
  fetch?: typeof fetch
  /** How requests carry the session cookie: `include` from the agent's worker, `same-origin` from the page. */
  credentials: RequestCredentials
  /** Tries per request while online, and the first wait between them (doubling, at most 30 s). */
  attempts: number
  delayMs: number
}

export interface RecordQueue {
  readonly state: RecordQueueState
  /** Signed out, no edge, or given up: nothing more is sent, and what is added is dropped. */
  stopped(): boolean
  /** Adds a request at the end, or with `first` before all others (the record's create). */
  add(op: RecordOp, first?: boolean): void
  /** Starts sending; what was added before waits until then. */
  open(): void
  /** Resolves once everything added so far is sent, skipped or given up. */
  settled(): Promise<void>
}

type Verdict = 'sent' | 'retry' | 'skip' | 'signed-out' | 'unavailable'

const REQUEST_TIMEOUT_MS = 30_000
const MAX_RETRY_DELAY_MS = 30_000

function judge(op: RecordOp, res: Response): Verdict {
  if (res.ok) {
    // Something that is not the edge (a static server's page for every path) answers 200 with HTML.
    if (op.kind === 'create' && !(res.headers.get('content-type') ?? '').includes('json')) return 'unavailable'
    return 'sent'
  }
  if (res.status === 401) return 'signed-out'
  // A create retried after its answer was lost: the record is there.
  if (op.kind === 'create' && res.status === 409) return 'sent'
  if (op.kind === 'create' && (res.status === 404 || res.status === 405)) return 'unavailable'
  if (res.status >= 500 || res.status === 408 || res.status === 429) return 'retry'
  // Refused for good (too large, malformed): the rest can still be recorded.
  return 'skip'
}

/** Waits until the browser says it is online again (or `ms` passed, in case it never says). */
const waitForOnline = (ms: number) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t)
      globalThis.removeEventListener?.('online', done)
      resolve()
    }
    const t = setTimeout(done, ms)
    globalThis.addEventListener?.('online', done)
  })
const isOffline = () => typeof navigator !== 'undefined' && navigator.onLine === false

export function createRecordQueue(options: RecordQueueOptions): RecordQueue {
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init))
  const ops: RecordOp[] = []
  let state: RecordQueueState = 'recording'
  let opened = false
  let pumping: Promise<void> | null = null
  const stopped = () => state === 'signed-out' || state === 'unavailable' || state === 'gave-up'

  function pump() {
    pumping ??= (async () => {
      // Let `pumping` be set before the loop can end and clear it.
      await null
      while (ops.length && !stopped()) {
        const op = ops[0]!
        let verdict: Verdict = 'retry'
        for (let attempt = 0; ; ) {
          try {
            const req = await op.request()
            verdict = judge(op, await doFetch(req, { credentials: options.credentials, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }))
          } catch {
            verdict = 'retry'
          }
          if (verdict !== 'retry') break
          if (isOffline()) {
            // Offline does not use up tries: the record is made when the connection is back.
            state = 'waiting'
            await waitForOnline(MAX_RETRY_DELAY_MS)
            continue
          }
          if (++attempt >= options.attempts) break
          state = 'waiting'
          await waitForOnline(Math.min(options.delayMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS))
        }
        if (verdict === 'retry') {
          state = 'gave-up'
        } else if (verdict === 'signed-out' || verdict === 'unavailable') {
          state = verdict
        } else {
          ops.shift()
          state = 'recording'
        }
      }
      if (stopped()) ops.length = 0
      pumping = null
    })()
  }

  return {
    get state() {
      return state
    },
    stopped,
    add(op, first = false) {
      if (stopped()) return
      if (first) ops.unshift(op)
      else ops.push(op)
      if (opened) pump()
    },
    open() {
      opened = true
      pump()
    },
    async settled() {
      while (pumping) await pumping
    },
  }
}
