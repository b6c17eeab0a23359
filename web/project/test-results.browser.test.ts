import { describe, expect, it } from 'vitest'
import type { TestCaseReport, TestReport } from '../../shared/runtime'
import { applyEvent, buildTree, countRun, diffLines, emptyRun, finishRun, fullName } from './test-results'

const test = (name: string, status: TestCaseReport['status'], suites: string[] = [], file = 'test/a.test.js'): TestCaseReport => ({
  file,
  suites,
  name,
  status,
  durationMs: 2,
  failure: status === 'failed' ? { message: 'boom', stack: null, expected: '5', actual: '6', location: { path: `/workspace/${file}`, line: 9, column: 3 } } : null,
})

describe('test results', () => {
  it('builds file › suite › test from live events, running nodes included, and rolls statuses up', () => {
    let run = emptyRun()
    run = applyEvent(run, { type: 'suite:start', file: '/workspace/test/a.test.js', suites: [], name: 'math' })
    run = applyEvent(run, { type: 'test:start', file: '/workspace/test/a.test.js', suites: ['math'], name: 'adds' })
    let [file] = buildTree(run)
    expect(file!.file).toBe('test/a.test.js')
    expect(file!.status).toBe('running')
    run = applyEvent(run, { type: 'test:done', test: test('adds', 'passed', ['math'], '/workspace/test/a.test.js') })
    run = applyEvent(run, { type: 'test:done', test: test('multiplies', 'failed', ['math']) })
    run = applyEvent(run, { type: 'suite:done', file: 'test/a.test.js', suites: [], name: 'math', durationMs: 5, failure: null })
    ;[file] = buildTree(run)
    expect(file!.status).toBe('failed')
    const suite = file!.children[0]!
    expect(suite.kind === 'suite' && suite.children.map((c) => [c.name, c.status])).toEqual([
      ['adds', 'passed'],
      ['multiplies', 'failed'],
    ])
    expect(countRun(run)).toEqual({ passed: 1, failed: 1, skipped: 0, todo: 0, total: 2 })
    expect(fullName(['math'], 'adds')).toBe('math > adds')
  })

  it('takes the report at the end, with file errors', () => {
    const report: TestReport = {
      id: 'r', runner: 'node-test', command: 'node --test', startedAt: 0, durationMs: 10,
      files: [{ file: 'test/a.test.js', durationMs: 7, error: null }, { file: 'test/b.test.js', durationMs: 1, error: { message: 'SyntaxError', stack: null, location: null } }],
      tests: [test('adds', 'passed')],
      counts: { passed: 1, failed: 0, skipped: 0, todo: 0, total: 1 },
    }
    const files = buildTree(finishRun(emptyRun(), report))
    expect(files.map((f) => [f.file, f.status, f.durationMs])).toEqual([
      ['test/a.test.js', 'passed', 7],
      ['test/b.test.js', 'failed', 1],
    ])
  })

  it('diffs expected against actual by lines', () => {
    expect(diffLines('5', '6')).toEqual([
      { kind: 'expected', text: '5' },
      { kind: 'actual', text: '6' },
    ])
    expect(diffLines('{\n  a: 1,\n  b: 2\n}', '{\n  a: 1,\n  b: 3\n}').map((l) => l.kind)).toEqual(['same', 'same', 'expected', 'actual', 'same'])
  })
})
