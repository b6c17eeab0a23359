import type { TestFailure, TestStatus } from '../../../../shared/runtime'
import { createNodeMockTracker } from './mock'
import { caseReport, invoke, parseArgs, select, type RunnerDeps } from './runner-kit'

type Fn = (...args: unknown[]) => unknown
type Options = { skip?: boolean | string; todo?: boolean | string; only?: boolean; timeout?: number; concurrency?: unknown; plan?: number }
type Hooks = { before: Fn[]; after: Fn[]; beforeEach: Fn[]; afterEach: Fn[] }
type Suite = { kind: 'suite'; name: string; path: string[]; options: Options; hooks: Hooks; children: Item[]; build: Promise<unknown> | null; buildError: unknown }
type Test = { kind: 'test'; name: string; path: string[]; options: Options; fn?: Fn }
type Item = Suite | Test
/** A beforeEach/afterEach hook with the suites (or parent tests) it came from, outermost first. */
type EachHooks = { beforeEach: Fn[]; afterEach: Fn[] }

const CANCELLED = 'test did not finish before its parent and was cancelled'
const ONLY_WARNING = "'only' and 'runOnly' require the --test-only command-line option."
const hooks = (): Hooks => ({ before: [], after: [], beforeEach: [], afterEach: [] })

/**
 * `node:test` for one test file, with Node 22's outcomes: suites' callbacks run as they are
 * declared; tests run in order when `run()` is called; a failing `before` cancels the suite's
 * tests, a failing `beforeEach`/`afterEach` fails the test; subtests still running when their
 * parent ends are cancelled; `only` runs everything, with Node's warning.
 */
