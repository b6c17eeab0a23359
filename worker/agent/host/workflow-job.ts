import type { AgentEvent, TestSummary } from '../../../shared/agent'
import { AppError } from '../../../shared/errors'
import type { ModelProvider } from '../../../shared/models'
import type { FileService } from '../../../shared/namespace'
import type { Handlers } from '../../../shared/rpc'
import type { OutputChunk, RuntimeApi } from '../../../shared/runtime'
import { evaluate, interpolate, isTruthy, isWriteAllowed, maskSecrets, parseWorkflow, stepsContext, WORKFLOW_BRANCH_PREFIX } from '../../../shared/workflow'
import type {
  ExpressionContext,
  StepOutput,
  Workflow,
  WorkflowJobOutcome,
  WorkflowJobProgress,
  WorkflowJobStart,
  WorkflowStep,
  WorkspaceFile,
} from '../../../shared/workflow/types'
import type { WorkspaceLink } from '../../runtime/host/workspace-link'
import { unifiedDiff } from '../tools/runtime'
import { createAgentProject, type AgentProject } from './agent-project'
import { changedFiles, commitRun, summarize } from './golden-rule'
import { pushRun, workflowPullRequestBody, type PullRequestPreview } from './pull-request'
import { runTask } from './run-task'
import { keepWorkingCopy, publishFolder, workingCopyRef } from './workflow-deploy'
import { createRunnerEdge, type RunnerEdge } from './workflow-edge'
import { createWorkspaceFiles } from './workspace-files'

/** Who a workflow's commit is by when the runner's user set no author in Settings. */
const WORKFLOW_AUTHOR = { name: 'MechaCoder', email: 'mechacoder@users.noreply.coder.dev' }
/** Text files kept in a step's output for a resuming runner; bigger ones are left out (the patch still shows them). */
const MAX_RESTORED_FILE = 512 * 1024
const MAX_RESTORED_TOTAL = 4 * 1024 * 1024
const LOG_FLUSH_MS = 1_000
const COMMAND_TIMEOUT_MS = 10 * 60_000

export interface WorkflowJobDeps {
  link: WorkspaceLink
  origin: string
  /** The model provider of agent steps (the one chosen in Settings). */
  provider: ModelProvider
  /** The runtime over a view of the project (the agent's overlay). */
  createRuntime(link: WorkspaceLink): Handlers<RuntimeApi>
  /** Stops the job: the runner is going away (the run is released back to the queue). */
  signal: AbortSignal
  progress(event: WorkflowJobProgress): void
  fetch?: typeof fetch
}

/** A GitHub host the edge's git proxy reaches (GET /api/git/hosts). */
interface GitHost {
  url: string
  host: string
  github: boolean
}

/** Why a step failed, as the timeline shows it. */
class StepFailure extends Error {}

/**
 * Runs a claimed workflow job: clones the run's repository (through the edge's git proxy, so
 * tokens stay there) into a project of its own, restores the working copy a previous runner left
 * (from the last finished step's output), then runs the steps from `resumeAt`, each started and
 * finished at the edge (which makes them idempotent: a step finished before is never redone).
 * The agent, commands and tests all work on one copy-on-write view of the clone. Policies are
 * enforced here as well as at the edge: writes outside `writePaths` fail the step, required
 * checks gate the pull request, secrets are masked in everything sent back. The lease is kept
 * with heartbeats; a lost lease or a cancel stops the job. The clone is deleted afterwards.
 */
