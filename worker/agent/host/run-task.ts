import type { AgentEvent, AgentRunResult, AgentStart } from '../../../shared/agent'
import { AppError } from '../../../shared/errors'
import type { ModelProvider } from '../../../shared/models'
import type { FileService } from '../../../shared/namespace'
import type { Handlers } from '../../../shared/rpc'
import type { RuntimeApi } from '../../../shared/runtime'
import { runAgent } from '../loop'
import { fileTools, finishTool } from '../tools/files'
import { gitTools, pushTool, runtimeTools, unifiedDiff } from '../tools/runtime'
import type { AgentProject } from './agent-project'
import { branchFor, changedFiles, commitMessage, commitRun, createFinishTool, type Verdict } from './golden-rule'
import { deployPreview } from './preview'
import { openPullRequest, pullRequestBody, pushRun, type PullRequestPreview } from './pull-request'
import { formatPatch, RUN_ARTIFACTS, type RunRecorder } from './run-record'

/** Who the run's commits are by when the user has not set an author in Settings. */
const AGENT_AUTHOR = { name: 'MechaCoder', email: 'mechacoder@users.noreply.coder.dev' }

/** The platform's instructions; the repository's own (AGENTS.md and the like) follow them. */
const PLATFORM_INSTRUCTIONS = `You are MechaCoder, a coding agent. The user's repository is at /workspace (paths may be given relative to it); your changes stay in your own copy until the user accepts them.
Work in small steps: look at the code (list_files, search, read_file), change it with small exact edits (edit_file; write_file only for new files), and check your work.
When the task is done, call finish with a short summary of what you changed and why. If it cannot be done, call finish and say why.`

/** Convention files whose text joins the instructions, first found first. */
const CONVENTION_FILES = ['AGENTS.md', 'CLAUDE.md', '.github/copilot-instructions.md']
const MAX_CONVENTION_CHARS = 20_000

function checkStart(start: AgentStart): void {
  if (typeof start?.projectId !== 'string' || !start.projectId) throw new AppError('BAD_INPUT', 'A project is required')
  if (typeof start.task !== 'string' || !start.task.trim()) throw new AppError('BAD_INPUT', 'Describe the task first')
  if (typeof start.model !== 'string' || !start.model) throw new AppError('BAD_INPUT', 'Choose a model first')
  for (const [name, value] of Object.entries(start.budget ?? {})) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new AppError('BAD_INPUT', `The budget's ${name} must be a positive number`)
  }
}

async function conventions(fs: FileService): Promise<string> {
  for (const name of CONVENTION_FILES) {
    try {
      const text = new TextDecoder().decode(await fs.readFile(`/workspace/${name}`))
      return `\n\nThe repository's ${name} says:\n${text.slice(0, MAX_CONVENTION_CHARS)}`
    } catch {
      // Not there: the next one may be.
    }
  }
  return ''
}

export type TaskResult = AgentRunResult

export interface TaskDeps {
  /** The agent's view of the project (see createAgentProject). */
  agent: AgentProject
  provider: ModelProvider
  /** The runtime over the agent's view; without it the run has no command or test tools. */
  runtime?: Handlers<RuntimeApi>
  /** Environment for commands and tests (the registry and index the user chose). */
  env?: Record<string, string>
  signal: AbortSignal
  emit(event: AgentEvent): void
  runId?: string
  /** The edge's origin, for the pull request; default the worker's own. */
  origin?: string
  /** Where the run's artifacts go (its record at the edge). */
  recorder?: Pick<RunRecorder, 'artifact'>
  /** False: leave the finished run's changes uncommitted in the overlay (a workflow commits them in its `pull_request` step). Default true. */
  commit?: boolean
  /** The user's workspace under the agent's overlay (workspace-relative paths); needed for `deployPreview`, whose build's writes are undone against it. */
  base?: Pick<FileService, 'readFile' | 'lstat'>
}

/**
 * Runs one task in the agent's own namespace (`deps.agent`): `/workspace` a copy-on-write overlay
 * of the project's workspace, `/task` the spec and the outcome, `/logs` the events as JSONL. The
 * tools change only `/workspace`. Resolves when the run stops, with the files the run changed
 * (still in its overlay).
 */
