/**
 * The chosen provider and default model, kept in this browser's IndexedDB (database `coder-models`),
 * readable from the page and from workers. The only place the user's own key is kept: never
 * localStorage, never sent to the edge.
 */
import { openDB, type DBSchema } from 'idb'
import { AppError } from '../../shared/errors'
import type { ProviderConfig } from '../../shared/models'

/** What is stored. */
export interface ModelSettings {
  provider: ProviderConfig
  /** The model new runs use; null until one is chosen. */
  defaultModel: string | null
}

/** Nothing saved yet: models through the edge, no model chosen. */
export const DEFAULT_MODEL_SETTINGS: ModelSettings = { provider: { kind: 'edge' }, defaultModel: null }

export interface ModelStoreOptions {
  /** The IndexedDB database; default `coder-models` (tests use their own). */
  database?: string
  /** The edge's origin, to which a key must never go; default the page's (or worker's) own. */
  edgeOrigin?: string
}

interface ModelsDB extends DBSchema {
  settings: { key: 'current'; value: ModelSettings }
}

const DATABASE = 'coder-models'

const open = (options: ModelStoreOptions) =>
  openDB<ModelsDB>(options.database ?? DATABASE, 1, {
    upgrade(db) {
      db.createObjectStore('settings')
    },
  })

const ownOrigin = () => (globalThis as { location?: { origin?: string } }).location?.origin

function httpOrigin(value: string): string | null {
  try {
    const url = new URL(value.trim())
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null
  } catch {
    return null
  }
}

/**
 * What is wrong with a config, for a person to read, or null when it can be saved. A key may go
 * only to the provider: a direct base URL on the edge's origin is refused.
 */
export function checkProviderConfig(config: ProviderConfig, edgeOrigin: string | undefined = ownOrigin()): string | null {
  switch (config.kind) {
    case 'edge':
      return config.origin === undefined || httpOrigin(config.origin) ? null : 'The edge origin must be an http(s) URL.'
    case 'direct': {
      if (config.format !== 'openai' && config.format !== 'anthropic') return 'Choose the API format: OpenAI or Anthropic.'
      const origin = httpOrigin(config.baseUrl)
      if (!origin) return 'The base URL must be an http(s) URL, e.g. https://api.openai.com/v1.'
      if (edgeOrigin && origin === httpOrigin(edgeOrigin)) return 'That base URL is Coder’s own: your key would be sent to the edge. Enter the provider’s URL, or choose “Coder edge”.'
      if (!config.apiKey.trim()) return 'Enter your API key.'
      if (/\s/.test(config.apiKey.trim())) return 'The API key has spaces in it; paste it again.'
      return null
    }
    case 'local':
      return httpOrigin(config.baseUrl) ? null : 'The server URL must be an http(s) URL, e.g. http://127.0.0.1:11434/v1.'
    default:
      return 'Unknown provider.'
  }
}

/** A stored value as settings; anything unusable (an old or damaged record) falls back to the default. */
function readSettings(value: unknown): ModelSettings {
  const v = value as Partial<ModelSettings> | undefined
  if (!v?.provider || typeof v.provider !== 'object' || checkProviderConfig(v.provider, '') !== null) return DEFAULT_MODEL_SETTINGS
  return { provider: v.provider, defaultModel: typeof v.defaultModel === 'string' && v.defaultModel ? v.defaultModel : null }
}

/** The saved settings, or `DEFAULT_MODEL_SETTINGS` when none are. Throws AppError STORAGE when IndexedDB cannot be opened. */
export async function loadModelSettings(options: ModelStoreOptions = {}): Promise<ModelSettings> {
  const db = await open(options).catch((error: unknown) => {
    throw new AppError('STORAGE', `Could not open the model settings in this browser: ${(error as Error)?.message ?? error}`, {}, { cause: error })
  })
  try {
    return readSettings(await db.get('settings', 'current'))
  } finally {
    db.close()
  }
}

/** The saved provider config (the edge when none is saved). */
export async function loadProviderConfig(options: ModelStoreOptions = {}): Promise<ProviderConfig> {
  return (await loadModelSettings(options)).provider
}

/** Saves the settings (trimmed). Throws AppError BAD_INPUT with `checkProviderConfig`'s message, writing nothing, when the config is wrong. */
export async function saveModelSettings(settings: ModelSettings, options: ModelStoreOptions = {}): Promise<void> {
  const problem = checkProviderConfig(settings.provider, options.edgeOrigin ?? ownOrigin())
  if (problem) throw new AppError('BAD_INPUT', problem)
  const p = settings.provider
  const provider: ProviderConfig =
    p.kind === 'direct'
      ? { kind: 'direct', format: p.format, baseUrl: p.baseUrl.trim(), apiKey: p.apiKey.trim(), ...(p.label ? { label: p.label } : {}) }
      : p.kind === 'local'
        ? { kind: 'local', baseUrl: p.baseUrl.trim(), ...(p.label ? { label: p.label } : {}) }
        : { kind: 'edge', ...(p.origin ? { origin: p.origin.trim() } : {}) }
  const db = await open(options)
  try {
    await db.put('settings', { provider, defaultModel: settings.defaultModel?.trim() || null }, 'current')
  } finally {
    db.close()
  }
}

/** Forgets the saved settings (and so the key). */
export async function clearModelSettings(options: ModelStoreOptions = {}): Promise<void> {
  const db = await open(options)
  try {
    await db.delete('settings', 'current')
  } finally {
    db.close()
  }
}