export async function runWorkflowJob(start: WorkflowJobStart, deps: WorkflowJobDeps): Promise<WorkflowJobOutcome> {
  const { job } = start
  const run = job.run
  const fetchFn = deps.fetch ?? fetch.bind(globalThis)
  const edge = createRunnerEdge(deps.origin, run.id, job.leaseToken, fetchFn)
  const controller = new AbortController()
  let cancelled = false
  const stopFromRunner = () => controller.abort(new AppError('ABORTED', 'the runner stopped'))
  deps.signal.addEventListener('abort', stopFromRunner, { once: true })
  const beat = setInterval(() => {
    edge.heartbeat().then(
      (r) => {
        if (r.cancelled) {
          cancelled = true
          controller.abort(new AppError('ABORTED', 'the run was cancelled'))
        }
      },
      (error: unknown) => {
        if (error instanceof AppError && error.code === 'LEASE_LOST') controller.abort(error)
      },
    )
  }, Math.max(500, Math.floor(job.leaseMs / 3)))

  let projectId: string | null = null
  let lower: { dispose(): void } | null = null
  /** The step under way (or next), for a failure of the platform itself. */
  let current = job.resumeAt
  try {
    const parsed = parseWorkflow(job.source, run.workflowPath)
    if (!parsed.ok) {
      await edge.finishStep(job.resumeAt, { status: 'failed', error: `The workflow file does not parse: ${parsed.problems[0]?.message ?? 'unknown problem'}` })
      return { status: 'failed', reason: 'invalid workflow' }
    }
    const workflow = parsed.workflow
    const secrets = workflow.policies.secrets.length ? await edge.secrets() : {}
    const secretValues = Object.values(secrets)
    const mask = (text: string) => maskSecrets(text, secretValues)

    // The repository, cloned through the edge's git proxy (GitHub's token never reaches the tab).
    const hosts = (await edge.json<{ hosts: GitHost[] }>('GET', '/api/git/hosts')).hosts
    const github = hosts.find((h) => h.github)
    if (!github) throw new AppError('NOT_FOUND', 'The edge reaches no GitHub: it cannot clone the workflow’s repository')
    const cloneUrl = `${github.url.replace(/\/+$/, '')}/${run.repo}.git`
    const via = `${deps.origin}/git/${github.host}${new URL(cloneUrl).pathname}`
    const info = await deps.link.rpc.call(
      'importRepo',
      { url: cloneUrl, via, ref: run.baseRef, name: `${run.workflowName} · run ${run.id.slice(0, 8)}` },
      { signal: controller.signal, timeoutMs: 600_000 },
    )
    projectId = info.id
    const files = createWorkspaceFiles(deps.link.rpc, info.id, (fn) => deps.link.subscribe(fn))
    lower = files
    const caps: Record<string, string> = { model: JSON.stringify({ note: 'model calls through the provider chosen in Settings' }) }
    for (const [name, value] of Object.entries(secrets)) caps[`secrets/${name}`] = value
    const agent = await createAgentProject(info, files, caps)
    const runtime = deps.createRuntime(agent.link)

    // A resumed run: the working copy as the last finished step left it.
    const restoreFrom = [...run.steps].slice(0, job.resumeAt).reverse().find((s) => s.output?.workspace)
    if (restoreFrom?.output?.workspace) await restoreWorkspace(agent, restoreFrom.output.workspace)

    const context: ExpressionContext = {
      trigger: run.trigger.context,
      inputs: run.inputs,
      steps: stepsContext(run.steps.filter((s) => s.status === 'succeeded' || s.status === 'failed' || s.status === 'skipped')),
      run: { id: run.id, url: `${deps.origin}/workflows/runs/${run.id}` },
      repository: { full_name: run.repo, default_branch: run.baseRef },
    }
    let spent = run.costMicros

    for (let index = job.resumeAt; index < workflow.steps.length; index++) {
      current = index
      const step = workflow.steps[index]!
      const started = await edge.startStep(index)
      if (started.waiting) {
        deps.progress({ type: 'step', index, name: step.name, status: 'waiting' })
        return { status: 'released', reason: 'waiting for approval' }
      }
      if (started.already) {
        context.steps[step.id] = stepsContext([started.step])[step.id] ?? { status: started.step.status, outputs: {} }
        // The edge may settle a step itself (a pull request whose required checks have not passed).
        if (started.step.status === 'failed' && !step.continueOnError) return { status: 'failed', reason: started.step.error }
        continue
      }
      deps.progress({ type: 'step', index, name: step.name, status: 'running' })
      const log = createStepLog(edge, index, mask, deps.progress)
      let result: { status: 'succeeded' | 'failed' | 'skipped'; output?: StepOutput; error?: string; costMicros?: number }
      try {
        if (step.if !== undefined && !isTruthy(evaluateCondition(step.if, context))) {
          log.write(`Skipped: \`${step.if}\` is false.\n`)
          result = { status: 'skipped' }
        } else {
          const output = await runStep(step, { workflow, context, agent, base: files, runtime, edge, log, start, spentMicros: spent, signal: controller.signal, provider: deps.provider, secrets, origin: deps.origin })
          await checkWritePaths(agent, workflow.policies.writePaths)
          Object.assign(output, await workspaceOutput(agent, info.id))
          result = { status: 'succeeded', output: { ...output, costMicros: undefined } as StepOutput, costMicros: output.costMicros }
        }
      } catch (error) {
        if (controller.signal.aborted) throw controller.signal.reason ?? error
        const message = error instanceof StepFailure || error instanceof AppError ? error.message : `${(error as Error)?.message ?? error}`
        log.write(`\n✗ ${message}\n`)
        const { costMicros, report } = error as { costMicros?: number; report?: TestSummary }
        const output: StepOutput = { ...(await workspaceOutput(agent, info.id).catch(() => ({}))), ...(report ? { testReport: report, values: { passed: report.passed, failed: report.failed } } : {}) }
        result = { status: 'failed', error: mask(message), costMicros, output }
      }
      await log.flush()
      if (result.output) result.output = JSON.parse(mask(JSON.stringify(result.output))) as StepOutput
      spent += result.costMicros ?? 0
      const after = await edge.finishStep(index, result)
      deps.progress({ type: 'step', index, name: step.name, status: result.status })
      context.steps[step.id] = { status: result.status, outputs: { ...result.output?.values } }
      if (after.status === 'succeeded' || after.status === 'failed' || after.status === 'cancelled') return { status: after.status, reason: after.reason }
    }
    return { status: 'succeeded' }
  } catch (error) {
    if (cancelled) return { status: 'cancelled', reason: 'cancelled' }
    if (error instanceof AppError && error.code === 'LEASE_LOST') return { status: 'released', reason: error.message }
    // The run ended while this runner worked on it (cancelled, timed out, over budget): say how.
    if (error instanceof AppError && error.data.status === 409) {
      const view = await edge.json<{ status: WorkflowJobOutcome['status']; reason?: string }>('GET', `/api/workflows/runs/${run.id}`).catch(() => null)
      if (view && view.status !== 'running' && view.status !== 'queued') return { status: view.status, reason: view.reason }
    }
    // The runner is stopping: give the run back so another runner can resume it.
    if (controller.signal.aborted) {
      await edge.release().catch(() => undefined)
      return { status: 'released', reason: 'the runner stopped' }
    }
    // The platform failed here (the clone, the edge, a worker): the step fails with the reason,
    // rather than going back to the queue for the next runner to fail the same way, forever.
    const message = `The runner could not go on: ${(error as Error)?.message ?? String(error)}`
    const ended = await edge.finishStep(current, { status: 'failed', error: message }).catch(() => null)
    if (!ended) await edge.release().catch(() => undefined)
    return ended ? { status: ended.status === 'running' || ended.status === 'queued' ? 'released' : ended.status, reason: message } : { status: 'released', reason: message }
  } finally {
    clearInterval(beat)
    deps.signal.removeEventListener('abort', stopFromRunner)
    lower?.dispose()
    if (projectId) await deps.link.rpc.call('deleteProject', { projectId }).catch(() => undefined)
  }
}

