import { createTwoFilesPatch } from 'diff'
import type { ToolResult } from '../../../shared/agent'
import type { WorkspaceApi } from '../../../shared/protocol'
import type { Handlers } from '../../../shared/rpc'
import type { OutputChunk, RuntimeApi, TestReport } from '../../../shared/runtime'
import type { AgentTool } from '../tool'

/** Output a command's result keeps: its end, where the errors are. */
const MAX_OUTPUT_CHARS = 12_000
const DEFAULT_TIMEOUT_S = 120
const MAX_TIMEOUT_S = 600
const MAX_FAILURES_SHOWN = 20
const MAX_DIFF_CHARS = 30_000

/** Strips terminal colours: the model reads text. */
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '')

function tail(text: string): string {
  const t = plain(text)
  return t.length > MAX_OUTPUT_CHARS ? `… (${t.length - MAX_OUTPUT_CHARS} characters cut)\n${t.slice(-MAX_OUTPUT_CHARS)}` : t
}

/** A test report as the model reads it: the counts, then each failure with its message. */
export function describeReport(report: TestReport): string {
  const { passed, failed, skipped, total } = report.counts
  const lines = [`${report.command}: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''} (${total} tests)`]
  for (const file of report.files) if (file.error) lines.push(`✗ ${file.file} could not run: ${plain(file.error.message)}`)
  const failures = report.tests.filter((t) => t.status === 'failed')
  for (const t of failures.slice(0, MAX_FAILURES_SHOWN)) {
    lines.push(`✗ ${t.file} › ${[...t.suites, t.name].join(' › ')}`)
    if (t.failure) lines.push(plain(t.failure.message).split('\n').slice(0, 12).map((l) => `    ${l}`).join('\n'))
  }
  if (failures.length > MAX_FAILURES_SHOWN) lines.push(`… and ${failures.length - MAX_FAILURES_SHOWN} more failures`)
  if (total === 0 && !report.files.some((f) => f.error)) lines.push('No tests were found.')
  return lines.join('\n')
}

/**
 * The tools that run things in the agent's runtime (over its overlay, so they see its edits):
 * a shell command, and the project's tests with a structured report.
 */
export function runtimeTools(runtime: Handlers<RuntimeApi>, projectId: string, env: Record<string, string>): AgentTool[] {
  const runCommand: AgentTool = {
    spec: {
      name: 'run_command',
      description: 'Runs a shell command in the project (sh -c, cwd the project root): node, npm, python, pip, git-free shell utilities. Answers the exit code and the output (its end when long).',
      inputSchema: {
        type: 'object',
        properties: { command: { type: 'string', minLength: 1 }, timeout_seconds: { type: 'integer', minimum: 1, description: `Default ${DEFAULT_TIMEOUT_S}, at most ${MAX_TIMEOUT_S}` } },
        required: ['command'],
        additionalProperties: false,
      },
    },
    async run(input: { command: string; timeout_seconds?: number }, { signal }): Promise<ToolResult> {
      const output: OutputChunk[] = []
      const timeoutMs = Math.min(input.timeout_seconds ?? DEFAULT_TIMEOUT_S, MAX_TIMEOUT_S) * 1000
      const exit = await runtime.spawn(
        { projectId, pid: `agent-${crypto.randomUUID()}`, command: 'sh', args: ['-c', input.command], cwd: '/workspace', env, timeoutMs },
        { signal, progress: (p) => p.output && output.push(...p.output) },
      )
      const text = tail(output.map((c) => c.text).join(''))
      const how = exit.timedOut ? `timed out after ${timeoutMs / 1000} s` : exit.signal ? `killed (${exit.signal})` : `exit code ${exit.code}`
      return { ok: exit.code === 0 && !exit.timedOut, output: `${how}\n${text}`.trimEnd() }
    },
  }

  const runTests: AgentTool = {
    spec: {
      name: 'run_tests',
      description: "Runs the project's tests (its test command: package.json's test script, pytest/unittest), installing missing dependencies first. Give files or test_name to run fewer. Answers the counts and each failure.",
      inputSchema: {
        type: 'object',
        properties: { files: { type: 'array', items: { type: 'string' } }, test_name: { type: 'string' } },
        additionalProperties: false,
      },
    },
    async run(input: { files?: string[]; test_name?: string }, { signal }): Promise<ToolResult> {
      const report = await runtime.runTests({ projectId, files: input.files, testName: input.test_name, env }, { signal, progress: () => undefined })
      const ok = report.counts.failed === 0 && !report.files.some((f) => f.error) && report.counts.total > 0
      return { ok, output: describeReport(report) }
    },
  }
  return [runCommand, runTests]
}

