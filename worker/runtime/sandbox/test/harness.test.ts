import { describe, expect, it } from 'vitest'
import type { TestEvent, TestFailure } from '../../../../shared/runtime'
import { createTestHarness, inspect, prettyFormat } from './index'

function setup(testName?: string) {
  const events: TestEvent[] = []
  const harness = createTestHarness({
    file: 'test/a.test.js',
    testName,
    now: () => 0,
    onEvent: (e) => events.push(e),
    toFailure: (e): TestFailure => ({ message: e instanceof Error ? e.message : String(e), stack: null, location: null }),
  })
  return { harness, events, g: harness.globals as Record<string, any>, n: harness.nodeTest as Record<string, any> }
}

describe('createTestHarness', () => {
  it('runs vitest-style tests with suites, hooks and failure diffs', async () => {
    const { harness, g, events } = setup()
    const order: string[] = []
    g.describe('math', () => {
      g.beforeEach(() => void order.push('each'))
      g.it('adds', () => g.expect(1 + 1).toBe(2))
      g.it('compares', () => g.expect({ a: 1 }).toEqual({ a: 2 }))
    })
    const { tests, error } = await harness.run()
    expect(error).toBeNull()
    expect(tests.map((t) => [t.suites, t.name, t.status])).toEqual([
      [['math'], 'adds', 'passed'],
      [['math'], 'compares', 'failed'],
    ])
    expect(tests[1].failure).toMatchObject({ message: 'expected { a: 1 } to deeply equal { a: 2 }', expected: '{\n  "a": 2,\n}', actual: '{\n  "a": 1,\n}' })
    expect(order).toEqual(['each', 'each'])
    expect(events.map((e) => e.type)).toEqual(['suite:start', 'test:start', 'test:done', 'test:start', 'test:done', 'suite:done'])
  })

  it('runs node:test tests with subtests, skip and todo', async () => {
    const { harness, n } = setup()
    n.test('parent', async (t: any) => {
      await t.test('child', () => {})
    })
    n.test('skipped', { skip: true }, () => {})
    n.test.todo('later')
    n.describe('s', () => n.it('fails', () => { throw new Error('boom') }))
    const { tests } = await harness.run()
    expect(tests.map((t) => [[...t.suites, t.name].join(' > '), t.status])).toEqual([
      ['parent > child', 'passed'],
      ['parent', 'passed'],
      ['skipped', 'skipped'],
      ['later', 'todo'],
      ['s > fails', 'failed'],
    ])
  })

  it('reports only the test named by testName', async () => {
    const { harness, g } = setup('s > b')
    g.describe('s', () => {
      g.it('a', () => {})
      g.it('b', () => {})
    })
    g.it('c', () => {})
    expect((await harness.run()).tests.map((t) => t.name)).toEqual(['b'])
  })

  it('fails a file whose describe callback throws, with no tests (as vitest)', async () => {
    const { harness, g } = setup()
    g.describe('bad', () => {
      g.it('x', () => {})
      throw new Error('oops')
    })
    const { tests, error } = await harness.run()
    expect(tests).toEqual([])
    expect(error?.message).toBe('oops')
  })

  it('rejects snapshots with a clear message', async () => {
    const { harness, g } = setup()
    g.it('snap', () => g.expect(1).toMatchSnapshot())
    const [t] = (await harness.run()).tests
    expect(t.failure?.message).toMatch(/Snapshots are not supported by the embedded test runner/)
  })

  it('interpolates .each titles', async () => {
    const { harness, g } = setup()
    g.it.each([[1, 'a'], [2, 'b']])('%i is %s (%#)', () => {})
    g.it.each([{ name: 'x', v: { k: 1 } }])('$name has $v', () => {})
    expect((await harness.run()).tests.map((t) => t.name)).toEqual(['1 is a (0)', '2 is b (1)', 'x has { k: 1 }'])
  })
})

describe('expect messages match vitest', () => {
  const message = (fn: (expect: any) => unknown) => {
    const { g } = setup()
    try {
      fn(g.expect)
    } catch (e) {
      return (e as Error).message
    }
    return null
  }
  it.each([
    [(x: any) => x(2).toBe(3), 'expected 2 to be 3 // Object.is equality'],
    [(x: any) => x(2).not.toBe(2), 'expected 2 not to be 2 // Object.is equality'],
    [(x: any) => x([1]).not.toContain(1), 'expected [ 1 ] to not include 1'],
    [(x: any) => x('abc').toHaveLength(2), "expected 'abc' to have a length of 2 but got 3"],
    [(x: any) => x(1).toBeGreaterThan(2), 'expected 1 to be greater than 2'],
    [(x: any) => x(0).toBeTruthy(), 'expected 0 to be truthy'],
    [(x: any) => x(() => {}).toThrow(), 'expected [Function] to throw an error'],
  ])('%#', (fn, expected) => expect(message(fn)).toBe(expected))
})

describe('format', () => {
  it('prints inline like chai and multi-line like pretty-format', () => {
    expect(inspect({ a: 1, b: [1, 'x'], m: new Map([['k', 1]]) })).toBe("{ a: 1, b: [ 1, 'x' ], m: Map{ 'k' => 1 } }")
    expect(prettyFormat({ a: [1], s: new Set([2]) })).toBe('{\n  "a": [\n    1,\n  ],\n  "s": Set {\n    2,\n  },\n}')
  })
})
