import { describe, expect, test } from 'vitest'
import { evaluate, ExpressionError, interpolate, isTruthy, stepsContext, type ExpressionContext, type StepState } from './index'

const context: ExpressionContext = {
  trigger: {
    event: 'issues',
    action: 'labeled',
    issue: { number: 12, title: "Crash on 'save'", body: '', labels: ['bug', 'coder'], user: 'ada' },
    label: 'coder',
    payload: JSON.parse('{"__proto__": {"polluted": true}, "constructor": "own", "nested": {"list": [1, 2, 3]}}'),
  },
  inputs: { target: 'b', count: 3, dry: false },
  steps: { pr: { status: 'succeeded', outputs: { url: 'https://github.test/o/r/pull/3', number: 3 } }, 'open-pr': { status: 'failed', outputs: {} } },
  run: { id: 'run_1', url: 'https://coder.test/runs/run_1' },
  repository: { full_name: 'o/r', default_branch: 'main' },
}

const errorOf = (fn: () => unknown): string => {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressionError)
    return (error as Error).message
  }
  throw new Error('expected an ExpressionError')
}

describe('evaluate', () => {
  test('literals', () => {
    expect(evaluate("'it''s'", context)).toBe("it's")
    expect(evaluate('"a\\"b"', context)).toBe('a"b')
    expect(evaluate('-1.5', context)).toBe(-1.5)
    expect(evaluate('true', context)).toBe(true)
    expect(evaluate('null', context)).toBe(null)
  })

  test('property access: dots, brackets, indexes, length, missing', () => {
    expect(evaluate('trigger.issue.number', context)).toBe(12)
    expect(evaluate("trigger['issue']['title']", context)).toBe("Crash on 'save'")
    expect(evaluate('trigger.issue.labels[1]', context)).toBe('coder')
    expect(evaluate('trigger.issue.labels.length', context)).toBe(2)
    expect(evaluate('trigger.issue.title.length', context)).toBe(15)
    expect(evaluate('trigger.issue.milestone.title', context)).toBeUndefined()
    expect(evaluate('trigger.issue.labels[9]', context)).toBeUndefined()
    expect(evaluate('trigger.payload.nested.list[inputs.count]', context)).toBeUndefined()
    expect(evaluate("trigger.payload.nested['list'][2]", context)).toBe(3)
    // Own data named like a prototype property is still refused: the names are never read.
    expect(errorOf(() => evaluate('trigger.payload.constructor', context))).toBe('`constructor` cannot be read')
    expect(evaluate('steps.open-pr.status', context)).toBe('failed')
    expect(evaluate('${{ steps.pr.outputs.url }}', context)).toBe('https://github.test/o/r/pull/3')
  })

  test('comparisons and logic', () => {
    expect(evaluate('trigger.issue.number > 0', context)).toBe(true)
    expect(evaluate('trigger.issue.number >= 12 && trigger.issue.number <= 12', context)).toBe(true)
    expect(evaluate("trigger.label == 'coder'", context)).toBe(true)
    expect(evaluate("trigger.label != 'coder'", context)).toBe(false)
    expect(evaluate("'12' == trigger.issue.number", context)).toBe(true)
    expect(evaluate('trigger.issue.milestone == null', context)).toBe(true)
    expect(evaluate("'b' > 'a'", context)).toBe(true)
    expect(evaluate("'abc' < 3", context)).toBe(false)
    expect(evaluate('!inputs.dry', context)).toBe(true)
    expect(evaluate("inputs.missing || 'fallback'", context)).toBe('fallback')
    expect(evaluate("inputs.target && 'yes'", context)).toBe('yes')
    expect(evaluate('!(trigger.issue.number > 5 || false) ', context)).toBe(false)
    expect(evaluate("contains(trigger.issue.labels, 'bug') && startsWith(run.url, 'https:') && endsWith('a.ts', '.ts')", context)).toBe(true)
    expect(evaluate("join(trigger.issue.labels, ', ')", context)).toBe('bug, coder')
  })

  test('bad syntax and unknown roots are ExpressionErrors with clear messages', () => {
    expect(errorOf(() => evaluate('trigger.issue.number >', context))).toBe('unexpected end of expression')
    expect(errorOf(() => evaluate('secrets.TOKEN', context))).toBe('unknown name `secrets`: an expression starts from trigger, inputs, steps, run, repository')
    expect(errorOf(() => evaluate('trigger.issue.number * 7', context))).toBe('unexpected `*` at column 22')
    expect(errorOf(() => evaluate("'open", context))).toBe('unterminated string starting at column 1')
    expect(errorOf(() => evaluate('a b', context))).toBe('unknown name `a`: an expression starts from trigger, inputs, steps, run, repository')
    expect(errorOf(() => evaluate('trigger.issue number', context))).toBe('unexpected `number` at column 15')
    expect(errorOf(() => evaluate('', context))).toBe('empty expression')
    expect(errorOf(() => evaluate('contains(1)', context))).toBe('`contains` takes 2 arguments, got 1')
  })
})

