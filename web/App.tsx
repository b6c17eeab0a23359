import { ErrorBoundary, Match, Show, Switch, createEffect, createSignal, lazy, onCleanup, onMount } from 'solid-js'
import { parseOpenLink, type OpenLink } from '../shared/links'
import type { WorkspaceClient } from './workspace/client'
import { createEffectiveTheme, createSettings, packageEnv } from './settings/settings'

// Each page is its own chunk: the projects page needs no editor, a project no projects page.
const ProjectsPage = lazy(() => import('./projects/ProjectsPage').then((m) => ({ default: m.ProjectsPage })))
const CreditsPage = lazy(() => import('./credits/CreditsPage').then((m) => ({ default: m.CreditsPage })))
const RunsPage = lazy(() => import('./runs/RunsPage').then((m) => ({ default: m.RunsPage })))
const RunnerPage = lazy(() => import('./workflows/RunnerPage').then((m) => ({ default: m.RunnerPage })))
const ProjectView = lazy(() => import('./project/ProjectView').then((m) => ({ default: m.ProjectView })))
const WorkflowsPage = lazy(() => import('./workflows/WorkflowsPage').then((m) => ({ default: m.WorkflowsPage })))
const RunView = lazy(() => import('./workflows/RunView').then((m) => ({ default: m.RunView })))
import { SettingsDialog } from './settings/SettingsDialog'
import { createAccount } from './account/account'
import { AccountMenu } from './account/AccountMenu'
import { createTabRunner } from './workflows/tab-runner'
import type { FileSpot } from './workflows/WorkflowsPage'

type Route =
  | { page: 'projects'; link?: OpenLink }
  | { page: 'project'; id: string; open?: FileSpot }
  | { page: 'credits'; sessionId: string | null }
  | { page: 'runs'; project: string | null; runId: string | null }
  | { page: 'workflows'; project: string | null }
  | { page: 'workflow-run'; id: string }
  | { page: 'runner' }

function parse(pathname: string, search: string): Route {
  const m = /^\/p\/([\w-]+)\/?$/.exec(pathname)
  if (m) return { page: 'project', id: m[1], open: fileSpot(new URLSearchParams(search)) }
  const workflowRun = /^\/workflows\/runs\/([\w-]+)\/?$/.exec(pathname)
  if (workflowRun) return { page: 'workflow-run', id: workflowRun[1] }
  if (/^\/workflows\/?$/.test(pathname)) return { page: 'workflows', project: new URLSearchParams(search).get('project') }
  if (/^\/runner\/?$/.test(pathname)) return { page: 'runner' }
  const runs = /^\/runs(?:\/([\w-]+))?\/?$/.exec(pathname)
  if (runs) return { page: 'runs', project: new URLSearchParams(search).get('project'), runId: runs[1] ?? null }
  if (/^\/credits(\/success)?\/?$/.test(pathname)) return { page: 'credits', sessionId: new URLSearchParams(search).get('session_id') }
  const link = parseOpenLink(pathname, search)
  return link ? { page: 'projects', link } : { page: 'projects' }
}

/** `?open=<path>&line=<n>&column=<n>`: a file the project opens at once (links from the workflows page). */
function fileSpot(query: URLSearchParams): FileSpot | undefined {
  const path = query.get('open')
  if (!path) return undefined
  const line = Number(query.get('line'))
  const column = Number(query.get('column'))
  return { path, ...(line > 0 ? { line } : {}), ...(column > 0 ? { column } : {}) }
}

const projectUrl = (r: { id: string; open?: FileSpot }) => {
  if (!r.open) return `/p/${r.id}`
  const query = new URLSearchParams({ open: r.open.path })
  if (r.open.line) query.set('line', String(r.open.line))
  if (r.open.column) query.set('column', String(r.open.column))
  return `/p/${r.id}?${query}`
}

const runsUrl = (r: { project: string | null; runId: string | null }) => `/runs${r.runId ? `/${r.runId}` : ''}${r.project ? `?project=${encodeURIComponent(r.project)}` : ''}`

