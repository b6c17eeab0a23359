import type { TestCaseReport, TestReport } from './types'

/** How many tests ended in each status; `total` is all of them. */
export function countTests(tests: readonly TestCaseReport[]): TestReport['counts'] {
  const counts = { passed: 0, failed: 0, skipped: 0, todo: 0, total: tests.length }
  for (const t of tests) counts[t.status]++
  return counts
}

/** A report over `fields.tests`, with its counts computed. */
export function createReport(fields: Omit<TestReport, 'counts'>): TestReport {
  return { ...fields, counts: countTests(fields.tests) }
}

/**
 * Whether a failure is Node's "cancelled" rather than "failed" (a test its parent ended before, one
 * cut short by a failing `before` hook, or one that timed out). Reports have no cancelled status,
 * so Node-style summaries tell them apart by message.
 */
export function isCancelled(failure: { message: string } | null): boolean {
  return !!failure && /^(test did not finish before its parent and was cancelled|test timed out after \d+ms)$/.test(failure.message)
}
