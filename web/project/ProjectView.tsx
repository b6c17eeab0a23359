import { For, Show, createEffect, createResource, createSignal, lazy, onCleanup, onMount } from 'solid-js'
import type { AppError } from '../../shared/errors'
import type { ProjectInfo } from '../../shared/protocol'
import type { TaskProgress } from '../../shared/runtime'
import { formatBytes } from '../format'
import type { WorkspaceClient } from '../workspace/client'
import { packageEnv, type Settings } from '../settings/settings'
import { createDialogs } from '../ui/dialogs'
import type { Account } from '../account/account'
import type { AgentGrants } from '../../shared/agent'
import { AccountMenu } from '../account/AccountMenu'
import { BranchIcon, FilesIcon, FlaskIcon, SearchIcon } from '../ui/icons'
import { createProjectRuntimes, type ProjectRuntimes } from '../runtime'
import { createDeployments, DeployIcon } from '../deploy'
import type { TerminalsApi } from '../terminal'
import { commandFor, keyLabel, type Command } from './commands'
import { EditorArea } from './EditorArea'
import { FileTree } from './FileTree'
import { createHotExitStore } from './hot-exit'
import { createLayout } from './layout'
import { Splitter } from '../ui/Splitter'
import { createProjectModel } from './model'
import type { PaletteMode } from './Palette'
import { createSession } from './session'
import { StatusBar } from './StatusBar'
import type { TestController } from './test-controller'
import type { TabRunner } from '../workflows/tab-runner'
import { workflowsApi } from '../workflows/workflows-api'
import type { FileSpot } from '../workflows/WorkflowsPage'

/** The sidebar's views, as the activity bar lists them (clicking the open one hides the sidebar). */
const VIEWS = [
  { id: 'files', label: 'Explorer', keys: 'Mod-Shift-e', icon: FilesIcon },
  { id: 'search', label: 'Search', keys: 'Mod-Shift-f', icon: SearchIcon },
  { id: 'git', label: 'Source control', keys: 'Ctrl-Shift-g', icon: BranchIcon },
  { id: 'tests', label: 'Testing', keys: 'Mod-Shift-Semicolon', icon: FlaskIcon },
  { id: 'deployments', label: 'Deployments', keys: null, icon: DeployIcon },
] as const

// Loaded when first shown: the editor and the file tree come first.
const GitPanel = lazy(() => import('./GitPanel').then((m) => ({ default: m.GitPanel })))
const SearchPanel = lazy(() => import('./SearchPanel').then((m) => ({ default: m.SearchPanel })))
const Palette = lazy(() => import('./Palette').then((m) => ({ default: m.Palette })))
const TestsPanel = lazy(() => import('./TestsPanel').then((m) => ({ default: m.TestsPanel })))
// xterm and the shell load with the panel's first showing, not with the IDE.
const PreviewPane = lazy(() => import('./PreviewPane').then((m) => ({ default: m.PreviewPane })))
const AgentPanel = lazy(() => import('../agent/AgentPanel').then((m) => ({ default: m.AgentPanel })))
const Terminals = lazy(() => import('../terminal').then((m) => ({ default: m.Terminals })))
const DeploymentsPanel = lazy(() => import('../deploy/DeploymentsPanel').then((m) => ({ default: m.DeploymentsPanel })))
const DeployDialog = lazy(() => import('../deploy/DeployDialog').then((m) => ({ default: m.DeployDialog })))
const TemplatesDialog = lazy(() => import('../workflows/TemplatesDialog').then((m) => ({ default: m.TemplatesDialog })))