/** The shell: routes between the projects page and a project, applies the theme, shows worker death. */
export function App(props: { client: WorkspaceClient }) {
  const [route, setRoute] = createSignal<Route>(parse(location.pathname, location.search))
  const [fatal, setFatal] = createSignal<string | null>(null)
  const [showSettings, setShowSettings] = createSignal(false)
  const { settings, save, dispose } = createSettings()
  const theme = createEffectiveTheme(settings)
  const account = createAccount()
  // One workflow runner per tab, across pages: a job keeps running while the user moves around.
  const tabRunner = createTabRunner({ author: () => settings().author, env: () => packageEnv(settings()) })
  onCleanup(() => tabRunner.dispose())
  // The header's Workflows link shows the project last open, if any.
  const [lastProject, setLastProject] = createSignal<string | null>(null)
  createEffect(() => {
    const r = route()
    if (r.page === 'project') setLastProject(r.id)
    else if (r.page === 'workflows' && r.project) setLastProject(r.project)
  })
  createEffect(() => (document.documentElement.dataset.theme = theme()))
  props.client.onDeath((e) => setFatal(e.message))
  // Opening a project's page: the workspace starts opening it while the project view's code loads.
  const first = route()
  if (first.page === 'project') void props.client.rpc.call('openProject', { projectId: first.id }).catch(() => undefined)

  const go = (r: Route, replace = false) => {
    const url =
      r.page === 'project' ? projectUrl(r)
      : r.page === 'credits' ? '/credits'
      : r.page === 'runs' ? runsUrl(r)
      : r.page === 'runner' ? '/runner'
      : r.page === 'workflows' ? `/workflows${r.project ? `?project=${encodeURIComponent(r.project)}` : ''}`
      : r.page === 'workflow-run' ? `/workflows/runs/${r.id}`
      : '/'
    if (replace) history.replaceState(null, '', url)
    else history.pushState(null, '', url)
    setRoute(r)
  }
  const onPop = () => setRoute(parse(location.pathname, location.search))
  onMount(() => window.addEventListener('popstate', onPop))
  onCleanup(() => {
    window.removeEventListener('popstate', onPop)
    dispose()
  })

  return (
    <div class="app">
      <Show when={route().page !== 'project'}>
        <header class="top">
          <a href="/" class="logo" onClick={(e) => (e.preventDefault(), go({ page: 'projects' }))}>Coder</a>
          <span class="spacer" />
          <a href="/workflows" onClick={(e) => (e.preventDefault(), go({ page: 'workflows', project: lastProject() }))}>Workflows</a>
          <a href="/runs" onClick={(e) => (e.preventDefault(), go({ page: 'runs', project: null, runId: null }))}>Runs</a>
          <button type="button" onClick={() => setShowSettings(true)}>Settings</button>
          <AccountMenu account={account} openCredits={() => go({ page: 'credits', sessionId: null })} />
        </header>
      </Show>
      <Show when={fatal()}>
        <div class="fatal" role="alert">
          {fatal()} <button type="button" onClick={() => location.reload()}>Reload</button>
        </div>
      </Show>
      <Show when={showSettings()}>
        <SettingsDialog settings={settings()} save={save} close={() => setShowSettings(false)} />
      </Show>
      <Switch>
        <Match when={route().page === 'credits' && (route() as { sessionId: string | null })}>
          {(r) => <CreditsPage account={account} sessionId={r().sessionId} />}
        </Match>
        <Match when={route().page === 'runs' && (route() as Extract<Route, { page: 'runs' }>)}>
          {(r) => <RunsPage account={account} route={{ project: r().project, runId: r().runId }} open={(to) => go({ page: 'runs', ...to })} />}
        </Match>
        <Match when={route().page === 'runner'}>
          <RunnerPage />
        </Match>
        <Match when={route().page === 'workflows' && (route() as Extract<Route, { page: 'workflows' }>)} keyed>
          {(r) => (
            <WorkflowsPage
              client={props.client}
              account={account}
              projectId={r.project}
              openRun={(id) => go({ page: 'workflow-run', id })}
              openProject={(id, open) => go({ page: 'project', id, open })}
              openWorkflows={(project) => go({ page: 'workflows', project })}
            />
          )}
        </Match>
        <Match when={route().page === 'workflow-run' && (route() as Extract<Route, { page: 'workflow-run' }>).id} keyed>
          {(id) => <RunView id={id} back={() => go({ page: 'workflows', project: lastProject() })} openAgentRun={(runId) => go({ page: 'runs', project: null, runId })} />}
        </Match>
        <Match when={route().page === 'projects' && (route() as { link?: OpenLink })}>
          {(r) => <ProjectsPage client={props.client} settings={settings()} account={account} link={r().link} open={(id, replace) => go({ page: 'project', id }, replace)} />}
        </Match>
        {/* Keyed: the page gets the id itself, never an accessor that turns stale while the page is left. */}
        <Match when={route().page === 'project' && (route() as { id: string }).id} keyed>
          {(id) => (
            <ErrorBoundary
              fallback={(error, reset) => (
                <p class="error" role="alert">
                  {(error as Error).message} <button type="button" onClick={reset}>Try again</button>{' '}
                  <button type="button" onClick={() => go({ page: 'projects' })}>Back to projects</button>
                </p>
              )}
            >
              <ProjectView
                client={props.client}
                projectId={id}
                settings={settings()}
                theme={theme()}
                account={account}
                back={() => go({ page: 'projects' })}
                openRuns={(project) => go({ page: 'runs', project, runId: null })}
                openSettings={() => setShowSettings(true)}
                openFile={(route() as Extract<Route, { page: 'project' }>).open}
                openWorkflows={() => go({ page: 'workflows', project: id })}
                openWorkflowRun={(runId) => go({ page: 'workflow-run', id: runId })}
                tabRunner={tabRunner}
              />
            </ErrorBoundary>
          )}
        </Match>
      </Switch>
    </div>
  )
}
