import type { AgentApi, AgentEvent, AgentStart, ReviewFile } from '../../shared/agent'
import { AppError } from '../../shared/errors'
import type { ProviderConfig } from '../../shared/models'
import { createRpcClient, type RpcClient } from '../../shared/rpc'
import type { WorkflowJobOutcome, WorkflowJobProgress, WorkflowJobStart } from '../../shared/workflow/types'

type RunResult = AgentApi['run']['result']

/** The page's handle on an agent worker: start runs, list models, stop. */
export interface AgentClient {
  models(provider?: ProviderConfig): Promise<AgentApi['models']['result']>
  /** Starts a run; `onEvent` sees every event in order; the promise resolves when the run stops (it rejects only for bad input or a dead worker). */
  run(start: AgentStart, onEvent: (event: AgentEvent) => void): Promise<RunResult>
  /** Asks the run to stop; its `run` promise then resolves with reason `user`. */
  stop(runId: string): Promise<void>
  review(runId: string): Promise<ReviewFile[]>
  /** Runs a claimed workflow job; `stop(job.run.id)` releases it back to the queue. */
  workflow(start: WorkflowJobStart, onProgress: (event: WorkflowJobProgress) => void): Promise<WorkflowJobOutcome>
  accept(runId: string, paths: string[]): Promise<string[]>
  /** The project's package.json text (null: none), for the preview's defaults. */
  packageJson(projectId: string): Promise<string | null>
  discard(runId: string): Promise<void>
  dispose(): void
}

/**
 * Starts the agent's own Web Worker (lazily, on first use) and connects it to the workspace
 * worker, as the runtime is connected: the same SharedWorker URL and name.
 */
export function createAgentClient(): AgentClient {
  let started: { worker: Worker; rpc: RpcClient<AgentApi> } | null = null
  const start = () => {
    if (started) return started
    // Vite bundles a worker only when `new URL(...)` is written inside the constructor call.
    const worker = new Worker(new URL('../../worker/agent/host/main.ts', import.meta.url), { type: 'module', name: 'agent' })
    const workspace = new SharedWorker(new URL('../../worker/main.ts', import.meta.url), { type: 'module', name: 'workspace' })
    worker.postMessage({ kind: 'connect', port: workspace.port }, [workspace.port])
    const rpc = createRpcClient<AgentApi>(worker, { timeoutMs: 0 })
    worker.addEventListener('error', (event) => {
      event.preventDefault()
      rpc.close(new AppError('WORKER_DIED', `the agent stopped: ${event.message || 'it failed to load'}`))
      started = null
    })
    return (started = { worker, rpc })
  }
  return {
    models: (provider) => start().rpc.call('models', { provider }, { timeoutMs: 30_000 }),
    run: (params, onEvent) => start().rpc.call('run', params, { onProgress: onEvent, timeoutMs: 0 }),
    workflow: (params, onProgress) => start().rpc.call('workflow', params, { onProgress, timeoutMs: 0 }),
    stop: async (runId) => void (await started?.rpc.call('stop', { runId })),
    review: async (runId) => (await start().rpc.call('review', { runId }, { timeoutMs: 60_000 })).files,
    accept: async (runId, paths) => (await start().rpc.call('accept', { runId, paths }, { timeoutMs: 120_000 })).applied,
    packageJson: (projectId) => start().rpc.call('packageJson', { projectId }, { timeoutMs: 30_000 }),
    discard: async (runId) => void (await started?.rpc.call('discard', { runId })),
    dispose() {
      started?.rpc.close(new AppError('ABORTED', 'the agent was closed'))
      started?.worker.terminate()
      started = null
    },
  }
}