/** How a file runs in the terminal (`rel`: its path as typed there), or null when it does not. */
function runLineFor(rel: string): string | null {
  const quoted = /^[\w./@+-]+$/.test(rel) ? rel : `'${rel.replace(/'/g, `'\\''`)}'`
  if (/\.(m|c)?js$|\.(m|c)?ts$/.test(rel)) return `node ${quoted}`
  if (/\.py$/.test(rel)) return `python ${quoted}`
  if (/\.wasm$/.test(rel)) return quoted.includes('/') ? quoted : `./${quoted}`
  return null
}

/** Ctrl-keys the shell's line editing uses: in the terminal they are its, not the IDE's (Ctrl-W deletes a word). */
const keptByTerminal = (e: KeyboardEvent) =>
  e.ctrlKey && !e.shiftKey && !e.altKey && !e.metaKey && 'acdekluw'.includes(e.key.toLowerCase()) && e.key.length === 1 && (e.target as Element | null)?.closest?.('.xterm') != null

interface ProjectViewProps {
  client: WorkspaceClient
  projectId: string
  settings: Settings
  theme: 'light' | 'dark'
  back(): void
  /** Opens the Runs page for this project (by its name, as its runs are recorded). */
  openRuns?(project: string): void
  openSettings(): void
  account: Account
  /** A file to open once the workbench is restored (a link from the workflows page), at a spot. */
  openFile?: FileSpot
  /** Opens the Workflows page of this project. */
  openWorkflows?(): void
  openWorkflowRun?(id: string): void
  /** The tab's workflow runner, for the status bar. */
  tabRunner?: TabRunner
}

/** One project: opens it in the workspace (or offers to take it over), then shows the workbench. */
export function ProjectView(props: ProjectViewProps) {
  const rpc = props.client.rpc
  const [takeOver, setTakeOver] = createSignal(false)
  const [info] = createResource(() => [props.projectId, takeOver()] as const, ([projectId, take]) => rpc.call('openProject', { projectId, takeOver: take }))
  // Leaving the project tells the workspace this tab is done with it. (The id is read now: props are gone at cleanup.)
  const openedId = props.projectId
  onCleanup(() => void rpc.call('closeProject', { projectId: openedId }).catch(() => undefined))
  return (
    <Show
      when={!info.error}
      fallback={
        <div class="project-error">
          <p class="error" role="alert">
            {(info.error as Error).message}{' '}
            <Show when={(info.error as AppError).code === 'BUSY'}>
              <button type="button" onClick={() => setTakeOver(true)}>Use it here</button>
            </Show>
          </p>
          <button type="button" onClick={props.back}>Back to projects</button>
        </div>
      }
    >
      {/* Not waiting for the open to answer: the tree's and the editor's first calls queue behind it in the worker. */}
      <Workbench {...props} info={info.error ? undefined : info()} />
    </Show>
  )
}

/** The workbench: activity bar, sidebar (files, search, git, testing), editor, bottom panel (terminals, agent), status bar. */
function Workbench(props: ProjectViewProps & { info: ProjectInfo | undefined }) {
  const model = createProjectModel(props.client, props.projectId, props.info ?? null)
  createEffect(() => props.info && model.setInfo(props.info))
  const dialogs = createDialogs()
  const [toast, setToast] = createSignal<{ message: string; kind: 'error' | 'info' } | null>(null)
  let toastTimer: ReturnType<typeof setTimeout> | undefined
  const notify = (message: string, kind: 'error' | 'info' = 'error') => {
    setToast({ message, kind })
    clearTimeout(toastTimer)
    toastTimer = setTimeout(() => setToast(null), kind === 'error' ? 10_000 : 4_000)
  }
  const session = createSession({
    client: props.client,
    projectId: props.projectId,
    hotExit: createHotExitStore(),
    prompts: { choose: (title, message, choices) => dialogs.choose(title, message, choices) },
    notify,
  })
  const { layout, update } = createLayout(props.projectId)
  const [palette, setPalette] = createSignal<PaletteMode | null>(null)
  const [templates, setTemplates] = createSignal(false)
  // The git panel mounts the first time it is shown (it reads branches and history), then stays.
  const [gitMounted, setGitMounted] = createSignal(false)
  createEffect(() => layout().sidebarVisible && layout().sidebar === 'git' && setGitMounted(true))
  const [searchMounted, setSearchMounted] = createSignal(false)
  createEffect(() => layout().sidebarVisible && layout().sidebar === 'search' && setSearchMounted(true))
  // The bottom panel stays mounted once shown, so terminals keep running while it is hidden.
  const [panelMounted, setPanelMounted] = createSignal(false)
  createEffect(() => layout().panelVisible && setPanelMounted(true))
  const [previewMounted, setPreviewMounted] = createSignal(false)
  createEffect(() => layout().panelVisible && layout().panel === 'preview' && setPreviewMounted(true))
  const [agentMounted, setAgentMounted] = createSignal(false)
  /** What a run may do with the project's remote: push its branch (through the edge's git proxy when the edge serves the host) and, on GitHub, open a pull request into the current branch. */
  const agentGrants = async (): Promise<AgentGrants> => {
    const info = model.info()
    if (!info?.url) return {}
    const via = (await props.account.viaEdge(info.url).catch(() => null)) ?? undefined
    const repo = await props.account.gitHubRepo(info.url).catch(() => null)
    return { push: { via }, pullRequest: repo ? { ...repo, base: info.branch ?? 'main' } : undefined }
  }
  /** Bumped by "Agent: New Task…": the panel focuses its task box each time. */
  const [agentFocus, setAgentFocus] = createSignal(0)
  createEffect(() => layout().panelVisible && layout().panel === 'agent' && setAgentMounted(true))
  const [terminalMounted, setTerminalMounted] = createSignal(false)
  createEffect(() => layout().panelVisible && layout().panel === 'terminal' && setTerminalMounted(true))

  // The project's runtimes: made when first needed (or when the browser is idle after opening), once per open
  // project. Tests run on the embedded runtime; the terminal on WebContainer when it is switched on and boots.
  let runtimes: ProjectRuntimes | null = null
  const getRuntimes = () =>
    (runtimes ??= createProjectRuntimes({
      projectId: props.projectId,
      client: props.client,
      webcontainer: props.settings.webcontainer,
      onNotice: (message) => notify(message, 'info'),
    }))
  const getRuntime = () => getRuntimes().embedded
  const registryEnv = () => packageEnv(props.settings)
  /** Long work inside a run (an install) as a status-bar task with a progress bar, until it reports its end. */
  const showTask = () => {
    let task: ReturnType<typeof model.startTask> | null = null
    return (t: TaskProgress | null) => {
      if (!t) {
        task?.end()
        task = null
        return
      }
      task ??= model.startTask(t.title)
      task.update({ phase: `${t.title}: ${t.phase}${t.total ? ` ${t.done}/${t.total}` : ''}${t.bytes ? ` · ${formatBytes(t.bytes)}` : ''}`, loaded: t.done, total: t.total })
    }
  }
  onCleanup(() => runtimes?.dispose())
  let terminals: TerminalsApi | null = null
  let onTerminals: ((api: TerminalsApi) => void) | null = null
  /** Shows the terminal panel and hands `fn` its API (once the panel's code has loaded). */
  const withTerminals = (fn: (api: TerminalsApi) => void) => {
    update({ panelVisible: true, panel: 'terminal' })
    if (terminals) fn(terminals)
    else onTerminals = fn
  }
  // The test controller (and the Testing view) load when first asked for.
  const [tests, setTests] = createSignal<TestController | null>(null)
  let testsLoading: Promise<TestController> | null = null
  const loadTests = () =>
    (testsLoading ??= import('./test-controller').then((m) => {
      const controller = m.createTestController({
        projectId: props.projectId,
        clientId: props.client.id,
        runTestsLive: (spec, onEvent, onOutput) => getRuntime().runTestsLive({ ...spec, env: registryEnv(), onTask: showTask() }, onEvent, onOutput),
        onWorkspaceEvent: (fn) => model.onEvent(fn),
      })
      if (closed) controller.dispose()
      else setTests(controller)
      return controller
    }))
  let closed = false
  onCleanup(() => {
    closed = true
    tests()?.dispose()
  })
  createEffect(() => layout().sidebarVisible && layout().sidebar === 'tests' && void loadTests())
  // The project's deployments: read when the view or the preview's selector first shows them.
  const deployments = createDeployments({
    projectId: props.projectId,
    repository: async () => {
      const url = model.info()?.url
      if (!url || props.account.state().status !== 'signed-in') return null
      const repo = await props.account.gitHubRepo(url)
      if (!repo) return null
      const name = `${repo.owner}/${repo.repo}`.toLowerCase()
      return (await workflowsApi.repos()).find((r) => r.repo.toLowerCase() === name)?.repo ?? null
    },
    project: () => model.info()?.name ?? null,
    rpc: props.client.rpc,
    runtime: () => getRuntimes().active(),
    env: registryEnv,
    onTask: showTask,
    branch: () => model.branch(),
    startTask: (label) => model.startTask(label),
    notify,
  })
  const [deploymentsMounted, setDeploymentsMounted] = createSignal(false)
  createEffect(() => layout().sidebarVisible && layout().sidebar === 'deployments' && setDeploymentsMounted(true))
  let focusSearch: (() => void) | undefined
  /** Set when search should take focus as soon as its (lazily loaded) panel is there. */
  let searchFocusPending = false
  let commitBox: HTMLDivElement | undefined

  onCleanup(model.onEvent((e) => void session.handle(e)))
  onCleanup(() => {
    session.dispose()
    model.dispose()
  })

  const showSidebar = (view: 'files' | 'search' | 'git' | 'tests' | 'deployments') => {
    update({ sidebar: view, sidebarVisible: true })
    if (view === 'search') {
      if (focusSearch) queueMicrotask(focusSearch)
      else {
        searchFocusPending = true
        // While its code loads, typing must not go on into the editor (or the tree) that had focus.
        if (document.activeElement instanceof HTMLElement) document.activeElement.blur()
      }
    }
  }

  const commands: Command[] = [
    { id: 'quickOpen', title: 'Go to File…', keys: 'Mod-p', run: () => setPalette('files') },
    { id: 'palette', title: 'Show All Commands', keys: 'Mod-Shift-p', run: () => setPalette('commands') },
    { id: 'search', title: 'Search: Find in Files', keys: 'Mod-Shift-f', run: () => showSidebar('search') },
    { id: 'explorer', title: 'View: Show Explorer', keys: 'Mod-Shift-e', run: () => showSidebar('files') },
    { id: 'scm', title: 'View: Show Source Control', keys: 'Ctrl-Shift-g', run: () => showSidebar('git') },
    { id: 'testing', title: 'View: Show Testing', keys: 'Mod-Shift-Semicolon', run: () => showSidebar('tests') },
    { id: 'runTests', title: 'Test: Run All Tests', keys: 'Mod-;', run: () => runAllTests() },
    { id: 'run', title: 'Run: Run Active File (or npm start)', keys: 'F5', run: () => runActive() },
    { id: 'runNoDebug', title: 'Run: Run Without Debugging', keys: 'Ctrl-F5', run: () => runActive() },
    { id: 'newTerminal', title: 'Terminal: New Terminal', keys: 'Ctrl-Shift-Backquote', run: () => newTerminal() },
    { id: 'terminal', title: 'View: Show Terminal', keys: 'Ctrl-Backquote', run: () => withTerminals((t) => t.focus()) },
    { id: 'sidebar', title: 'View: Toggle Sidebar', keys: 'Mod-b', run: () => update({ sidebarVisible: !layout().sidebarVisible }) },
    { id: 'panel', title: 'View: Toggle Panel', keys: 'Mod-j', run: () => update({ panelVisible: !layout().panelVisible }) },
    { id: 'agent', title: 'Agent: New Task…', run: () => (update({ panelVisible: true, panel: 'agent' }), setAgentFocus((n) => n + 1)) },
    { id: 'save', title: 'File: Save', keys: 'Mod-s', run: () => session.saveThroughEditor() },
    { id: 'saveAll', title: 'File: Save All', keys: 'Mod-Alt-s', run: () => session.saveAll() },
    { id: 'close', title: 'View: Close Editor', keys: 'Mod-w', run: () => session.close() },
    { id: 'closeAlt', title: 'View: Close Editor (when the browser keeps Ctrl+W)', keys: 'Alt-w', run: () => session.close() },
    { id: 'gotoLine', title: 'Go to Line…', run: () => session.editor()?.gotoLine() },
    { id: 'find', title: 'Find / Replace in File', run: () => session.editor()?.find() },
    { id: 'newFile', title: 'File: New File…', run: () => newFile() },
    { id: 'commit', title: 'Git: Commit…', run: () => (showSidebar('git'), queueMicrotask(() => commitBox?.querySelector('textarea')?.focus())) },
    { id: 'refresh', title: 'Git: Refresh Status', run: () => model.refresh() },
    { id: 'settings', title: 'Preferences: Open Settings', keys: 'Mod-,', run: () => props.openSettings() },
    { id: 'download', title: 'File: Download Project as .zip', run: () => download() },
    { id: 'projects', title: 'Go to Projects', run: () => props.back() },
    { id: 'runs', title: 'Agent: Show Runs', run: () => props.openRuns?.(model.info()?.name ?? props.projectId) },
    { id: 'workflows', title: 'Workflows: Open', run: () => props.openWorkflows?.() },
    { id: 'workflowTemplate', title: 'Workflows: New from Template…', run: () => setTemplates(true) },
    { id: 'deploy', title: 'Deploy: Deploy preview', run: () => deployments.openDialog() },
    { id: 'deployments', title: 'View: Show Deployments', run: () => showSidebar('deployments') },
  ]

  async function runAllTests() {
    showSidebar('tests')
    const controller = await loadTests()
    await controller.start({ kind: 'all' })
  }

  function newTerminal() {
    // The panel's first showing opens a terminal by itself.
    if (terminals) withTerminals((t) => t.create())
    else withTerminals((t) => t.focus())
  }

  /** Runs the active file in a terminal (node, python, a .wasm), or `npm start` when there is no runnable file. */
  async function runActive() {
    const path = activeFile()
    const rel = path?.startsWith('/workspace/') ? path.slice('/workspace/'.length) : null
    const line = rel === null ? null : runLineFor(rel)
    if (path && line) {
      if (session.state.tabs.find((t) => t.key === path)?.dirty) await session.save(path)
      withTerminals((t) => t.run((cwd) => (cwd === '/workspace' ? line : runLineFor(path)!)))
      return
    }
    const pkg = await props.client.rpc.call('readFile', { projectId: props.projectId, path: '/workspace/package.json' }).then(
      (bytes) => JSON.parse(new TextDecoder().decode(bytes)) as { scripts?: Record<string, string> },
      () => null,
    )
    if (pkg?.scripts?.start) withTerminals((t) => t.run('npm start'))
    else notify('Nothing to run: open a .js, .ts, .py or .wasm file, or add a "start" script to package.json.', 'info')
  }

  async function download() {
    try {
      const bytes = await model.track('Preparing download', (progress) => props.client.rpc.call('exportZip', { projectId: props.projectId }, { onProgress: progress, timeoutMs: 120_000 }))
      const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' }))
      const a = document.createElement('a')
      a.href = url
      a.download = `${(model.info()?.name ?? 'project').replace(/[^\w.-]+/g, '-')}.zip`
      a.click()
      setTimeout(() => URL.revokeObjectURL(url), 60_000)
    } catch (e) {
      notify(`Download failed: ${(e as Error).message}`)
    }
  }

  async function newFile() {
    const name = await dialogs.prompt('New file', 'Path (inside /workspace)', '', (v) => (/(^|\/)\.\.?(\/|$)/.test(v) ? 'A path cannot contain . or .. segments.' : null))
    if (!name) return
    const path = `/workspace/${name.replace(/^\/+/, '')}`
    try {
      const segments = path.split('/')
      if (segments.length > 3) await props.client.rpc.call('mkdir', { projectId: props.projectId, path: segments.slice(0, -1).join('/') })
      const out = await props.client.rpc.call('writeFile', { projectId: props.projectId, path, data: new Uint8Array(0), expect: null })
      if (!out.ok) return notify(`'${name}' already exists.`)
      await session.open(path)
    } catch (e) {
      notify((e as Error).message)
    }
  }

  const onKeyDown = (e: KeyboardEvent) => {
    if (palette() || document.querySelector('.dialog-backdrop') || keptByTerminal(e)) return
    const command = commandFor(e, commands)
    if (!command) return
    e.preventDefault()
    e.stopPropagation()
    void Promise.resolve(command.run()).catch((error: unknown) => notify((error as Error).message))
  }
  const onHide = () => void session.flush()
  const onVisibility = () => document.visibilityState === 'hidden' && onHide()
  onMount(() => {
    window.addEventListener('keydown', onKeyDown, true)
    window.addEventListener('pagehide', onHide)
    document.addEventListener('visibilitychange', onVisibility)
    void session.restore().finally(() => {
      model.start()
      const spot = props.openFile
      if (spot) void session.open(`/workspace/${spot.path.replace(/^\/+/, '')}`, spot.line ? { line: spot.line, column: spot.column } : undefined)
      // Warm the runtime once the IDE has settled (as the service worker waits): it starts its workers,
      // copies the files and starts esbuild, so the first run is quick, without slowing the opening.
      // The search panel's code too: Ctrl+Shift+F then shows it at once, so typing right away lands in its box.
      const warm = () => {
        void getRuntime().warm().catch((e: unknown) => console.warn('runtime: could not warm up', e))
        void SearchPanel.preload().catch(() => undefined)
      }
      setTimeout(() => (typeof requestIdleCallback === 'function' ? requestIdleCallback(warm, { timeout: 5000 }) : warm()), 1500)
    })
  })
  onCleanup(() => {
    window.removeEventListener('keydown', onKeyDown, true)
    window.removeEventListener('pagehide', onHide)
    document.removeEventListener('visibilitychange', onVisibility)
  })

  const editorSettings = () => ({ theme: props.theme, fontSize: props.settings.fontSize, tabSize: props.settings.tabSize })
  const activeFile = () => {
    const key = session.state.active
    return key && !key.startsWith('diff:') ? key : null
  }

  return (
    <div class="workbench" style={{ '--sidebar-width': `${layout().sidebarWidth}px`, '--panel-height': `${layout().panelHeight}px` }}>
      <header class="project-bar">
        <button type="button" class="link" onClick={props.back}>← Projects</button>
        <strong class="project-name">{model.info()?.name}</strong>
        <span class="origin hint">{model.info()?.url ?? 'local project'}</span>
        <span class="spacer" />
        <button type="button" class="small run-button" title={`Run the active file, or npm start (${keyLabel('F5')}; without debugging ${keyLabel('Ctrl-F5')})`} onClick={() => void runActive().catch((e: unknown) => notify((e as Error).message))}>
          ▶ Run
        </button>
        <button type="button" class="small" title="Download the project, its git history included, as a .zip" onClick={() => void download()}>Download .zip</button>
        <button type="button" class="small" title={`Go to File (${keyLabel('Mod-p')})`} onClick={() => setPalette('files')}>Go to file…</button>
        <button type="button" class="small" title={`Show All Commands (${keyLabel('Mod-Shift-p')})`} onClick={() => setPalette('commands')}>Commands…</button>
        <Show when={props.openRuns}>
          <button type="button" class="small" title="This project's agent runs: their events, patches, test reports and cost" onClick={() => props.openRuns!(model.info()?.name ?? props.projectId)}>Runs</button>
        </Show>
        <Show when={props.openWorkflows}>
          <button type="button" class="small" title="This project's workflows (.coder/workflows): triggers, runs, Run now" onClick={() => props.openWorkflows!()}>Workflows</button>
        </Show>
        <AccountMenu account={props.account} />
      </header>
      <div class="workbench-body" classList={{ 'no-sidebar': !layout().sidebarVisible }}>
        <nav class="activity-bar" aria-label="Views">
          <For each={VIEWS}>
            {(v) => {
              const open = () => layout().sidebarVisible && layout().sidebar === v.id
              return (
                <button type="button" aria-label={v.label} title={v.keys ? `${v.label} (${keyLabel(v.keys)})` : v.label} aria-pressed={open()} onClick={() => (open() ? update({ sidebarVisible: false }) : showSidebar(v.id))}>
                  <v.icon />
                  <Show when={v.id === 'git' && model.status().length > 0}>
                    <span class="count-badge">{model.status().length}</span>
                  </Show>
                  <Show when={v.id === 'tests' && (tests()?.counts().failed ?? 0) > 0}>
                    <span class="count-badge failed">{tests()!.counts().failed}</span>
                  </Show>
                </button>
              )
            }}
          </For>
        </nav>
        <Show when={layout().sidebarVisible}>
          <aside class="sidebar">
            <div class="sidebar-view" style={{ display: layout().sidebar === 'files' ? 'flex' : 'none' }}>
              <FileTree
                model={model}
                dialogs={dialogs}
                selected={activeFile()}
                onOpen={(path) => void session.open(path)}
                onRenamed={(from, to) => session.renamed(from, to)}
                onRemoved={(path) => session.removed(path)}
                onError={notify}
              />
            </div>
            <div class="sidebar-view" style={{ display: layout().sidebar === 'search' ? 'flex' : 'none' }}>
              <Show when={searchMounted()}>
                <SearchPanel model={model} ref={(f) => {
                    focusSearch = f
                    if (searchFocusPending) queueMicrotask(f)
                    searchFocusPending = false
                  }} onOpen={(path, at) => void session.open(path, at)} />
              </Show>
            </div>
            <div class="sidebar-view" ref={commitBox} style={{ display: layout().sidebar === 'git' ? 'flex' : 'none' }}>
              <Show when={gitMounted()}>
                <GitPanel model={model} settings={props.settings} dialogs={dialogs} account={props.account} onDiff={(path) => void session.openDiff(`/workspace/${path}`)} onOpen={(path) => void session.open(path)} openSettings={props.openSettings} />
              </Show>
            </div>
            <div class="sidebar-view" style={{ display: layout().sidebar === 'tests' ? 'flex' : 'none' }}>
              <Show when={tests()}>{(controller) => <TestsPanel controller={controller()} onOpen={(path, at) => void session.open(path, at)} />}</Show>
            </div>
            <div class="sidebar-view" style={{ display: layout().sidebar === 'deployments' ? 'flex' : 'none' }}>
              <Show when={deploymentsMounted()}>
                <DeploymentsPanel deployments={deployments} account={props.account.state()} dialogs={dialogs} />
              </Show>
            </div>
          </aside>
          <Splitter axis="x" label="Resize sidebar" size={() => layout().sidebarWidth} resize={(sidebarWidth) => update({ sidebarWidth })} />
        </Show>
        <main class="main-column">
          <EditorArea session={session} settings={editorSettings()} />
          <Show when={layout().panelVisible}>
            <Splitter axis="y" label="Resize panel" invert size={() => layout().panelHeight} resize={(panelHeight) => update({ panelHeight })} />
          </Show>
          <Show when={panelMounted()}>
            <section class="bottom-panel" aria-label="Panel" style={{ display: layout().panelVisible ? 'flex' : 'none' }}>
              <div class="panel-tabs" role="tablist">
                <button type="button" role="tab" aria-selected={layout().panel === 'terminal'} onClick={() => update({ panel: 'terminal' })}>Terminal</button>
                <button type="button" role="tab" aria-selected={layout().panel === 'preview'} onClick={() => update({ panel: 'preview' })}>Preview</button>
                <button type="button" role="tab" aria-selected={layout().panel === 'agent'} onClick={() => update({ panel: 'agent' })}>Agent</button>
                <span class="spacer" />
                <button type="button" class="small" aria-label="Close panel" onClick={() => update({ panelVisible: false })}>×</button>
              </div>
              <div class="panel-body" data-slot="terminal" style={{ display: layout().panel === 'terminal' ? 'block' : 'none' }}>
                <Show when={terminalMounted()}>
                  <Terminals
                    runtime={{
                      // npm reads its registry from npm_config_registry too: the setting reaches npm that way.
                      spawn: (command, args, options) => getRuntimes().active().spawn(command, args, { ...options, env: { ...registryEnv(), ...options?.env }, onTask: showTask() }),
                    }}
                    theme={props.theme}
                    ref={(api) => {
                      terminals = api
                      const pending = onTerminals
                      onTerminals = null
                      if (pending) queueMicrotask(() => pending(api))
                    }}
                  />
                </Show>
              </div>
              <div class="panel-body" data-slot="preview" style={{ display: layout().panel === 'preview' ? 'flex' : 'none' }}>
                <Show when={previewMounted()}>
                  <PreviewPane projectId={props.projectId} deployments={props.account.state().status === 'signed-in' ? deployments : undefined} />
                </Show>
              </div>
              <div class="panel-body" data-slot="agent" style={{ display: layout().panel === 'agent' ? 'flex' : 'none' }}>
                <Show when={agentMounted()}>
                  <AgentPanel projectId={props.projectId} projectName={model.info()?.name ?? props.projectId} env={registryEnv} author={() => props.settings.author} grants={agentGrants} remote={model.info()?.url ?? null} deployTarget={deployments.target} focusTask={agentFocus} />
                </Show>
              </div>
            </section>
          </Show>
        </main>
      </div>
      <StatusBar
        model={model}
        onBranch={() => showSidebar('git')}
        onChanges={() => showSidebar('git')}
        tests={tests() && tests()!.phase() !== 'idle' ? { passed: tests()!.counts().passed, failed: tests()!.counts().failed, running: tests()!.phase() === 'running' } : null}
        onTests={() => showSidebar('tests')}
        tabRunner={props.tabRunner}
        openWorkflowRun={props.openWorkflowRun}
      />
      <Show when={deployments.dialogOpen()}>
        <DeployDialog
          deployments={deployments}
          account={props.account.state()}
          unsaved={session.state.tabs.filter((t) => t.dirty).map((t) => t.path.replace(/^\/workspace\//, ''))}
          saveAll={() => void session.saveAll()}
          openRuns={props.openRuns && (() => (deployments.closeDialog(), props.openRuns!(model.info()?.name ?? props.projectId)))}
        />
      </Show>
      <Show when={templates()}>
        <TemplatesDialog client={props.client} projectId={props.projectId} close={() => setTemplates(false)} created={(path) => void session.open(`/workspace/${path}`)} />
      </Show>
      <Show when={palette()}>
        {(mode) => <Palette model={model} mode={mode()} commands={commands} onOpenFile={(path) => void session.open(path)} close={() => (setPalette(null), session.editor()?.focus())} />}
      </Show>
      <Show when={toast()}>
        {(t) => (
          <div class={`toast ${t().kind}`} role={t().kind === 'error' ? 'alert' : 'status'}>
            {t().message} <button type="button" class="small" aria-label="Dismiss" onClick={() => setToast(null)}>×</button>
          </div>
        )}
      </Show>
      <dialogs.Dialogs />
    </div>
  )
}
