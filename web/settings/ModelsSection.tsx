import { For, Match, Show, Switch, createSignal, onCleanup, onMount } from 'solid-js'
import { ModelError, type ModelInfo, type ProviderConfig } from '../../shared/models'
import {
  checkProviderConfig,
  createProvider,
  detectLocalServers,
  loadModelSettings,
  saveModelSettings,
  type LocalServer,
  type LocalServerCandidate,
  type ModelStoreOptions,
} from '../../worker/models'
import './ModelsSection.css'

/** Where the section keeps its settings and looks for local servers (tests use their own). */
export interface ModelsSectionOptions extends ModelStoreOptions {
  candidates?: readonly LocalServerCandidate[]
}

/** What the dialog calls on Save: resolves to what is wrong (nothing is written then), or null once saved or when nothing changed. */
export interface ModelsSectionHandle {
  save(): Promise<string | null>
}

type Choice = 'openai' | 'anthropic' | 'compatible'

const DEFAULT_BASE: Record<Choice, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  compatible: 'https://openrouter.ai/api/v1',
}

function choiceOf(config: ProviderConfig): Choice {
  if (config.kind !== 'direct') return 'openai'
  if (config.format === 'anthropic') return 'anthropic'
  return config.baseUrl.includes('api.openai.com') ? 'openai' : 'compatible'
}

type Status = { kind: 'idle' } | { kind: 'busy'; text: string } | { kind: 'ok'; text: string } | { kind: 'error'; text: string }

/**
 * The "Models" part of Settings: which provider answers the agents (the edge and its credits, the
 * user's own key, a local server), the default model, and a connection test. The key is kept in
 * this browser's IndexedDB only.
 */
