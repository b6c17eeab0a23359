import { For, Index, Match, Show, Switch, createSignal, onCleanup } from 'solid-js'
import type { StepState, StepStatus, TraceEvent, WorkflowRunView } from '../../shared/workflow'
import { formatCredits } from '../credits/credits'
import { formatDuration } from '../runs/runs'
import { RUN_STATUS_LABELS, workflowsApi } from './workflows-api'
import './RunView.css'

/** How often a run that has not ended is read again. */
const POLL_MS = 1500
const FINAL = new Set<WorkflowRunView['status']>(['succeeded', 'failed', 'cancelled'])

const STEP_STATUS: Record<StepStatus, { icon: string; label: string }> = {
  pending: { icon: '○', label: 'Pending' },
  running: { icon: '◌', label: 'Running' },
  waiting: { icon: '⏸', label: 'Waiting for approval' },
  succeeded: { icon: '✓', label: 'Succeeded' },
  failed: { icon: '✗', label: 'Failed' },
  skipped: { icon: '↷', label: 'Skipped' },
  cancelled: { icon: '⊘', label: 'Cancelled' },
}

const STEP_KIND: Record<StepState['kind'], string> = { agent: 'agent', run: 'command', test: 'tests', pull_request: 'pull request', comment: 'comment', approval: 'approval', deploy: 'preview' }

const credits = (micros: number) => `${formatCredits(micros)} credits`

/**
 * One workflow run (/workflows/runs/<id>), read again every 1.5 s until it ends: who and what
 * started it, where it runs, its steps as a timeline (status, duration, cost, resumed attempts)
 * each opening to its log and artifacts, approve/reject for a step waiting for a person, cancel,
 * and the run's trace.
 */
export function RunView(props: { id: string; back(): void; openAgentRun(id: string): void }) {
  const [run, setRun] = createSignal<WorkflowRunView | null>(null)
  const [error, setError] = createSignal<string | null>(null)
  const [now, setNow] = createSignal(Date.now())
  const [busy, setBusy] = createSignal(false)
  const [actionError, setActionError] = createSignal<string | null>(null)
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false

  const load = async () => {
    clearTimeout(timer)
    try {
      const next = await workflowsApi.getRun(props.id)
      if (stopped) return
      setRun(next)
      setError(null)
    } catch (e) {
      if (stopped) return
      setError((e as Error).message)
    }
    setNow(Date.now())
    const current = run()
    if (!stopped && (!current || !FINAL.has(current.status))) timer = setTimeout(() => void load(), POLL_MS)
  }
  void load()
  onCleanup(() => {
    stopped = true
    clearTimeout(timer)
  })

  const act = async (work: () => Promise<unknown>) => {
    setActionError(null)
    setBusy(true)
    try {
      await work()
      await load()
    } catch (e) {
      setActionError((e as Error).message)
    } finally {
      setBusy(false)
    }
  }

  return (
    <main class="workflows-page">
      <article class="workflow-run" aria-label="Workflow run">
        <a href="/workflows" class="wf-back" onClick={(e) => (e.preventDefault(), props.back())}>← Workflows</a>
        <Show when={error()}>
          <div class="error" role="alert">
            {error()} <button type="button" class="small" onClick={() => void load()}>Try again</button>
          </div>
        </Show>
        <Show when={run()} fallback={<Show when={!error()}><p class="hint">Loading the run…</p></Show>}>
          {(r) => (
            <>
              <header class="workflows-head">
                <h1>{r().workflowName}</h1>
                <span class={`wf-status ${r().status}`} data-testid="workflow-run-status">{RUN_STATUS_LABELS[r().status]}</span>
                <span class="spacer" />
                <Show when={!FINAL.has(r().status)}>
                  <button type="button" class="small danger" disabled={busy()} onClick={() => void act(() => workflowsApi.cancel(r().id))}>Cancel run</button>
                </Show>
              </header>
              <Show when={actionError()}>
                <p class="error" role="alert">{actionError()}</p>
              </Show>
              <RunMeta run={r()} now={now()} />
              <section aria-label="Steps">
                <h2>Steps</h2>
                <ol class="step-timeline" aria-label="Steps">
                  {/* By position: a step keeps its open log and typed note while the run is read again. */}
                  <Index each={r().steps}>{(step) => <StepItem step={step()} run={r()} now={now()} busy={busy()} act={act} openAgentRun={props.openAgentRun} />}</Index>
                </ol>
              </section>
              <details class="workflow-trace">
                <summary>Trace ({r().trace.length} events)</summary>
                <ol aria-label="Trace">
                  <Index each={r().trace}>{(event) => <TraceItem event={event()} run={r()} />}</Index>
                </ol>
              </details>
            </>
          )}
        </Show>
      </article>
    </main>
  )
}

