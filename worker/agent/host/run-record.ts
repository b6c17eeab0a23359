/**
 * An agent run's record at the edge (`/api/runs`), kept in step with the run: the record under
 * the run's own id (so the ledger's spending per run links to it), its events in order, its
 * artifacts (transcript, test reports, patch) and how it ended. Recording never fails a run:
 * signed out, it records nothing; offline, it waits for the connection and records then.
 */
import type { AgentEvent, FileChange, RunBudget, RunEndReason, RunUsage } from '../../../shared/agent'
import type { FileService } from '../../../shared/namespace'
import { toJUnitXml, type TestReport } from '../../../shared/runtime'
import { createRecordQueue, type RecordOp } from './record-queue'

/** The artifact names a run's record uses, as the Runs page offers them. */
export const RUN_ARTIFACTS = {
  transcript: 'transcript.jsonl',
  testReport: 'test-report.json',
  junit: 'junit.xml',
  patch: 'changes.patch',
} as const

/** What the recorder is doing: `waiting` = the edge is out of reach and it tries again; `signed-out`, `unavailable` (no edge) and `gave-up` record nothing more. */
export type RecorderState = 'idle' | 'recording' | 'waiting' | 'done' | 'signed-out' | 'unavailable' | 'gave-up'

/** How a run ended, as the recorder needs it (the agent worker's run result fits). */
export interface RunOutcome {
  stopped?: { reason: RunEndReason; message: string; usage: RunUsage; at: number }
  commit?: { branch: string; oid: string }
  pullRequest?: { number: number; url: string }
  changes?: FileChange[]
  /** Overrides `stopped.usage` (what the run cost). */
  usage?: RunUsage
  /** The run failed before it could stop by itself (a platform error): recorded as failed with this message. */
  error?: string
}

export interface RunRecorder {
  readonly state: RecorderState
  /** Creates the record (kind `agent`, id `runId`, titled by the task's first line). Call once, before the rest; nothing is sent before it. */
  start(run: { runId: string; project: string; task: string; model: string; budget: RunBudget; startedAt?: number }): void
  /** Adds an event: kept for the transcript, and sent with the others at most every `batchMs` and at the end, in order. */
  event(event: AgentEvent): void
  /** Stores an artifact under `name` (letters, digits, `.`, `-`, `_`), after the events so far. */
  artifact(name: string, contentType: string, bytes: Uint8Array | string): void
  /** Stores a test report as JSON and as JUnit XML. */
  testReport(report: TestReport): void
  /**
   * Sends the rest of the events, the transcript, then the record's end: status (succeeded for
   * `finished`, cancelled for `user`, failed otherwise), cost, finish time, reason, branch, commit
   * and pull request. Resolves with the recorder's final state once all is recorded or given up;
   * never rejects. While the browser is offline it waits for the connection: do not hold the run on it.
   */
  finish(outcome: RunOutcome): Promise<RecorderState>
}

export interface RunRecorderOptions {
  /** The edge's origin (the agent worker's own). */
  origin: string
  fetch?: typeof fetch
  /** Longest an event waits to be sent with others (default 1000 ms). */
  batchMs?: number
  /** Tries per request while online before giving up (default 6), and the first wait between them (default 1000 ms, doubling, at most 30 s). */
  retry?: { attempts?: number; delayMs?: number }
}

/** Largest piece of event log sent at once (the edge takes up to 1 MiB). */
const MAX_BATCH_BYTES = 512 * 1024

/** The record's status for an end reason: only `finished` succeeded; the user's Stop is a cancel. */
export function runStatus(reason: RunEndReason): 'succeeded' | 'failed' | 'cancelled' {
  switch (reason) {
    case 'finished':
      return 'succeeded'
    case 'user':
      return 'cancelled'
    case 'failed':
    case 'error':
    case 'stuck':
    case 'budget':
    case 'no_action':
      return 'failed'
    default:
      return unreachable(reason)
  }
}

function unreachable(x: never): never {
  throw new Error(`unexpected ${String(x)}`)
}

const sha256 = async (bytes: Uint8Array) => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)), (b) => b.toString(16).padStart(2, '0')).join('')

/**
 * A recorder for one run (see RunRecorder): its requests go through a record queue
 * (record-queue.ts), in order, waiting while offline, giving up after `retry.attempts` failures
 * online; a 401 (signed out) or no edge at all stops recording at once. Nothing here ever throws
 * into the run.
 */