interface StepDeps {
  workflow: Workflow
  context: ExpressionContext
  agent: AgentProject
  /** The clone's working tree, under the agent's overlay: what the run started from. */
  base: FileService
  runtime: Handlers<RuntimeApi>
  edge: RunnerEdge
  log: StepLog
  start: WorkflowJobStart
  spentMicros: number
  signal: AbortSignal
  provider: ModelProvider
  secrets: Record<string, string>
  origin: string
}

type StepResult = StepOutput & { costMicros?: number }

async function runStep(step: WorkflowStep, d: StepDeps): Promise<StepResult> {
  const projectId = d.agent.project.info.id
  const env = { ...d.start.env }
  const text = (template: string) => interpolate(template, d.context)
  switch (step.kind) {
    case 'agent':
      return runAgentStep(step, d)
    case 'run': {
      const command = await runCommand(step.command, d)
      return { summary: `\`${command}\` succeeded`, values: { exit_code: 0 } }
    }
    case 'test': {
      d.log.write('Running the project’s tests…\n')
      const report = await d.runtime.runTests({ projectId, env }, { signal: d.signal, progress: (p) => p.output?.forEach((c: OutputChunk) => d.log.write(c.text)) })
      const summary = summarize(report)
      const failed = summary.failed > 0 || report.files.some((f) => f.error) || summary.total === 0
      const line = `${summary.passed} passed, ${summary.failed} failed (${summary.command})`
      d.log.write(`\n${line}\n${summary.failures.map((f) => `  ✗ ${f}\n`).join('')}`)
      if (failed) throw Object.assign(new StepFailure(summary.total === 0 ? `No tests ran (${summary.command})` : `Tests failed: ${line}`), { report: summary })
      return { summary: line, testReport: summary, values: { passed: summary.passed, failed: summary.failed } }
    }
    case 'pull_request':
      return openPullRequestStep(step, d)
    case 'comment': {
      const number = Number(step.issue !== undefined ? text(step.issue) : (issueNumber(d.context) ?? NaN))
      if (!Number.isInteger(number) || number < 1) throw new StepFailure('This comment has no issue or pull request to go on: the trigger has none, and the step names none (`issue:`)')
      const [owner, repo] = d.context.repository.full_name.split('/')
      const body = maskSecrets(text(step.body), Object.values(d.secrets))
      const comment = await d.edge.json<{ id: number; url: string }>('POST', `/api/github/repos/${owner}/${repo}/issues/${number}/comments`, { body })
      d.log.write(`Commented on #${number}: ${comment.url}\n`)
      return { summary: `Commented on #${number}`, comment: { url: comment.url }, values: { url: comment.url } }
    }
    case 'approval':
      // The edge holds approval steps (the run waits); a runner only sees one already decided.
      return { summary: 'Approved' }
    case 'deploy':
      return runDeployStep(step, d)
    default:
      return unreachable(step)
  }
}