export function ModelsSection(props: ModelsSectionOptions & { register: (handle: ModelsSectionHandle) => void }) {
  const store: ModelStoreOptions = { database: props.database, edgeOrigin: props.edgeOrigin }
  const [kind, setKind] = createSignal<ProviderConfig['kind']>('edge')
  const [choice, setChoice] = createSignal<Choice>('openai')
  const [baseUrl, setBaseUrl] = createSignal(DEFAULT_BASE.openai)
  const [apiKey, setApiKey] = createSignal('')
  const [localUrl, setLocalUrl] = createSignal('')
  const [localLabel, setLocalLabel] = createSignal<string | undefined>()
  const [model, setModel] = createSignal('')
  const [models, setModels] = createSignal<ModelInfo[]>([])
  const [status, setStatus] = createSignal<Status>({ kind: 'idle' })
  const [detected, setDetected] = createSignal<LocalServer[] | null>(null)
  const [dirty, setDirty] = createSignal(false)
  let running: AbortController | null = null
  onCleanup(() => running?.abort())

  /** Marks the settings changed; a new provider forgets the old one's model list and test result. */
  const change = (providerChanged = true) => {
    setDirty(true)
    if (providerChanged) {
      setModels([])
      setStatus({ kind: 'idle' })
    }
  }

  onMount(async () => {
    try {
      const saved = await loadModelSettings(store)
      if (dirty()) return
      const p = saved.provider
      setKind(p.kind)
      setModel(saved.defaultModel ?? '')
      if (p.kind === 'direct') {
        setChoice(choiceOf(p))
        setBaseUrl(p.baseUrl)
        setApiKey(p.apiKey)
      } else if (p.kind === 'local') {
        setLocalUrl(p.baseUrl)
        setLocalLabel(p.label)
      }
    } catch (error) {
      setStatus({ kind: 'error', text: (error as Error).message })
    }
  })

  const config = (): ProviderConfig => {
    switch (kind()) {
      case 'direct':
        return { kind: 'direct', format: choice() === 'anthropic' ? 'anthropic' : 'openai', baseUrl: baseUrl().trim(), apiKey: apiKey().trim() }
      case 'local':
        return { kind: 'local', baseUrl: localUrl().trim(), ...(localLabel() ? { label: localLabel() } : {}) }
      default:
        return { kind: 'edge' }
    }
  }

  /** Runs one network task at a time; a newer one (or closing the dialog) cancels the older. */
  const task = async (busy: string, work: (signal: AbortSignal) => Promise<void>) => {
    running?.abort()
    const controller = new AbortController()
    running = controller
    setStatus({ kind: 'busy', text: busy })
    try {
      await work(controller.signal)
    } catch (error) {
      if (controller.signal.aborted) return
      let text = (error as Error).message
      if (error instanceof ModelError && error.kind === 'unreachable' && kind() === 'local') text += '. Is the server running, and does it allow this site? (Ollama: set OLLAMA_ORIGINS.)'
      setStatus({ kind: 'error', text })
    }
  }

  const test = () =>
    task('Connecting…', async (signal) => {
      const problem = checkProviderConfig(config(), store.edgeOrigin)
      if (problem) {
        setStatus({ kind: 'error', text: problem })
        return
      }
      const provider = createProvider(config())
      const list = await provider.models(signal)
      setModels(list)
      if (!model() && list[0]) {
        setModel(list[0].id)
        setDirty(true)
      }
      setStatus({ kind: 'ok', text: `Connected to ${provider.label}: ${list.length} model${list.length === 1 ? '' : 's'}.` })
    })

  const detect = () =>
    task('Looking for local servers…', async (signal) => {
      const servers = await detectLocalServers({ signal, candidates: props.candidates })
      setDetected(servers)
      setStatus(servers.length ? { kind: 'idle' } : { kind: 'error', text: 'No local server answered. Start Ollama (with OLLAMA_ORIGINS allowing this site), LM Studio or llama.cpp’s server, or enter its URL.' })
    })

  const useServer = (server: LocalServer) => {
    setLocalUrl(server.baseUrl)
    setLocalLabel(server.config.label)
    change()
    setModels(server.models)
    if (!server.models.some((m) => m.id === model())) setModel(server.models[0]?.id ?? '')
    setStatus({ kind: 'ok', text: `Using ${server.config.label}: ${server.models.length} model${server.models.length === 1 ? '' : 's'}.` })
  }

  props.register({
    async save() {
      if (!dirty()) return null
      try {
        await saveModelSettings({ provider: config(), defaultModel: model().trim() || null }, store)
        setDirty(false)
        return null
      } catch (error) {
        return `Models: ${(error as Error).message}`
      }
    },
  })

  const options = () => {
    const list = models()
    return model() && !list.some((m) => m.id === model()) ? [{ id: model(), provider: kind() } as ModelInfo, ...list] : list
  }
  const describe = (m: ModelInfo) => (m.price ? `${m.id} — ${m.price.input} / ${m.price.output} credits per million tokens in / out` : m.id)

  return (
    <fieldset class="models-settings">
      <legend>Models</legend>
      <div class="choices" role="radiogroup" aria-label="Model provider">
        <label class="checkbox">
          <input type="radio" name="model-provider" value="edge" checked={kind() === 'edge'} onChange={() => (setKind('edge'), change())} />
          Coder edge (credits)
        </label>
        <label class="checkbox">
          <input type="radio" name="model-provider" value="direct" checked={kind() === 'direct'} onChange={() => (setKind('direct'), change())} />
          Your own key
        </label>
        <label class="checkbox">
          <input type="radio" name="model-provider" value="local" checked={kind() === 'local'} onChange={() => (setKind('local'), change())} />
          Local server
        </label>
      </div>
      <Switch>
        <Match when={kind() === 'direct'}>
          <div class="row">
            <label>
              API
              <select
                name="model-format"
                value={choice()}
                onChange={(e) => {
                  const next = e.currentTarget.value as Choice
                  // A base URL that was another API's default follows the new choice.
                  if (!baseUrl().trim() || Object.values(DEFAULT_BASE).includes(baseUrl().trim())) setBaseUrl(DEFAULT_BASE[next])
                  setChoice(next)
                  change()
                }}
              >
                <option value="openai">OpenAI</option>
                <option value="anthropic">Anthropic</option>
                <option value="compatible">OpenAI-compatible (OpenRouter, …)</option>
              </select>
            </label>
            <label class="grow">
              Base URL
              <input name="model-base-url" type="url" value={baseUrl()} onInput={(e) => (setBaseUrl(e.currentTarget.value), change())} />
            </label>
          </div>
          <label>
            API key
            <input name="model-api-key" type="password" autocomplete="off" spellcheck={false} value={apiKey()} onInput={(e) => (setApiKey(e.currentTarget.value), change())} />
          </label>
          <p class="hint">Your key stays in this browser (IndexedDB) and goes only to the provider’s URL, never to Coder’s edge. Calls are billed by the provider, not in credits.</p>
        </Match>
        <Match when={kind() === 'local'}>
          <div class="row">
            <label class="grow">
              Server URL
              <input name="model-local-url" type="url" placeholder="http://127.0.0.1:11434/v1" value={localUrl()} onInput={(e) => (setLocalUrl(e.currentTarget.value), setLocalLabel(undefined), change())} />
            </label>
            <button type="button" class="align-end" onClick={detect}>
              Detect
            </button>
          </div>
          <Show when={detected()?.length}>
            <ul class="local-servers" aria-label="Local servers found">
              <For each={detected()}>
                {(server) => (
                  <li>
                    <button type="button" onClick={() => useServer(server)}>
                      {server.config.label} · {server.models.length} model{server.models.length === 1 ? '' : 's'}
                    </button>
                  </li>
                )}
              </For>
            </ul>
          </Show>
        </Match>
      </Switch>
      <div class="row">
        <label class="grow">
          Default model
          <select name="default-model" onChange={(e) => (setModel(e.currentTarget.value), change(false))}>
            <Show when={!options().length}>
              <option value="">Test the connection to list the models</option>
            </Show>
            <For each={options()}>
              {(m) => (
                <option value={m.id} selected={m.id === model()}>
                  {describe(m)}
                </option>
              )}
            </For>
          </select>
        </label>
        <button type="button" class="align-end" onClick={test}>
          Test connection
        </button>
      </div>
      <Show when={status().kind !== 'idle'}>
        <p role="status" class={status().kind === 'error' ? 'error' : 'hint'}>
          {(status() as Exclude<Status, { kind: 'idle' }>).text}
        </p>
      </Show>
    </fieldset>
  )
}
