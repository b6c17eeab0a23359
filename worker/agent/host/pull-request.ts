import { formatRunCredits, type AgentGrants, type RunUsage, type TestSummary } from '../../../shared/agent'
import type { WorkspaceApi } from '../../../shared/protocol'
import type { DeploymentVisibility } from '../../../shared/deploy'
import type { Handlers } from '../../../shared/rpc'

/** A preview deployment made in the run, for the pull request's reviewers. */
export interface PullRequestPreview {
  url: string
  id: string
  visibility?: DeploymentVisibility
}

/** The preview as one line of Markdown: `**Preview:** <url>`, saying so when only a signed link opens it. */
export function previewLine(preview: PullRequestPreview): string {
  return `**Preview:** ${preview.url}${preview.visibility === 'private' ? ' (private: it opens only through a signed link)' : ''}`
}

/** The pull request's description: the task, the agent's summary, the files, the test report, the preview (when the run deployed one) and the run's cost. */
export function pullRequestBody(options: { task: string; summary: string; files: string[]; report: TestSummary | null; testsWaived: boolean; usage: RunUsage; runId: string; runUrl?: string; preview?: PullRequestPreview }): string {
  const { report } = options
  const tests = report
    ? [`**${report.passed} passed**, ${report.failed} failed${report.skipped ? `, ${report.skipped} skipped` : ''} of ${report.total} — \`${report.command}\` (${Math.round(report.durationMs)} ms)`, ...report.failures.map((f) => `- ✗ ${f}`)].join('\n')
    : options.testsWaived
      ? 'No tests: the task said none are needed.'
      : 'Not run.'
  return [
    '## Task',
    options.task.trim(),
    '',
    '## Summary',
    options.summary.trim(),
    '',
    `## Changes (${options.files.length} file${options.files.length === 1 ? '' : 's'})`,
    ...options.files.map((f) => `- \`${f}\``),
    '',
    '## Tests',
    tests,
    '',
    ...(options.preview ? ['## Preview', previewLine(options.preview), ''] : []),
    '## Run',
    `${options.usage.turns} model calls, ${(options.usage.inputTokens + options.usage.outputTokens).toLocaleString('en')} tokens, ${formatRunCredits(options.usage.costMicros)} credits, ${Math.round(options.usage.elapsedMs / 1000)} s — run ${options.runUrl ? `[${options.runId}](${options.runUrl})` : `\`${options.runId}\``}`,
    '',
    '_Opened by MechaCoder. The platform committed these changes only after the tests passed._',
  ].join('\n')
}

/**
 * A workflow's pull request description: the step's own `body` (expressions already filled in),
 * the preview an earlier deploy step published, the test steps' counts, and a line naming the
 * workflow and its run.
 */
export function workflowPullRequestBody(options: { body: string; workflowName: string; runUrl: string; checks: Array<{ id: string; passed: unknown; failed: unknown }>; preview?: PullRequestPreview }): string {
  return [
    options.body,
    options.preview ? `\n${previewLine(options.preview)}` : '',
    options.checks.length ? `\n**Checks:** ${options.checks.map((c) => `${c.id}: ${c.passed} passed, ${c.failed} failed`).join('; ')}` : '',
    `\n_Opened by the Coder workflow “${options.workflowName}” — run ${options.runUrl}_`,
  ]
    .filter(Boolean)
    .join('\n')
    .trim()
}

/** Pushes the run's branch through the edge's git proxy: only that `coder/…` branch, never forced. */
export async function pushRun(workspace: Handlers<WorkspaceApi>, projectId: string, branch: string, grant: NonNullable<AgentGrants['push']>, signal: AbortSignal) {
  if (!branch.startsWith('coder/')) throw new Error(`refusing to push ${branch}: runs push only coder/* branches`)
  return workspace.push({ projectId, branch, via: grant.via }, { signal, progress: () => undefined })
}

/** Opens the pull request through the edge (which holds the GitHub token). */
export async function openPullRequest(origin: string, grant: NonNullable<AgentGrants['pullRequest']>, pr: { title: string; body: string; head: string }, fetchFn: typeof fetch = fetch): Promise<{ number: number; url: string }> {
  const res = await fetchFn(`${origin}/api/github/repos/${encodeURIComponent(grant.owner)}/${encodeURIComponent(grant.repo)}/pulls`, {
    method: 'POST',
    credentials: 'include',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ title: pr.title, body: pr.body, head: pr.head, base: grant.base, draft: false }),
  })
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`
    try {
      message = ((await res.json()) as { error?: { message?: string } }).error?.message ?? message
    } catch {
      // Not JSON: the status says enough.
    }
    throw new Error(`opening the pull request failed: ${message}`)
  }
  return (await res.json()) as { number: number; url: string }
}
