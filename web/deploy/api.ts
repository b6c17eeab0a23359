/** The edge's /api/deployments as the IDE calls it: the list, one deployment, delete, signed links, the production alias. */
import type { Deployment, DeploymentDetails, DeploymentLink, DeploymentList, ProductionState } from '../../shared/deploy'

/** Why a call failed, for the IDE to say: offline (or no edge reached), signed out, or the edge's own refusal (`status`, `code`). */
export class DeployApiError extends Error {
  constructor(
    readonly kind: 'offline' | 'signed-out' | 'unavailable' | 'server',
    message: string,
    readonly status = 0,
    readonly code = '',
  ) {
    super(message)
    this.name = 'DeployApiError'
  }
}

/** What a fetch that never got an answer means here: the browser is offline, or the edge is out of reach. */
export function unreachable(): DeployApiError {
  return navigator.onLine === false
    ? new DeployApiError('offline', 'You are offline: deployments are published to the server, so this needs a connection. Nothing was lost; try again once you are back online.')
    : new DeployApiError('offline', 'The server could not be reached. Nothing was lost; try again in a moment.')
}

/**
 * `fetch` of an edge path on this origin with the session cookie. Rejects with a DeployApiError
 * when no answer came (offline); an answer, whatever its status, resolves (uploadDeployment reads it).
 */
export async function edgeFetch(path: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(path, { ...init, credentials: 'same-origin', headers: { accept: 'application/json', ...(init.headers as Record<string, string> | undefined) } })
  } catch (error) {
    // A cancelled request is the caller's cancel, not a lost connection.
    if (init.signal?.aborted) throw error
    throw unreachable()
  }
}

/** The JSON of a 2xx answer; otherwise a DeployApiError with the edge's message. */
async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await edgeFetch(path, init.body === undefined ? init : { ...init, headers: { 'content-type': 'application/json' } })
  const json = (res.headers.get('content-type') ?? '').includes('json')
  if (res.ok && json) return (await res.json()) as T
  // Something that is not the edge (a static server's page for every path) answers HTML.
  if (res.ok || (res.status === 404 && !json)) throw new DeployApiError('unavailable', 'This server keeps no deployments (the IDE is served without its edge).', res.status)
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null
  if (res.status === 401) throw new DeployApiError('signed-out', 'Sign in to deploy and to see your deployments.', 401, 'unauthorized')
  throw new DeployApiError('server', body?.error?.message ?? `The server answered ${res.status} ${res.statusText}`, res.status, body?.error?.code ?? '')
}

const post = <T>(path: string, body: unknown) => call<T>(path, { method: 'POST', body: JSON.stringify(body) })
const q = encodeURIComponent

/** The deployments API (every call rejects with a DeployApiError). */
export const deploymentsApi = {
  /** The project's deployments, newest first (the first page of 50). */
  list: (project: string) => call<DeploymentList>(`/api/deployments?project=${q(project)}&limit=50`),
  get: (id: string) => call<DeploymentDetails>(`/api/deployments/${q(id)}`),
  /** Deletes a deployment; the edge refuses production's with a message saying so. */
  remove: (id: string) => call<Deployment>(`/api/deployments/${q(id)}`, { method: 'DELETE' }),
  /** A signed link to a (private) deployment, valid for `expiresInSeconds` (a day by default). */
  link: (id: string, expiresInSeconds?: number) => post<DeploymentLink>(`/api/deployments/${q(id)}/links`, expiresInSeconds === undefined ? {} : { expiresInSeconds }),
  production: (project: string) => call<ProductionState>(`/api/deployments/production?project=${q(project)}`),
  promote: (project: string, deploymentId: string) => post<ProductionState>('/api/deployments/production', { project, deploymentId }),
  rollback: (project: string) => post<ProductionState>('/api/deployments/production/rollback', { project }),
}