/** git status and diff of the agent's overlay against the project's last commit. */
export function gitTools(workspace: Handlers<WorkspaceApi>, projectId: string): AgentTool[] {
  const never = new AbortController().signal
  const ctx = { signal: never, progress: () => undefined }
  const gitStatus: AgentTool = {
    spec: { name: 'git_status', description: 'Lists the files changed since the last commit (added, modified, deleted, untracked).', inputSchema: { type: 'object', properties: {}, additionalProperties: false } },
    async run() {
      const status = await workspace.status({ projectId }, ctx)
      if (status.length === 0) return { ok: true, output: 'No changes.' }
      return { ok: true, output: status.map((s) => `${(s.group === 'untracked' ? 'untracked' : s.change).padEnd(9)} ${s.path}`).join('\n') }
    },
  }
  const gitDiff: AgentTool = {
    spec: {
      name: 'git_diff',
      description: 'Shows the changes since the last commit as a unified diff (all changed files, or the given paths).',
      inputSchema: { type: 'object', properties: { paths: { type: 'array', items: { type: 'string' } } }, additionalProperties: false },
    },
    async run(input: { paths?: string[] }) {
      const paths = input.paths?.length ? input.paths : (await workspace.status({ projectId }, ctx)).map((s) => s.path)
      const patch = await unifiedDiff(workspace, projectId, paths)
      if (!patch) return { ok: true, output: 'No changes.' }
      return { ok: true, output: patch.length > MAX_DIFF_CHARS ? `${patch.slice(0, MAX_DIFF_CHARS)}\n… (diff cut; ask for fewer paths)` : patch }
    },
  }
  return [gitStatus, gitDiff]
}

/** The unified diff (git's `a/` `b/` form) of `paths` between the last commit and the working tree. */
export async function unifiedDiff(workspace: Handlers<WorkspaceApi>, projectId: string, paths: string[]): Promise<string> {
  const ctx = { signal: new AbortController().signal, progress: () => undefined }
  const parts: string[] = []
  for (const path of paths) {
    const d = await workspace.diff({ projectId, path }, ctx)
    const name = path.replace(/^\/?workspace\//, '')
    if (d.binary) {
      parts.push(`diff --git a/${name} b/${name}\nBinary files differ\n`)
      continue
    }
    const patch = createTwoFilesPatch(d.head === null ? '/dev/null' : `a/${name}`, d.workdir === null ? '/dev/null' : `b/${name}`, d.head ?? '', d.workdir ?? '', undefined, undefined, { context: 3, headerOptions: { includeIndex: false, includeUnderline: false, includeFileHeaders: true } })
    parts.push(`diff --git a/${name} b/${name}\n${patch}`)
  }
  return parts.join('')
}

/**
 * `git_push`, for a model that wants to push: the platform pushes the run's own branch itself once
 * the tests pass, so this only ever refuses (another branch, no push granted) or says so; it never
 * pushes, and never forces.
 */
export function pushTool(runBranch: string, granted: boolean): AgentTool {
  return {
    spec: {
      name: 'git_push',
      description: `Pushes a branch. Runs may push only their own branch (${runBranch}), and the platform does it after finish once the tests pass.`,
      inputSchema: { type: 'object', properties: { branch: { type: 'string', minLength: 1 }, force: { type: 'boolean' } }, required: ['branch'], additionalProperties: false },
    },
    async run(input: { branch: string; force?: boolean }): Promise<ToolResult> {
      if (input.force) return { ok: false, output: 'Refused: runs never force-push.' }
      if (input.branch !== runBranch) return { ok: false, output: `Refused: this run may push only its own branch ${runBranch}, not ${input.branch}.` }
      if (!granted) return { ok: false, output: 'Refused: pushing is not granted to this run (no /cap/git-push); its commit stays local for the user to review.' }
      return { ok: true, output: `Nothing to do now: the platform pushes ${runBranch} after you call finish and the tests pass.` }
    },
  }
}
