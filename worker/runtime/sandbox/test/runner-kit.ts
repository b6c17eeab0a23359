import type { TestCaseReport, TestEvent, TestFailure, TestStatus } from '../../../../shared/runtime'

/** What both runners need from the harness. */
export interface RunnerDeps {
  file: string
  testName?: string
  timeoutMs?: number
  now(): number
  emit(event: TestEvent): void
  fail(error: unknown): TestFailure
  /** The real `setTimeout`/`clearTimeout`, kept before a test can swap in fake timers. */
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(id: unknown): void
  /** Records a test's outcome (and streams it). */
  report(test: TestCaseReport): void
  /** Records a failure outside any test. */
  fileError(failure: TestFailure): void
}

/** `'all'`: the path is selected (or inside what is); `'ancestor'`: something inside it is; `'none'`. */
export type Selection = 'all' | 'ancestor' | 'none'

/** How `testName` (full names joined by ' > ') selects the item at `path`. */
export function select(testName: string | undefined, path: string[]): Selection {
  if (testName === undefined) return 'all'
  const full = path.join(' > ')
  if (full === testName || full.startsWith(`${testName} > `)) return 'all'
  return testName.startsWith(`${full} > `) ? 'ancestor' : 'none'
}

/**
 * Calls `fn(...args)` and settles when it does: its returned promise, or its `done` callback when
 * `withDone` (the callback is appended to `args`). Rejects with `timeoutError()` after `timeoutMs`.
 */
export function invoke(
  deps: RunnerDeps,
  fn: (...args: unknown[]) => unknown,
  args: unknown[],
  options: { timeoutMs: number; timeoutError: () => Error; withDone?: boolean },
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let timer: unknown
    const settle = (ok: boolean, value: unknown) => {
      if (timer !== undefined) deps.clearTimeout(timer)
      ;(ok ? resolve : reject)(value)
    }
    if (Number.isFinite(options.timeoutMs)) timer = deps.setTimeout(() => settle(false, options.timeoutError()), options.timeoutMs)
    try {
      if (options.withDone) {
        fn(...args, (error?: unknown) => (error ? settle(false, error) : settle(true, undefined)))
        return
      }
      const result = fn(...args)
      if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
        ;(result as PromiseLike<unknown>).then(
          (v) => settle(true, v),
          (e) => settle(false, e),
        )
      } else settle(true, result)
    } catch (error) {
      settle(false, error)
    }
  })
}

/** A finished test's report. */
export function caseReport(file: string, suites: string[], name: string, status: TestStatus, durationMs: number, failure: TestFailure | null): TestCaseReport {
  return { file, suites, name, status, durationMs, failure }
}

/** Splits test/describe arguments in any of the usual orders: `(name, options, fn)`, `(name, fn, options|timeout)`, `(fn)`. */
export function parseArgs<O extends object>(args: unknown[]): { name: string; options: O & { timeout?: number }; fn?: (...a: unknown[]) => unknown } {
  let name: string | undefined
  let options = {} as O & { timeout?: number }
  let fn: ((...a: unknown[]) => unknown) | undefined
  for (const a of args) {
    if (typeof a === 'string') name ??= a
    else if (typeof a === 'function') fn ??= a as (...a: unknown[]) => unknown
    else if (typeof a === 'number') options = { ...options, timeout: a }
    else if (a && typeof a === 'object') options = { ...options, ...a }
  }
  if (name === undefined && args[0] !== undefined && typeof args[0] !== 'function' && typeof args[0] !== 'object') name = String(args[0])
  return { name: name ?? fn?.name ?? '<anonymous>', options, fn }
}
