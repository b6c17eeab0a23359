/**
 * @module The agent worker's composition root: one Web Worker per agent. The page hands it a
 * port to the workspace worker, then calls AgentApi on it; a run's events stream back as the
 * call's progress. Each run gets its own view of the project (an overlay) and its own runtime.
 */
import type { AgentApi, AgentEvent, AgentGrants } from '../../../shared/agent'
import { AppError } from '../../../shared/errors'
import type { ProviderConfig } from '../../../shared/models'
import type { FileService } from '../../../shared/namespace'
import { serveRpc } from '../../../shared/rpc'
import { toJUnitXml } from '../../../shared/runtime'
import { createProvider, loadProviderConfig } from '../../models'
import { connectWorkspace, type WorkspaceLink } from '../../runtime/host/workspace-link'
import { createAgentProject, type AgentProject } from './agent-project'
import { acceptFiles, reviewFiles } from './review'
import { createRunRecorder, latestTestReport, RUN_ARTIFACTS } from './run-record'
import { runTask } from './run-task'
import { createAgentRuntime } from './runtime'
import { runWorkflowJob } from './workflow-job'
import { createWorkspaceFiles } from './workspace-files'

const scope = self as unknown as DedicatedWorkerGlobalScope

/** Writes a run's files into the project's `/runs/<id>/` through the workspace worker, in order; a failure is logged, never thrown. */
function keepLocally(link: WorkspaceLink, projectId: string, runId: string): (name: string, data: string | Uint8Array) => void {
  let chain: Promise<unknown> = link.rpc.call('mkdir', { projectId, path: `/runs/${runId}` }).catch(() => undefined)
  return (name, data) => {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data
    chain = chain.then(() => link.rpc.call('writeFile', { projectId, path: `/runs/${runId}/${name}`, data: bytes })).catch((error: unknown) => console.warn(`keeping ${name} of run ${runId} failed`, error))
  }
}

/** The `/cap` files of a run: what each granted capability allows, as JSON (no secrets: tokens stay at the edge). */
function grantedCaps(grants: AgentGrants | undefined): Record<string, string> {
  const caps: Record<string, string> = { model: JSON.stringify({ note: 'model calls through the provider chosen in Settings' }) }
  if (grants?.push) caps['git-push'] = JSON.stringify({ branches: 'coder/*', force: false })
  if (grants?.pullRequest) caps['pull-request'] = JSON.stringify({ repository: `${grants.pullRequest.owner}/${grants.pullRequest.repo}`, base: grants.pullRequest.base })
  if (grants?.deployPreview) caps['deploy-preview'] = JSON.stringify({ project: grants.deployPreview.project, build: grants.deployPreview.build || null, output: grants.deployPreview.output || '.', visibility: grants.deployPreview.visibility ?? 'public' })
  return caps
}