export async function runTask(start: AgentStart, deps: TaskDeps): Promise<TaskResult> {
  checkStart(start)
  const runId = deps.runId ?? crypto.randomUUID()
  const { namespace: fs } = deps.agent.project
  const encode = (text: string) => new TextEncoder().encode(text)
  await fs.writeFile('/task/spec.md', encode(start.task))
  await fs.writeFile('/task/status', encode('running\n'))
  const verdict: Verdict = { report: null, testsWaived: false }
  const lines: string[] = []
  const emit = (event: AgentEvent) => {
    lines.push(JSON.stringify(event))
    deps.emit(event)
  }
  const env = deps.env ?? {}
  const tools = [
    ...fileTools(fs),
    ...(deps.runtime ? runtimeTools(deps.runtime, start.projectId, env) : []),
    ...gitTools(deps.agent.handlers, start.projectId),
    pushTool(branchFor(start.task, runId), !!start.grants?.push),
    // Without a runtime nothing can be tested, so nothing will be committed either.
    deps.runtime ? createFinishTool({ task: start.task, projectId: start.projectId, overlay: deps.agent.overlay, runtime: deps.runtime, env, emit, verdict }) : finishTool,
  ]

  let price = undefined
  try {
    price = (await deps.provider.models(deps.signal)).find((m) => m.id === start.model)?.price
  } catch {
    // No model list (offline, a server that has none): the call itself will say what is wrong.
  }
  let commit: TaskResult['commit']
  let pullRequest: TaskResult['pullRequest']
  let deployment: TaskResult['deployment']
  const stopped = await runAgent({
    runId,
    task: start.task,
    model: start.model,
    instructions: PLATFORM_INSTRUCTIONS + (await conventions(fs)),
    stream: (request) => deps.provider.stream(request),
    promptTokens: deps.provider.promptTokens ? (request) => deps.provider.promptTokens!(request) : undefined,
    tools,
    budget: start.budget ?? {},
    price,
    project: start.projectName,
    signal: deps.signal,
    emit,
    // The golden rule held (the finish tool checked the tests): commit on the run's own branch.
    onFinished: async (summary, usage) => {
      if (!deps.runtime || deps.commit === false) return
      const files = await changedFiles(deps.agent.overlay)
      const message = commitMessage(summary, start.task, runId, verdict)
      const author = start.author?.name && start.author.email ? start.author : AGENT_AUTHOR
      // The patch is taken before the commit: afterwards HEAD equals the working tree.
      const diff = deps.recorder ? await unifiedDiff(deps.agent.handlers, start.projectId, files) : ''
      commit = (await commitRun({ workspace: deps.agent.handlers, overlay: deps.agent.overlay, projectId: start.projectId, branch: branchFor(start.task, runId), message, author })) ?? undefined
      if (!commit) return
      emit({ type: 'commit', ...commit, message })
      deps.recorder?.artifact(RUN_ARTIFACTS.patch, 'text/x-patch', formatPatch({ oid: commit.oid, message, author, date: Date.now(), diff }))
      const { push, pullRequest: prGrant, deployPreview: previewGrant } = start.grants ?? {}
      const origin = deps.origin ?? self.location.origin
      if (push) {
        const pushed = await pushRun(deps.agent.handlers, start.projectId, commit.branch, push, deps.signal)
        emit({ type: 'push', branch: pushed.branch, oid: pushed.oid, url: pushed.url })
      }
      // Only now, with the tests passed and the commit made: a failed run publishes nothing.
      let preview: PullRequestPreview | undefined
      if (previewGrant) {
        const api = (path: string, init?: RequestInit) => fetch(`${origin}${path}`, { ...init, credentials: 'include' })
        const event = deps.base
          ? await deployPreview({ agent: deps.agent, base: deps.base, runtime: deps.runtime, grant: previewGrant, ref: { commit: commit.oid, branch: commit.branch }, env, api, signal: deps.signal })
          : ({ type: 'deploy-failed', message: 'This host of the agent cannot deploy previews (it has no view of the workspace under the run)' } as const)
        emit(event)
        if (event.type === 'deploy') {
          deployment = { id: event.id, ...(event.url ? { url: event.url } : {}) }
          if (event.url) preview = { id: event.id, url: event.url, ...(event.visibility ? { visibility: event.visibility } : {}) }
        }
      }
      // Stopped meanwhile (the preview's build can take minutes): no pull request after a Stop.
      if (!push || !prGrant || deps.signal.aborted) return
      const body = pullRequestBody({ task: start.task, summary, files, report: verdict.report, testsWaived: verdict.testsWaived, usage, runId, runUrl: `${origin}/runs/${runId}`, preview })
      pullRequest = await openPullRequest(origin, prGrant, { title: message.split('\n')[0]!, body, head: commit.branch })
      emit({ type: 'pr-opened', ...pullRequest })
    },
  })
  await fs.writeFile('/logs/events.jsonl', encode(lines.join('\n') + '\n'))
  await fs.writeFile('/task/status', encode(`${stopped.reason}\n`))
  await fs.writeFile('/task/result.md', encode(`${stopped.message}\n${stopped.summary ? `\n${stopped.summary}\n` : ''}`))
  return { runId, stopped, changes: await deps.agent.overlay.changes(), commit, pullRequest, ...(deployment ? { deployment } : {}) }
}
