import type { TestStatus } from '../../../../shared/runtime'
import { checkAssertionCount, createExpect, type AssertionCount } from './expect'
import { createFakeTimers } from './fake-timers'
import { inspect } from './format'
import { createViMocks, isViMock } from './mock'
import { caseReport, invoke, parseArgs, select, type RunnerDeps } from './runner-kit'

type Fn = (...args: unknown[]) => unknown
type Mode = 'run' | 'skip' | 'todo' | 'only'
type Hooks = { beforeAll: Fn[]; afterAll: Fn[]; beforeEach: Fn[]; afterEach: Fn[] }
type Suite = { kind: 'suite'; name: string; path: string[]; mode: Mode; factory?: Fn; hooks: Hooks; children: Item[] }
type Test = { kind: 'test'; name: string; suites: string[]; mode: Mode; fn?: Fn; timeout?: number; fails: boolean }
type Item = Suite | Test

/** Thrown by `ctx.skip()` to end a test as skipped. */
class SkipSignal extends Error {}

const hooks = (): Hooks => ({ beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] })

/** Fills a `.each` title: printf-style `%s %d %i %f %j %o %O %#  %%`, and `$name` / `$a.b` from an object row. */
export function formatTitle(title: string, row: unknown, index: number): string {
  const args = Array.isArray(row) ? [...row] : [row]
  let out = title.replace(/%[sdifjoO#%]/g, (token) => {
    if (token === '%%') return '%'
    if (token === '%#') return String(index)
    if (!args.length) return token
    const v = args.shift()
    switch (token) {
      case '%s':
        return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : inspect(v)
      case '%d':
      case '%i':
        return String(token === '%i' ? Math.trunc(Number(v)) : Number(v))
      case '%f':
        return String(Number(v))
      case '%j':
        return JSON.stringify(v)
      default:
        return inspect(v)
    }
  })
  if (row && typeof row === 'object' && !Array.isArray(row)) {
    out = out.replace(/\$([\w$]+(?:\.[\w$]+)*)/g, (m, path: string) => {
      let v: unknown = row
      for (const k of path.split('.')) v = v == null ? undefined : (v as Record<string, unknown>)[k]
      return v === undefined && !(path.split('.')[0] in row) ? m : typeof v === 'string' ? v : inspect(v)
    })
  }
  return out.replace(/\$#/g, String(index))
}

/**
 * vitest (and `@jest/globals`) for one test file, with vitest's outcomes: describe callbacks run
 * when `run()` collects (a throwing one fails the file with no tests); `only` skips the rest; a
 * failing `beforeAll` skips its suite's tests and fails the suite; `beforeEach`/`afterEach`
 * failures fail the test. `scope` is the global object fake timers and `vi.stubGlobal` patch.
 */
export function createVitestRunner(deps: RunnerDeps, scope: Record<string, unknown>) {
  const root: Suite = { kind: 'suite', name: '', path: [], mode: 'run', hooks: hooks(), children: [] }
  let current = root
  const count: AssertionCount = { calls: 0, expected: null, any: false }
  const expect = createExpect(count)
  const mocks = createViMocks()
  const clock = createFakeTimers(scope)
  const stubs = new Map<string, PropertyDescriptor | undefined>()
  let finished: Array<{ onFinished: Fn[]; onFailed: Fn[] }> = []
  const defaultTimeout = deps.timeoutMs ?? 5000

  function addSuite(args: unknown[], mode: Mode) {
    const { name, fn } = parseArgs<object>(args)
    const suite: Suite = { kind: 'suite', name, path: [...current.path, name], mode: fn || mode !== 'run' ? mode : 'todo', factory: fn, hooks: hooks(), children: [] }
    current.children.push(suite)
  }

  function addTest(args: unknown[], mode: Mode, fails = false) {
    const { name, options, fn } = parseArgs<{ skip?: boolean; only?: boolean; todo?: boolean; fails?: boolean }>(args)
    const m: Mode = options.skip ? 'skip' : options.todo || !fn ? 'todo' : options.only ? 'only' : mode
    current.children.push({ kind: 'test', name, suites: current.path, mode: mode === 'skip' ? 'skip' : m, fn, timeout: options.timeout, fails: fails || !!options.fails })
  }

  function each(register: (args: unknown[]) => void) {
    return (table: unknown[]) =>
      (title: string, fn: Fn, options?: unknown) =>
        table.forEach((row, i) => register([formatTitle(String(title), row, i), (...rest: unknown[]) => fn(...(Array.isArray(row) ? row : [row]), ...rest), options]))
  }

  function collectorOf(register: (args: unknown[], mode: Mode) => void, withFails: boolean) {
    const base = (mode: Mode) => Object.assign((...args: unknown[]) => register(args, mode), { each: each((args) => register(args, mode)) })
    const api = Object.assign(base('run'), {
      skip: base('skip'),
      only: base('only'),
      todo: base('todo'),
      concurrent: base('run'),
      sequential: base('run'),
      skipIf: (condition: unknown) => base(condition ? 'skip' : 'run'),
      runIf: (condition: unknown) => base(condition ? 'run' : 'skip'),
    })
    Object.assign(api.concurrent, { skip: api.skip, only: api.only, todo: api.todo, each: api.each })
    if (withFails) Object.assign(api, { fails: Object.assign((...args: unknown[]) => addTest(args, 'run', true), { each: each((args) => addTest(args, 'run', true)) }) })
    return api
  }

  const test = collectorOf((args, mode) => addTest(args, mode), true)
  const describe = collectorOf((args, mode) => addSuite(args, mode), false)
  const hook = (kind: keyof Hooks) => (fn: Fn, _timeout?: number) => void current.hooks[kind].push(fn)

  /** Calls describe callbacks, depth first, in declaration order. */
  async function collect(suite: Suite): Promise<void> {
    for (const child of suite.children) {
      if (child.kind !== 'suite') continue
      if (child.factory) {
        const parent = current
        current = child
        try {
          await child.factory()
        } finally {
          current = parent
        }
      }
      await collect(child)
    }
  }

  const hasOnly = (item: Item): boolean => item.mode === 'only' || (item.kind === 'suite' && item.children.some(hasOnly))

  /** Applies `only`: in a scope holding an `only`, whatever is neither `only` nor holds one is skipped. */
  function applyOnly(suite: Suite) {
    const scoped = suite.children.some(hasOnly)
    for (const child of suite.children) {
      if (scoped && !hasOnly(child) && child.mode !== 'todo') child.mode = 'skip'
      if (child.kind === 'suite' && child.mode !== 'skip') applyOnly(child)
    }
  }

  function reportAll(item: Item, status: 'skipped' | 'todo') {
    if (item.kind === 'suite') return item.children.forEach((c) => reportAll(c, item.mode === 'todo' ? 'todo' : status))
    if (select(deps.testName, [...item.suites, item.name]) !== 'all') return
    deps.report(caseReport(deps.file, item.suites, item.name, item.mode === 'todo' ? 'todo' : status, 0, null))
  }

  async function callHooks(list: Fn[], args: unknown[], cleanups?: Fn[]): Promise<unknown> {
    let error: unknown
    for (const fn of list) {
      try {
        const result = await invoke(deps, fn, args, { timeoutMs: defaultTimeout * 2, timeoutError: () => new Error(`Hook timed out in ${defaultTimeout * 2}ms.`) })
        if (typeof result === 'function') cleanups?.push(result as Fn)
      } catch (e) {
        error ??= e
        if (cleanups) break
      }
    }
    return error
  }

  async function runSuite(suite: Suite, parents: Suite[]): Promise<void> {
    if (select(deps.testName, suite.path) === 'none') return
    const suites = suite.path.slice(0, -1)
    const started = deps.now()
    deps.emit({ type: 'suite:start', file: deps.file, suites, name: suite.name })
    if (suite.mode === 'skip' || suite.mode === 'todo') {
      reportAll(suite, 'skipped')
      deps.emit({ type: 'suite:done', file: deps.file, suites, name: suite.name, durationMs: 0, failure: null, mode: suite.mode === 'skip' ? 'skip' : 'todo' })
      return
    }
    const cleanups: Fn[] = []
    let error = await callHooks(suite.hooks.beforeAll, [{ name: suite.name }], cleanups)
    if (error !== undefined) reportAll(suite, 'skipped')
    else {
      for (const child of suite.children) {
        if (child.kind === 'suite') await runSuite(child, [...parents, suite])
        else await runTest(child, [...parents, suite])
      }
    }
    const afterError = await callHooks([...suite.hooks.afterAll].reverse(), [{ name: suite.name }])
    const cleanupError = await callHooks(cleanups.reverse(), [])
    error ??= afterError ?? cleanupError
    const failure = error === undefined ? null : deps.fail(error)
    if (failure) deps.fileError(failure)
    deps.emit({ type: 'suite:done', file: deps.file, suites, name: suite.name, durationMs: deps.now() - started, failure })
  }

  async function runTest(test: Test, chain: Suite[]): Promise<void> {
    const selection = select(deps.testName, [...test.suites, test.name])
    if (selection !== 'all') return
    if (test.mode === 'skip' || test.mode === 'todo' || !test.fn) {
      deps.emit({ type: 'test:start', file: deps.file, suites: test.suites, name: test.name })
      return deps.report(caseReport(deps.file, test.suites, test.name, test.mode === 'skip' ? 'skipped' : 'todo', 0, null))
    }
    deps.emit({ type: 'test:start', file: deps.file, suites: test.suites, name: test.name })
    const started = deps.now()
    Object.assign(count, { calls: 0, expected: null, any: false })
    const callbacks = { onFinished: [] as Fn[], onFailed: [] as Fn[] }
    finished = [callbacks]
    const controller = new AbortController()
    let skipped = false
    const context = {
      task: { name: test.name, suite: { name: test.suites.at(-1) ?? '' }, file: { name: deps.file } },
      signal: controller.signal,
      expect,
      skip: (condition?: unknown) => {
        if (condition === undefined || condition) {
          skipped = true
          throw new SkipSignal('skipped')
        }
      },
      onTestFinished: (fn: Fn) => void callbacks.onFinished.push(fn),
      onTestFailed: (fn: Fn) => void callbacks.onFailed.push(fn),
    }
    const cleanups: Fn[] = []
    let error = await callHooks(
      chain.flatMap((s) => s.hooks.beforeEach),
      [context],
      cleanups,
    )
    if (error === undefined) {
      const timeout = test.timeout ?? defaultTimeout
      try {
        await invoke(deps, test.fn, [context], {
          timeoutMs: timeout,
          timeoutError: () => new Error(`Test timed out in ${timeout}ms.\nIf this is a long-running test, pass a timeout value as the last argument or configure it globally with "testTimeout".`),
        })
      } catch (e) {
        error = e ?? new Error('test failed')
      }
    }
    controller.abort()
    const after = [...chain].reverse().flatMap((s) => [...s.hooks.afterEach].reverse())
    const afterError = await callHooks([...cleanups.reverse(), ...after], [context])
    if (error instanceof SkipSignal || skipped) error = undefined
    error ??= afterError
    if (error === undefined && !skipped) error = checkAssertionCount(count) ?? undefined
    if (test.fails) error = error === undefined ? new Error('Expect test to fail') : undefined
    await callHooks(error === undefined ? [] : callbacks.onFailed, [context])
    error ??= await callHooks(callbacks.onFinished, [context])
    const status: TestStatus = skipped && error === undefined ? 'skipped' : error === undefined ? 'passed' : 'failed'
    deps.report(caseReport(deps.file, test.suites, test.name, status, deps.now() - started, error === undefined ? null : deps.fail(error)))
  }

  const vi = {
    fn: mocks.fn,
    spyOn: mocks.spyOn,
    isMockFunction: isViMock,
    mocked: <T>(value: T) => value,
    clearAllMocks: () => (mocks.clearAllMocks(), vi),
    resetAllMocks: () => (mocks.resetAllMocks(), vi),
    restoreAllMocks: () => (mocks.restoreAllMocks(), vi),
    useFakeTimers: (options?: { now?: number | Date }) => (clock.install(options), vi),
    useRealTimers: () => (clock.uninstall(), vi),
    isFakeTimers: () => clock.installed,
    advanceTimersByTime: (ms: number) => (clock.advance(ms), vi),
    advanceTimersByTimeAsync: async (ms: number) => (clock.advance(ms), await Promise.resolve(), vi),
    advanceTimersToNextTimer: () => (clock.advanceToNext(), vi),
    runAllTimers: () => (clock.runAll(), vi),
    runAllTimersAsync: async () => (clock.runAll(), await Promise.resolve(), vi),
    runOnlyPendingTimers: () => (clock.runOnlyPending(), vi),
    runAllTicks: () => vi,
    clearAllTimers: () => (clock.clearAll(), vi),
    getTimerCount: () => clock.count(),
    setSystemTime: (time: number | Date) => (clock.setSystemTime(time), vi),
    getMockedSystemTime: () => (clock.installed ? new Date(clock.now()) : null),
    getRealSystemTime: () => clock.getRealSystemTime(),
    stubGlobal: (name: string, value: unknown) => {
      if (!stubs.has(name)) stubs.set(name, Object.getOwnPropertyDescriptor(scope, name))
      Object.defineProperty(scope, name, { value, writable: true, configurable: true, enumerable: true })
      return vi
    },
    unstubAllGlobals: () => {
      for (const [name, d] of stubs) d ? Object.defineProperty(scope, name, d) : delete scope[name]
      stubs.clear()
      return vi
    },
    waitFor: async <T>(callback: () => T | Promise<T>, options: number | { timeout?: number; interval?: number } = {}) => {
      const { timeout = 1000, interval = 50 } = typeof options === 'number' ? { timeout: options } : options
      const start = deps.now()
      for (;;) {
        try {
          return await callback()
        } catch (error) {
          if (deps.now() - start >= timeout) throw error
          await new Promise<void>((resolve) => deps.setTimeout(resolve, interval))
        }
      }
    },
    waitUntil: async <T>(callback: () => T | Promise<T>, options: number | { timeout?: number; interval?: number } = {}) => {
      const { timeout = 1000, interval = 50 } = typeof options === 'number' ? { timeout: options } : options
      const start = deps.now()
      for (;;) {
        const value = await callback()
        if (value) return value
        if (deps.now() - start >= timeout) throw new Error(`Timed out in waitUntil!`)
        await new Promise<void>((resolve) => deps.setTimeout(resolve, interval))
      }
    },
    mock: () => {
      throw new Error('vi.mock() (module mocking) is not supported by the embedded test runner; use vi.spyOn or dependency injection.')
    },
    unmock: () => vi,
    hoisted: <T>(factory: () => T) => factory(),
  }
  const jest = { ...vi, useFakeTimers: () => (clock.install(), jest), useRealTimers: () => (clock.uninstall(), jest) }

  const api: Record<string, unknown> = {
    describe,
    suite: describe,
    test,
    it: test,
    expect,
    vi,
    vitest: vi,
    jest,
    beforeAll: hook('beforeAll'),
    afterAll: hook('afterAll'),
    beforeEach: hook('beforeEach'),
    afterEach: hook('afterEach'),
    onTestFinished: (fn: Fn) => void finished[0]?.onFinished.push(fn),
    onTestFailed: (fn: Fn) => void finished[0]?.onFailed.push(fn),
    assert: (value: unknown, message?: string) => {
      if (!value) throw Object.assign(new Error(message ?? `expected ${inspect(value)} to be truthy`), { name: 'AssertionError' })
    },
  }

  return {
    api,
    get used() {
      return root.children.length > 0 || Object.values(root.hooks).some((h) => h.length > 0)
    },
    /** Collects describe blocks, then runs every test; a collection error fails the file with no tests. */
    async run(): Promise<void> {
      try {
        await collect(root)
      } catch (error) {
        deps.fileError(deps.fail(error))
        return
      }
      applyOnly(root)
      const cleanups: Fn[] = []
      const error = await callHooks(root.hooks.beforeAll, [{ name: deps.file }], cleanups)
      if (error !== undefined) {
        reportAll(root, 'skipped')
        deps.fileError(deps.fail(error))
      } else {
        for (const child of root.children) {
          if (child.kind === 'suite') await runSuite(child, [root])
          else await runTest(child, [root])
        }
      }
      const afterError = (await callHooks([...root.hooks.afterAll].reverse(), [{}])) ?? (await callHooks(cleanups.reverse(), []))
      if (afterError !== undefined) deps.fileError(deps.fail(afterError))
      clock.uninstall()
      vi.unstubAllGlobals()
    },
  }
}