/**
 * Runs a shell command (`${{ … }}` filled in as environment variables) on the runtime in
 * /workspace, its output streamed to the step's log, with the run's granted secrets in its
 * environment. Resolves to the command as run; a non-zero exit or a timeout fails the step.
 */
async function runCommand(template: string, d: StepDeps): Promise<string> {
  const { command, values } = shellCommand(template, d.context)
  d.log.write(`$ ${interpolate(template, d.context)}\n`)
  // Granted secrets reach commands as environment variables (and the agent under /cap/secrets).
  const exit = await d.runtime.spawn(
    { projectId: d.agent.project.info.id, pid: `workflow-${crypto.randomUUID()}`, command: 'sh', args: ['-c', command], cwd: '/workspace', env: { ...d.start.env, ...d.secrets, ...values }, timeoutMs: COMMAND_TIMEOUT_MS },
    { signal: d.signal, progress: (p) => p.output?.forEach((c: OutputChunk) => d.log.write(c.text)) },
  )
  if (exit.timedOut) throw new StepFailure(`\`${command}\` timed out after ${COMMAND_TIMEOUT_MS / 60_000} minutes`)
  if (exit.code !== 0) throw new StepFailure(`\`${command}\` exited with code ${exit.code}${exit.signal ? ` (${exit.signal})` : ''}`)
  return command
}

/**
 * A deploy step: the build (when given) as a `run` step would run it, then the output folder of
 * the working copy published as a preview of the workflow's repository; the build's writes are
 * undone afterwards, whether it succeeded or not. Outputs `url` (when the edge serves previews)
 * and `id`.
 */
async function runDeployStep(step: Extract<WorkflowStep, { kind: 'deploy' }>, d: StepDeps): Promise<StepResult> {
  // The published files are the clone's commit only while the run has changed nothing yet.
  const ref = await workingCopyRef(d.agent)
  const { commit, ...branch } = ref
  const pristine = (await changedFiles(d.agent.overlay)).length === 0
  const restore = step.build !== undefined ? await keepWorkingCopy(d.agent, d.base) : null
  let undoFailed: string | null = null
  let outcome: StepResult
  try {
    if (step.build !== undefined) await runCommand(step.build, d)
    const repo = d.context.repository.full_name
    const result = await publishFolder({
      agent: d.agent,
      folder: step.output,
      request: { project: repo, repo, ...(pristine ? ref : branch), spa: step.spa, visibility: step.visibility },
      api: (path, init) => d.edge.fetch(path, init),
      log: (text) => d.log.write(text),
      signal: d.signal,
      secrets: Object.values(d.secrets),
    })
    const { deployment } = result
    const where = deployment.url ?? `deployment ${deployment.id} (this edge serves no previews: its PREVIEW_URL_TEMPLATE is unset)`
    d.log.write(`Deployed ${result.totalFiles} file${result.totalFiles === 1 ? '' : 's'} (${result.uploadedFiles} uploaded, rest unchanged): ${where}\n`)
    outcome = {
      summary: `Deployed ${result.totalFiles} file${result.totalFiles === 1 ? '' : 's'}${deployment.url ? `: ${deployment.url}` : ''}`,
      deployment: { id: deployment.id, ...(deployment.url ? { url: deployment.url } : {}), files: result.totalFiles, uploaded: result.uploadedFiles, visibility: deployment.visibility },
      values: { id: deployment.id, ...(deployment.url ? { url: deployment.url } : {}) },
    }
  } finally {
    // Never in place of the step's own error: then a failed undo is only logged.
    if (restore && !d.signal.aborted) {
      await restore().catch((error: unknown) => {
        undoFailed = (error as Error)?.message ?? String(error)
        d.log.write(`Could not undo the build's writes: ${undoFailed}\n`)
      })
    }
  }
  // The build's output would otherwise reach a later pull request: stop here.
  if (undoFailed) throw new Error(`The preview is published, but the build's writes could not be undone (${undoFailed}); stopping so they reach no pull request`)
  return outcome
}

