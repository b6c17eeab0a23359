/**
 * A project's deployments as the IDE shows them: the list and the production alias read from the
 * edge, the actions on them, and the deploy in progress (one at a time) with its stage, progress,
 * log and outcome. One per open project, shared by the Deployments view, the deploy dialog and the
 * preview pane; the deploy goes on while the dialog is closed.
 */
import { batch, createSignal, getOwner, onCleanup, type Accessor } from 'solid-js'
import type { Deployment, DeploymentLink, ProductionState } from '../../shared/deploy'
import type { DeployProgress } from '../../shared/deploy/upload'
import type { Progress, WorkspaceApi } from '../../shared/protocol'
import type { RpcClient } from '../../shared/rpc'
import type { Runtime, TaskProgress } from '../../shared/runtime'
import { DeployApiError, deploymentsApi, edgeFetch } from './api'
import { runDeploy, type DeployOutcome, type DeployStage } from './deploy'
import { createDeployRecorder } from './recorder'
import { guessDeploySettings, rememberDeploySettings, rememberedDeploySettings, type DeploySettings } from './settings'
import { workspaceFiles } from './workspace-files'

/** The deploy on screen: running, or its outcome. */
export interface DeployRun {
  settings: DeploySettings
  stage: DeployStage | null
  progress: DeployProgress | null
  outcome: DeployOutcome | null
}

export interface DeploymentsOptions {
  projectId: string
  /**
   * `owner/name` of the connected GitHub repository the project was imported from, when the user
   * is a member of it; null otherwise (or when it cannot be told: signed out, offline).
   */
  repository(): Promise<string | null>
  /** The project as deployments and runs name it (its name); null until the project has opened. */
  project(): string | null
  rpc: RpcClient<WorkspaceApi>
  /** The runtime commands run on now. */
  runtime(): Pick<Runtime, 'spawn'>
  /** The build's extra environment (the package registry). */
  env(): Record<string, string>
  /** A fresh reporter of install progress, for the status bar. */
  onTask(): (task: TaskProgress | null) => void
  /** The checked-out branch, if known. */
  branch(): string | null
  /** Shows a background task in the status bar. */
  startTask(label: string): { update(progress: Progress): void; end(): void }
  /** A message for the user when the dialog is not there to show it. */
  notify(message: string, kind?: 'error' | 'info'): void
}

export interface Deployments {
  /** The project's name as deployments know it, once known. */
  project(): string | null
  /** The connected repository whose deployments these are (shared with its members and its workflows' previews), or null: the project's own. */
  shared: Accessor<string | null>
  /** Where a deploy of this project goes now (the agent's previews too): the connected repository, or the project's id. */
  target(): Promise<{ project: string; repo?: string }>
  list: Accessor<Deployment[]>
  production: Accessor<ProductionState | null>
  /** Why the list could not be read (signed out, offline, the edge's message), or null. */
  error: Accessor<DeployApiError | null>
  loading: Accessor<boolean>
  /** Reads the list and the production alias again. */
  refresh(): Promise<void>
  /** Deletes a deployment; rejects with the edge's reason (production cannot be deleted). */
  remove(id: string): Promise<void>
  promote(id: string): Promise<void>
  rollback(): Promise<void>
  /** A signed link to a deployment (for private ones), valid for a day. */
  link(id: string): Promise<DeploymentLink>
  /** The deploy running or last finished, or null. */
  current: Accessor<DeployRun | null>
  /** The build log so far. */
  log: Accessor<string>
  running: Accessor<boolean>
  /** The settings the dialog starts with: remembered for this project, or guessed from package.json. */
  settings(): Promise<DeploySettings>
  /** Starts a deploy (refused while one runs); resolves with its outcome. */
  deploy(settings: DeploySettings): Promise<DeployOutcome>
  cancel(): void
  dialogOpen: Accessor<boolean>
  openDialog(): void
  closeDialog(): void
  /** Keeps `settings` as this project's (the dialog's edits, also when it closes without deploying). */
  remember(settings: DeploySettings): void
}

/** The longest log the dialog keeps on screen (its end); the run's record keeps more. */
const MAX_SHOWN_LOG = 200_000

/** Each stage as the status bar names it. */
const stageLabel: Record<DeployStage, string> = { build: 'Building', collect: 'Collecting files', upload: 'Uploading' }

