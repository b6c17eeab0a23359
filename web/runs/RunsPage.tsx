import { For, Match, Show, Switch, createEffect, createResource, createSignal, on, onCleanup } from 'solid-js'
import type { AgentEvent } from '../../shared/agent'
import type { Account } from '../account/account'
import { FeedList } from '../agent/FeedList'
import { applyEvent, emptyFeed, type FeedState } from '../agent/feed'
import { formatCredits } from '../credits/credits'
import { formatAgo, formatBytes } from '../format'
import { ARTIFACT_LABELS, formatDuration, runs, sortArtifacts, type RunRecord } from './runs'
import './RunsPage.css'

/** Where the Runs page is: every run, one project's, or one run. */
export interface RunsRoute {
  project: string | null
  runId: string | null
}

const STATUS_LABELS: Record<RunRecord['status'], string> = { queued: 'Queued', running: 'Running', waiting: 'Waiting', succeeded: 'Succeeded', failed: 'Failed', cancelled: 'Cancelled' }
const LIVE = new Set(['queued', 'running', 'waiting'])
/** How often an open run that is still going is read again. */
const POLL_MS = 3000
/** Time between two events when a run is replayed. */
const REPLAY_STEP_MS = 60

/** Why a failed run failed, in a word or two (an agent's end reasons). */
const FAILED_BECAUSE: Record<string, string> = { failed: 'tests fail', error: 'error', stuck: 'stuck', budget: 'budget used up', no_action: 'no action' }
const statusText = (run: RunRecord) => (run.status === 'failed' && run.reason && FAILED_BECAUSE[run.reason] ? `Failed: ${FAILED_BECAUSE[run.reason]}` : STATUS_LABELS[run.status])
const duration = (run: RunRecord, now = Date.now()) => formatDuration((run.finishedAt ?? now) - run.startedAt)
const cost = (run: RunRecord) => `${formatCredits(Math.round(run.cost * 1e6))} credits`
const pullRequestLabel = (url: string) => (/\/pull\/(\d+)$/.exec(url) ? `#${/\/pull\/(\d+)$/.exec(url)![1]}` : 'Pull request')

/**
 * The Runs page: every run of the signed-in user (agents now; tests and workflows later) with its
 * status, duration, cost, branch and pull request, newest first, or one project's; opening one
 * replays its events in order and offers its artifacts (patch, test reports, transcript) for download.
 * Runs are the edge's records, so every device of the user sees them.
 */
export function RunsPage(props: { account: Account; route: RunsRoute; open(route: RunsRoute): void }) {
  const state = props.account.state
  return (
    <main class="runs-page">
      <Switch>
        <Match when={state().status === 'loading'}>
          <p class="hint">Loading…</p>
        </Match>
        <Match when={state().status === 'unavailable'}>
          <h1>Runs</h1>
          <p role="status">{navigator.onLine === false ? 'You are offline. Runs are kept by the server; they show here once you are back online.' : 'No server answered, so runs cannot be shown. Try again in a moment.'}</p>
          <button type="button" onClick={() => void props.account.refresh()}>Try again</button>
        </Match>
        <Match when={state().status === 'signed-out'}>
          <h1>Runs</h1>
          <p role="status">Sign in to see your runs. Each agent run is recorded with your account (its events, patch, test reports and cost), so every device you sign in on shows it.</p>
        </Match>
        <Match when={state().status === 'signed-in'}>
          <Show when={props.route.runId} keyed fallback={<RunList project={props.route.project} open={props.open} />}>
            {(id) => <RunDetail id={id} back={() => props.open({ project: props.route.project, runId: null })} />}
          </Show>
        </Match>
      </Switch>
    </main>
  )
}

function Failure(props: { error: unknown; retry(): void }) {
  return (
    <div class="runs-error" role="alert">
      <p>{(props.error as Error)?.message ?? String(props.error)}</p>
      <button type="button" onClick={() => props.retry()}>Try again</button>
    </div>
  )
}

