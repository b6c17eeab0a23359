/** Finding the local model servers that are running: Ollama, LM Studio, llama.cpp's server on their usual ports. */
import type { ModelInfo, ProviderConfig } from '../../shared/models'
import { abortedError, globalFetch, type Fetch } from './http'
import { createLocalProvider, openaiBaseUrl } from './providers'

/** A place a local server may answer. */
export interface LocalServerCandidate {
  name: string
  /** OpenAI-style base URL (`…/v1`). */
  baseUrl: string
}

/** The usual ports, on 127.0.0.1 (browsers treat it as secure, so an https page may call it). */
export const LOCAL_SERVER_CANDIDATES: readonly LocalServerCandidate[] = [
  { name: 'Ollama', baseUrl: 'http://127.0.0.1:11434/v1' },
  { name: 'LM Studio', baseUrl: 'http://127.0.0.1:1234/v1' },
  { name: 'llama.cpp server', baseUrl: 'http://127.0.0.1:8080/v1' },
]

/** A server that answered, with its models and the config that uses it. */
export interface LocalServer {
  name: string
  baseUrl: string
  models: ModelInfo[]
  config: Extract<ProviderConfig, { kind: 'local' }>
}

export interface DetectOptions {
  fetch?: Fetch
  signal?: AbortSignal
  /** Where to look; default `LOCAL_SERVER_CANDIDATES`. */
  candidates?: readonly LocalServerCandidate[]
  /** How long each server gets to list its models; default 1500 ms. */
  timeoutMs?: number
}

/**
 * The candidates that answer `GET <baseUrl>/models` with an OpenAI-style model list within the
 * timeout, in the candidates' order; all are probed at once. A server that is not running, does
 * not answer in time, refuses this page (CORS; Ollama needs `OLLAMA_ORIGINS`) or answers
 * something else is left out. Throws `aborted` only when `signal` aborts.
 */
export async function detectLocalServers(options: DetectOptions = {}): Promise<LocalServer[]> {
  const { signal, timeoutMs = 1500 } = options
  const candidates = options.candidates ?? LOCAL_SERVER_CANDIDATES
  const found = await Promise.all(
    candidates.map(async ({ name, baseUrl }): Promise<LocalServer | null> => {
      const base = openaiBaseUrl(baseUrl)
      const label = `${name} on ${new URL(base).host}`
      const probe = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])])
      try {
        const models = await createLocalProvider({ baseUrl: base, label, fetch: options.fetch ?? globalFetch }).models(probe)
        return { name, baseUrl: base, models, config: { kind: 'local', baseUrl: base, label } }
      } catch {
        return null
      }
    }),
  )
  if (signal?.aborted) throw abortedError('Detecting local servers', signal.reason)
  return found.filter((s): s is LocalServer => s !== null)
}
