import { Show } from 'solid-js'
import type { TabRunner } from './tab-runner'
import './RunnerIndicator.css'

/**
 * The tab's workflow runner in the status bar: a switch "Run workflow jobs in this tab" and, while
 * a job runs here, which workflow and step, a link to its run and Stop (which cancels the run).
 * The last problem shows beside it.
 */
export function RunnerIndicator(props: { runner: TabRunner; openRun(id: string): void }) {
  const state = () => props.runner.state()
  return (
    <>
      <label class="item runner-toggle" title="While on, this tab claims queued workflow jobs of your connected repositories and runs them (remembered in this browser)">
        <input type="checkbox" aria-label="Run workflow jobs in this tab" checked={state().enabled} onChange={(e) => props.runner.setEnabled(e.currentTarget.checked)} />
        Workflow jobs
      </label>
      <Show when={state().current} keyed>
        {(job) => (
          <span class="item runner-current" role="status">
            <a href={`/workflows/runs/${job.runId}`} title={`Open the run (${job.repo})`} onClick={(e) => (e.preventDefault(), props.openRun(job.runId))}>
              Running {job.workflowName} · {job.step}
            </a>
            <button type="button" class="item" title="Stop this workflow run (it is cancelled)" onClick={() => props.runner.stop()}>Stop</button>
          </span>
        )}
      </Show>
      <Show when={state().error} keyed>
        {(error) => (
          <span class="item runner-error" role="alert" title={error}>
            ⚠ {error.length > 60 ? `${error.slice(0, 60)}…` : error}
          </span>
        )}
      </Show>
    </>
  )
}
