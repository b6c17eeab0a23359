import { describe, expect, test } from 'vitest'
import { formatProblem, interpolate, matchesTrigger, parseWorkflow, triggerInfo, type TriggerEvent, type Workflow } from './index'

function workflow(on: string): Workflow {
  const result = parseWorkflow(`name: T\non:\n${on}\nsteps: [{ test: true }]\n`, 'w.yml')
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'))
  return result.workflow
}

const issuePayload = (label?: string) => ({
  action: label ? 'labeled' : 'opened',
  issue: {
    number: 12,
    title: 'Crash on save',
    body: 'Steps…',
    labels: [{ name: 'bug' }, { name: 'coder' }],
    html_url: 'https://github.test/o/r/issues/12',
    user: { login: 'ada' },
  },
  ...(label ? { label: { name: label } } : {}),
  repository: { full_name: 'o/r' },
  sender: { login: 'grace' },
})

const prPayload = (base: string) => ({
  pull_request: {
    number: 3,
    title: 'Add things',
    body: 'Body',
    head: { ref: 'feature/x' },
    base: { ref: base },
    html_url: 'https://github.test/o/r/pull/3',
    user: { login: 'ada' },
    draft: false,
    labels: [],
  },
  repository: { full_name: 'o/r' },
  sender: { login: 'ada' },
})

describe('matchesTrigger', () => {
  test('issues labeled: only with one of the labels', () => {
    const w = workflow('  issues: { types: [labeled], labels: [coder] }')
    expect(matchesTrigger(w, { kind: 'issues', action: 'labeled', payload: issuePayload('coder') })).toBe(true)
    expect(matchesTrigger(w, { kind: 'issues', action: 'labeled', payload: issuePayload('bug') })).toBe(false)
    expect(matchesTrigger(w, { kind: 'issues', action: 'labeled', payload: issuePayload() })).toBe(false)
    expect(matchesTrigger(w, { kind: 'issues', action: 'opened', payload: issuePayload() })).toBe(false)
    expect(matchesTrigger(w, { kind: 'pull_request', action: 'labeled', payload: prPayload('main') })).toBe(false)
  })

  test('issues without labels: any label; default type is opened', () => {
    expect(matchesTrigger(workflow('  issues: { types: [labeled] }'), { kind: 'issues', action: 'labeled', payload: issuePayload('anything') })).toBe(true)
    const opened = workflow('  issues:')
    expect(matchesTrigger(opened, { kind: 'issues', action: 'opened', payload: issuePayload() })).toBe(true)
    expect(matchesTrigger(opened, { kind: 'issues', action: 'closed', payload: issuePayload() })).toBe(false)
  })

  test('pull requests: action and base branch (names or globs)', () => {
    const w = workflow('  pull_request: { types: [opened, synchronize], branches: [main, "release/*"] }')
    const event = (action: string, base: string): TriggerEvent => ({ kind: 'pull_request', action, payload: prPayload(base) })
    expect(matchesTrigger(w, event('opened', 'main'))).toBe(true)
    expect(matchesTrigger(w, event('synchronize', 'release/1.2'))).toBe(true)
    expect(matchesTrigger(w, event('opened', 'develop'))).toBe(false)
    expect(matchesTrigger(w, event('opened', 'release/1.2/hotfix'))).toBe(false)
    expect(matchesTrigger(w, event('opened', 'not-main'))).toBe(false)
    expect(matchesTrigger(w, event('closed', 'main'))).toBe(false)
    expect(matchesTrigger(workflow('  pull_request:'), event('reopened', 'anything'))).toBe(true)
  })

  test('schedule: the event cron is one of the workflow crons', () => {
    const w = workflow('  schedule: [{ cron: "0 9 * * 1" }, { cron: "*/15 * * * *" }]')
    expect(matchesTrigger(w, { kind: 'schedule', cron: '0 9 * * 1', at: Date.UTC(2025, 0, 6, 9) })).toBe(true)
    expect(matchesTrigger(w, { kind: 'schedule', cron: '*/15  * * * *', at: 0 })).toBe(true)
    expect(matchesTrigger(w, { kind: 'schedule', cron: '0 10 * * 1', at: 0 })).toBe(false)
    expect(matchesTrigger(workflow('  manual: true'), { kind: 'schedule', cron: '0 9 * * 1', at: 0 })).toBe(false)
  })

  test('webhook by name, manual when allowed', () => {
    const w = workflow('  webhook: { name: deploy-done }')
    expect(matchesTrigger(w, { kind: 'webhook', name: 'deploy-done', payload: {} })).toBe(true)
    expect(matchesTrigger(w, { kind: 'webhook', name: 'deploy', payload: {} })).toBe(false)
    expect(matchesTrigger(w, { kind: 'manual', inputs: {} })).toBe(false)
    expect(matchesTrigger(workflow('  manual: {}'), { kind: 'manual', inputs: {} })).toBe(true)
  })
})