function RunMeta(props: { run: WorkflowRunView; now: number }) {
  const r = () => props.run
  const duration = () => {
    const start = r().startedAt
    if (!start) return 'not started'
    const ms = (r().finishedAt ?? props.now) - start
    return FINAL.has(r().status) ? formatDuration(ms) : `${formatDuration(ms)} so far`
  }
  return (
    <dl class="wf-meta">
      <dt>Repository</dt>
      <dd>{r().repo}</dd>
      <dt>Workflow</dt>
      <dd><code>{r().workflowPath}</code></dd>
      <dt>Trigger</dt>
      <dd data-testid="workflow-run-trigger">{r().trigger.summary}</dd>
      <dt>Author</dt>
      <dd>{r().author.name}</dd>
      <dt>Branch</dt>
      <dd>
        <code>{r().baseRef}</code>
        <Show when={r().baseCommit}> at <code title={r().baseCommit}>{r().baseCommit!.slice(0, 7)}</code></Show>
      </dd>
      <Show when={Object.keys(r().inputs).length}>
        <dt>Inputs</dt>
        <dd>
          <For each={Object.entries(r().inputs)}>{([k, v]) => <span class="run-input"><code>{k}</code> = {JSON.stringify(v)} </span>}</For>
        </dd>
      </Show>
      <dt>Queued</dt>
      <dd>{new Date(r().createdAt).toLocaleString()}</dd>
      <dt>Duration</dt>
      <dd>{duration()}</dd>
      <dt>Cost</dt>
      <dd data-testid="workflow-run-cost">{credits(r().costMicros)}</dd>
      <Show when={r().lease} keyed>
        {(lease) => (
          <>
            <dt>Runner</dt>
            <dd data-testid="workflow-run-runner">running on runner {lease.runner}</dd>
          </>
        )}
      </Show>
      <Show when={r().reason}>
        <dt>Reason</dt>
        <dd>{r().reason}</dd>
      </Show>
    </dl>
  )
}

