import { ErrorBoundary, Match, Show, Switch, createSignal, onCleanup, onMount } from 'solid-js'
import type { WorkspaceClient } from './workspace/client'
import { createSettings } from './settings/settings'
import { ProjectsPage } from './projects/ProjectsPage'
import { ProjectView } from './project/ProjectView'
import { SettingsDialog } from './settings/SettingsDialog'

type Route = { page: 'projects' } | { page: 'project'; id: string }

function parse(pathname: string): Route {
  const m = /^\/p\/([\w-]+)\/?$/.exec(pathname)
  return m ? { page: 'project', id: m[1] } : { page: 'projects' }
}

/** The shell: routes between the projects page and a project, shows worker death. */
export function App(props: { client: WorkspaceClient }) {
  const [route, setRoute] = createSignal<Route>(parse(location.pathname))
  const [fatal, setFatal] = createSignal<string | null>(null)
  const [showSettings, setShowSettings] = createSignal(false)
  const { settings, save } = createSettings()
  props.client.onDeath((e) => setFatal(e.message))

  const go = (r: Route) => {
    history.pushState(null, '', r.page === 'project' ? `/p/${r.id}` : '/')
    setRoute(r)
  }
  const onPop = () => setRoute(parse(location.pathname))
  onMount(() => window.addEventListener('popstate', onPop))
  onCleanup(() => window.removeEventListener('popstate', onPop))

  return (
    <div class="app">
      <header class="top">
        <a href="/" class="logo" onClick={(e) => (e.preventDefault(), go({ page: 'projects' }))}>Coder</a>
        <span class="spacer" />
        <button type="button" onClick={() => setShowSettings(true)}>Settings</button>
      </header>
      <Show when={fatal()}>
        <div class="fatal" role="alert">
          {fatal()} <button type="button" onClick={() => location.reload()}>Reload</button>
        </div>
      </Show>
      <Show when={showSettings()}>
        <SettingsDialog settings={settings()} save={save} close={() => setShowSettings(false)} />
      </Show>
      <Switch>
        <Match when={route().page === 'projects'}>
          <ProjectsPage client={props.client} settings={settings()} open={(id) => go({ page: 'project', id })} />
        </Match>
        <Match when={route().page === 'project' && (route() as { id: string }).id}>
          {(id) => (
            <ErrorBoundary
              fallback={(error, reset) => (
                <p class="error" role="alert">
                  {(error as Error).message} <button type="button" onClick={reset}>Try again</button>{' '}
                  <button type="button" onClick={() => go({ page: 'projects' })}>Back to projects</button>
                </p>
              )}
            >
              <ProjectView client={props.client} projectId={id()} settings={settings()} back={() => go({ page: 'projects' })} />
            </ErrorBoundary>
          )}
        </Match>
      </Switch>
    </div>
  )
}