export function createRunRecorder(options: RunRecorderOptions): RunRecorder {
  const batchMs = options.batchMs ?? 1000
  const base = `${options.origin.replace(/\/$/, '')}/api/runs`
  const queue = createRecordQueue({ fetch: options.fetch, credentials: 'include', attempts: options.retry?.attempts ?? 6, delayMs: options.retry?.delayMs ?? 1000 })
  let runId: string | null = null
  const transcript: string[] = []
  let pending: string[] = []
  let timer: ReturnType<typeof setTimeout> | undefined
  let ended = false
  let done = false

  const state = (): RecorderState => (!runId ? 'idle' : done ? 'done' : queue.state)
  const url = (path = '') => `${base}/${runId}${path}`
  const enqueue = (op: RecordOp) => queue.add(op)

  function flushEvents() {
    clearTimeout(timer)
    timer = undefined
    if (!runId || pending.length === 0) return
    const lines = pending
    pending = []
    let batch: string[] = []
    let size = 0
    const send = (piece: string[]) => {
      const body = `${piece.join('\n')}\n`
      enqueue({ kind: 'events', request: async () => new Request(url('/events'), { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body }) })
    }
    for (const line of lines) {
      const bytes = new TextEncoder().encode(line).byteLength + 1
      if (batch.length && size + bytes > MAX_BATCH_BYTES) {
        send(batch)
        batch = []
        size = 0
      }
      batch.push(line)
      size += bytes
    }
    if (batch.length) send(batch)
  }

  return {
    get state() {
      return state()
    },
    start(run) {
      if (runId) return
      runId = run.runId
      const title = run.task.trim().split('\n')[0]!.slice(0, 300) || 'Agent run'
      const body = JSON.stringify({ id: run.runId, project: run.project, kind: 'agent', title, status: 'running', startedAt: run.startedAt ?? Date.now() })
      queue.add({ kind: 'create', request: async () => new Request(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body }) }, true)
      queue.open()
      if (pending.length) timer ??= setTimeout(flushEvents, batchMs)
    },
    event(event) {
      const line = JSON.stringify(event)
      transcript.push(line)
      if (queue.stopped()) return
      pending.push(line)
      if (runId) timer ??= setTimeout(flushEvents, batchMs)
    },
    artifact(name, contentType, bytes) {
      const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes
      enqueue({
        kind: 'artifact',
        request: async () => new Request(url(`/artifacts/${encodeURIComponent(name)}`), { method: 'PUT', headers: { 'content-type': contentType, 'x-content-sha256': await sha256(data) }, body: data as Uint8Array<ArrayBuffer> }),
      })
    },
    testReport(report) {
      this.artifact(RUN_ARTIFACTS.testReport, 'application/json', `${JSON.stringify(report, null, 2)}\n`)
      this.artifact(RUN_ARTIFACTS.junit, 'application/xml', toJUnitXml(report))
    },
    async finish(outcome) {
      if (!runId || ended) return (await queue.settled(), state())
      ended = true
      let stop = outcome.stopped
      if (!stop) {
        // The run broke before it could stop: the record and its transcript say why.
        const usage = outcome.usage ?? { turns: 0, inputTokens: 0, outputTokens: 0, costMicros: 0, elapsedMs: 0 }
        const event: AgentEvent = { type: 'run-stopped', reason: 'error', message: outcome.error ?? 'The run ended without saying why.', usage, at: Date.now() }
        this.event(event)
        stop = event
      }
      flushEvents()
      if (transcript.length) this.artifact(RUN_ARTIFACTS.transcript, 'application/x-ndjson', `${transcript.join('\n')}\n`)
      const usage = outcome.usage ?? stop.usage
      const end = {
        status: runStatus(stop.reason),
        reason: stop.reason,
        cost: usage.costMicros / 1e6,
        finishedAt: stop.at,
        ...(outcome.commit ? { branch: outcome.commit.branch, commit: outcome.commit.oid } : {}),
        ...(outcome.pullRequest ? { pullRequest: outcome.pullRequest.url } : {}),
      }
      enqueue({ kind: 'end', request: async () => new Request(url(), { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(end) }) })
      await queue.settled()
      if (!queue.stopped()) done = true
      return state()
    },
  }
}

/** The newest test report the run's runtime kept under `/runs/<id>/report.json` in the agent's namespace, or null. */
export async function latestTestReport(fs: FileService): Promise<TestReport | null> {
  let names: string[]
  try {
    names = await fs.readdir('/runs')
  } catch {
    return null
  }
  let latest: TestReport | null = null
  for (const name of names) {
    try {
      const report = JSON.parse(new TextDecoder().decode(await fs.readFile(`/runs/${name}/report.json`))) as TestReport
      if (!latest || report.startedAt > latest.startedAt || (report.startedAt === latest.startedAt && report.id > latest.id)) latest = report
    } catch {
      // Not a test report (another run's folder): skip it.
    }
  }
  return latest
}

