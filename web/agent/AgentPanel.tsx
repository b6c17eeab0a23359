import { For, Show, createEffect, createSignal, onCleanup, onMount, type Accessor } from 'solid-js'
import type { AgentEvent, AgentGrants, ReviewFile } from '../../shared/agent'
import { outputFolderProblem } from '../../shared/deploy/output'
import type { ModelInfo } from '../../shared/models'
import { guessDeploySettings } from '../deploy'
import { createAgentClient, type AgentClient } from './agent-client'
import { applyEvent, emptyFeed, formatCredits, parseBudget, type BudgetForm, type FeedState } from './feed'
import { FeedRow } from './FeedList'
import './AgentPanel.css'

const BUDGET_KEY = 'coder.agent.budget'
const MODEL_KEY = 'coder.agent.model'
const taskKey = (projectId: string) => `coder.agent.task.${projectId}`
const PUBLISH_KEY = 'coder.agent.publish'
const DEPLOY_KEY = 'coder.agent.deploy'
const previewKey = (projectId: string) => `coder.agent.preview.${projectId}`
const DEFAULT_BUDGET: BudgetForm = { credits: '1', turns: '30', minutes: '15' }

/** A checkbox's state kept in localStorage under `key` ('on' / 'off'), `fallback` until chosen. */
function rememberedChoice(key: string, fallback: boolean): [Accessor<boolean>, (on: boolean) => void] {
  const stored = localStorage.getItem(key)
  const [value, setValue] = createSignal(stored === null ? fallback : stored === 'on')
  return [value, (on) => (setValue(on), localStorage.setItem(key, on ? 'on' : 'off'))]
}

/** How a run's preview is built and what it publishes: a shell line (empty: no build) and a workspace folder (empty: the project root). */
interface PreviewForm {
  build: string
  output: string
  /** Only signed links open it (the pull request says so). */
  private: boolean
}

/** The preview form as last edited for `projectId`, or null when it never was (then it is guessed from package.json). */
function readPreview(projectId: string): PreviewForm | null {
  try {
    const saved = JSON.parse(localStorage.getItem(previewKey(projectId)) ?? 'null') as Partial<PreviewForm> | null
    return saved && typeof saved.build === 'string' && typeof saved.output === 'string' ? { build: saved.build, output: saved.output, private: saved.private === true } : null
  } catch {
    return null
  }
}

function readBudget(): BudgetForm {
  try {
    return { ...DEFAULT_BUDGET, ...(JSON.parse(localStorage.getItem(BUDGET_KEY) ?? '{}') as Partial<BudgetForm>) }
  } catch {
    return DEFAULT_BUDGET
  }
}

/**
 * The Agent panel: hand MechaCoder a task with a budget, watch its feed live (text as it streams,
 * tool calls with their results, edits as small diffs, budget warnings), stop it, and see why it
 * stopped and what it cost.
 */
