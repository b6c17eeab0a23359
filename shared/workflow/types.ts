/**
 * The workflow DSL as the rest of the code sees it: a workflow file after parsing and
 * normalising (camelCase fields, defaults filled in, every step with an id and a kind), the
 * context its expressions read, and the shapes of a durable workflow run as the edge keeps it and
 * the IDE and runners see it. The YAML spelling (snake_case, `continue-on-error`) lives only in
 * the schema (schema.ts).
 */
import type { TestSummary } from '../agent'
import type { DeploymentVisibility } from '../deploy'

/** Trigger kinds a workflow's `on` can name. */
export type TriggerKind = 'issues' | 'pull_request' | 'schedule' | 'webhook' | 'manual'

export interface WorkflowInput {
  type: 'string' | 'number' | 'boolean' | 'choice'
  description?: string
  required: boolean
  default?: string | number | boolean
  /** For `choice`: the allowed values. */
  options?: string[]
}

export interface WorkflowTriggers {
  /** `issues: { types: [labeled], labels: [coder] }`: an issue event of one of `types`; for `labeled`, one of `labels` (any when absent). */
  issues?: { types: string[]; labels?: string[] }
  /** `pull_request: { types: [opened, synchronize], branches?: [main] }`: `branches` are base branches. */
  pullRequest?: { types: string[]; branches?: string[] }
  /** Five-field cron expressions, UTC. */
  schedule?: { cron: string }[]
  /** A named webhook: POST /api/workflows/repos/<owner>/<repo>/hooks/<name>. */
  webhook?: { name: string }
  /** Run from the IDE ("Run now") or the API, with typed inputs. */
  manual?: { inputs: Record<string, WorkflowInput> }
}

export interface WorkflowBudget {
  /** Credits one run may spend on model calls. */
  maxCredits?: number
  /** Credits all runs of this workflow may spend per UTC day. */
  maxCreditsPerDay?: number
  /** Model calls per agent step. */
  maxTurns?: number
  /** Wall time of one run. */
  timeoutMinutes?: number
}

export interface WorkflowPolicies {
  /** Directories (workspace-relative, e.g. `src/`) a run may write; absent: anywhere. A step that writes elsewhere fails. */
  writePaths?: string[]
  /** Ids of steps (usually `test` steps) that must have succeeded in this run before a pull request is opened. */
  requiredChecks: string[]
  /** A person must approve in the IDE before anything is pushed or published (the first `pull_request` or `deploy` step waits). */
  approvalBeforePush: boolean
  /** Who may approve: any member of the project, or only `others` than the run's author. */
  approvers: 'any' | 'others'
  /** Names of the project's secrets the run may read (mounted under /cap/secrets, masked in logs). */
  secrets: string[]
}

interface StepCommon {
  /** Given in the file, or `step-<n>` (1-based). Unique within the workflow. */
  id: string
  /** Given in the file, or derived from the step (e.g. "Run npm test"). */
  name: string
  /** An expression; the step is skipped when it is false. */
  if?: string
  /** A failure of this step does not stop the workflow. */
  continueOnError: boolean
}

export type WorkflowStep = StepCommon &
  (
    | { kind: 'agent'; role?: string; instructions: string; model?: string }
    | { kind: 'run'; command: string }
    | { kind: 'test' }
    | { kind: 'pull_request'; title: string; body?: string; draft: boolean; labels: string[] }
    /** A comment on the trigger's issue or pull request (or `issue`, an expression giving its number). */
    | { kind: 'comment'; body: string; issue?: string }
    | { kind: 'approval'; message?: string }
    /**
     * Runs `build` (when given) like a `run` step, publishes the working copy's `output` folder
     * (workspace-relative) as a preview deployment, then undoes the build's writes.
     */
    | { kind: 'deploy'; preview: true; build?: string; output: string; spa: boolean; visibility: DeploymentVisibility }
  )

export type StepKind = WorkflowStep['kind']

/** A parsed, normalised workflow file. */
export interface Workflow {
  name: string
  on: WorkflowTriggers
  /** The default model of agent steps (the provider's first when absent). */
  model?: string
  budget: WorkflowBudget
  policies: WorkflowPolicies
  steps: WorkflowStep[]
}

/** A problem in a workflow file, located for the editor and the error message. */
export interface WorkflowProblem {
  /** Repository-relative, e.g. `.coder/workflows/fix.yml`. */
  file: string
  /** 1-based. */
  line: number
  column: number
  /** End of the offending range (1-based), when known. */
  endLine?: number
  endColumn?: number
  message: string
  /** Where in the document, e.g. `steps[1].agent.instructions`. */
  path?: string
}

export type ParseResult = { ok: true; workflow: Workflow } | { ok: false; problems: WorkflowProblem[] }

/**
 * Something that may start workflows. `payload` is GitHub's webhook payload for `issues` and
 * `pull_request`, the caller's JSON for `webhook`, `{}` otherwise.
 */
export type TriggerEvent =
  | { kind: 'issues'; action: string; payload: Record<string, unknown> }
  | { kind: 'pull_request'; action: string; payload: Record<string, unknown> }
  | { kind: 'schedule'; cron: string; at: number }
  | { kind: 'webhook'; name: string; payload: Record<string, unknown> }
  | { kind: 'manual'; inputs: Record<string, unknown> }

/**
 * What `${{ … }}` expressions read: `trigger` (the event: `trigger.issue.title`,
 * `trigger.pull_request.number`, `trigger.payload`…), `inputs`, `steps.<id>.outputs.<name>`,
 * `run` (`run.id`, `run.url`) and `repository` (`repository.full_name`).
 */
