import { describe, expect, it } from 'vitest'
import { createNodeSpecReporter, createReport, createVitestReporter, toJUnitXml } from './index'
import type { TestCaseReport } from './types'

const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '')
const test = (name: string, status: TestCaseReport['status'], suites: string[] = [], message?: string): TestCaseReport => ({
  file: 'test/a.test.js',
  suites,
  name,
  status,
  durationMs: 1.5,
  failure: message ? { message, stack: null, location: null, expected: '3', actual: '2' } : null,
})
const tests = [test('a', 'passed', ['s']), test('b <&>', 'failed', ['s'], 'expected 2 to be 3'), test('c', 'skipped'), test('d', 'todo')]
const report = createReport({ id: 'r1', runner: 'node-test', command: 'node --test', startedAt: 0, durationMs: 12.3, files: [{ file: 'test/a.test.js', durationMs: 5, error: null }], tests })

describe('createReport', () => {
  it('counts statuses', () => expect(report.counts).toEqual({ passed: 1, failed: 1, skipped: 1, todo: 1, total: 4 }))
})

describe('createNodeSpecReporter', () => {
  it('prints suites, results and the ℹ summary like node --test', () => {
    const r = createNodeSpecReporter()
    let out = r.onEvent({ type: 'suite:start', file: 'test/a.test.js', suites: [], name: 's' })
    for (const t of tests) out += r.onEvent({ type: 'test:done', test: t })
    out += r.onEvent({ type: 'suite:done', file: 'test/a.test.js', suites: [], name: 's', durationMs: 3, failure: null })
    out += r.summary(report)
    expect(strip(out)).toContain('▶ s\n  ✔ a (1.5ms)\n  ✖ b <&> (1.5ms)\n﹣ c (1.5ms) # SKIP\n✔ d (1.5ms) # TODO\n✖ s (3ms)\n')
    expect(strip(out)).toContain('ℹ tests 4\nℹ suites 1\nℹ pass 1\nℹ fail 1\nℹ cancelled 0\nℹ skipped 1\nℹ todo 1\nℹ duration_ms 12.3\n\n✖ failing tests:')
  })
})

describe('createVitestReporter', () => {
  it('prints the file line, failures and summary like vitest', () => {
    const r = createVitestReporter()
    const out = strip(r.onFileDone!('test/a.test.js', tests, null, 5) + r.summary(report))
    expect(out).toContain(' ❯ test/a.test.js (4 tests | 1 failed | 1 skipped | 1 todo) 5ms')
    expect(out).toContain(' FAIL  test/a.test.js > s > b <&>\nexpected 2 to be 3\n\n- Expected\n+ Received\n\n- 3\n+ 2')
    expect(out).toContain(' Test Files  1 failed (1)\n      Tests  1 failed | 1 passed | 1 skipped | 1 todo (4)')
  })
})

describe('toJUnitXml', () => {
  it('writes escaped testsuites/testcase elements', () => {
    const xml = toJUnitXml(report)
    expect(xml).toContain('<testsuite name="test/a.test.js" tests="4" failures="1" errors="0" skipped="2" time="0.005">')
    expect(xml).toContain('<testcase classname="s" name="b &lt;&amp;&gt;" time="0.002">\n      <failure message="expected 2 to be 3" type="Error">')
    expect(xml).toContain('<testcase classname="test/a.test.js" name="c" time="0.002">\n      <skipped/>')
  })
})