export function AgentPanel(props: {
  projectId: string
  projectName: string
  /** Environment for the run's commands (the registry and index chosen in Settings). */
  env?: () => Record<string, string>
  /** What the run may do with the project's remote when the user allows it (push, pull request). */
  grants?: () => Promise<AgentGrants>
  /** The project's remote, when it has one. */
  remote?: string | null
  /** Where the run's preview deploys (as the Deployments view does): the connected repository, or this project. */
  deployTarget?: () => Promise<{ project: string; repo?: string }>
  /** The author of the run's commits (Settings). */
  author?: () => { name: string; email: string }
  /** Focuses the task box whenever it changes (and on mount when above 0). */
  focusTask?: () => number
  client?: AgentClient
}) {
  const client = props.client ?? createAgentClient()
  onCleanup(() => client.dispose())
  const [task, setTask] = createSignal(localStorage.getItem(taskKey(props.projectId)) ?? '')
  const [budget, setBudget] = createSignal<BudgetForm>(readBudget())
  const [models, setModels] = createSignal<ModelInfo[]>([])
  const [providerLabel, setProviderLabel] = createSignal('')
  const [model, setModel] = createSignal(localStorage.getItem(MODEL_KEY) ?? '')
  const [modelsError, setModelsError] = createSignal<string | null>(null)
  const [error, setError] = createSignal<string | null>(null)
  const [feed, setFeed] = createSignal<FeedState>(emptyFeed())
  /** The last run's changes, for review: its id and files, until applied or discarded. */
  const [review, setReview] = createSignal<{ runId: string; files: ReviewFile[]; rejected: ReadonlySet<string>; applied: string[] } | null>(null)
  const [publish, setPublish] = rememberedChoice(PUBLISH_KEY, true)
  const [deploy, setDeploy] = rememberedChoice(DEPLOY_KEY, false)
  const [preview, setPreview] = createSignal<PreviewForm | null>(readPreview(props.projectId))
  /** Fills the preview form when it was never edited for this project: guessed from its package.json (`npm run build` into dist when it has a build script, else no build and the project root). */
  let previewLoaded: Promise<void> | null = null
  const loadPreview = () =>
    (previewLoaded ??= (async () => {
      if (preview()) return
      const guess = guessDeploySettings(await client.packageJson(props.projectId).catch(() => null))
      // Unless the user typed meanwhile.
      if (!preview()) setPreview({ build: guess.buildCommand, output: guess.outputFolder, private: false })
    })())
  createEffect(() => deploy() && void loadPreview())
  let runId: string | null = null
  /** The last run started here, for its record on the Runs page. */
  const [lastRun, setLastRun] = createSignal<string | null>(null)
  let feedList: HTMLOListElement | undefined
  let taskBox: HTMLTextAreaElement | undefined
  createEffect(() => (props.focusTask?.() ?? 0) > 0 && queueMicrotask(() => taskBox?.focus()))

  const loadModels = async (): Promise<void> => {
    setModelsError(null)
    try {
      const found = await client.models()
      setProviderLabel(found.label)
      setModels(found.models)
      if (!found.models.some((m) => m.id === model()) && found.models[0]) setModel(found.models[0].id)
    } catch (e) {
      setModelsError((e as Error).message)
    }
  }
  let modelsLoaded: Promise<void> = Promise.resolve()
  onMount(() => void (modelsLoaded = loadModels()))

  const saveTask = (text: string) => {
    setTask(text)
    localStorage.setItem(taskKey(props.projectId), text)
  }
  const updatePreview = (patch: Partial<PreviewForm>) => {
    const next: PreviewForm = { build: '', output: '', private: false, ...preview(), ...patch }
    setPreview(next)
    localStorage.setItem(previewKey(props.projectId), JSON.stringify(next))
  }
  const updateBudget = (patch: Partial<BudgetForm>) => {
    const next = { ...budget(), ...patch }
    setBudget(next)
    localStorage.setItem(BUDGET_KEY, JSON.stringify(next))
  }

  const start = async () => {
    if (feed().running) return
    setError(null)
    const parsed = parseBudget(budget())
    if ('error' in parsed) return setError(parsed.error)
    if (!task().trim()) return setError('Describe the task first.')
    // A start pressed while the models are still being listed waits for the list (it picks the default model).
    if (!model().trim()) await modelsLoaded
    if (!model().trim()) return setError(modelsError() ? `No model to use: ${modelsError()}` : 'Choose a model first.')
    if (deploy()) await loadPreview()
    const previewForm = deploy() ? preview() : null
    const folderProblem = previewForm && outputFolderProblem(previewForm.output)
    if (folderProblem) return setError(`The preview's output folder: ${folderProblem}.`)
    localStorage.setItem(MODEL_KEY, model())
    runId = crypto.randomUUID()
    setLastRun(runId)
    setFeed({ ...emptyFeed(), running: true })
    const onEvent = (event: AgentEvent) => {
      setFeed((f) => applyEvent(f, event))
      queueMicrotask(() => feedList?.lastElementChild?.scrollIntoView({ block: 'nearest' }))
    }
    try {
      const remote = publish() && props.remote && props.grants ? await props.grants() : {}
      // The preview is published when the run's tests passed and its commit is made (the agent worker keeps that rule).
      const target = previewForm ? ((await props.deployTarget?.().catch(() => null)) ?? { project: props.projectId }) : null
      const grants: AgentGrants = { ...remote, ...(previewForm && target ? { deployPreview: { ...target, build: previewForm.build.trim(), output: previewForm.output.trim(), visibility: previewForm.private ? 'private' : 'public' } } : {}) }
      const previous = review()
      if (previous) void client.discard(previous.runId)
      setReview(null)
      const result = await client.run({ projectId: props.projectId, projectName: props.projectName, task: task(), model: model(), budget: parsed.budget, env: props.env?.(), author: props.author?.(), grants, runId }, onEvent)
      const files = await client.review(result.runId)
      if (files.length) setReview({ runId: result.runId, files, rejected: new Set(), applied: [] })
    } catch (e) {
      setError((e as Error).message)
      setFeed((f) => ({ ...f, running: false }))
    } finally {
      runId = null
    }
  }
  const toggleFile = (path: string) =>
    setReview((r) => {
      if (!r) return r
      const rejected = new Set(r.rejected)
      if (!rejected.delete(path)) rejected.add(path)
      return { ...r, rejected }
    })
  const applyReview = async () => {
    const r = review()
    if (!r) return
    const paths = r.files.map((f) => f.path).filter((p) => !r.rejected.has(p) && !r.applied.includes(p))
    setError(null)
    try {
      const applied = await client.accept(r.runId, paths)
      setReview({ ...r, applied: [...r.applied, ...applied] })
    } catch (e) {
      setError(`Applying the changes failed: ${(e as Error).message}`)
    }
  }
  const discardReview = () => {
    const r = review()
    if (r) void client.discard(r.runId)
    setReview(null)
  }
  const stop = () => runId && void client.stop(runId).catch((e: Error) => setError(e.message))

  const usageLine = () => {
    const u = feed().usage
    if (!u) return feed().running ? 'Starting…' : ''
    const tokens = (u.inputTokens + u.outputTokens).toLocaleString('en')
    return `${u.turns} call${u.turns === 1 ? '' : 's'} · ${tokens} tokens · ${formatCredits(u.costMicros)} credits · ${Math.round(u.elapsedMs / 1000)} s`
  }

  return (
    <div class="agent-panel">
      <form
        class="agent-task"
        onSubmit={(e) => {
          e.preventDefault()
          void start()
        }}
      >
        <textarea
          ref={taskBox}
          aria-label="Task"
          placeholder="Describe a task for MechaCoder, e.g. “Make the failing test in src/add.test.js pass”. Ctrl+Enter starts."
          value={task()}
          onInput={(e) => saveTask(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault()
              void start()
            }
          }}
        />
        <div class="agent-controls">
          <label>
            Model
            <Show when={models().length} fallback={<input aria-label="Model" value={model()} onInput={(e) => setModel(e.currentTarget.value)} placeholder="model id" />}>
              <select aria-label="Model" value={model()} onChange={(e) => setModel(e.currentTarget.value)}>
                <For each={models()}>{(m) => <option value={m.id}>{m.id}</option>}</For>
              </select>
            </Show>
          </label>
          <label title="Credits this run may spend (blank: no limit)">
            Credits <input aria-label="Budget in credits" inputMode="decimal" size={6} value={budget().credits} onInput={(e) => updateBudget({ credits: e.currentTarget.value })} />
          </label>
          <label title="Model calls this run may make (blank: no limit)">
            Calls <input aria-label="Budget in model calls" inputMode="numeric" size={4} value={budget().turns} onInput={(e) => updateBudget({ turns: e.currentTarget.value })} />
          </label>
          <label title="Minutes this run may take (blank: no limit)">
            Minutes <input aria-label="Budget in minutes" inputMode="decimal" size={4} value={budget().minutes} onInput={(e) => updateBudget({ minutes: e.currentTarget.value })} />
          </label>
          <Show when={props.remote}>
            <label title="When the tests pass: push the run's coder/… branch and open a pull request (on GitHub)">
              <input
                type="checkbox"
                checked={publish()}
                onChange={(e) => setPublish(e.currentTarget.checked)}
              />
              Push and open a pull request
            </label>
          </Show>
          <label title="When the tests pass and the commit is made: build the project and publish it as a preview at a shareable link">
            <input
              type="checkbox"
              checked={deploy()}
              onChange={(e) => setDeploy(e.currentTarget.checked)}
            />
            Deploy a preview
          </label>
          <span class="spacer" />
          <Show when={feed().running} fallback={<button type="submit" class="primary">Start</button>}>
            <button type="button" class="danger" onClick={stop}>Stop</button>
          </Show>
        </div>
        <Show when={deploy() && preview()}>
          {(p) => (
            <details class="agent-preview">
              <summary>
                Preview: {p().build.trim() ? <code>{p().build.trim()}</code> : 'no build'}, then publish <code>{p().output.trim() || 'the project root'}</code> {p().private ? '(private: signed links only)' : '(public: anyone with the link)'}
              </summary>
              <div class="agent-controls">
                <label title="A shell line run on the agent's runtime before publishing (blank: no build)">
                  Build command <input aria-label="Build command" size={18} placeholder="none" value={p().build} onInput={(e) => updatePreview({ build: e.currentTarget.value })} />
                </label>
                <label title="The workspace folder published (blank: the project root)">
                  Output folder <input aria-label="Output folder" size={10} placeholder="project root" value={p().output} onInput={(e) => updatePreview({ output: e.currentTarget.value })} />
                </label>
                <label title="Only signed links open a private preview; share one from the Deployments view">
                  <input type="checkbox" checked={p().private} onChange={(e) => updatePreview({ private: e.currentTarget.checked })} /> Private
                </label>
              </div>
            </details>
          )}
        </Show>
        <Show when={providerLabel() || modelsError()}>
          <p class="agent-provider" classList={{ error: !!modelsError() }}>
            {modelsError() ? `Models could not be listed: ${modelsError()}` : `Models from ${providerLabel()}`}
            <Show when={modelsError()}>
              {' '}
              <button type="button" class="link" onClick={() => void (modelsLoaded = loadModels())}>Retry</button>
            </Show>
          </p>
        </Show>
        <Show when={error()}>
          <p class="agent-error" role="alert">{error()}</p>
        </Show>
      </form>
      <div class="agent-usage-row">
        <div class="agent-usage" aria-live="polite" data-testid="agent-usage">{usageLine()}</div>
        <Show when={lastRun() && !feed().running}>
          <a class="agent-run-link" href={`/runs/${lastRun()}`} target="_blank" rel="noopener" title="Its record, as other devices see it (opens in a new tab)">
            Run record
          </a>
        </Show>
      </div>
      <ol class="agent-feed" aria-label="Agent feed" ref={feedList}>
        <For each={feed().items}>{(item) => <FeedRow item={item} />}</For>
      </ol>
      <Show when={review()}>
        {(r) => (
          <section class="agent-review" aria-label="Review changes">
            <header>
              <strong>
                {r().files.length} changed file{r().files.length === 1 ? '' : 's'}
              </strong>{' '}
              — the run’s changes are in its own copy; apply the ones you accept to your workspace.
              <span class="spacer" />
              <button type="button" class="primary" disabled={r().files.every((f) => r().rejected.has(f.path) || r().applied.includes(f.path))} onClick={() => void applyReview()}>
                Apply accepted
              </button>
              <button type="button" onClick={discardReview}>{r().applied.length ? 'Done' : 'Discard'}</button>
            </header>
            <For each={r().files}>
              {(file) => (
                <details class="review-file" open={r().files.length <= 5}>
                  <summary>
                    <input type="checkbox" aria-label={`Accept ${file.path}`} checked={!r().rejected.has(file.path)} disabled={r().applied.includes(file.path)} onClick={(e) => e.stopPropagation()} onChange={() => toggleFile(file.path)} />
                    <span class={`change ${file.kind}`}>{file.kind === 'added' ? 'A' : file.kind === 'deleted' ? 'D' : 'M'}</span> {file.path}
                    <Show when={r().applied.includes(file.path)}>
                      <span class="applied"> applied</span>
                    </Show>
                  </summary>
                  <Show when={!file.binary} fallback={<p class="hint">Binary file</p>}>
                    <pre class="review-diff">
                      <For each={file.patch.replace(/\n$/, '').split('\n').slice(2)}>
                        {(line) => <span class={line.startsWith('+') ? 'added' : line.startsWith('-') ? 'removed' : line.startsWith('@@') ? 'hunk' : ''}>{line + '\n'}</span>}
                      </For>
                    </pre>
                  </Show>
                </details>
              )}
            </For>
          </section>
        )}
      </Show>
    </div>
  )
}
