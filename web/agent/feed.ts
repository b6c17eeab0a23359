import type { AgentEvent, BudgetLimit, RunBudget, RunEndReason, RunUsage, TestSummary, ToolResult } from '../../shared/agent'

/** One row of the agent's feed. */
export type FeedItem =
  | { kind: 'text'; text: string }
  | { kind: 'tool'; id: string; name: string; input: unknown; result: ToolResult | null; durationMs: number | null }
  | { kind: 'warning'; limit: BudgetLimit; message: string }
  | { kind: 'tests'; report: TestSummary }
  | { kind: 'commit'; branch: string; oid: string; message: string; files: number }
  | { kind: 'push'; branch: string; url: string }
  | { kind: 'pr'; number: number; url: string }
  | { kind: 'deploy'; id: string; url?: string; files: number; uploaded: number }
  | { kind: 'deploy-failed'; message: string; log?: string }
  | { kind: 'stopped'; reason: RunEndReason; message: string; summary?: string }

/** What the feed shows of a run: its rows, what it has used, whether it is still going. */
export interface FeedState {
  items: FeedItem[]
  usage: RunUsage | null
  running: boolean
  turns: number
}

export const emptyFeed = (): FeedState => ({ items: [], usage: null, running: false, turns: 0 })

/** The feed after one more event (a new object; text deltas join the text row they continue). */
export function applyEvent(state: FeedState, event: AgentEvent): FeedState {
  const items = state.items
  switch (event.type) {
    case 'run-started':
      return { items: [], usage: null, running: true, turns: 0 }
    case 'turn-started':
      return { ...state, turns: event.turn }
    case 'text': {
      const last = items.at(-1)
      if (last?.kind === 'text') return { ...state, items: [...items.slice(0, -1), { kind: 'text', text: last.text + event.text }] }
      return { ...state, items: [...items, { kind: 'text', text: event.text }] }
    }
    case 'tool-started':
      return { ...state, items: [...items, { kind: 'tool', id: event.id, name: event.name, input: event.input, result: null, durationMs: null }] }
    case 'tool-finished':
      return { ...state, items: items.map((i) => (i.kind === 'tool' && i.id === event.id ? { ...i, result: event.result, durationMs: event.durationMs } : i)) }
    case 'usage':
      return { ...state, usage: event.usage }
    case 'budget-warning':
      return { ...state, items: [...items, { kind: 'warning', limit: event.limit, message: event.message }] }
    case 'test-report':
      return { ...state, items: [...items, { kind: 'tests', report: event.report }] }
    case 'commit':
      return { ...state, items: [...items, { kind: 'commit', branch: event.branch, oid: event.oid, message: event.message, files: event.files }] }
    case 'push':
      return { ...state, items: [...items, { kind: 'push', branch: event.branch, url: event.url }] }
    case 'pr-opened':
      return { ...state, items: [...items, { kind: 'pr', number: event.number, url: event.url }] }
    case 'deploy':
      return { ...state, items: [...items, { kind: 'deploy', id: event.id, url: event.url, files: event.files, uploaded: event.uploaded }] }
    case 'deploy-failed':
      return { ...state, items: [...items, { kind: 'deploy-failed', message: event.message, log: event.log }] }
    case 'run-stopped':
      return { ...state, running: false, usage: event.usage, items: [...items, { kind: 'stopped', reason: event.reason, message: event.message, summary: event.summary }] }
  }
}

/** A tool call's input in one short line: its path, pattern or command first. */
export function describeInput(input: unknown): string {
  if (!input || typeof input !== 'object') return ''
  const o = input as Record<string, unknown>
  const main = o.path ?? o.pattern ?? o.command ?? (o.from && o.to ? `${o.from} → ${o.to}` : undefined)
  if (typeof main === 'string') return main
  const text = JSON.stringify(input)
  return text.length > 80 ? `${text.slice(0, 79)}…` : text
}

/** Credits as the feed shows them. */
export { formatRunCredits as formatCredits } from '../../shared/agent'

/** The budget form's fields: credits, model calls, minutes (blank: no limit). */
export interface BudgetForm {
  credits: string
  turns: string
  minutes: string
}

/** The form as a budget, or the first field that is not a positive number (blank means no limit). */
export function parseBudget(form: BudgetForm): { budget: RunBudget } | { error: string } {
  const field = (value: string, name: string, scale: number, whole = false): number | undefined | string => {
    if (!value.trim()) return undefined
    const n = Number(value)
    if (!Number.isFinite(n) || n <= 0 || (whole && !Number.isInteger(n))) return `${name} must be a positive ${whole ? 'whole ' : ''}number, or blank for no limit`
    return Math.round(n * scale)
  }
  const credits = field(form.credits, 'Credits', 1e6)
  const turns = field(form.turns, 'Model calls', 1, true)
  const minutes = field(form.minutes, 'Minutes', 60_000)
  for (const v of [credits, turns, minutes]) if (typeof v === 'string') return { error: v }
  return { budget: { maxCreditsMicros: credits as number | undefined, maxTurns: turns as number | undefined, maxWallMs: minutes as number | undefined } }
}

