/** @module The test libraries a test file imports in the sandbox (`node:test`, `vitest`, jest globals), run per file into a report. */
import type { TestCaseReport, TestEvent, TestFailure } from '../../../../shared/runtime'
import { formatForDiff } from './format'
import { createNodeTestRunner } from './node-test'
import { createVitestRunner } from './vitest'

export { formatForDiff, inspect, prettyFormat } from './format'
export { formatTitle } from './vitest'

/** What a harness is given by the sandbox for one test file. */
export interface TestHarnessOptions {
  /** Workspace-relative path of the test file (`test/a.test.js`). */
  file: string
  /** Run (and report) only the test whose full name (suites and name joined by ' > ') equals this. */
  testName?: string
  /** A monotonic clock in ms (`performance.now`). */
  now(): number
  /** Streamed as suites and tests start and finish. */
  onEvent(event: TestEvent): void
  /** Turns a thrown value into a failure (mapping stack frames to source lines); used for every failure. */
  toFailure(error: unknown): TestFailure
  /** Per-test timeout; `node:test` has none by default, vitest 5000 ms. */
  timeoutMs?: number
  /** The sandbox's `node:assert` module, for `t.assert`. */
  assert?: Record<string, unknown>
  /** The global object fake timers and `vi.stubGlobal` patch; `globalThis` when absent. */
  scope?: Record<string, unknown>
}

/** The test libraries of one test file, and how to run what the file declared. */
export interface TestHarness {
  /** The exports of `node:test` (`default` is `test`). */
  nodeTest: Record<string, unknown>
  /** The exports of `vitest` (also serves `@jest/globals`). */
  vitest: Record<string, unknown>
  /** Jest/vitest-style globals: describe, it, test, expect, vi, jest, the hooks. */
  globals: Record<string, unknown>
  /**
   * Runs every declared test, once, after the file's module has loaded. Resolves to the tests in
   * the order they finished and the first failure outside any test (a throwing describe callback,
   * a failing hook), or null. Never rejects.
   */
  run(): Promise<{ tests: TestCaseReport[]; error: TestFailure | null }>
}

/** A harness for one test file (one per sandbox; nothing is shared between harnesses). */
export function createTestHarness(options: TestHarnessOptions): TestHarness {
  const scope = options.scope ?? (globalThis as unknown as Record<string, unknown>)
  const tests: TestCaseReport[] = []
  let error: TestFailure | null = null
  const realSetTimeout = scope.setTimeout as (fn: () => void, ms: number) => unknown
  const realClearTimeout = scope.clearTimeout as (id: unknown) => void
  const fail = (thrown: unknown): TestFailure => {
    const failure = options.toFailure(thrown)
    if (failure.expected === undefined && thrown && typeof thrown === 'object' && 'expected' in thrown && 'actual' in thrown) {
      const { expected, actual } = formatForDiff(thrown.expected, thrown.actual)
      return { ...failure, expected, actual }
    }
    return failure
  }
  const deps = {
    file: options.file,
    testName: options.testName,
    timeoutMs: options.timeoutMs,
    now: options.now,
    emit: options.onEvent,
    fail,
    setTimeout: (fn: () => void, ms: number) => realSetTimeout.call(scope, fn, ms),
    clearTimeout: (id: unknown) => realClearTimeout.call(scope, id),
    report(test: TestCaseReport) {
      tests.push(test)
      options.onEvent({ type: 'test:done', test })
    },
    fileError(failure: TestFailure) {
      error ??= failure
    },
  }
  const node = createNodeTestRunner(deps, options.assert)
  const vitest = createVitestRunner(deps, scope)
  let ran: Promise<{ tests: TestCaseReport[]; error: TestFailure | null }> | null = null
  return {
    nodeTest: node.api,
    vitest: vitest.api,
    globals: vitest.api,
    run() {
      ran ??= (async () => {
        try {
          await node.run()
          await vitest.run()
        } catch (thrown) {
          error ??= fail(thrown)
        }
        return { tests, error }
      })()
      return ran
    },
  }
}
