/**
 * @module What an agent run is made of, as the agent loop (worker/agent) emits it and the UI
 * renders it: budgets, the events of a run in order, and why a run stopped.
 */
import type { ModelInfo, ProviderConfig } from '../models'
import type { WorkflowJobOutcome, WorkflowJobProgress, WorkflowJobStart } from '../workflow/types'

/** Credits as a run's feed and pull request show them: four decimals below ten credits, two above. */
export const formatRunCredits = (micros: number) => (micros / 1e6).toFixed(micros < 10_000_000 ? 4 : 2)

/** Limits of one run. Every field is optional: an absent one does not limit. */
export interface RunBudget {
  /** Micro-credits the run may spend on model calls (the edge holds each call to what is left). */
  maxCreditsMicros?: number
  /** Model calls the run may make. */
  maxTurns?: number
  /** Wall-clock time from the run's start. */
  maxWallMs?: number
}

/** Why a run ended. */
export type RunEndReason =
  | 'finished' // the agent called `finish` (and the tests passed, or the task needs none)
  | 'failed' // the tests still failed after the fix attempts allowed
  | 'user' // the user pressed Stop
  | 'budget' // a limit of the run, or a spending cap at the edge
  | 'stuck' // the same failing step three times
  | 'error' // the model or the platform failed
  | 'no_action' // the model answered without calling a tool or finishing

/** Which limit stopped the run or is close. */
export type BudgetLimit = 'credits' | 'turns' | 'time' | 'cap'

/** What the run has used so far. */
export interface RunUsage {
  turns: number
  inputTokens: number
  outputTokens: number
  costMicros: number
  elapsedMs: number
}

/** A test run as the feed and the pull request show it. */
export interface TestSummary {
  command: string
  passed: number
  failed: number
  skipped: number
  total: number
  /** `file › suite › test` of each failure (the first few). */
  failures: string[]
  durationMs: number
}

/** One tool call's outcome, as the model sees it (a failure is a result, not a crash). */
export interface ToolResult {
  ok: boolean
  /** The text the model receives. */
  output: string
}

/**
 * The events of a run, in the order they happen: `run-started` first, `run-stopped` last and
 * exactly once; each tool call's `tool-started` comes before its `tool-finished`.
 */
export type AgentEvent =
  | { type: 'run-started'; runId: string; task: string; model: string; budget: RunBudget; at: number }
  | { type: 'turn-started'; turn: number; at: number }
  | { type: 'text'; text: string }
  | { type: 'tool-started'; id: string; name: string; input: unknown; at: number }
  | { type: 'tool-finished'; id: string; name: string; result: ToolResult; durationMs: number }
  | { type: 'usage'; usage: RunUsage }
  | { type: 'budget-warning'; limit: BudgetLimit; message: string }
  | { type: 'test-report'; report: TestSummary }
  | { type: 'commit'; branch: string; oid: string; message: string; files: number }
  | { type: 'push'; branch: string; oid: string; url: string }
  | { type: 'pr-opened'; number: number; url: string }
  | { type: 'deploy'; id: string; url?: string; files: number; uploaded: number; visibility?: 'public' | 'private' }
  | { type: 'deploy-failed'; message: string; log?: string }
  | { type: 'run-stopped'; reason: RunEndReason; message: string; summary?: string; usage: RunUsage; at: number }


/** What a run left: why it stopped, the files changed in its overlay, its commit, push and pull request. */
export interface AgentRunResult {
  runId: string
  stopped: Extract<AgentEvent, { type: 'run-stopped' }>
  changes: FileChange[]
  commit?: { branch: string; oid: string; files: number }
  pullRequest?: { number: number; url: string }
  /** The preview deployment made of the run's commit (`deployPreview` granted). */
  deployment?: { id: string; url?: string }
}

/** One changed file for the review screen. */
export interface ReviewFile {
  /** Workspace-relative. */
  path: string
  kind: 'added' | 'modified' | 'deleted'
  binary: boolean
  /** The unified diff of the file (empty for binary files). */
  patch: string
}

/** A file the run changed in its overlay of the workspace. */
export interface FileChange {
  path: string
  kind: 'added' | 'modified' | 'deleted'
}

/** What the page asks the agent worker to do. */
export interface AgentStart {
  projectId: string
  /** Shown in the run's record and booked with its model calls at the edge. */
  projectName?: string
  task: string
  model: string
  budget: RunBudget
  /** Default: the provider chosen in Settings (stored in IndexedDB). */
  provider?: ProviderConfig
  /** Environment for the run's commands and tests (the npm registry and Python index the user chose). */
  env?: Record<string, string>
  /** The run's id, chosen by the caller so it can `stop` the run; default a fresh one. */
  runId?: string
  /** The author of the run's commits (Settings); default MechaCoder. */
  author?: { name: string; email: string }
  /** Capabilities the run is granted, mounted under `/cap`; without them it commits locally only. */
  grants?: AgentGrants
}

/** What a run may do beyond its own overlay. */
export interface AgentGrants {
  /** Push the run's own `coder/…` branch (never forced) to the project's remote, through the edge's git proxy URL `via` when the edge serves its host. */
  push?: { via?: string }
  /** Open a pull request from that branch into `base` of the GitHub repository (through the edge). */
  pullRequest?: { owner: string; repo: string; base: string }
  /**
   * After the run's commit: run `build` (none when empty) on the run's runtime and publish the
   * workspace folder `output` (empty: the project root) as a preview deployment of `project` (the
   * IDE project's id, as the Deployments view keys them) at the edge. The build's writes are undone afterwards; a failed deploy is reported, never fails the run.
   */
  deployPreview?: { project: string; /** The connected repository the deployment is shared with (its members see it), when the project deploys as one. */ repo?: string; build: string; output: string; /** Default public; private: only signed links open it. */ visibility?: 'public' | 'private' }
}

type Call<P, R, G = never> = { params: P; result: R; progress: G }

/** The agent worker's RPC: `run` streams the run's events as progress and resolves when it stops. */
export type AgentApi = {
  /** The models the provider offers (the chosen one from Settings when none is given), with its label for the UI. */
  models: Call<{ provider?: ProviderConfig }, { label: string; models: ModelInfo[] }>
  run: Call<AgentStart, AgentRunResult, AgentEvent>
  /** The files a finished run changed in its overlay, each with its unified diff against the user's workspace. */
  review: Call<{ runId: string }, { files: ReviewFile[] }>
  /** Copies the accepted files from the run's overlay into the user's workspace (deleting those it deleted); the rest stay only in the overlay. */
  accept: Call<{ runId: string; paths: string[] }, { applied: string[] }>
  /** Drops a finished run's overlay (after review, or to throw its changes away). */
  discard: Call<{ runId: string }, void>
  /** Runs a claimed workflow job (its steps from `resumeAt`) on a fresh clone of its repository, reporting each step to the edge; `stop` with the job's run id releases it. */
  workflow: Call<WorkflowJobStart, WorkflowJobOutcome, WorkflowJobProgress>
  /** The project's package.json as the user's workspace has it (null when it has none), for the panel's preview defaults. */
  packageJson: Call<{ projectId: string }, string | null>
  /** Asks a run to stop (the Stop button): it stops cleanly, its `run` call resolving with reason `user`. Unknown or finished runs are ignored. */
  stop: Call<{ runId: string }, void>
}
