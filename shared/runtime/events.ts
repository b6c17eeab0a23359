import type { TestCaseReport, TestFailure } from './types'

/**
 * What a test runner streams while a test file runs, in order: a suite or test starts, a test is
 * done, a suite is done. `suites` are the enclosing suites (and parent tests, for subtests),
 * outermost first. A `diagnostic` is a note for the terminal (`t.diagnostic()`, Node's `only`
 * warning). Reporters turn these into terminal text.
 */
export type TestEvent =
  | { type: 'suite:start' | 'test:start'; file: string; suites: string[]; name: string }
  | { type: 'test:done'; test: TestCaseReport }
  | {
      type: 'suite:done'
      file: string
      suites: string[]
      name: string
      durationMs: number
      /** Why the suite failed (its callback or one of its `before`/`after` hooks threw). */
      failure: TestFailure | null
      /** Set when the whole suite was skipped or marked todo. */
      mode?: 'skip' | 'todo'
    }
  | { type: 'diagnostic'; file: string; suites: string[]; message: string }
