import type { Endpoint } from '../../shared/rpc'
import { serveRpc, type Handlers } from '../../shared/rpc'
import type { WorkspaceApi, WorkspaceEvent, WorkerMessage } from '../../shared/protocol'
import type { Projects } from '../projects'
import { createWorkspaceHandlers } from './handlers'

/** A tab's end of the connection (a SharedWorker port, or a dedicated worker's scope). */
export type ClientPort = Endpoint & { start?(): void; close?(): void }

/** Serves many tabs from one workspace: one set of open projects, events fanned out to all. */
export interface WorkspaceHub {
  /** Serves `clientId` on `port`; the returned function disconnects it (closing projects only it used). */
  connect(port: ClientPort, clientId: string): () => Promise<void>
  /** The ids of the tabs connected now. */
  clients(): string[]
}

/**
 * A hub over `projects`. Each tab gets its own handlers (so events name the tab that caused
 * them); a project stays open while any tab has it open, and is closed when the last one closes it
 * or goes away.
 */
export function createWorkspaceHub(projects: Projects, env: { storage?: StorageManager } = {}): WorkspaceHub {
  const connected = new Map<string, { port: ClientPort; opened: Set<string> }>()
  const emit = (event: WorkspaceEvent) => {
    for (const { port } of connected.values()) port.postMessage({ kind: 'event', event } satisfies WorkerMessage)
  }
  const usedElsewhere = (projectId: string, clientId: string) =>
    [...connected].some(([id, c]) => id !== clientId && c.opened.has(projectId))

  return {
    connect(port, clientId) {
      const opened = new Set<string>()
      const base = createWorkspaceHandlers(projects, { storage: env.storage, emit, clientId })
      const handlers: Handlers<WorkspaceApi> = {
        ...base,
        async openProject(params, ctx) {
          const info = await base.openProject(params, ctx)
          opened.add(params.projectId)
          return info
        },
        async closeProject({ projectId }) {
          opened.delete(projectId)
          if (!usedElsewhere(projectId, clientId)) await projects.close(projectId)
        },
      }
      const stop = serveRpc(port, handlers)
      connected.set(clientId, { port, opened })
      return async () => {
        stop()
        connected.delete(clientId)
        for (const id of opened) if (!usedElsewhere(id, clientId)) await projects.close(id)
      }
    },
    clients: () => [...connected.keys()],
  }
}