scope.addEventListener(
  'message',
  (event: MessageEvent<{ kind: string; port: MessagePort }>) => {
    if (event.data?.kind !== 'connect') return
    const link = connectWorkspace(event.data.port)
    /** The runs going on, so `stop` can reach them. */
    const running = new Map<string, AbortController>()
    /** Finished runs' views of the project, kept for review until accepted or discarded. */
    const finished = new Map<string, { projectId: string; agent: AgentProject; lower: FileService & { dispose(): void } }>()
    const finishedRun = (runId: string) => {
      const run = finished.get(runId)
      if (!run) throw new AppError('NOT_FOUND', 'This run’s changes are no longer here (the page was reloaded or they were discarded)')
      return run
    }
    const providerFor = async (config: ProviderConfig | undefined) => createProvider(config ?? (await loadProviderConfig()), { origin: scope.location.origin })
    serveRpc<AgentApi>(scope, {
      async models({ provider: config }, { signal }) {
        const provider = await providerFor(config)
        return { label: provider.label, models: await provider.models(signal) }
      },
      async run(start, { signal, progress }) {
        const runId = start.runId ?? crypto.randomUUID()
        // Stopped by `stop`, or by the page going away (the call's own cancel).
        const controller = new AbortController()
        signal.addEventListener('abort', () => controller.abort(), { once: true })
        running.set(runId, controller)
        const recorder = createRunRecorder({ origin: scope.location.origin })
        try {
          await link.ready
          const info = await link.rpc.call('openProject', { projectId: start.projectId })
          const lower = createWorkspaceFiles(link.rpc, start.projectId, (fn) => link.subscribe(fn))
          const agent = await createAgentProject(info, lower, grantedCaps(start.grants))
          finished.set(runId, { projectId: start.projectId, agent, lower })
          const runtime = createAgentRuntime(agent.link, scope.location.origin)
          // The run's record at the edge (other devices see it on the Runs page), and its copy in the
          // project's /runs/<id> (kept in the tab, there offline); neither ever fails the run.
          const keep = keepLocally(link, start.projectId, runId)
          const transcript: string[] = []
          const emit = (event: AgentEvent) => {
            if (event.type === 'run-started') recorder.start({ runId, project: start.projectName ?? start.projectId, task: start.task, model: start.model, budget: start.budget ?? {}, startedAt: event.at })
            progress(event)
            recorder.event(event)
            transcript.push(JSON.stringify(event))
          }
          const artifacts = {
            artifact(name: string, contentType: string, data: string | Uint8Array) {
              recorder.artifact(name, contentType, data)
              keep(name, data)
            },
          }
          const result = await runTask(start, { agent, provider: await providerFor(start.provider), runtime, env: start.env, signal: controller.signal, emit, runId, recorder: artifacts, base: lower })
          const report = await latestTestReport(agent.project.namespace)
          if (report) {
            recorder.testReport(report)
            keep(RUN_ARTIFACTS.testReport, `${JSON.stringify(report, null, 2)}\n`)
            keep(RUN_ARTIFACTS.junit, toJUnitXml(report))
          }
          keep(RUN_ARTIFACTS.transcript, `${transcript.join('\n')}\n`)
          keep('run.json', `${JSON.stringify({ runId, task: start.task, model: start.model, budget: start.budget, stopped: result.stopped, commit: result.commit, pullRequest: result.pullRequest, deployment: result.deployment }, null, 2)}\n`)
          // Not awaited: offline, the recorder waits for the connection.
          void recorder.finish(result)
          return result
        } catch (error) {
          void recorder.finish({ error: (error as Error)?.message ?? String(error) })
          throw error
        } finally {
          running.delete(runId)
        }
      },
      async workflow(start, { signal, progress }) {
        const runId = start.job.run.id
        const controller = new AbortController()
        signal.addEventListener('abort', () => controller.abort(), { once: true })
        running.set(runId, controller)
        try {
          await link.ready
          return await runWorkflowJob(start, {
            link,
            origin: scope.location.origin,
            provider: await providerFor(undefined),
            createRuntime: (view) => createAgentRuntime(view, scope.location.origin),
            signal: controller.signal,
            progress,
          })
        } finally {
          running.delete(runId)
        }
      },
      async packageJson({ projectId }) {
        await link.ready
        const bytes = await link.rpc.call('readFile', { projectId, path: '/workspace/package.json' }).catch(() => null)
        return bytes ? new TextDecoder().decode(bytes) : null
      },
      stop({ runId }) {
        running.get(runId)?.abort()
      },
      async review({ runId }) {
        const run = finishedRun(runId)
        return { files: await reviewFiles(run.agent.overlay, run.lower) }
      },
      async accept({ runId, paths }) {
        const run = finishedRun(runId)
        return { applied: await acceptFiles(run.agent.overlay, link.rpc, run.projectId, paths) }
      },
      discard({ runId }) {
        finished.get(runId)?.lower.dispose()
        finished.delete(runId)
      },
    })
    scope.postMessage({ kind: 'ready' })
  },
  { once: true },
)
