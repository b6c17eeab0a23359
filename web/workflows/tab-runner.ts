import { createSignal, type Accessor } from 'solid-js'
import { createAgentClient } from '../agent/agent-client'
import { runRunnerLoop } from './runner-loop'

/** What the tab's workflow runner is doing, for the status bar's indicator. */
export interface TabRunnerState {
  /** The user let this tab claim their projects' queued workflow jobs (remembered per browser). */
  enabled: boolean
  /** The job being run now. */
  current: { runId: string; repo: string; workflowName: string; step: string } | null
  /** The last problem (claiming failed, a job failed to start…), shown beside the indicator. */
  error: string | null
}

/** The tab's workflow runner: claims queued jobs of the user's connected repositories while enabled. */
export interface TabRunner {
  state: Accessor<TabRunnerState>
  setEnabled(on: boolean): void
  /** Stops the job under way: cancels its run, or with `release` hands it back to the queue for another runner (and pauses this one). */
  stop(options?: { release?: boolean }): void
  dispose(): void
}

const ENABLED_KEY = 'coder.tabRunner'

/**
 * An IDE tab as a workflow runner: while enabled (a toggle in the status bar, remembered in this
 * browser), it claims the signed-in user's queued jobs and runs them in its own agent worker —
 * the same loop and engine as the headless runner. Stop cancels the run under way; Stop with
 * `release` gives it back to the queue (another runner resumes it) and pauses this tab's runner.
 */
export function createTabRunner(options: { env?: () => Record<string, string>; author?: () => { name: string; email: string } | undefined } = {}): TabRunner {
  const stored = typeof localStorage !== 'undefined' && localStorage.getItem(ENABLED_KEY) === 'on'
  const [state, setState] = createSignal<TabRunnerState>({ enabled: false, current: null, error: null })
  let controller: AbortController | null = null
  let agent: ReturnType<typeof createAgentClient> | null = null
  const name = `tab-${crypto.randomUUID().slice(0, 8)}`

  const begin = () => {
    if (controller) return
    const loop = new AbortController()
    controller = loop
    agent ??= createAgentClient()
    setState((s) => ({ ...s, enabled: true, error: null }))
    void runRunnerLoop({
      name,
      agent,
      env: options.env,
      author: options.author,
      signal: loop.signal,
      onActivity(activity) {
        if (activity.type === 'job') setState((s) => ({ ...s, current: { runId: activity.runId, repo: activity.repo, workflowName: activity.workflowName, step: activity.step }, error: null }))
        else if (activity.type === 'error') setState((s) => ({ ...s, current: null, error: activity.message }))
        else setState((s) => ({ ...s, current: null, ...(activity.type === 'idle' ? { error: null } : {}) }))
      },
    }).finally(() => {
      if (controller === loop) controller = null
      setState((s) => ({ ...s, current: null }))
    })
  }
  const end = () => {
    controller?.abort()
    controller = null
    setState((s) => ({ ...s, enabled: false, current: null }))
  }
  if (stored) begin()

  return {
    state,
    setEnabled(on) {
      localStorage.setItem(ENABLED_KEY, on ? 'on' : 'off')
      if (on) begin()
      else end()
    },
    stop(stopOptions = {}) {
      const current = state().current
      if (!current) return
      if (stopOptions.release) {
        void agent?.stop(current.runId)
        end()
      } else {
        // The edge cancels the run; the job's next heartbeat hears it and stops.
        void fetch(`/api/workflows/runs/${current.runId}/cancel`, { method: 'POST', credentials: 'same-origin' }).catch(() => undefined)
      }
    },
    dispose() {
      controller?.abort()
      controller = null
      agent?.dispose()
      agent = null
    },
  }
}