export function createDeployments(options: DeploymentsOptions): Deployments {
  const [list, setList] = createSignal<Deployment[]>([])
  const [production, setProduction] = createSignal<ProductionState | null>(null)
  const [error, setError] = createSignal<DeployApiError | null>(null)
  const [loading, setLoading] = createSignal(false)
  const [current, setCurrent] = createSignal<DeployRun | null>(null)
  const [log, setLog] = createSignal('')
  const [running, setRunning] = createSignal(false)
  const [dialogOpen, setDialogOpen] = createSignal(false)
  let controller: AbortController | null = null
  let reads = 0
  // The project's view going away (another project, another page) takes its runtime along: a deploy
  // still running is cancelled then (its record says so), never left to fail or publish unseen.
  if (getOwner()) onCleanup(() => controller?.abort())

  const asApiError = (e: unknown) => (e instanceof DeployApiError ? e : new DeployApiError('server', e instanceof Error ? e.message : String(e)))
  const [shared, setShared] = createSignal<string | null>(null)
  /**
   * Whose deployments and production alias these are: the connected repository's, shared with its
   * members and its workflows' previews; else the project's own, keyed by its id, never its name
   * (names repeat). Asked again at each read and deploy: the repository may be connected meanwhile.
   */
  let key = options.projectId
  async function scope(): Promise<{ project: string; repo?: string }> {
    const repo = await options.repository().catch(() => null)
    setShared(repo)
    key = repo ?? options.projectId
    return repo ? { project: repo, repo } : { project: options.projectId }
  }

  /** Reads the list and production; of two reads at once, only the later one's answer is shown. */
  async function refresh() {
    const n = ++reads
    setLoading(true)
    try {
      const { project } = await scope()
      const [page, prod] = await Promise.all([deploymentsApi.list(project), deploymentsApi.production(project)])
      if (n !== reads) return
      batch(() => {
        setList(page.deployments)
        setProduction(prod)
        setError(null)
      })
    } catch (e) {
      if (n === reads) setError(asApiError(e))
    } finally {
      if (n === reads) setLoading(false)
    }
  }

  async function commitOf(): Promise<string | null> {
    try {
      const [head] = await options.rpc.call('log', { projectId: options.projectId, depth: 1 })
      return head?.oid ?? null
    } catch {
      // No history (a new local project): the deployment names no commit.
      return null
    }
  }

  async function deploy(settings: DeploySettings): Promise<DeployOutcome> {
    if (running()) throw new Error('A deploy is running already')
    const project = options.project()
    if (!project) {
      const outcome: DeployOutcome = { status: 'failed', stage: 'build', message: 'The project is still opening; deploy once it has.', runId: '' }
      setCurrent({ settings, stage: null, progress: null, outcome })
      return outcome
    }
    rememberDeploySettings(options.projectId, settings)
    controller = new AbortController()
    const signal = controller.signal
    batch(() => {
      setRunning(true)
      setLog('')
      setCurrent({ settings, stage: null, progress: null, outcome: null })
    })
    const task = options.startTask('Deploying preview')
    const patch = (fields: Partial<DeployRun>) => setCurrent((c) => (c ? { ...c, ...fields } : c))
    let outcome: DeployOutcome
    try {
      const [commit, target] = await Promise.all([commitOf(), scope()])
      outcome = await runDeploy({
        ...target,
        projectName: project,
        settings,
        git: { branch: options.branch(), commit },
        runtime: options.runtime(),
        env: options.env(),
        onTask: options.onTask(),
        files: workspaceFiles(options.rpc, options.projectId),
        api: edgeFetch,
        recorder: createDeployRecorder(),
        signal,
        onEvent(event) {
          switch (event.type) {
            case 'stage':
              patch({ stage: event.stage, progress: null })
              task.update({ phase: `Deploy: ${stageLabel[event.stage]}`, loaded: 0, total: 0 })
              break
            case 'output':
              setLog((l) => (l + event.text).slice(-MAX_SHOWN_LOG))
              break
            case 'progress':
              patch({ progress: event.progress })
              task.update({ phase: `Deploy: ${event.progress.phase}`, loaded: event.progress.done, total: event.progress.total })
              break
            default:
              unreachable(event)
          }
        },
      })
    } catch (e) {
      // runDeploy returns its failures; this is a fault of the IDE itself, said as plainly.
      const message = `The deploy stopped: ${e instanceof Error ? e.message : String(e)}`
      outcome = { status: 'failed', stage: current()?.stage ?? 'build', message, runId: '' }
      setLog((l) => `${l}${message}\n`)
    } finally {
      task.end()
      controller = null
    }
    batch(() => {
      patch({ outcome })
      setRunning(false)
    })
    if (outcome.status === 'succeeded') {
      void refresh()
      if (!dialogOpen()) options.notify(`Deployment ${outcome.result.deployment.id.slice(0, 8)} is ready (${outcome.summary}).`, 'info')
    } else if (outcome.status === 'failed' && !dialogOpen()) {
      options.notify(outcome.message)
    }
    return outcome
  }

  async function settings(): Promise<DeploySettings> {
    const remembered = rememberedDeploySettings(options.projectId)
    if (remembered) return remembered
    const pkg = await options.rpc.call('readFile', { projectId: options.projectId, path: '/workspace/package.json' }).then(
      (bytes) => new TextDecoder().decode(bytes),
      () => null,
    )
    return guessDeploySettings(pkg)
  }

  /** Runs an action (its answer, when it is the new production state, shown at once), then reads the list again. */
  const act = async (work: () => Promise<unknown>) => {
    const answer = await work()
    if (answer && typeof answer === 'object' && 'history' in answer) setProduction(answer as ProductionState)
    await refresh()
  }

  return {
    project: () => options.project(),
    shared,
    target: scope,
    list,
    production,
    error,
    loading,
    refresh,
    remove: (id) => act(() => deploymentsApi.remove(id)),
    promote: (id) => act(() => deploymentsApi.promote(key, id)),
    rollback: () => act(() => deploymentsApi.rollback(key)),
    link: (id) => deploymentsApi.link(id),
    current,
    log,
    running,
    settings,
    deploy,
    cancel: () => controller?.abort(),
    dialogOpen,
    openDialog() {
      // A finished deploy's outcome was shown (or notified); the dialog opens on the form again.
      if (!running())
        batch(() => {
          setCurrent(null)
          setLog('')
        })
      setDialogOpen(true)
    },
    closeDialog: () => setDialogOpen(false),
    remember: (settings) => rememberDeploySettings(options.projectId, settings),
  }
}

function unreachable(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`)
}
