/** Which events start a workflow, and how an event reads in lists and in expressions (`trigger`). */
import { unreachable } from '../errors'
import { compileGlob, matchGlob } from '../glob'
import { describeCron } from './cron'
import type { TriggerEvent, TriggerInfo, Workflow } from './types'

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value)
const field = (value: unknown, key: string): unknown => (isObject(value) && Object.hasOwn(value, key) ? value[key] : undefined)
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)

/** A branch filter: a name, or a glob (`release/*`: `*` stays within a segment, `**` crosses them). */
function branchMatches(pattern: string, branch: string): boolean {
  if (!/[*?[{]/.test(pattern)) return pattern === branch
  return matchGlob(compileGlob('/', `/${pattern}`), `/${branch}`)
}

/**
 * Whether `event` starts `workflow`: an issue or pull request action among the trigger's `types`
 * (a `labeled` or `unlabeled` issue also needs its label among `labels`, when set; a pull request its base branch
 * among `branches`, when set), a schedule whose cron is one of the workflow's, a webhook of the
 * workflow's name, or a manual run of a workflow that allows one.
 */
export function matchesTrigger(workflow: Workflow, event: TriggerEvent): boolean {
  const on = workflow.on
  switch (event.kind) {
    case 'issues': {
      if (!on.issues || !on.issues.types.includes(event.action)) return false
      if ((event.action === 'labeled' || event.action === 'unlabeled') && on.issues.labels) {
        const label = text(field(field(event.payload, 'label'), 'name'))
        return label !== undefined && on.issues.labels.includes(label)
      }
      return true
    }
    case 'pull_request': {
      if (!on.pullRequest || !on.pullRequest.types.includes(event.action)) return false
      if (!on.pullRequest.branches) return true
      const base = text(field(field(field(event.payload, 'pull_request'), 'base'), 'ref'))
      return base !== undefined && on.pullRequest.branches.some((pattern) => branchMatches(pattern, base))
    }
    case 'schedule': {
      const cron = event.cron.trim().split(/\s+/).join(' ')
      return (on.schedule ?? []).some((entry) => entry.cron === cron)
    }
    case 'webhook':
      return on.webhook?.name === event.name
    case 'manual':
      return on.manual !== undefined
    default:
      return unreachable(event)
  }
}

function labelNames(labels: unknown): string[] {
  return Array.isArray(labels) ? labels.flatMap((label) => (typeof label === 'string' ? [label] : text(field(label, 'name')) ?? [])) : []
}

const login = (user: unknown) => text(field(user, 'login'))
const fullName = (repository: unknown) => text(field(repository, 'full_name'))

/**
 * How `event` reads: its kind, detail and one-line summary ("issue #12 labeled coder", "pull
 * request #3 opened", "schedule 0 9 * * 1", "webhook deploy-done", "Run now"), and `context`, the
 * expressions' `trigger`. For GitHub events that is `{ event, action, issue | pull_request, label,
 * repository, sender, payload }` with `user` and `sender` as logins and `repository` as
 * `owner/name`; `{ event: 'schedule', cron, at }` (ISO time); `{ event: 'webhook', name, payload }`;
 * `{ event: 'manual' }`.
 */
export function triggerInfo(event: TriggerEvent): TriggerInfo {
  switch (event.kind) {
    case 'issues': {
      const issue = field(event.payload, 'issue')
      const number = field(issue, 'number')
      const label = text(field(field(event.payload, 'label'), 'name'))
      return {
        kind: 'issues',
        detail: event.action,
        summary: `issue #${number ?? '?'} ${event.action}${label && /labeled$/.test(event.action) ? ` ${label}` : ''}`,
        context: {
          event: 'issues',
          action: event.action,
          issue: {
            number,
            title: text(field(issue, 'title')) ?? '',
            body: text(field(issue, 'body')) ?? '',
            labels: labelNames(field(issue, 'labels')),
            url: text(field(issue, 'html_url')) ?? '',
            user: login(field(issue, 'user')) ?? '',
          },
          label: label ?? '',
          repository: fullName(field(event.payload, 'repository')) ?? '',
          sender: login(field(event.payload, 'sender')) ?? '',
          payload: event.payload,
        },
      }
    }
    case 'pull_request': {
      const pr = field(event.payload, 'pull_request')
      const number = field(pr, 'number')
      return {
        kind: 'pull_request',
        detail: event.action,
        summary: `pull request #${number ?? '?'} ${event.action}`,
        context: {
          event: 'pull_request',
          action: event.action,
          pull_request: {
            number,
            title: text(field(pr, 'title')) ?? '',
            body: text(field(pr, 'body')) ?? '',
            head: text(field(field(pr, 'head'), 'ref')) ?? '',
            base: text(field(field(pr, 'base'), 'ref')) ?? '',
            url: text(field(pr, 'html_url')) ?? '',
            user: login(field(pr, 'user')) ?? '',
            draft: field(pr, 'draft') === true,
            labels: labelNames(field(pr, 'labels')),
          },
          label: text(field(field(event.payload, 'label'), 'name')) ?? '',
          repository: fullName(field(event.payload, 'repository')) ?? '',
          sender: login(field(event.payload, 'sender')) ?? '',
          payload: event.payload,
        },
      }
    }
    case 'schedule':
      return {
        kind: 'schedule',
        detail: event.cron,
        summary: `schedule ${event.cron}`,
        context: { event: 'schedule', cron: event.cron, at: new Date(event.at).toISOString(), description: describeCron(event.cron) },
      }
    case 'webhook':
      return { kind: 'webhook', detail: event.name, summary: `webhook ${event.name}`, context: { event: 'webhook', name: event.name, payload: event.payload } }
    case 'manual':
      return { kind: 'manual', summary: 'Run now', context: { event: 'manual' } }
    default:
      return unreachable(event)
  }
}