function StepItem(props: { step: StepState; run: WorkflowRunView; now: number; busy: boolean; act(work: () => Promise<unknown>): Promise<void>; openAgentRun(id: string): void }) {
  const [open, setOpen] = createSignal(false)
  const [note, setNote] = createSignal('')
  const s = () => props.step
  const status = () => STEP_STATUS[s().status]
  const duration = () => {
    const start = s().startedAt
    if (!start) return null
    return formatDuration((s().finishedAt ?? (s().status === 'running' ? props.now : start)) - start)
  }
  const out = () => s().output
  const decide = (decision: 'approved' | 'rejected') => props.act(() => workflowsApi.approve(props.run.id, decision, note().trim() || undefined))
  const detailsId = `step-${s().index}-details`
  return (
    <li class={`step ${s().status}`} data-step={s().id} data-status={s().status}>
      <button type="button" class="step-head" aria-expanded={open()} aria-controls={detailsId} onClick={() => setOpen(!open())}>
        <span class="step-icon" aria-hidden="true">{status().icon}</span>
        <span class="step-name">{s().name}</span>
        <span class="step-kind hint">{STEP_KIND[s().kind]}</span>
        <span class="step-status">{status().label}</span>
        <Show when={s().attempts > 1}>
          <span class="badge resumed" title={`Started ${s().attempts} times: a runner's lease ran out and another run resumed it`}>resumed</span>
        </Show>
        <span class="spacer" />
        <Show when={duration()}>{(d) => <span class="step-duration">{d()}</span>}</Show>
        <Show when={s().costMicros > 0}>
          <span class="step-cost">{credits(s().costMicros)}</span>
        </Show>
      </button>
      <Show when={s().status === 'waiting'}>
        <div class="step-approval" role="group" aria-label={`Approve ${s().name}`}>
          <p>{s().kind === 'approval' ? 'This step waits for a person to approve.' : s().kind === 'deploy' ? 'A person must approve before the run’s work is published as a preview.' : 'A person must approve before anything is pushed.'}</p>
          <label>
            Note (optional) <input name="approval-note" value={note()} onInput={(e) => setNote(e.currentTarget.value)} />
          </label>
          <button type="button" class="primary" disabled={props.busy} onClick={() => void decide('approved')}>Approve</button>
          <button type="button" class="danger" disabled={props.busy} onClick={() => void decide('rejected')}>Reject</button>
        </div>
      </Show>
      <Show when={open()}>
        <div class="step-details" id={detailsId}>
          <Show when={s().error}>
            <p class="error">{s().error}</p>
          </Show>
          <Show when={out()?.summary}>
            <p class="step-summary">{out()!.summary}</p>
          </Show>
          <ul class="step-artifacts">
            <Show when={out()?.pullRequest} keyed>
              {(pr) => (
                <li>Pull request <a href={pr.url} target="_blank" rel="noopener">#{pr.number}</a></li>
              )}
            </Show>
            <Show when={out()?.commit} keyed>
              {(c) => (
                <li>Commit <code title={c.oid}>{c.oid.slice(0, 7)}</code> on <code>{c.branch}</code></li>
              )}
            </Show>
            <Show when={out()?.deployment} keyed>
              {(d) => (
                <li>
                  Preview{' '}
                  <Show when={d.url} fallback={<code title={d.id}>{d.id.slice(0, 8)}</code>}>
                    <a href={d.url} target="_blank" rel="noopener">{d.url}</a>
                  </Show>{' '}
                  ({d.files} files, {d.uploaded} uploaded{d.visibility === 'private' ? '; private: open it through a signed link from Deployments' : ''})
                </li>
              )}
            </Show>
            <Show when={out()?.comment} keyed>
              {(c) => (
                <li><a href={c.url} target="_blank" rel="noopener">Comment</a></li>
              )}
            </Show>
            <Show when={out()?.approval} keyed>
              {(a) => (
                <li>
                  {a.decision === 'approved' ? 'Approved' : 'Rejected'} by {a.by} {new Date(a.at).toLocaleString()}
                  <Show when={a.note}>: “{a.note}”</Show>
                </li>
              )}
            </Show>
            <Show when={out()?.agentRunId} keyed>
              {(id) => (
                <li>
                  <a href={`/runs/${id}`} onClick={(e) => (e.preventDefault(), props.openAgentRun(id))}>The agent's run</a>
                </li>
              )}
            </Show>
            <Show when={out()?.values && Object.keys(out()!.values!).length ? out()!.values : null} keyed>
              {(values) => (
              <li>
                Outputs: <For each={Object.entries(values)}>{([k, v]) => <span class="run-input"><code>{k}</code> = {String(v)} </span>}</For>
              </li>
              )}
            </Show>
          </ul>
          <Show when={out()?.testReport} keyed>
            {(t) => (
              <div class="step-tests" data-testid="step-test-report">
                <p class={t.failed ? 'error' : ''}>
                  <code>{t.command}</code>: {t.passed} passed, {t.failed} failed{t.skipped ? `, ${t.skipped} skipped` : ''} ({formatDuration(t.durationMs)})
                </p>
                <Show when={t.failures.length}>
                  <ul>
                    <For each={t.failures}>{(f) => <li><code>{f}</code></li>}</For>
                  </ul>
                </Show>
              </div>
            )}
          </Show>
          <Show when={out()?.patch} keyed>
            {(patch) => (
              <details class="step-patch">
                <summary>Patch ({patch.split('\n').filter((l) => /^[+-](?![+-])/.test(l)).length} changed lines)</summary>
                <pre class="diff">
                  <For each={patch.split('\n')}>{(line) => <span class={line.startsWith('+') && !line.startsWith('+++') ? 'add' : line.startsWith('-') && !line.startsWith('---') ? 'del' : line.startsWith('@@') ? 'hunk' : ''}>{line}{'\n'}</span>}</For>
                </pre>
              </details>
            )}
          </Show>
          <Switch>
            <Match when={s().log}>
              <pre class="step-log" aria-label={`Log of ${s().name}`}>{s().log}</pre>
            </Match>
            <Match when={s().status === 'pending'}>
              <p class="hint">Not started yet.</p>
            </Match>
            <Match when={true}>
              <p class="hint">No log.</p>
            </Match>
          </Switch>
        </div>
      </Show>
    </li>
  )
}

function TraceItem(props: { event: TraceEvent; run: WorkflowRunView }) {
  const e = () => props.event
  const step = () => (e().step === undefined ? null : props.run.steps[e().step!]?.name ?? `step ${e().step! + 1}`)
  return (
    <li class="trace-event" data-type={e().type}>
      <time datetime={new Date(e().at).toISOString()}>{new Date(e().at).toLocaleTimeString()}</time> <strong>{e().type}</strong> <span class="hint">by {e().by}</span>
      <Show when={step()}> · {step()}</Show>
      <Show when={e().costMicros}> · {credits(e().costMicros!)}</Show>
      <Show when={e().data && Object.keys(e().data!).length}>
        <code class="trace-data">{JSON.stringify(e().data)}</code>
      </Show>
    </li>
  )
}