describe('the sandbox', () => {
  test('prototypes and constructors cannot be reached', () => {
    expect(errorOf(() => evaluate("trigger.constructor.constructor('return process')()", context))).toBe('`constructor` cannot be read')
    expect(errorOf(() => evaluate("trigger['constructor']", context))).toBe('`constructor` cannot be read')
    expect(errorOf(() => evaluate("trigger[('__proto__')]", context))).toBe('`__proto__` cannot be read')
    expect(errorOf(() => evaluate('trigger.__proto__', context))).toBe('`__proto__` cannot be read')
    expect(errorOf(() => evaluate('trigger.payload.__proto__.polluted', context))).toBe('`__proto__` cannot be read')
    expect(errorOf(() => evaluate('run.id.constructor', context))).toBe('`constructor` cannot be read')
    expect(errorOf(() => evaluate('steps.prototype', context))).toBe('`prototype` cannot be read')
  })

  test('keys computed at run time are checked too', () => {
    const sneaky: ExpressionContext = { ...context, inputs: { key: '__proto__', ctor: 'constructor' } }
    expect(errorOf(() => evaluate('trigger[inputs.key]', sneaky))).toBe('`__proto__` cannot be read')
    expect(errorOf(() => evaluate('trigger.issue[inputs.ctor]', sneaky))).toBe('`constructor` cannot be read')
  })

  test('only own properties of plain objects and arrays are read', () => {
    expect(evaluate('trigger.issue.toString', context)).toBeUndefined()
    expect(evaluate('trigger.issue.hasOwnProperty', context)).toBeUndefined()
    expect(evaluate('trigger.issue.labels.map', context)).toBeUndefined()
    expect(evaluate('run.id.toUpperCase', context)).toBeUndefined()
    expect(evaluate('trigger.issue.title[0]', context)).toBe('C')
    const odd: ExpressionContext = { ...context, trigger: { date: new Date(0), fn: () => 'called', map: new Map([['a', 1]]) } }
    expect(evaluate('trigger.date.getTime', odd)).toBeUndefined()
    expect(evaluate('trigger.fn', odd)).toBeUndefined()
    expect(evaluate('trigger.map.size', odd)).toBeUndefined()
  })

  test('calls are only for the named functions', () => {
    expect(errorOf(() => evaluate("constructor('x')", context))).toBe('unknown function `constructor`: only contains, startsWith, endsWith, join, toJSON can be called')
    expect(errorOf(() => evaluate("eval('1')", context))).toBe('unknown function `eval`: only contains, startsWith, endsWith, join, toJSON can be called')
    expect(errorOf(() => evaluate('run.id()', context))).toBe('unexpected `(` at column 7: only contains, startsWith, endsWith, join and toJSON can be called')
    expect(errorOf(() => evaluate('(contains)(1, 2)', context))).toContain('unknown name `contains`')
  })

  test('a template that only looks like one is left alone; nothing in it runs', () => {
    expect(interpolate('{{7*7}} and {{constructor.constructor("x")()}}', context)).toBe('{{7*7}} and {{constructor.constructor("x")()}}')
    expect(interpolate('$7*7 #{7*7} <%= 7*7 %>', context)).toBe('$7*7 #{7*7} <%= 7*7 %>')
    expect(errorOf(() => interpolate('${{ 7*7 }}', context))).toBe('in `${{ 7*7 }}`: unexpected `*` at column 3')
    // A value that looks like an expression is data: it is not evaluated again.
    const nested: ExpressionContext = { ...context, trigger: { title: '${{ run.id }}' } }
    expect(interpolate('title: ${{ trigger.title }}', nested)).toBe('title: ${{ run.id }}')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

describe('interpolate', () => {
  test('replaces each ${{ … }}; missing is empty; objects are JSON', () => {
    expect(interpolate('Fix #${{ trigger.issue.number }}: ${{ trigger.issue.title }}', context)).toBe("Fix #12: Crash on 'save'")
    expect(interpolate('[${{ trigger.issue.milestone }}]', context)).toBe('[]')
    expect(interpolate('${{ trigger.issue.labels }}', context)).toBe('["bug","coder"]')
    expect(interpolate('${{ steps.pr.outputs }}', context)).toBe('{"url":"https://github.test/o/r/pull/3","number":3}')
    expect(interpolate('${{ inputs.dry }}/${{ null }}', context)).toBe('false/')
    expect(interpolate("${{ '}}' }} done", context)).toBe('}} done')
    expect(interpolate('no expressions', context)).toBe('no expressions')
  })

  test('an unclosed ${{ is an error', () => {
    expect(errorOf(() => interpolate('oops ${{ run.id', context))).toBe('`${{` without a closing `}}`')
  })
})

test('isTruthy', () => {
  for (const value of [false, 0, '', null, undefined, NaN]) expect(isTruthy(value)).toBe(false)
  for (const value of [true, 1, 'false', '0', [], {}]) expect(isTruthy(value)).toBe(true)
})

test('stepsContext exposes statuses and outputs under the step ids', () => {
  const step = (over: Partial<StepState>): StepState => ({ index: 0, id: 'x', name: 'x', kind: 'run', status: 'succeeded', costMicros: 0, attempts: 1, log: '', ...over })
  const steps = stepsContext([
    step({ id: 'fix', kind: 'agent', output: { summary: 'Fixed it', values: { files: 2 } } }),
    step({ id: 'pr', kind: 'pull_request', output: { pullRequest: { number: 3, url: 'https://github.test/o/r/pull/3' }, commit: { branch: 'coder/fix', oid: 'abc' } } }),
    step({ id: 'late', status: 'pending' }),
  ])
  expect(steps).toEqual({
    fix: { status: 'succeeded', outputs: { summary: 'Fixed it', files: 2 } },
    pr: { status: 'succeeded', outputs: { url: 'https://github.test/o/r/pull/3', number: 3, branch: 'coder/fix', commit: 'abc' } },
    late: { status: 'pending', outputs: {} },
  })
  expect(interpolate('PR: ${{ steps.pr.outputs.url }}', { ...context, steps })).toBe('PR: https://github.test/o/r/pull/3')
})
