import { describe, expect, it } from 'vitest'
import { branchFor, commitMessage } from './golden-rule'
import { pullRequestBody } from './pull-request'

const report = { command: 'node --test', passed: 3, failed: 0, skipped: 1, total: 4, failures: [], durationMs: 812 }

describe('what a finished run leaves', () => {
  it('names its branch coder/<words of the task>-<run>, a name git accepts', () => {
    expect(branchFor('Fix the “add” bug in src/add.js!', 'A1B2C3D4-e5f6')).toBe('coder/fix-the-add-bug-in-src-add-js-a1b2c3')
    expect(branchFor('💥', 'xyz')).toBe('coder/task-xyz')
    expect(branchFor('a'.repeat(100), 'r1')).toMatch(/^coder\/a{40}-r1$/)
  })

  it('writes a commit message from the summary, with the task, the tests and the run', () => {
    const verdict = { report, testsWaived: false }
    expect(commitMessage('Fix add\n\nIt subtracted.', 'Make the test pass', 'run-1', verdict)).toBe('Fix add\n\nIt subtracted.\n\nTask: Make the test pass\nTests: 3 passed, 0 failed (node --test)\nRun: run-1\n')
    expect(commitMessage('x'.repeat(100), 'T', 'r', { report: null, testsWaived: true }).split('\n')[0]).toHaveLength(72)
    expect(commitMessage('Only a subject', 'T', 'r', { report: null, testsWaived: true })).toBe('Only a subject\n\nTask: T\nTests: none (the task said none are needed)\nRun: r\n')
  })

  it('describes the pull request with the task, summary, files, test report and cost', () => {
    const body = pullRequestBody({ task: 'Fix add', summary: 'Made add add.', files: ['src/add.js'], report: { ...report, failed: 1, failures: ['test/add.test.js › adds'] }, testsWaived: false, usage: { turns: 4, inputTokens: 1000, outputTokens: 234, costMicros: 12_345, elapsedMs: 9_400 }, runId: 'run-1' })
    expect(body).toContain('## Task\nFix add\n\n## Summary\nMade add add.\n\n## Changes (1 file)\n- `src/add.js`\n\n## Tests\n**3 passed**, 1 failed, 1 skipped of 4 — `node --test` (812 ms)\n- ✗ test/add.test.js › adds\n\n## Run\n4 model calls, 1,234 tokens, 0.0123 credits, 9 s — run `run-1`')
  })
})