describe('triggerInfo', () => {
  test('an issue: summary and the expressions’ trigger', () => {
    const info = triggerInfo({ kind: 'issues', action: 'labeled', payload: issuePayload('coder') })
    expect(info.summary).toBe('issue #12 labeled coder')
    expect(info.kind).toBe('issues')
    expect(info.detail).toBe('labeled')
    expect(info.context).toMatchObject({
      event: 'issues',
      action: 'labeled',
      issue: { number: 12, title: 'Crash on save', body: 'Steps…', labels: ['bug', 'coder'], url: 'https://github.test/o/r/issues/12', user: 'ada' },
      label: 'coder',
      repository: 'o/r',
      sender: 'grace',
    })
    const context = { trigger: info.context, inputs: {}, steps: {}, run: { id: 'r', url: '' }, repository: { full_name: 'o/r', default_branch: 'main' } }
    expect(interpolate('Fix #${{ trigger.issue.number }}: ${{ trigger.issue.title }} (${{ trigger.payload.issue.user.login }})', context)).toBe(
      'Fix #12: Crash on save (ada)',
    )
    expect(triggerInfo({ kind: 'issues', action: 'opened', payload: issuePayload() }).summary).toBe('issue #12 opened')
  })

  test('a pull request', () => {
    const info = triggerInfo({ kind: 'pull_request', action: 'opened', payload: prPayload('main') })
    expect(info.summary).toBe('pull request #3 opened')
    expect(info.context).toMatchObject({
      event: 'pull_request',
      action: 'opened',
      pull_request: { number: 3, title: 'Add things', body: 'Body', head: 'feature/x', base: 'main', url: 'https://github.test/o/r/pull/3' },
    })
  })

  test('schedule, webhook, manual', () => {
    expect(triggerInfo({ kind: 'schedule', cron: '0 9 * * 1', at: Date.UTC(2025, 0, 6, 9) })).toEqual({
      kind: 'schedule',
      detail: '0 9 * * 1',
      summary: 'schedule 0 9 * * 1',
      context: { event: 'schedule', cron: '0 9 * * 1', at: '2025-01-06T09:00:00.000Z', description: 'every Monday at 09:00 UTC' },
    })
    expect(triggerInfo({ kind: 'webhook', name: 'deploy-done', payload: { env: 'prod' } })).toEqual({
      kind: 'webhook',
      detail: 'deploy-done',
      summary: 'webhook deploy-done',
      context: { event: 'webhook', name: 'deploy-done', payload: { env: 'prod' } },
    })
    expect(triggerInfo({ kind: 'manual', inputs: { a: 1 } })).toEqual({ kind: 'manual', summary: 'Run now', context: { event: 'manual' } })
  })

  test('a payload missing fields still gives a summary', () => {
    expect(triggerInfo({ kind: 'issues', action: 'opened', payload: {} }).summary).toBe('issue #? opened')
  })
})
