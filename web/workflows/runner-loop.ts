import type { WorkflowJob, WorkflowJobOutcome, WorkflowJobProgress } from '../../shared/workflow/types'
import type { AgentClient } from '../agent/agent-client'

/** What a runner is doing: waiting for work, or running a job (the step it is on). */
export type RunnerActivity =
  | { type: 'idle' }
  | { type: 'job'; runId: string; repo: string; workflowName: string; step: string }
  | { type: 'done'; runId: string; outcome: WorkflowJobOutcome }
  | { type: 'error'; message: string }

export interface RunnerLoopOptions {
  /** The runner's name in traces (`runner:<name>`). */
  name: string
  agent: Pick<AgentClient, 'workflow' | 'stop'>
  /** Environment for `run` and `test` steps; the author of commits. */
  env?: () => Record<string, string>
  author?: () => { name: string; email: string } | undefined
  /** Claims only jobs of these repositories (default: all the user's connected ones). */
  repos?: string[]
  /** Stop after one job. */
  once?: boolean
  /** How long to wait when nothing is queued (default 3 s). */
  pollMs?: number
  signal: AbortSignal
  onActivity(activity: RunnerActivity): void
  onLog?(event: WorkflowJobProgress): void
}

/** The edge's message from an error body, or the status line. */
async function messageOf(res: Response): Promise<string> {
  try {
    return ((await res.json()) as { error?: { message?: string } }).error?.message ?? `${res.status} ${res.statusText}`
  } catch {
    return `${res.status} ${res.statusText}`
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
  })

/** Asks the edge for the oldest queued job of the user's repositories; null when there is none. */
export async function claimJob(name: string, repos?: string[]): Promise<WorkflowJob | null> {
  const res = await fetch('/api/workflows/claim', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ runner: name, ...(repos ? { repos } : {}) }),
  })
  if (res.status === 204) return null
  if (!res.ok) throw new Error(`Claiming a workflow job failed: ${await messageOf(res)}`)
  return (await res.json()) as WorkflowJob
}

/**
 * The runner's loop, the same for an IDE tab and the headless runner: claim a queued job, run it
 * in the agent worker (which keeps the lease with heartbeats and reports each step to the edge),
 * repeat; wait a little when nothing is queued or the edge cannot be reached. Aborting `signal`
 * stops the job under way (released back to the queue, so another runner resumes it) and ends the loop.
 */
export async function runRunnerLoop(options: RunnerLoopOptions): Promise<void> {
  const { signal } = options
  const pollMs = options.pollMs ?? 3_000
  while (!signal.aborted) {
    let job: WorkflowJob | null
    try {
      job = await claimJob(options.name, options.repos)
    } catch (error) {
      options.onActivity({ type: 'error', message: (error as Error).message })
      await sleep(pollMs * 2, signal)
      continue
    }
    if (!job) {
      options.onActivity({ type: 'idle' })
      await sleep(pollMs, signal)
      continue
    }
    const { run } = job
    let step = run.steps[job.resumeAt]?.name ?? 'starting'
    options.onActivity({ type: 'job', runId: run.id, repo: run.repo, workflowName: run.workflowName, step })
    const stop = () => void options.agent.stop(run.id)
    signal.addEventListener('abort', stop, { once: true })
    try {
      const outcome = await options.agent.workflow({ job, runner: options.name, env: options.env?.(), author: options.author?.() }, (event) => {
        options.onLog?.(event)
        if (event.type === 'step' && event.status === 'running') {
          step = event.name
          options.onActivity({ type: 'job', runId: run.id, repo: run.repo, workflowName: run.workflowName, step })
        }
      })
      options.onActivity({ type: 'done', runId: run.id, outcome })
    } catch (error) {
      options.onActivity({ type: 'error', message: `The workflow run ${run.id.slice(0, 8)} failed on this runner: ${(error as Error).message}` })
    } finally {
      signal.removeEventListener('abort', stop)
    }
    if (options.once) return
  }
}
