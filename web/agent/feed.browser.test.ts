import { describe, expect, it } from 'vitest'
import type { AgentEvent } from '../../shared/agent'
import { applyEvent, describeInput, emptyFeed, parseBudget } from './feed'

const usage = { turns: 1, inputTokens: 10, outputTokens: 5, costMicros: 120, elapsedMs: 900 }

describe('the agent feed', () => {
  it('joins streamed text into one row, pairs tool results with their call, and ends with why the run stopped', () => {
    const events: AgentEvent[] = [
      { type: 'run-started', runId: 'r', task: 't', model: 'm', budget: {}, at: 0 },
      { type: 'turn-started', turn: 1, at: 1 },
      { type: 'text', text: 'Look' },
      { type: 'text', text: 'ing.' },
      { type: 'tool-started', id: 'a', name: 'read_file', input: { path: 'x.js' }, at: 2 },
      { type: 'usage', usage },
      { type: 'tool-finished', id: 'a', name: 'read_file', result: { ok: false, output: 'x.js does not exist' }, durationMs: 3 },
      { type: 'budget-warning', limit: 'credits', message: '80% used' },
      { type: 'run-stopped', reason: 'budget', message: 'used up', usage, at: 5 },
    ]
    const state = events.reduce(applyEvent, emptyFeed())
    expect(state.items).toEqual([
      { kind: 'text', text: 'Looking.' },
      { kind: 'tool', id: 'a', name: 'read_file', input: { path: 'x.js' }, result: { ok: false, output: 'x.js does not exist' }, durationMs: 3 },
      { kind: 'warning', limit: 'credits', message: '80% used' },
      { kind: 'stopped', reason: 'budget', message: 'used up', summary: undefined },
    ])
    expect(state).toMatchObject({ running: false, turns: 1, usage })
  })

  it('shows a preview deployment after the commit, and a failed one with its build output', () => {
    const state = [
      { type: 'commit', branch: 'coder/fix', oid: 'ab'.repeat(20), message: 'Fix', files: 1 },
      { type: 'deploy', id: 'd1', url: 'http://d1.localhost:8790', files: 3, uploaded: 1 },
      { type: 'deploy-failed', message: 'The build failed', log: 'SyntaxError\n' },
    ].reduce((s, e) => applyEvent(s, e as AgentEvent), emptyFeed())
    expect(state.items.slice(1)).toEqual([
      { kind: 'deploy', id: 'd1', url: 'http://d1.localhost:8790', files: 3, uploaded: 1 },
      { kind: 'deploy-failed', message: 'The build failed', log: 'SyntaxError\n' },
    ])
  })

  it('shows a tool call by its path, pattern or move, else its input cut short', () => {
    expect(describeInput({ path: 'a.js', start_line: 3 })).toBe('a.js')
    expect(describeInput({ from: 'a', to: 'b' })).toBe('a → b')
    expect(describeInput({ summary: 'x'.repeat(100) })).toHaveLength(80)
  })

  it('reads the budget form: blank is no limit, anything else must be a positive number', () => {
    expect(parseBudget({ credits: '0.5', turns: '', minutes: '2' })).toEqual({ budget: { maxCreditsMicros: 500_000, maxTurns: undefined, maxWallMs: 120_000 } })
    expect(parseBudget({ credits: '-1', turns: '3', minutes: '' })).toEqual({ error: 'Credits must be a positive number, or blank for no limit' })
    expect(parseBudget({ credits: '', turns: '2.5', minutes: '' })).toEqual({ error: 'Model calls must be a positive whole number, or blank for no limit' })
  })
})
