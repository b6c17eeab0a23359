/** @module The edge's run records as the Runs page reads them: the list, one run with its artifacts, its event log. */
import type { AgentEvent } from '../../shared/agent'

/** A run record (GET /api/runs, /api/runs/:id). */
export interface RunRecord {
  id: string
  project: string
  kind: string
  title: string | null
  status: 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled'
  startedAt: number
  finishedAt: number | null
  /** Credits (not micro-credits). */
  cost: number
  branch: string | null
  commit: string | null
  pullRequest: string | null
  /** Why it ended (an agent's RunEndReason), when it has. */
  reason: string | null
}

export interface RunArtifact {
  name: string
  sha256: string
  size: number
  contentType: string
  createdAt: number
}

/** Why a call failed, for the page to say: offline, signed out, or the edge's own message. */
export class RunsError extends Error {
  constructor(
    readonly kind: 'offline' | 'signed-out' | 'not-found' | 'server',
    message: string,
  ) {
    super(message)
  }
}

async function call(path: string): Promise<Response> {
  let res: Response
  try {
    res = await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } })
  } catch {
    throw navigator.onLine === false
      ? new RunsError('offline', 'You are offline. Runs are kept by the server; they show here once you are back online.')
      : new RunsError('offline', 'The server could not be reached. Try again in a moment.')
  }
  if (res.ok) return res
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null
  const message = body?.error?.message ?? `the server answered ${res.status} ${res.statusText}`
  throw new RunsError(res.status === 401 ? 'signed-out' : res.status === 404 ? 'not-found' : 'server', message)
}

export const runs = {
  /** The user's runs, newest first (those of `project` only when given), `limit` at most, started before `before`. */
  list: async (options: { project?: string | null; before?: number; limit?: number } = {}) => {
    const query = new URLSearchParams()
    if (options.project) query.set('project', options.project)
    if (options.before) query.set('before', String(options.before))
    query.set('limit', String(options.limit ?? 50))
    return (await (await call(`/api/runs?${query}`)).json()) as { runs: RunRecord[]; more: boolean }
  },
  get: async (id: string) => (await (await call(`/api/runs/${encodeURIComponent(id)}`)).json()) as RunRecord & { artifacts: RunArtifact[] },
  events: async (id: string) => parseEventLog(await (await call(`/api/runs/${encodeURIComponent(id)}/events`)).text()),
  artifactUrl: (id: string, name: string) => `/api/runs/${encodeURIComponent(id)}/artifacts/${encodeURIComponent(name)}`,
}

const EVENT_TYPES = new Set<string>(['run-started', 'turn-started', 'text', 'tool-started', 'tool-finished', 'usage', 'budget-warning', 'test-report', 'commit', 'push', 'deploy', 'deploy-failed', 'pr-opened', 'run-stopped'] satisfies Array<AgentEvent['type']>)

/** An event the agent's feed does not draw (a deploy's, a workflow's), as one line of text. */
export interface PlainEvent {
  type: string
  at: number | null
  text: string
}

/**
 * A run's event log (JSON Lines): the agent's events in order, the other kinds' events (deploys,
 * workflows) as plain lines, and how many lines were not events at all (damaged).
 */
export function parseEventLog(text: string): { events: AgentEvent[]; others: PlainEvent[]; skipped: number } {
  const events: AgentEvent[] = []
  const others: PlainEvent[] = []
  let skipped = 0
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    try {
      const value = JSON.parse(line) as Record<string, unknown> | null
      if (!value || typeof value !== 'object' || typeof value.type !== 'string') skipped++
      else if (EVENT_TYPES.has(value.type)) events.push(value as unknown as AgentEvent)
      else others.push(plainEvent(value as Record<string, unknown> & { type: string }))
    } catch {
      skipped++
    }
  }
  return { events, others, skipped }
}

/** `deploy-build-finished` with its fields → "Deploy build finished — command: npm run build, code: 0, durationMs: 812". */
function plainEvent(value: Record<string, unknown> & { type: string }): PlainEvent {
  const name = value.type.replace(/[-_]+/g, ' ')
  const fields = Object.entries(value)
    .filter(([key, v]) => key !== 'type' && key !== 'at' && v !== null && v !== undefined && typeof v !== 'object')
    .map(([key, v]) => `${key}: ${String(v)}`)
    .join(', ')
  const text = `${name.charAt(0).toUpperCase()}${name.slice(1)}${fields ? ` — ${fields}` : ''}`
  return { type: value.type, at: typeof value.at === 'number' ? value.at : null, text: text.length > 500 ? `${text.slice(0, 499)}…` : text }
}

/** `850 ms`, `42 s`, `3 min 5 s`, `2 h 10 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`
  return `${Math.floor(s / 3600)} h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)} min` : ''}`
}

/** What each artifact is, as the download list names it; others go by their file name. */
export const ARTIFACT_LABELS: Record<string, string> = {
  'changes.patch': 'Patch (git format-patch)',
  'test-report.json': 'Test report (JSON)',
  'junit.xml': 'Test report (JUnit XML)',
  'transcript.jsonl': 'Transcript (JSON Lines)',
}

/** The order downloads are offered in: patch, test reports, transcript, then anything else by name. */
export function sortArtifacts(artifacts: RunArtifact[]): RunArtifact[] {
  const order = Object.keys(ARTIFACT_LABELS)
  const rank = (a: RunArtifact) => (order.includes(a.name) ? order.indexOf(a.name) : order.length)
  return [...artifacts].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))
}