export interface ExpressionContext {
  trigger: Record<string, unknown>
  inputs: Record<string, unknown>
  steps: Record<string, { status: string; outputs: Record<string, unknown> }>
  run: { id: string; url: string }
  repository: { full_name: string; default_branch: string }
}

// ---- Durable runs: the edge's state machine as everyone sees it -------------------------------

export type WorkflowRunStatus = 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled'
export type StepStatus = 'pending' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'skipped' | 'cancelled'

/** A changed file of the run's working copy (text only): its content, or null when deleted. */
export interface WorkspaceFile {
  path: string
  content: string | null
}

/** What a finished step left; later steps and a resuming runner read it. */
export interface StepOutput {
  /** Short text for the timeline (the agent's summary, the command's last line…). */
  summary?: string
  /** Values later steps read as `steps.<id>.outputs.<name>` (e.g. `url`, `number`, `exit_code`). */
  values?: Record<string, string | number | boolean>
  /** The run's working copy after this step: every file changed since the base commit (cumulative). A resuming runner restores it. */
  workspace?: WorkspaceFile[]
  /** The unified diff of the working copy against the base commit after this step (an artifact). */
  patch?: string
  testReport?: TestSummary
  commit?: { branch: string; oid: string }
  pullRequest?: { number: number; url: string }
  comment?: { url: string }
  approval?: { decision: 'approved' | 'rejected'; by: string; at: number; note?: string }
  /** The agent run of an agent step (its record at /runs/<id>). */
  agentRunId?: string
  /** The preview a deploy step published: its id, its URL (when the edge serves previews), and how many files went up. */
  deployment?: { id: string; url?: string; files: number; uploaded: number; visibility: DeploymentVisibility }
}

export interface StepState {
  index: number
  id: string
  name: string
  kind: StepKind
  status: StepStatus
  startedAt?: number
  finishedAt?: number
  costMicros: number
  /** How many times a runner started it (more than one after a lease expired mid-step). */
  attempts: number
  output?: StepOutput
  error?: string
  /** The step's log, secrets masked, the last 64 KB. */
  log: string
}

/** One transition in a run's trace: who or what did it, when, with what inputs, outputs and cost. */
export interface TraceEvent {
  at: number
  type:
    | 'queued'
    | 'claimed'
    | 'heartbeat'
    | 'lease-expired'
    | 'released'
    | 'step-started'
    | 'step-finished'
    | 'approval-requested'
    | 'approved'
    | 'rejected'
    | 'cancelled'
    | 'succeeded'
    | 'failed'
  /** `user:<id>`, `runner:<name>`, `github:<login>`, `cron`, `edge`. */
  by: string
  step?: number
  data?: Record<string, unknown>
  costMicros?: number
}

export interface TriggerInfo {
  kind: TriggerKind
  /** The webhook's action (`labeled`), the cron expression, the hook's name. */
  detail?: string
  /** One line for lists: "issue #12 labeled coder", "every Monday 09:00", "Run now by Ada". */
  summary: string
  /** The expression context's `trigger` object. */
  context: Record<string, unknown>
}

/** A workflow run as GET /api/workflows/runs/:id returns it. */
export interface WorkflowRunView {
  id: string
  /** The GitHub repository, `owner/name`. */
  repo: string
  /** `.coder/workflows/fix.yml`. */
  workflowPath: string
  workflowName: string
  status: WorkflowRunStatus
  trigger: TriggerInfo
  inputs: Record<string, unknown>
  /** Who caused the run (Run now: the user; a trigger: the member whose connection it runs under). */
  author: { id: string; name: string }
  /** The branch the run starts from and, once a runner cloned it, the commit. */
  baseRef: string
  baseCommit?: string
  createdAt: number
  updatedAt: number
  startedAt?: number
  finishedAt?: number
  costMicros: number
  steps: StepState[]
  /** The runner holding the run, while one does. */
  lease?: { runner: string; expiresAt: number }
  /** Why it ended, for failed and cancelled runs. */
  reason?: string
  trace: TraceEvent[]
}

/** What POST /api/workflows/claim hands a runner. */
export interface WorkflowJob {
  run: WorkflowRunView
  /** The workflow file's text, as it was when the run was queued (the file in the branch is what runs). */
  source: string
  /** Proves the lease on every later call (heartbeat, step start/log/finish, release). */
  leaseToken: string
  /** Heartbeat at least this often (a third of the lease is advised). */
  leaseMs: number
  /** The first step not yet finished: a resumed run starts there, restoring the working copy from the last finished step's output. */
  resumeAt: number
}

// ---- Running a job: the page ⇄ agent worker call (AgentApi.workflow) ---------------------------

/** What a runner (a tab or the headless runner's page) hands the agent worker after claiming a job. */
export interface WorkflowJobStart {
  job: WorkflowJob
  /** The runner's name, as the trace shows it. */
  runner: string
  /** Environment for `run` and `test` steps (the registry and index chosen in Settings). */
  env?: Record<string, string>
  /** The author of the run's commit (Settings); default MechaCoder. */
  author?: { name: string; email: string }
}

/** What the agent worker streams while it runs a job. */
export type WorkflowJobProgress =
  | { type: 'step'; index: number; name: string; status: StepStatus }
  | { type: 'log'; index: number; text: string }

/** How a job ended for this runner: the run's status, or `released` (it went back to the queue: the runner stopped, or waits for an approval). */
export interface WorkflowJobOutcome {
  status: WorkflowRunStatus | 'released'
  reason?: string
}
