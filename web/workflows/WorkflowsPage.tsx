import { For, Match, Show, Switch, createMemo, createResource, createSignal, onCleanup } from 'solid-js'
import type { AppError } from '../../shared/errors'
import type { ProjectInfo } from '../../shared/protocol'
import { WORKFLOW_DIR, nextScheduledTime, type Workflow, type WorkflowProblem } from '../../shared/workflow'
import type { Account } from '../account/account'
import { formatCredits } from '../credits/credits'
import { formatAgo } from '../format'
import type { WorkspaceClient } from '../workspace/client'
import { RunNowDialog } from './RunNowDialog'
import { SecretsSection } from './SecretsSection'
import { TemplatesDialog } from './TemplatesDialog'
import { describeTriggers, formatIn, needsGitHub, readWorkflows, type LocalWorkflow } from './project-workflows'
import { RUN_STATUS_LABELS, workflowsApi, type EdgeWorkflow, type WorkflowRunSummary } from './workflows-api'
import './WorkflowsPage.css'

/** Where a file opens in the project: its repository-relative path and, for a problem, the spot. */
export interface FileSpot {
  path: string
  line?: number
  column?: number
}

export interface WorkflowsPageProps {
  client: WorkspaceClient
  account: Account
  /** The workspace project whose workflows are shown; null: choose one. */
  projectId: string | null
  openRun(id: string): void
  openProject(id: string, file?: FileSpot): void
  openWorkflows(projectId: string): void
}

/**
 * The Workflows page of a project: its `.coder/workflows/*` files as the open branch has them
 * (a broken one with its first problem, opening the file at that spot), joined with the edge's
 * state for the project's GitHub repository (enabled, last run, next scheduled run); connecting the
 * repository, "Run now" with inputs, templates, recent runs and the repository's secrets.
 */
export function WorkflowsPage(props: WorkflowsPageProps) {
  return (
    <main class="workflows-page">
      <Show when={props.projectId} keyed fallback={<ChooseProject client={props.client} openWorkflows={props.openWorkflows} />}>
        {(id) => <ProjectWorkflows {...props} projectId={id} />}
      </Show>
    </main>
  )
}