/** The preview the last deploy step before `step` published, for the pull request's reviewers. */
function previewBefore(step: WorkflowStep, d: StepDeps): PullRequestPreview | undefined {
  const earlier = d.workflow.steps.slice(0, d.workflow.steps.indexOf(step)).reverse()
  for (const s of earlier) {
    if (s.kind !== 'deploy') continue
    const state = d.context.steps[s.id]
    const { url, id } = state?.outputs ?? {}
    if (state?.status === 'succeeded' && typeof url === 'string' && typeof id === 'string') return { url, id, visibility: s.visibility }
  }
  return undefined
}

/**
 * A `run` step's command with each `${{ … }}` replaced by a variable holding its value, never by
 * the value itself: an issue title like `$(curl evil)` reaches the shell as data, not as code.
 */
function shellCommand(template: string, context: ExpressionContext): { command: string; values: Record<string, string> } {
  const values: Record<string, string> = {}
  let n = 0
  const command = template.replace(/\$\{\{[\s\S]*?\}\}/g, (expression) => {
    const name = `CODER_EXPR_${n++}`
    values[name] = interpolate(expression, context)
    return `\${${name}}`
  })
  return { command, values }
}

function unreachable(step: never): never {
  throw new StepFailure(`Unknown step kind ${(step as WorkflowStep).kind}`)
}

async function runAgentStep(step: Extract<WorkflowStep, { kind: 'agent' }>, d: StepDeps): Promise<StepResult> {
  const task = interpolate(step.instructions, d.context)
  const models = await d.provider.models(d.signal).catch(() => [])
  const model = step.model ?? d.workflow.model ?? models[0]?.id
  if (!model) throw new StepFailure('No model: name one in the workflow (`model:`) or choose a provider with models in Settings')
  const budget = d.workflow.budget
  const maxCreditsMicros = budget.maxCredits !== undefined ? Math.max(1, Math.round(budget.maxCredits * 1e6) - d.spentMicros) : undefined
  const agentRunId = crypto.randomUUID()
  d.log.write(`${step.role ? `[${step.role}] ` : ''}Task: ${task}\nModel: ${model}\n`)
  const result = await runTask(
    {
      projectId: d.agent.project.info.id,
      projectName: d.context.repository.full_name,
      task,
      model,
      budget: { maxCreditsMicros, maxTurns: budget.maxTurns, maxWallMs: budget.timeoutMinutes ? budget.timeoutMinutes * 60_000 : undefined },
      runId: agentRunId,
      env: d.start.env,
      author: d.start.author,
    },
    { agent: d.agent, provider: d.provider, runtime: d.runtime, env: d.start.env, signal: d.signal, emit: (event) => d.log.write(describeEvent(event)), runId: agentRunId, origin: d.origin, commit: false },
  )
  const { stopped } = result
  const costMicros = stopped.usage.costMicros
  if (stopped.reason !== 'finished') throw Object.assign(new StepFailure(`The agent stopped (${stopped.reason}): ${stopped.message}`), { costMicros })
  const files = await changedFiles(d.agent.overlay)
  return { summary: stopped.summary ?? stopped.message, agentRunId, costMicros, values: { summary: stopped.summary ?? '', files: files.length } }
}

