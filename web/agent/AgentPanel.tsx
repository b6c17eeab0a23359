import { For, Match, Show, Switch, createEffect, createSignal, onCleanup, onMount } from 'solid-js'
import type { AgentEvent } from '../../shared/agent'
import type { ModelInfo } from '../../shared/models'
import { createAgentClient, type AgentClient } from './agent-client'
import { applyEvent, describeInput, emptyFeed, formatCredits, parseBudget, type BudgetForm, type FeedItem, type FeedState } from './feed'
import './AgentPanel.css'

const BUDGET_KEY = 'coder.agent.budget'
const MODEL_KEY = 'coder.agent.model'
const taskKey = (projectId: string) => `coder.agent.task.${projectId}`
const DEFAULT_BUDGET: BudgetForm = { credits: '1', turns: '30', minutes: '15' }

const REASONS: Record<string, string> = { finished: 'Finished', failed: 'Failed: tests', user: 'Stopped', budget: 'Stopped by the budget', stuck: 'Stopped: stuck', error: 'Failed', no_action: 'Stopped: no action' }

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
  let runId: string | null = null
  let feedList: HTMLOListElement | undefined
  let taskBox: HTMLTextAreaElement | undefined
  createEffect(() => (props.focusTask?.() ?? 0) > 0 && queueMicrotask(() => taskBox?.focus()))

  const loadModels = async () => {
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
  onMount(() => void loadModels())

  const saveTask = (text: string) => {
    setTask(text)
    localStorage.setItem(taskKey(props.projectId), text)
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
    if (!model().trim()) return setError(modelsError() ? `No model to use: ${modelsError()}` : 'Choose a model first.')
    localStorage.setItem(MODEL_KEY, model())
    runId = crypto.randomUUID()
    setFeed({ ...emptyFeed(), running: true })
    const onEvent = (event: AgentEvent) => {
      setFeed((f) => applyEvent(f, event))
      queueMicrotask(() => feedList?.lastElementChild?.scrollIntoView({ block: 'nearest' }))
    }
    try {
      await client.run({ projectId: props.projectId, projectName: props.projectName, task: task(), model: model(), budget: parsed.budget, env: props.env?.(), author: props.author?.(), runId }, onEvent)
    } catch (e) {
      setError((e as Error).message)
      setFeed((f) => ({ ...f, running: false }))
    } finally {
      runId = null
    }
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
          <span class="spacer" />
          <Show when={feed().running} fallback={<button type="submit" class="primary">Start</button>}>
            <button type="button" class="danger" onClick={stop}>Stop</button>
          </Show>
        </div>
        <Show when={providerLabel() || modelsError()}>
          <p class="agent-provider" classList={{ error: !!modelsError() }}>
            {modelsError() ? `Models could not be listed: ${modelsError()}` : `Models from ${providerLabel()}`}
            <Show when={modelsError()}>
              {' '}
              <button type="button" class="link" onClick={() => void loadModels()}>Retry</button>
            </Show>
          </p>
        </Show>
        <Show when={error()}>
          <p class="agent-error" role="alert">{error()}</p>
        </Show>
      </form>
      <div class="agent-usage" aria-live="polite" data-testid="agent-usage">{usageLine()}</div>
      <ol class="agent-feed" aria-label="Agent feed" ref={feedList}>
        <For each={feed().items}>{(item) => <FeedRow item={item} />}</For>
      </ol>
    </div>
  )
}

function FeedRow(props: { item: FeedItem }) {
  return (
    <Switch>
      <Match when={props.item.kind === 'text' && (props.item as Extract<FeedItem, { kind: 'text' }>)}>{(item) => <li class="feed-text">{item().text}</li>}</Match>
      <Match when={props.item.kind === 'tool' && (props.item as Extract<FeedItem, { kind: 'tool' }>)}>
        {(item) => (
          <li class="feed-tool" classList={{ failed: item().result?.ok === false, running: !item().result }}>
            <details>
              <summary>
                <span class="tool-status" aria-label={!item().result ? 'running' : item().result!.ok ? 'done' : 'failed'}>{!item().result ? '◌' : item().result!.ok ? '✓' : '✗'}</span>
                <span class="tool-name">{item().name}</span> <span class="tool-input">{describeInput(item().input)}</span>
                <Show when={item().durationMs !== null}>
                  <span class="tool-time">{item().durationMs} ms</span>
                </Show>
              </summary>
              <Show when={item().name === 'edit_file' && (item().input as { search?: string; replace?: string })}>
                {(edit) => (
                  <pre class="tool-diff">
                    <For each={String(edit().search ?? '').split('\n')}>{(l) => <span class="removed">- {l}{'\n'}</span>}</For>
                    <For each={String(edit().replace ?? '').split('\n')}>{(l) => <span class="added">+ {l}{'\n'}</span>}</For>
                  </pre>
                )}
              </Show>
              <Show when={item().result}>{(r) => <pre class="tool-output">{r().output}</pre>}</Show>
            </details>
            <Show when={item().result?.ok === false}>
              <p class="tool-error">{item().result!.output.split('\n')[0]}</p>
            </Show>
          </li>
        )}
      </Match>
      <Match when={props.item.kind === 'tests' && (props.item as Extract<FeedItem, { kind: 'tests' }>)}>
        {(item) => (
          <li class="feed-tests" classList={{ failed: item().report.failed > 0 }} role="status">
            <span class="badge passed">{item().report.passed} passed</span>
            <Show when={item().report.failed}>
              <span class="badge failed">{item().report.failed} failed</span>
            </Show>
            <span class="tests-command">{item().report.command}</span>
            <Show when={item().report.failures.length}>
              <ul class="tests-failures">
                <For each={item().report.failures}>{(f) => <li>✗ {f}</li>}</For>
              </ul>
            </Show>
          </li>
        )}
      </Match>
      <Match when={props.item.kind === 'commit' && (props.item as Extract<FeedItem, { kind: 'commit' }>)}>
        {(item) => (
          <li class="feed-commit" role="status">
            Committed {item().files} file{item().files === 1 ? '' : 's'} on <code>{item().branch}</code> as <code>{item().oid.slice(0, 7)}</code>: {item().message.split('\n')[0]}
          </li>
        )}
      </Match>
      <Match when={props.item.kind === 'warning' && (props.item as Extract<FeedItem, { kind: 'warning' }>)}>{(item) => <li class="feed-warning" role="status">⚠ {item().message}</li>}</Match>
      <Match when={props.item.kind === 'stopped' && (props.item as Extract<FeedItem, { kind: 'stopped' }>)}>
        {(item) => (
          <li class={`feed-stopped ${item().reason}`} role="status" data-reason={item().reason}>
            <strong>{REASONS[item().reason] ?? item().reason}</strong> — {item().message}
            <Show when={item().summary}>
              <p class="feed-summary">{item().summary}</p>
            </Show>
          </li>
        )}
      </Match>
    </Switch>
  )
}
