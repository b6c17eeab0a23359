import type { AgentEvent, TestSummary } from '../../../shared/agent'
import type { Author, WorkspaceApi } from '../../../shared/protocol'
import type { Handlers } from '../../../shared/rpc'
import type { RuntimeApi, TestReport } from '../../../shared/runtime'
import type { Overlay } from '../../namespace'
import type { AgentTool, ToolOutcome } from '../tool'
import { describeReport } from '../tools/runtime'

/** Times the model may call `finish` with the tests failing before the run ends as failed. */
export const FIX_ATTEMPTS = 3
/** What a task says when the project has no tests and that is fine (recorded on the run). */
const NO_TESTS_NEEDED = /\b(no tests? (are )?(needed|required)|tests? may not exist|without tests)\b/i
const MAX_FAILURES_LISTED = 10

/** The files the run changed, as git sees them (the overlay's own `.git` writes left out). */
export async function changedFiles(overlay: Overlay): Promise<string[]> {
  return (await overlay.changes()).map((c) => c.path.replace(/^\//, '')).filter((p) => p !== '.git' && !p.startsWith('.git/'))
}

export function summarize(report: TestReport): TestSummary {
  return {
    command: report.command,
    ...report.counts,
    failures: report.tests.filter((t) => t.status === 'failed').slice(0, MAX_FAILURES_LISTED).map((t) => [t.file, ...t.suites, t.name].join(' › ')),
    durationMs: report.durationMs,
  }
}

/** What the finish check found: the last whole test run, and whether the task waived tests. */
export interface Verdict {
  report: TestSummary | null
  testsWaived: boolean
}

/**
 * The `finish` tool with the golden rule in it: the platform, not the model, runs the project's
 * whole test suite on the agent's changes, and accepts `finish` only when it passes (or when there
 * are no changes, or the task says tests are not needed and the project has none). A failing run is
 * given back to the model to fix, `FIX_ATTEMPTS` times at most; then the run ends as failed.
 */
export function createFinishTool(options: {
  task: string
  projectId: string
  overlay: Overlay
  runtime: Handlers<RuntimeApi>
  env: Record<string, string>
  emit(event: AgentEvent): void
  verdict: Verdict
}): AgentTool {
  let attempts = 0
  return {
    finishes: true,
    spec: {
      name: 'finish',
      description: "Ends the task. The platform then runs the project's tests; it commits your changes only when they pass. Give a short summary of what you changed and why, for the pull request.",
      inputSchema: { type: 'object', properties: { summary: { type: 'string', minLength: 1 } }, required: ['summary'], additionalProperties: false },
    },
    async run(input: { summary: string }, { signal }): Promise<ToolOutcome> {
      if ((await changedFiles(options.overlay)).length === 0) return { ok: true, output: input.summary }
      const report = await options.runtime.runTests({ projectId: options.projectId, env: options.env }, { signal, progress: () => undefined })
      const summary = summarize(report)
      options.verdict.report = summary
      options.emit({ type: 'test-report', report: summary })
      const broken = report.files.some((f) => f.error)
      if (report.counts.total === 0 && !broken) {
        if (NO_TESTS_NEEDED.test(options.task)) {
          options.verdict.testsWaived = true
          return { ok: true, output: input.summary }
        }
        return {
          ok: false,
          output: `The project has no tests (${report.command} found none), and the platform commits only changes whose tests pass. Add tests for your change, or stop.`,
          stop: ++attempts >= FIX_ATTEMPTS ? { reason: 'failed', message: 'No tests: the platform commits only tested changes, and the task did not say tests may be missing.' } : undefined,
        }
      }
      if (report.counts.failed === 0 && !broken) return { ok: true, output: input.summary }
      attempts++
      const left = FIX_ATTEMPTS - attempts
      return {
        ok: false,
        output: `Not finished: the tests fail with your changes.\n${describeReport(report)}\n${left > 0 ? `Fix them and call finish again (${left} attempt${left === 1 ? '' : 's'} left).` : ''}`.trimEnd(),
        stop: left > 0 ? undefined : { reason: 'failed', message: `The tests still fail after ${FIX_ATTEMPTS} attempts (${report.counts.failed} failed of ${report.counts.total}): nothing was committed.` },
      }
    },
  }
}

/** `coder/<words of the task>-<run id>`: a branch name git accepts, unique to the run. */
export function branchFor(task: string, runId: string): string {
  const words = task.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '')
  return `coder/${words || 'task'}-${runId.replace(/[^a-z0-9]/gi, '').slice(0, 6).toLowerCase()}`
}

/** A commit message from the agent's summary: its first line as the subject (at most 72 characters), the rest and the run as the body. */
export function commitMessage(summary: string, task: string, runId: string, verdict: Verdict): string {
  const [first = 'Changes by MechaCoder', ...rest] = summary.trim().split('\n')
  const subject = first.length > 72 ? `${first.slice(0, 71)}…` : first
  const tests = verdict.report ? `Tests: ${verdict.report.passed} passed, ${verdict.report.failed} failed (${verdict.report.command})` : verdict.testsWaived ? 'Tests: none (the task said none are needed)' : ''
  return [subject, '', ...rest, rest.length ? '' : null, `Task: ${task.trim().split('\n')[0]}`, tests || null, `Run: ${runId}`].filter((l) => l !== null).join('\n').replace(/\n{3,}/g, '\n\n') + '\n'
}

/**
 * Commits the run's changes in its overlay on a new branch `coder/<slug>`, never on the user's
 * branch. Resolves to the commit, or null when nothing changed.
 */
export async function commitRun(options: {
  workspace: Handlers<WorkspaceApi>
  overlay: Overlay
  projectId: string
  branch: string
  message: string
  author: Author
}): Promise<{ branch: string; oid: string; files: number } | null> {
  const files = await changedFiles(options.overlay)
  if (files.length === 0) return null
  const ctx = { signal: new AbortController().signal, progress: () => undefined }
  const { projectId } = options
  await options.workspace.createBranch({ projectId, name: options.branch, checkout: true }, ctx)
  await options.workspace.stage({ projectId, paths: files.map((f) => `/workspace/${f}`) }, ctx)
  const commit = await options.workspace.commit({ projectId, message: options.message, author: options.author }, ctx)
  return { branch: options.branch, oid: commit.oid, files: files.length }
}