export function createNodeTestRunner(deps: RunnerDeps, assert: Record<string, unknown> | undefined) {
  const root: Suite = { kind: 'suite', name: '', path: [], options: {}, hooks: hooks(), children: [], build: null, buildError: undefined }
  let current = root
  let warnedOnly = false
  const mock = createNodeMockTracker()
  const realTimeout = (ms: number) => new Error(`test timed out after ${ms}ms`)
  const defaultTimeout = deps.timeoutMs ?? Infinity

  function addSuite(args: unknown[], extra: Options = {}) {
    const { name, options, fn } = parseArgs<Options>(args)
    const path = current === root ? [name] : [...current.path, name]
    const suite: Suite = { kind: 'suite', name, path, options: { ...options, ...extra }, hooks: hooks(), children: [], build: null, buildError: undefined }
    current.children.push(suite)
    if (suite.options.skip || !fn) return Promise.resolve()
    const parent = current
    current = suite
    try {
      const result = fn({ name, signal: new AbortController().signal, fullName: suite.path.join(' > ') })
      if (result && typeof (result as Promise<unknown>).then === 'function') suite.build = Promise.resolve(result).catch((e) => void (suite.buildError ??= e ?? new Error('suite failed')))
    } catch (error) {
      suite.buildError = error ?? new Error('suite failed')
    } finally {
      current = parent
    }
    return Promise.resolve()
  }

  function addTest(args: unknown[], extra: Options = {}) {
    const { name, options, fn } = parseArgs<Options>(args)
    current.children.push({ kind: 'test', name, path: current === root ? [] : current.path, options: { ...options, ...extra }, fn })
    return Promise.resolve()
  }

  function hook(kind: keyof Hooks) {
    return (fn: Fn) => void current.hooks[kind].push(fn)
  }

  /** Runs hooks in order; the first error is returned, not thrown. */
  async function runHooks(list: Fn[], context: unknown): Promise<unknown> {
    for (const fn of list) {
      try {
        await invoke(deps, fn, [context], { timeoutMs: Infinity, timeoutError: () => realTimeout(0), withDone: fn.length >= 2 })
      } catch (error) {
        return error ?? new Error('hook failed')
      }
    }
    return undefined
  }

  function cancelAll(item: Item, suites: string[]) {
    if (item.kind === 'test') return reportOne(suites, item.name, 'failed', 0, deps.fail(new Error(CANCELLED)), select(deps.testName, [...suites, item.name]))
    for (const child of item.children) cancelAll(child, item.path)
  }

  function reportOne(suites: string[], name: string, status: TestStatus, durationMs: number, failure: TestFailure | null, selection: string) {
    if (selection === 'all') deps.report(caseReport(deps.file, suites, name, status, durationMs, failure))
  }

  function warnOnly(options: Options) {
    if (options.only && !warnedOnly) {
      warnedOnly = true
      deps.emit({ type: 'diagnostic', file: deps.file, suites: [], message: ONLY_WARNING })
    }
  }

  /** Runs a suite; resolves to whether it and everything in it passed. */
  async function runSuite(suite: Suite, each: EachHooks, todo: boolean): Promise<boolean> {
    const selection = select(deps.testName, suite.path)
    if (selection === 'none') return true
    const suites = suite.path.slice(0, -1)
    const started = deps.now()
    deps.emit({ type: 'suite:start', file: deps.file, suites, name: suite.name })
    const done = (failure: TestFailure | null, mode?: 'skip' | 'todo') =>
      deps.emit({ type: 'suite:done', file: deps.file, suites, name: suite.name, durationMs: deps.now() - started, failure, ...(mode ? { mode } : {}) })
    if (suite.options.skip) {
      done(null, 'skip')
      return true
    }
    todo ||= !!suite.options.todo
    if (suite.build) await suite.build
    let error: unknown = suite.buildError
    if (error === undefined) error = await runHooks(suite.hooks.before, { name: suite.name })
    let passed = true
    if (error !== undefined) for (const child of suite.children) cancelAll(child, suite.path)
    else {
      const inner = { beforeEach: [...each.beforeEach, ...suite.hooks.beforeEach], afterEach: [...suite.hooks.afterEach, ...each.afterEach] }
      for (const child of suite.children) {
        const ok = child.kind === 'suite' ? await runSuite(child, inner, todo) : await runTest(child, suite.path, inner, todo)
        passed &&= ok
      }
      error = await runHooks(suite.hooks.after, { name: suite.name })
    }
    const failure = error === undefined ? null : deps.fail(error)
    if (failure) deps.fileError(failure)
    warnOnly(suite.options)
    done(failure, todo && suite.options.todo ? 'todo' : undefined)
    return passed && !failure
  }

  /** Runs a test (and its subtests); resolves to whether it passed (skipped and todo count as passing). */
  async function runTest(test: Test, suites: string[], each: EachHooks, inheritedTodo: boolean, parentSignal?: AbortSignal, cancelled = () => false): Promise<boolean> {
    const path = [...suites, test.name]
    const selection = select(deps.testName, path)
    if (selection === 'none') return true
    const { options } = test
    const emitStart = () => selection === 'all' && deps.emit({ type: 'test:start', file: deps.file, suites, name: test.name })
    emitStart()
    const started = deps.now()
    let todo = inheritedTodo || !!options.todo
    if (options.skip) {
      reportOne(suites, test.name, 'skipped', deps.now() - started, null, selection)
      warnOnly(options)
      return true
    }
    const fn = test.fn ?? (() => {})
    const controller = new AbortController()
    parentSignal?.addEventListener('abort', () => controller.abort(parentSignal.reason), { once: true })
    const own = hooks()
    const subtests: Array<{ finished: boolean; passed: boolean; cancel(): void }> = []
    let queue: Promise<unknown> = Promise.resolve()
    let skipped = false
    let plan: number | null = options.plan ?? null
    let planned = 0
    const tracker = createNodeMockTracker()
    const countingAssert = assert
      ? Object.fromEntries(Object.entries(assert).filter(([, f]) => typeof f === 'function').map(([k, f]) => [k, (...a: unknown[]) => (planned++, (f as Fn)(...a))]))
      : undefined
    const context = {
      name: test.name,
      fullName: path.join(' > '),
      filePath: deps.file,
      signal: controller.signal,
      assert: countingAssert,
      mock: tracker,
      diagnostic: (message: string) => deps.emit({ type: 'diagnostic', file: deps.file, suites: path, message: String(message) }),
      skip: () => void (skipped = true),
      todo: () => void (todo = true),
      plan: (n: number) => void (plan = n),
      runOnly: () => {},
      before: (fn: Fn) => void own.before.push(fn),
      after: (fn: Fn) => void own.after.push(fn),
      beforeEach: (fn: Fn) => void own.beforeEach.push(fn),
      afterEach: (fn: Fn) => void own.afterEach.push(fn),
      test: (...args: unknown[]) => {
        planned++
        const { name, options: subOptions, fn } = parseArgs<Options>(args)
        const sub = { finished: false, passed: true, cancel: () => {} }
        subtests.push(sub)
        const cancelled = new Promise<void>((resolve) => {
          sub.cancel = () => {
            if (sub.finished) return
            sub.finished = true
            sub.passed = false
            reportOne(path, name, 'failed', 0, deps.fail(new Error(CANCELLED)), select(deps.testName, [...path, name]))
            resolve()
          }
        })
        const inner = { beforeEach: [...each.beforeEach, ...own.beforeEach], afterEach: [...own.afterEach, ...each.afterEach] }
        const start = async () => {
          if (sub.finished) return
          const ok = await runTest({ kind: 'test', name, path, options: subOptions, fn }, path, inner, false, controller.signal, () => sub.finished)
          if (!sub.finished) Object.assign(sub, { finished: true, passed: ok })
        }
        // Like Node, a subtest starts at once when no other one of this test is running.
        const run = subtests.slice(0, -1).every((s) => s.finished) ? start() : queue.then(start)
        queue = run
        return Promise.race([run, cancelled]).then(() => undefined)
      },
    }
    let error = await runHooks(each.beforeEach, context)
    if (error === undefined) {
      try {
        await invoke(deps, fn, [context], {
          timeoutMs: options.timeout ?? defaultTimeout,
          timeoutError: () => realTimeout(options.timeout ?? defaultTimeout),
          withDone: fn.length >= 2,
        })
      } catch (e) {
        error = e ?? new Error('test failed')
      }
    }
    // Subtests that have not finished by the time their parent has are cancelled, as in Node.
    if (subtests.some((sub) => !sub.finished)) await new Promise<void>((resolve) => deps.setTimeout(resolve, 0))
    for (const sub of subtests) sub.cancel()
    await runHooks(own.after, context)
    const afterError = await runHooks(each.afterEach, context)
    error ??= afterError
    tracker.restoreAll()
    controller.abort()
    const failedSubtests = subtests.filter((s) => !s.passed).length
    if (error === undefined && failedSubtests) error = new Error(`${failedSubtests} subtest${failedSubtests > 1 ? 's' : ''} failed`)
    if (error === undefined && plan !== null && plan !== planned) error = new Error(`plan expected ${plan} assertions but received ${planned}`)
    const failure = error === undefined ? null : deps.fail(error)
    const status: TestStatus = todo ? 'todo' : skipped ? 'skipped' : failure ? 'failed' : 'passed'
    if (cancelled()) return false
    reportOne(suites, test.name, status, deps.now() - started, failure, selection)
    warnOnly(options)
    return status !== 'failed'
  }

  const test = Object.assign((...args: unknown[]) => addTest(args), {
    skip: (...args: unknown[]) => addTest(args, { skip: true }),
    todo: (...args: unknown[]) => addTest(args, { todo: true }),
    only: (...args: unknown[]) => addTest(args, { only: true }),
  })
  const describe = Object.assign((...args: unknown[]) => addSuite(args), {
    skip: (...args: unknown[]) => addSuite(args, { skip: true }),
    todo: (...args: unknown[]) => addSuite(args, { todo: true }),
    only: (...args: unknown[]) => addSuite(args, { only: true }),
  })
  const api: Record<string, unknown> = {
    test,
    it: test,
    describe,
    suite: describe,
    before: hook('before'),
    after: hook('after'),
    beforeEach: hook('beforeEach'),
    afterEach: hook('afterEach'),
    mock,
    run: () => {
      throw new Error('run() is not supported by the embedded test runner')
    },
  }
  api.default = test
  Object.assign(test, api)

  return {
    api,
    /** Whether any test or suite was declared. */
    get used() {
      return root.children.length > 0 || Object.values(root.hooks).some((h) => h.length > 0)
    },
    /** Runs every declared test. */
    async run(): Promise<void> {
      const error = await runHooks(root.hooks.before, {})
      if (error !== undefined) {
        for (const child of root.children) cancelAll(child, [])
        deps.fileError(deps.fail(error))
      } else {
        const each = { beforeEach: root.hooks.beforeEach, afterEach: root.hooks.afterEach }
        for (const child of root.children) {
          if (child.kind === 'suite') await runSuite(child, each, false)
          else await runTest(child, [], each, false)
        }
      }
      const afterError = await runHooks(root.hooks.after, {})
      if (afterError !== undefined) deps.fileError(deps.fail(afterError))
      mock.reset()
    },
  }
}