const pad = (n: number) => String(n).padStart(2, '0')
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** A date as git's mails write it: `Mon, 3 Jun 2024 12:00:00 +0000`. */
function mailDate(date: Date): string {
  return `${DAYS[date.getUTCDay()]}, ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
}

/** A header value as-is when it is plain ASCII, else as one RFC 2047 encoded word (as git writes them). */
function mailHeader(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text
  const bytes = new TextEncoder().encode(text)
  const encoded = Array.from(bytes, (b) => (b > 0x20 && b < 0x7f && b !== 0x3d && b !== 0x3f && b !== 0x5f ? String.fromCharCode(b) : b === 0x20 ? '_' : `=${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('')
  return `=?UTF-8?q?${encoded}?=`
}

/** git's diffstat of a unified diff: one line per file, then the totals. */
function diffStat(diff: string): string {
  const files: Array<{ name: string; added: number; removed: number; binary: boolean }> = []
  let inHunk = false
  for (const line of diff.split('\n')) {
    const header = /^diff --git a\/(.*) b\/(.*)$/.exec(line)
    if (header) {
      files.push({ name: header[2]!, added: 0, removed: 0, binary: false })
      inHunk = false
      continue
    }
    const file = files.at(-1)
    if (!file) continue
    if (line.startsWith('@@')) inHunk = true
    else if (/^Binary files /.test(line)) file.binary = true
    else if (inHunk && line.startsWith('+')) file.added++
    else if (inHunk && line.startsWith('-')) file.removed++
  }
  if (!files.length) return ''
  const nameWidth = Math.max(...files.map((f) => f.name.length))
  const countWidth = Math.max(...files.map((f) => String(f.added + f.removed).length))
  const most = Math.max(...files.map((f) => f.added + f.removed))
  const barWidth = Math.max(1, 72 - nameWidth - countWidth - 6)
  const scale = (n: number) => (most <= barWidth ? n : Math.max(n ? 1 : 0, Math.round((n * barWidth) / most)))
  const lines = files.map((f) => ` ${f.name.padEnd(nameWidth)} | ${f.binary ? 'Bin' : `${String(f.added + f.removed).padStart(countWidth)} ${'+'.repeat(scale(f.added))}${'-'.repeat(scale(f.removed))}`}`.trimEnd())
  const added = files.reduce((n, f) => n + f.added, 0)
  const removed = files.reduce((n, f) => n + f.removed, 0)
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`
  const totals = [plural(files.length, 'file changed', 'files changed'), added ? `${plural(added, 'insertion(+)', 'insertions(+)')}` : null, removed ? `${plural(removed, 'deletion(-)', 'deletions(-)')}` : null].filter(Boolean).join(', ')
  return `${lines.join('\n')}\n ${totals}\n`
}

/**
 * git's "new file mode" / "deleted file mode" line for each file the diff adds or deletes: without
 * it `git apply` reads `+++ /dev/null` as a file named dev/null.
 */
function withFileModes(diff: string): string {
  const lines = diff.split('\n')
  const out: string[] = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    out.push(line)
    if (!line.startsWith('diff --git ') || !lines[i + 1]?.startsWith('--- ') || !lines[i + 2]?.startsWith('+++ ')) continue
    if (lines[i + 1] === '--- /dev/null') out.push('new file mode 100644')
    else if (lines[i + 2] === '+++ /dev/null') out.push('deleted file mode 100644')
  }
  return out.join('\n')
}

/**
 * One commit as `git format-patch` writes it (an mbox message `git am` applies): the commit's
 * author, date and message, a diffstat, and `diff` — the commit's change as a unified diff in
 * git's `a/` `b/` form (worker/agent/tools/runtime.ts `unifiedDiff`, taken before the commit).
 * Binary files appear only as "Binary files differ", which `git am` cannot apply.
 */
export function formatPatch(commit: { oid: string; message: string; author: { name: string; email: string }; date: Date | number; diff: string }): string {
  const [subjectPart = '', ...rest] = commit.message.replace(/\r\n/g, '\n').trim().split(/\n\s*\n/)
  const subject = subjectPart.split('\n').map((l) => l.trim()).join(' ') || 'Changes'
  const body = rest.join('\n\n').trim()
  const diff = withFileModes(commit.diff.endsWith('\n') || !commit.diff ? commit.diff : `${commit.diff}\n`)
  return [
    `From ${commit.oid} Mon Sep 17 00:00:00 2001`,
    `From: ${mailHeader(commit.author.name)} <${commit.author.email}>`,
    `Date: ${mailDate(new Date(commit.date))}`,
    `Subject: [PATCH] ${mailHeader(subject)}`,
    '',
    ...(body ? [body] : []),
    '---',
    `${diffStat(diff)}`,
    `${diff}-- `,
    'Coder',
    '',
  ].join('\n')
}