function ChooseProject(props: { client: WorkspaceClient; openWorkflows(id: string): void }) {
  const [projects] = createResource(() => props.client.rpc.call('listProjects', undefined))
  return (
    <>
      <h1>Workflows</h1>
      <p class="hint">Workflows live in a project's repository, under {WORKFLOW_DIR}/. Choose a project:</p>
      <Show when={!projects.error} fallback={<p class="error" role="alert">{(projects.error as Error).message}</p>}>
        <ul class="workflow-projects">
          <For each={projects.latest ?? []}>
            {(p) => (
              <li>
                <a href={`/workflows?project=${encodeURIComponent(p.id)}`} onClick={(e) => (e.preventDefault(), props.openWorkflows(p.id))}>{p.name}</a> <span class="hint">{p.url ?? 'local project'}</span>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </>
  )
}

/** The connection of the project to the edge's workflows, as the page explains it. */
type Connection =
  | { kind: 'checking' }
  | { kind: 'no-server'; reason: string }
  | { kind: 'signed-out' }
  | { kind: 'not-github' }
  | { kind: 'not-connected'; repo: string }
  | { kind: 'connected'; repo: string; defaultBranch: string; members: string[] }
  | { kind: 'error'; message: string }

interface Row {
  path: string
  local?: LocalWorkflow
  edge?: EdgeWorkflow
}

const problemAt = (p: WorkflowProblem) => `${p.line}:${p.column}`

function ProjectWorkflows(props: WorkflowsPageProps & { projectId: string }) {
  const rpc = props.client.rpc
  const [takeOver, setTakeOver] = createSignal(false)
  const [info] = createResource(() => [props.projectId, takeOver()] as const, ([projectId, take]) => rpc.call('openProject', { projectId, takeOver: take }))
  const openedId = props.projectId
  onCleanup(() => void rpc.call('closeProject', { projectId: openedId }).catch(() => undefined))
  const project = (): ProjectInfo | undefined => (info.error ? undefined : info.latest)

  const [local, { refetch: refetchLocal }] = createResource(() => project()?.id, (id) => readWorkflows(props.client, id))
  // Keyed by a string: the account's state is a new object on every check, the answer rarely changes.
  const signedIn = () => props.account.state().status === 'signed-in'
  const [github] = createResource(
    () => (project()?.url && signedIn() ? project()!.url! : false),
    (url) => props.account.gitHubRepo(url),
  )
  const repoName = () => (github.error || !github.latest ? null : `${github.latest.owner}/${github.latest.repo}`)
  const [connected, { refetch: refetchConnected, mutate: setConnected }] = createResource(repoName, async (repo) => (await workflowsApi.repos()).find((r) => r.repo.toLowerCase() === repo.toLowerCase()) ?? null)
  const connectedRepo = () => (connected.error ? null : connected.latest?.repo ?? null)
  const [edge, { refetch: refetchEdge, mutate: setEdge }] = createResource(connectedRepo, (repo) => workflowsApi.workflows(repo))
  const [runs, { refetch: refetchRuns }] = createResource(connectedRepo, (repo) => workflowsApi.runs(repo))

  const connection = createMemo((): Connection => {
    const state = props.account.state()
    if (state.status === 'loading' || !project()) return { kind: 'checking' }
    if (state.status === 'unavailable') return { kind: 'no-server', reason: state.reason }
    if (state.status === 'signed-out') return { kind: 'signed-out' }
    if (github.loading && github.latest === undefined) return { kind: 'checking' }
    const repo = repoName()
    if (!repo) return { kind: 'not-github' }
    if (connected.error) return { kind: 'error', message: (connected.error as Error).message }
    if (connected.loading && connected.latest === undefined) return { kind: 'checking' }
    const c = connected.latest
    return c ? { kind: 'connected', repo: c.repo, defaultBranch: c.defaultBranch, members: c.members.map((m) => m.name) } : { kind: 'not-connected', repo }
  }, undefined, { equals: (a, b) => JSON.stringify(a) === JSON.stringify(b) })

  const rows = createMemo((): Row[] => {
    const byPath = new Map<string, Row>()
    for (const l of local.error ? [] : local.latest ?? []) byPath.set(l.path, { path: l.path, local: l })
    for (const e of edge.error ? [] : edge.latest ?? []) byPath.set(e.path, { ...byPath.get(e.path), path: e.path, edge: e })
    return [...byPath.values()].sort((a, b) => (a.local ? 0 : 1) - (b.local ? 0 : 1) || a.path.localeCompare(b.path))
  })

  const [busy, setBusy] = createSignal(false)
  const [message, setMessage] = createSignal<{ text: string; kind: 'error' | 'info' } | null>(null)
  const [templates, setTemplates] = createSignal(false)
  const [runNow, setRunNow] = createSignal<{ workflow: Workflow; path: string; source: string; repo: string } | null>(null)

  const act = async (work: () => Promise<string | void>) => {
    setMessage(null)
    setBusy(true)
    try {
      const text = await work()
      if (text) setMessage({ text, kind: 'info' })
    } catch (e) {
      setMessage({ text: (e as Error).message, kind: 'error' })
    } finally {
      setBusy(false)
    }
  }
  const connect = (repo: string) =>
    act(async () => {
      const out = await workflowsApi.connect(repo)
      setEdge(out.workflows)
      await refetchConnected()
      return `Connected ${out.repo} for workflows. Its triggers fire from the workflow files on ${out.defaultBranch}.`
    })
  const disconnect = (repo: string) =>
    act(async () => {
      await workflowsApi.disconnect(repo)
      setConnected(null)
      return `Disconnected ${repo}: its triggers no longer run under your account.`
    })
  const refresh = () =>
    act(async () => {
      await refetchLocal()
      const repo = connectedRepo()
      if (repo) {
        setEdge(await workflowsApi.workflows(repo, true))
        await refetchRuns()
      } else await refetchConnected()
    })
  const setEnabled = (row: Row, enabled: boolean) =>
    act(async () => {
      const repo = connectedRepo()
      if (!repo) return
      await workflowsApi.setEnabled(repo, row.path, enabled)
      setEdge((list) => list?.map((w) => (w.path === row.path ? { ...w, enabled } : w)))
      await refetchEdge()
      return `${row.edge?.name ?? row.path} is ${enabled ? 'on' : 'off'}.`
    })

  const openAt = (spot: FileSpot) => props.openProject(props.projectId, spot)

  return (
    <Show
      when={!info.error}
      fallback={
        <div class="workflows-error" role="alert">
          <p class="error">{(info.error as Error).message}</p>
          <Show when={(info.error as AppError).code === 'BUSY'}>
            <button type="button" onClick={() => setTakeOver(true)}>Use it here</button>
          </Show>
        </div>
      }
    >
      <header class="workflows-head">
        <h1>Workflows{project() ? ` of ${project()!.name}` : ''}</h1>
        <a href={`/p/${props.projectId}`} onClick={(e) => (e.preventDefault(), props.openProject(props.projectId))}>Open the project</a>
        <span class="spacer" />
        <button type="button" class="small" disabled={!project()} onClick={() => setTemplates(true)}>New from template…</button>
        <button type="button" class="small" disabled={busy() || local.loading} onClick={() => void refresh()}>Refresh</button>
      </header>
      <ConnectionBox connection={connection()} branch={project()?.branch ?? null} busy={busy()} connect={connect} disconnect={disconnect} signIn={() => props.account.signInWithGitHub()} />
      <Show when={message()}>
        {(m) => (
          <p class={m().kind === 'error' ? 'error' : 'hint'} role={m().kind === 'error' ? 'alert' : 'status'}>
            {m().text}
          </p>
        )}
      </Show>
      <Show when={local.error}>
        <p class="error" role="alert">Could not read {WORKFLOW_DIR}/: {(local.error as Error).message}</p>
      </Show>
      <Show when={edge.error}>
        <p class="error" role="alert">{(edge.error as Error).message}</p>
      </Show>
      <Show when={local.loading && !local.latest}>
        <p class="hint">Reading {WORKFLOW_DIR}/…</p>
      </Show>
      <Show when={!local.loading && rows().length === 0 && !local.error}>
        <div class="workflows-empty" role="status">
          <p>No workflows in {WORKFLOW_DIR}/ of this branch yet. A workflow is a YAML (or JSON) file that names its triggers (an issue label, pull requests, a schedule, a webhook, Run now), its steps, budgets and policies.</p>
          <button type="button" onClick={() => setTemplates(true)}>New workflow from template…</button>
        </div>
      </Show>
      <Show when={rows().length}>
        <table class="workflows-table" aria-label="Workflows">
          <thead>
            <tr>
              <th>Workflow</th>
              <th>Triggers</th>
              <th>Last run</th>
              <th>Next scheduled run</th>
              <th>Enabled</th>
              <th><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            <For each={rows()}>
              {(row) => {
                const parsed = () => row.local?.parsed
                const workflow = () => {
                  const p = parsed()
                  return p?.ok ? p.workflow : null
                }
                const problem = () => {
                  const p = parsed()
                  if (p && !p.ok) return p.problems[0] ?? null
                  return !row.local && row.edge?.problems?.length ? row.edge.problems[0]! : null
                }
                const name = () => workflow()?.name ?? row.edge?.name ?? row.path.slice(row.path.lastIndexOf('/') + 1)
                const triggers = () => {
                  const on = workflow()?.on ?? (row.local ? null : row.edge?.triggers)
                  return on ? describeTriggers(on) : []
                }
                const next = (): { at: number | null; note?: string } | null => {
                  if (row.edge && connectedRepo()) {
                    if (!row.edge.enabled) return { at: null, note: 'off' }
                    return { at: row.edge.nextRunAt }
                  }
                  const w = workflow()
                  if (!w?.on.schedule?.length) return null
                  const at = nextScheduledTime(w, new Date())
                  return { at: at ? at.getTime() : null, note: connectedRepo() ? `not on ${(connection() as { defaultBranch?: string }).defaultBranch ?? 'the default branch'} yet` : 'once connected' }
                }
                return (
                  <tr data-path={row.path} classList={{ broken: !!problem() }}>
                    <td class="workflow-name">
                      <strong>{name()}</strong>
                      <div class="hint"><code>{row.path}</code></div>
                      <Show when={!row.local}>
                        <div class="hint">Only on the default branch, not in this branch.</div>
                      </Show>
                    </td>
                    <td class="workflow-triggers">
                      <Show when={problem()} keyed fallback={<For each={triggers()}>{(t) => <div class="trigger">{t}</div>}</For>}>
                        {(p) => (
                          <div class="workflow-problem">
                            <span class="error">{problemAt(p)}: {p.message}</span>{' '}
                            <Show when={row.local}>
                              <button type="button" class="small" onClick={() => openAt({ path: row.path, line: p.line, column: p.column })}>Open at {problemAt(p)}</button>
                            </Show>
                          </div>
                        )}
                      </Show>
                      <Show when={workflow() && needsGitHub(workflow()!.on) && connection().kind === 'not-github'}>
                        <div class="hint">Needs a GitHub repository to fire.</div>
                      </Show>
                    </td>
                    <td class="workflow-last-run">
                      <Show when={row.edge?.lastRun} keyed fallback={<span class="hint">—</span>}>
                        {(run) => (
                          <>
                            <a href={`/workflows/runs/${run.id}`} onClick={(e) => (e.preventDefault(), props.openRun(run.id))}>
                              <span class={`wf-status ${run.status}`}>{RUN_STATUS_LABELS[run.status]}</span>
                            </a>{' '}
                            <span class="hint" title={new Date(run.createdAt).toLocaleString()}>{formatAgo(run.createdAt)}</span>
                          </>
                        )}
                      </Show>
                    </td>
                    <td class="workflow-next">
                      <Show when={next()} keyed fallback={<span class="hint">—</span>}>
                        {(n) => (
                          <>
                            <Show when={n.at} keyed fallback={<span class="hint">{n.note === 'off' ? 'off' : '—'}</span>}>
                              {(at) => (
                                <time datetime={new Date(at).toISOString()} title={new Date(at).toUTCString()}>
                                  {new Date(at).toLocaleString()} ({formatIn(at)})
                                </time>
                              )}
                            </Show>
                            <Show when={n.at && n.note}> <span class="hint">{n.note}</span></Show>
                          </>
                        )}
                      </Show>
                    </td>
                    <td class="workflow-enabled">
                      <Show when={row.edge && connectedRepo()} fallback={<span class="hint">—</span>}>
                        <input type="checkbox" aria-label={`${name()} enabled`} checked={row.edge!.enabled} disabled={busy()} onChange={(e) => void setEnabled(row, e.currentTarget.checked)} />
                      </Show>
                    </td>
                    <td class="workflow-actions">
                      <Show when={workflow() && row.local}>
                        <button
                          type="button"
                          class="small"
                          aria-label={`Run ${name()} now`}
                          disabled={!connectedRepo() || !workflow()!.on.manual}
                          title={
                            !workflow()!.on.manual ? 'This workflow has no manual trigger: add `manual:` under `on:` to run it by hand'
                            : connectedRepo() ? `Queue a run of this file as it is in ${project()?.branch ?? 'this branch'}`
                            : 'Run now needs the repository connected for workflows'
                          }
                          onClick={() => setRunNow({ workflow: workflow()!, path: row.path, source: row.local!.source, repo: connectedRepo()! })}
                        >
                          Run now
                        </button>
                      </Show>
                      <Show when={row.local}>
                        <button type="button" class="small" aria-label={`Edit ${row.path}`} onClick={() => openAt({ path: row.path })}>Edit</button>
                      </Show>
                    </td>
                  </tr>
                )
              }}
            </For>
          </tbody>
        </table>
      </Show>
      <Show when={connectedRepo()}>
        {(repo) => (
          <>
            <RecentRuns runs={runs.error ? undefined : runs.latest} error={runs.error as Error | undefined} loading={runs.loading} refresh={() => void refetchRuns()} openRun={props.openRun} />
            <SecretsSection repo={repo()} />
          </>
        )}
      </Show>
      <Show when={templates() && project()}>
        <TemplatesDialog client={props.client} projectId={props.projectId} close={() => setTemplates(false)} created={(path) => openAt({ path })} />
      </Show>
      <Show when={runNow()}>
        {(r) => <RunNowDialog workflow={r().workflow} path={r().path} source={r().source} repo={r().repo} ref={project()?.branch ?? null} close={() => setRunNow(null)} started={(run) => props.openRun(run.id)} />}
      </Show>
    </Show>
  )
}

function ConnectionBox(props: { connection: Connection; branch: string | null; busy: boolean; connect(repo: string): void; disconnect(repo: string): void; signIn(): void }) {
  return (
    <div class="workflow-connection" role="status" data-connection={props.connection.kind}>
      <Switch>
        <Match when={props.connection.kind === 'checking'}>
          <p class="hint">Checking the project's repository…</p>
        </Match>
        <Match when={props.connection.kind === 'no-server' && (props.connection as Extract<Connection, { kind: 'no-server' }>)} keyed>
          {(c) => <p>No server answered ({c.reason}), so workflows cannot be connected or run now. The files below are this branch's; editing them works offline.</p>}
        </Match>
        <Match when={props.connection.kind === 'signed-out'}>
          <p>Sign in to run workflows: the server fires their triggers, queues their runs and keeps every run's trace. Connecting a GitHub repository needs a GitHub sign-in.</p>
        </Match>
        <Match when={props.connection.kind === 'not-github'}>
          <p>
            This project is not a GitHub repository the server knows. Workflows triggered by GitHub (issues, pull requests) need a GitHub repository, and "Run now" needs one connected for workflows. Import the project from GitHub to use them.
          </p>
        </Match>
        <Match when={props.connection.kind === 'not-connected' && (props.connection as Extract<Connection, { kind: 'not-connected' }>)} keyed>
          {(c) => (
            <>
              <p>
                {c.repo} is not connected for workflows. Connecting it (with your GitHub sign-in; you need push access) lets the server fire its workflows' triggers from the default branch and queue "Run now" runs.
              </p>
              <button type="button" class="primary" disabled={props.busy} onClick={() => props.connect(c.repo)}>Connect {c.repo} for workflows</button>
            </>
          )}
        </Match>
        <Match when={props.connection.kind === 'connected' && (props.connection as Extract<Connection, { kind: 'connected' }>)} keyed>
          {(c) => (
            <p>
              <strong>{c.repo}</strong> is connected for workflows. Triggers fire from the files on <code>{c.defaultBranch}</code>; "Run now" runs the file as it is in <code>{props.branch ?? 'this branch'}</code>.
              <Show when={c.members.length}> Members: {c.members.join(', ')}.</Show>{' '}
              <button type="button" class="small" disabled={props.busy} onClick={() => props.disconnect(c.repo)}>Disconnect</button>
            </p>
          )}
        </Match>
        <Match when={props.connection.kind === 'error' && (props.connection as Extract<Connection, { kind: 'error' }>)} keyed>
          {(c) => <p class="error">{c.message}</p>}
        </Match>
      </Switch>
    </div>
  )
}

function RecentRuns(props: { runs: WorkflowRunSummary[] | undefined; error: Error | undefined; loading: boolean; refresh(): void; openRun(id: string): void }) {
  return (
    <section class="workflow-runs" aria-label="Recent runs">
      <header class="workflows-head">
        <h2>Recent runs</h2>
        <span class="spacer" />
        <button type="button" class="small" disabled={props.loading} onClick={() => props.refresh()}>Refresh runs</button>
      </header>
      <Show when={props.error}>
        <p class="error" role="alert">{props.error!.message}</p>
      </Show>
      <Show when={props.runs?.length} fallback={<Show when={props.runs}><p class="hint">No runs yet.</p></Show>}>
        <table class="workflows-table" aria-label="Workflow runs">
          <thead>
            <tr>
              <th>Status</th>
              <th>Workflow</th>
              <th>Trigger</th>
              <th>Started</th>
              <th>Cost</th>
            </tr>
          </thead>
          <tbody>
            <For each={props.runs}>
              {(run) => (
                <tr data-run={run.id}>
                  <td><span class={`wf-status ${run.status}`}>{RUN_STATUS_LABELS[run.status]}</span></td>
                  <td><a href={`/workflows/runs/${run.id}`} onClick={(e) => (e.preventDefault(), props.openRun(run.id))}>{run.name}</a></td>
                  <td>{run.trigger.summary}</td>
                  <td title={new Date(run.createdAt).toLocaleString()}>{formatAgo(run.createdAt)}</td>
                  <td class="run-cost">{formatCredits(run.costMicros)} credits</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </Show>
    </section>
  )
}
