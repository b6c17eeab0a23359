import { createRpcClient, type RpcClient } from '../../../shared/rpc'
import { greetWorkspace, type WorkerMessage, type WorkspaceApi, type WorkspaceEvent } from '../../../shared/protocol'

/** The runtime's connection to the workspace worker: RPC plus the workspace's events. */
export interface WorkspaceLink {
  rpc: RpcClient<WorkspaceApi>
  /** The id events carry in `by` when this runtime caused them. */
  id: string
  ready: Promise<void>
  subscribe(fn: (event: WorkspaceEvent) => void): () => void
}

/**
 * Connects over `port` (a port of the workspace SharedWorker the page handed over) the way a tab
 * does: hello, then `alive` once this worker holds its lifetime lock.
 */
export function connectWorkspace(port: MessagePort): WorkspaceLink {
  const id = `runtime-${crypto.randomUUID()}`
  const rpc = createRpcClient<WorkspaceApi>(port, { timeoutMs: 120_000 })
  const listeners = new Set<(event: WorkspaceEvent) => void>()
  const ready = new Promise<void>((resolve) => {
    port.addEventListener('message', (event: MessageEvent) => {
      const msg = event.data as WorkerMessage
      if (msg?.kind === 'ready') resolve()
      else if (msg?.kind === 'event') for (const fn of listeners) fn(msg.event)
    })
  })
  port.start()
  greetWorkspace(port, id, navigator.locks)
  return {
    rpc,
    id,
    ready,
    subscribe(fn) {
      listeners.add(fn)
      return () => listeners.delete(fn)
    },
  }
}