function RunList(props: { project: string | null; open(route: RunsRoute): void }) {
  const [list, setList] = createSignal<RunRecord[]>([])
  const [more, setMore] = createSignal(false)
  const [error, setError] = createSignal<unknown>(null)
  const [loading, setLoading] = createSignal(true)
  const load = async (before?: number) => {
    setError(null)
    setLoading(true)
    try {
      const page = await runs.list({ project: props.project, before })
      setList((old) => (before ? [...old, ...page.runs] : page.runs))
      setMore(page.more)
    } catch (e) {
      setError(e)
    } finally {
      setLoading(false)
    }
  }
  createEffect(on(() => props.project, () => void load()))
  const openRun = (e: MouseEvent, id: string) => {
    if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey) return
    e.preventDefault()
    props.open({ project: props.project, runId: id })
  }
  return (
    <>
      <header class="runs-head">
        <h1>{props.project ? `Runs of ${props.project}` : 'Runs'}</h1>
        <Show when={props.project}>
          <a href="/runs" onClick={(e) => (e.preventDefault(), props.open({ project: null, runId: null }))}>All runs</a>
        </Show>
        <span class="spacer" />
        <button type="button" class="small" disabled={loading()} onClick={() => void load()}>Refresh</button>
      </header>
      <Show when={error()}>{(e) => <Failure error={e()} retry={() => void load()} />}</Show>
      <Show when={!loading() && !error() && list().length === 0}>
        <p role="status" class="runs-empty">
          {props.project ? `No runs of ${props.project} yet.` : 'No runs yet.'} When MechaCoder works on a task (Agent panel in a project), its run shows here with its events, patch, test reports and cost.
        </p>
      </Show>
      <Show when={list().length}>
        <table class="runs-table" aria-label="Runs">
          <thead>
            <tr>
              <th>Status</th>
              <th>Run</th>
              <Show when={!props.project}>
                <th>Project</th>
              </Show>
              <th>Started</th>
              <th>Duration</th>
              <th>Cost</th>
              <th>Branch</th>
              <th>Pull request</th>
            </tr>
          </thead>
          <tbody>
            <For each={list()}>
              {(run) => (
                <tr data-run={run.id}>
                  <td>
                    <span class={`run-status ${run.status}`}>{statusText(run)}</span>
                  </td>
                  <td class="run-title">
                    <a href={`/runs/${run.id}`} onClick={(e) => openRun(e, run.id)}>{run.title || `${run.kind} run`}</a>
                  </td>
                  <Show when={!props.project}>
                    <td>{run.project}</td>
                  </Show>
                  <td title={new Date(run.startedAt).toLocaleString()}>{formatAgo(run.startedAt)}</td>
                  <td>{LIVE.has(run.status) ? '…' : duration(run)}</td>
                  <td class="run-cost">{cost(run)}</td>
                  <td>{run.branch ? <code>{run.branch}</code> : ''}</td>
                  <td>
                    <Show when={run.pullRequest}>
                      {(url) => (
                        <a href={url()} target="_blank" rel="noopener">
                          {pullRequestLabel(url())}
                        </a>
                      )}
                    </Show>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </Show>
      <Show when={more()}>
        <button type="button" disabled={loading()} onClick={() => void load(list().at(-1)?.startedAt)}>Show older runs</button>
      </Show>
      <Show when={loading()}>
        <p class="hint">Loading runs…</p>
      </Show>
    </>
  )
}

function RunDetail(props: { id: string; back(): void }) {
  const [record, { refetch: refetchRecord }] = createResource(() => props.id, (id) => runs.get(id))
  const [log, { refetch: refetchLog }] = createResource(() => props.id, (id) => runs.events(id))
  // An errored resource throws when read: these read nothing instead.
  const current = () => (record.error ? undefined : record.latest)
  const events = () => (log.error ? undefined : log.latest)
  const [feed, setFeed] = createSignal<FeedState>(emptyFeed())
  const [replaying, setReplaying] = createSignal(false)
  let replay: ReturnType<typeof setInterval> | undefined
  const stopReplay = () => {
    clearInterval(replay)
    setReplaying(false)
  }
  const showAll = (all: AgentEvent[]) => setFeed(all.reduce(applyEvent, emptyFeed()))
  createEffect(() => {
    const all = events()?.events
    if (all && !replaying()) showAll(all)
  })
  const startReplay = () => {
    const all = events()?.events ?? []
    stopReplay()
    setReplaying(true)
    setFeed(emptyFeed())
    let next = 0
    replay = setInterval(() => {
      if (next >= all.length) return stopReplay()
      setFeed((f) => applyEvent(f, all[next++]!))
    }, REPLAY_STEP_MS)
  }
  // A run still going is read again until it ends.
  const poll = setInterval(() => {
    const run = current()
    if (run && LIVE.has(run.status) && !record.loading) {
      void refetchRecord()
      void refetchLog()
    }
  }, POLL_MS)
  onCleanup(() => (clearInterval(poll), stopReplay()))

  return (
    <article class="run-detail" aria-label="Run">
      <a href="/runs" class="runs-back" onClick={(e) => (e.preventDefault(), props.back())}>← Runs</a>
      <Switch>
        <Match when={record.error}>
          <Failure error={record.error} retry={() => void refetchRecord()} />
        </Match>
        <Match when={current()}>
          {(run) => (
            <>
              <h1>{run().title || `${run().kind} run`}</h1>
              <dl class="run-meta">
                <dt>Status</dt>
                <dd>
                  <span class={`run-status ${run().status}`} data-testid="run-status">{statusText(run())}</span>
                </dd>
                <dt>Project</dt>
                <dd>{run().project}</dd>
                <dt>Started</dt>
                <dd>{new Date(run().startedAt).toLocaleString()}</dd>
                <dt>Duration</dt>
                <dd>{LIVE.has(run().status) ? `${duration(run())} so far` : duration(run())}</dd>
                <dt>Cost</dt>
                <dd>{cost(run())}</dd>
                <Show when={run().branch}>
                  <dt>Branch</dt>
                  <dd>
                    <code>{run().branch}</code>
                    <Show when={run().commit}> at <code title={run().commit!}>{run().commit!.slice(0, 7)}</code></Show>
                  </dd>
                </Show>
                <Show when={run().pullRequest}>
                  {(url) => (
                    <>
                      <dt>Pull request</dt>
                      <dd>
                        <a href={url()} target="_blank" rel="noopener">{url()}</a>
                      </dd>
                    </>
                  )}
                </Show>
              </dl>
              <section class="run-artifacts" aria-label="Downloads">
                <h2>Downloads</h2>
                <Show when={run().artifacts.length || run().pullRequest} fallback={<p class="hint">This run kept no artifacts.</p>}>
                  <ul>
                    <For each={sortArtifacts(run().artifacts)}>
                      {(a) => (
                        <li>
                          <a href={runs.artifactUrl(run().id, a.name)} download={a.name}>{ARTIFACT_LABELS[a.name] ?? a.name}</a> <span class="hint">{a.name} · {formatBytes(a.size)}</span>
                        </li>
                      )}
                    </For>
                    <Show when={run().pullRequest}>
                      {(url) => (
                        <li>
                          <a href={url()} target="_blank" rel="noopener">Pull request {pullRequestLabel(url())}</a> <span class="hint">link</span>
                        </li>
                      )}
                    </Show>
                  </ul>
                </Show>
              </section>
            </>
          )}
        </Match>
        <Match when={record.loading}>
          <p class="hint">Loading the run…</p>
        </Match>
      </Switch>
      <Show when={!record.error}>
        <section class="run-events" aria-label="Events">
          <header class="runs-head">
            <h2>Events</h2>
            <Show when={events()}>{(l) => <span class="hint">{l().events.length + l().others.length} events{l().skipped ? `, ${l().skipped} not readable` : ''}</span>}</Show>
            <span class="spacer" />
            <Show when={events()?.events.length}>
              <Show when={replaying()} fallback={<button type="button" class="small" onClick={startReplay}>Replay</button>}>
                <button type="button" class="small" onClick={() => (stopReplay(), showAll(events()?.events ?? []))}>Show all</button>
              </Show>
            </Show>
          </header>
          <Switch>
            <Match when={log.error}>
              <Failure error={log.error} retry={() => void refetchLog()} />
            </Match>
            <Match when={events()?.events.length === 0 && events()?.others.length === 0}>
              <p class="hint">No events were recorded for this run.</p>
            </Match>
            <Match when={events()?.events.length === 0 && events()}>
              {(l) => (
                <ol class="run-plain-events" aria-label="Run events">
                  <For each={l().others}>
                    {(e) => (
                      <li>
                        <Show when={e.at}>{(at) => <time class="hint" datetime={new Date(at()).toISOString()}>{new Date(at()).toLocaleTimeString()}</time>}</Show> {e.text}
                      </li>
                    )}
                  </For>
                </ol>
              )}
            </Match>
            <Match when={events()}>
              <p class="run-usage hint" data-testid="run-usage">
                <Show when={feed().usage}>{(u) => `${u().turns} model call${u().turns === 1 ? '' : 's'} · ${(u().inputTokens + u().outputTokens).toLocaleString('en')} tokens · ${formatCredits(u().costMicros)} credits`}</Show>
              </p>
              <FeedList items={feed().items} label="Run events" />
            </Match>
            <Match when={log.loading}>
              <p class="hint">Loading events…</p>
            </Match>
          </Switch>
        </section>
      </Show>
    </article>
  )
}