/** One line per event of the agent, for the step's log. */
function describeEvent(event: AgentEvent): string {
  switch (event.type) {
    case 'text':
      return event.text
    case 'tool-started':
      return `\n→ ${event.name} ${JSON.stringify(event.input).slice(0, 300)}\n`
    case 'tool-finished':
      return `${event.result.ok ? '✓' : '✗'} ${event.name} (${event.durationMs} ms): ${event.result.output.slice(0, 500)}\n`
    case 'test-report':
      return `Tests: ${event.report.passed} passed, ${event.report.failed} failed\n`
    case 'budget-warning':
      return `⚠ ${event.message}\n`
    case 'run-stopped':
      return `\nAgent stopped (${event.reason}): ${event.message}\n`
    default:
      return ''
  }
}

function issueNumber(context: ExpressionContext): number | undefined {
  const trigger = context.trigger as { issue?: { number?: number }; pull_request?: { number?: number } }
  return trigger.issue?.number ?? trigger.pull_request?.number
}

/** A step's `if`: an expression, written bare or as `${{ … }}`. */
function evaluateCondition(expression: string, context: ExpressionContext): unknown {
  return evaluate(/^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(expression)?.[1] ?? expression, context)
}

async function openPullRequestStep(step: Extract<WorkflowStep, { kind: 'pull_request' }>, d: StepDeps): Promise<StepResult> {
  const missing = d.workflow.policies.requiredChecks.filter((id) => d.context.steps[id]?.status !== 'succeeded')
  if (missing.length) throw new StepFailure(`No pull request while required checks have not passed: ${missing.map((id) => `${id} (${d.context.steps[id]?.status ?? 'not run'})`).join(', ')}`)
  const title = interpolate(step.title, d.context).trim()
  if (!title) throw new StepFailure('The pull request’s title is empty')
  const projectId = d.agent.project.info.id
  const branch = `${WORKFLOW_BRANCH_PREFIX}${d.workflow.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 30).replace(/-+$/, '') || 'workflow'}-${d.context.run.id.replace(/-/g, '').slice(0, 8)}`
  const checks = Object.entries(d.context.steps).filter(([, s]) => s.outputs.passed !== undefined).map(([id, s]) => ({ id, passed: s.outputs.passed, failed: s.outputs.failed }))
  const preview = previewBefore(step, d)
  if (preview) d.log.write(`Linking the preview ${preview.url}\n`)
  const body = workflowPullRequestBody({ body: step.body ? interpolate(step.body, d.context) : '', workflowName: d.workflow.name, runUrl: d.context.run.url, checks, preview })
  // A secret must not leave through the pull request: not in a file, the title or the description.
  await refuseSecretsInFiles(d.agent, Object.values(d.secrets))
  const mask = (text: string) => maskSecrets(text, Object.values(d.secrets))
  const author = d.start.author?.name && d.start.author.email ? d.start.author : WORKFLOW_AUTHOR
  const commit = await commitRun({ workspace: d.agent.handlers, overlay: d.agent.overlay, projectId, branch, message: mask(`${title}\n\nWorkflow: ${d.workflow.name}\nRun: ${d.context.run.id}\n`), author })
  if (!commit) throw new StepFailure('Nothing to propose: the run changed no files')
  d.log.write(`Committed ${commit.files} file(s) on ${branch} (${commit.oid.slice(0, 7)})\n`)
  const hosts = (await d.edge.json<{ hosts: GitHost[] }>('GET', '/api/git/hosts')).hosts
  const github = hosts.find((h) => h.github)!
  const via = `${d.origin}/git/${github.host}${new URL(`${github.url.replace(/\/+$/, '')}/${d.context.repository.full_name}.git`).pathname}`
  await pushRun(d.agent.handlers, projectId, branch, { via }, d.signal)
  d.log.write(`Pushed ${branch}\n`)
  const [owner, repo] = d.context.repository.full_name.split('/')
  const pr = await d.edge.json<{ number: number; url: string }>('POST', `/api/github/repos/${owner}/${repo}/pulls`, { title: mask(title), body: mask(body), head: branch, base: d.context.repository.default_branch, draft: step.draft })
  if (step.labels.length) await d.edge.json('POST', `/api/github/repos/${owner}/${repo}/issues/${pr.number}/labels`, { labels: step.labels })
  d.log.write(`Opened pull request #${pr.number}: ${pr.url}\n`)
  return { summary: `Pull request #${pr.number}`, pullRequest: pr, commit: { branch, oid: commit.oid }, values: { url: pr.url, number: pr.number, branch } }
}

/** Fails the step when a changed file holds one of the run's secrets (it would be pushed for anyone to read). */
async function refuseSecretsInFiles(agent: AgentProject, secrets: string[]): Promise<void> {
  const values = secrets.filter((v) => v.length >= 4)
  if (!values.length) return
  for (const path of await changedFiles(agent.overlay)) {
    let text: string
    try {
      text = new TextDecoder().decode(await agent.project.namespace.readFile(`/workspace/${path}`))
    } catch {
      continue
    }
    if (values.some((v) => text.includes(v))) throw new StepFailure(`${path} contains one of this run’s secrets: nothing was committed or pushed`)
  }
}

/** Fails the step when the run wrote outside the allowed directories (and undoes those writes). */
async function checkWritePaths(agent: AgentProject, writePaths: string[] | undefined): Promise<void> {
  if (writePaths === undefined) return
  const outside = (await changedFiles(agent.overlay)).filter((path) => !isWriteAllowed(path, writePaths))
  if (!outside.length) return
  for (const path of outside) await revertFile(agent, path).catch(() => undefined)
  throw new StepFailure(`Wrote outside the directories this workflow may change (${writePaths.length ? writePaths.join(', ') : 'none'}): ${outside.join(', ')} — those changes were undone`)
}

/** Puts one file of the overlay back as it is in the clone. */
async function revertFile(agent: AgentProject, path: string): Promise<void> {
  const change = (await agent.overlay.changes()).find((c) => c.path === `/${path}`)
  if (!change) return
  const head = await agent.handlers.diff({ projectId: agent.project.info.id, path: `/workspace/${path}` }, { signal: new AbortController().signal, progress: () => undefined })
  if (head.head === null) await agent.project.namespace.unlink(`/workspace/${path}`)
  else await agent.project.namespace.writeFile(`/workspace/${path}`, new TextEncoder().encode(head.head))
}

/** The working copy after a step: every changed text file (for a resuming runner) and the patch. */
async function workspaceOutput(agent: AgentProject, projectId: string): Promise<Pick<StepOutput, 'workspace' | 'patch'>> {
  const paths = await changedFiles(agent.overlay)
  if (!paths.length) return {}
  const workspace: WorkspaceFile[] = []
  let total = 0
  for (const path of paths) {
    let content: string | null = null
    try {
      const bytes = await agent.project.namespace.readFile(`/workspace/${path}`)
      if (bytes.byteLength > MAX_RESTORED_FILE || total + bytes.byteLength > MAX_RESTORED_TOTAL || bytes.includes(0)) continue
      total += bytes.byteLength
      content = new TextDecoder().decode(bytes)
    } catch {
      content = null
    }
    workspace.push({ path, content })
  }
  const patch = await unifiedDiff(agent.handlers, projectId, paths)
  return { workspace, patch }
}

async function restoreWorkspace(agent: AgentProject, files: WorkspaceFile[]): Promise<void> {
  const fs = agent.project.namespace
  for (const file of files) {
    const at = `/workspace/${file.path.replace(/^\/+/, '')}`
    if (file.content === null) await fs.unlink(at).catch(() => undefined)
    else {
      const dir = at.slice(0, at.lastIndexOf('/'))
      await mkdirs(fs, dir)
      await fs.writeFile(at, new TextEncoder().encode(file.content))
    }
  }
}

async function mkdirs(fs: AgentProject['project']['namespace'], dir: string): Promise<void> {
  const parts = dir.split('/').filter(Boolean)
  for (let i = 1; i <= parts.length; i++) await fs.mkdir(`/${parts.slice(0, i).join('/')}`).catch(() => undefined)
}

interface StepLog {
  write(text: string): void
  flush(): Promise<void>
}

/** A step's log: streamed to the page at once, sent to the edge (masked) about once a second. */
function createStepLog(edge: RunnerEdge, index: number, mask: (text: string) => string, progress: (event: WorkflowJobProgress) => void): StepLog {
  let pending = ''
  let timer: ReturnType<typeof setTimeout> | null = null
  let chain = Promise.resolve()
  const send = () => {
    timer = null
    if (!pending) return chain
    const text = mask(pending)
    pending = ''
    chain = chain.then(() => edge.log(index, text)).catch(() => undefined)
    return chain
  }
  return {
    write(text) {
      if (!text) return
      pending += text
      progress({ type: 'log', index, text: mask(text) })
      timer ??= setTimeout(() => void send(), LOG_FLUSH_MS)
    },
    async flush() {
      if (timer) clearTimeout(timer)
      await send()
    },
  }
}

