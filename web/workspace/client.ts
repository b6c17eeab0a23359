import { AppError } from '../../shared/errors'
import { createRpcClient, type Endpoint, type RpcClient } from '../../shared/rpc'
import { greetWorkspace, type WorkerMessage, type WorkspaceApi, type WorkspaceEvent } from '../../shared/protocol'

/** The UI's handle on the workspace worker. */
export interface WorkspaceClient {
  rpc: RpcClient<WorkspaceApi>
  /** This tab's id: events caused by its own calls carry it in `by`. */
  id: string
  /** Resolves when the worker has started; rejects if it failed to. */
  ready: Promise<void>
  /** Calls `fn` with every workspace event (from this tab's calls and other tabs'); returns an unsubscribe. */
  subscribe(fn: (event: WorkspaceEvent) => void): () => void
  /** Calls `fn` once if the worker dies (every pending call has been rejected by then). */
  onDeath(fn: (error: AppError) => void): void
  terminate(): void
}

/**
 * Connects to the workspace worker: the origin's SharedWorker, so every tab works on the same
 * open projects and sees the others' changes; a dedicated worker where SharedWorker is missing.
 */
export function createWorkspaceClient(): WorkspaceClient {
  // Vite bundles a worker only when `new URL(...)` is written inside the constructor call. The
  // name matters: index.html's early-start script (vite.config.ts, earlyStart) starts the same one.
  let port: Endpoint & { start?(): void }
  let target: EventTarget
  let stop: () => void
  if (typeof SharedWorker !== 'undefined') {
    const shared = new SharedWorker(new URL('../../worker/main.ts', import.meta.url), { type: 'module', name: 'workspace' })
    port = shared.port
    target = shared
    stop = () => shared.port.close()
  } else {
    const worker = new Worker(new URL('../../worker/main.ts', import.meta.url), { type: 'module', name: 'workspace' })
    port = worker
    target = worker
    stop = () => worker.terminate()
  }
  const id = crypto.randomUUID()
  const rpc = createRpcClient<WorkspaceApi>(port, { timeoutMs: 60_000 })
  const deathListeners: Array<(e: AppError) => void> = []
  const eventListeners = new Set<(e: WorkspaceEvent) => void>()
  let dead: AppError | null = null
  const die = (error: AppError) => {
    if (dead) return
    dead = error
    rpc.close(error)
    for (const fn of deathListeners) fn(error)
  }
  const ready = new Promise<void>((resolve, reject) => {
    port.addEventListener('message', (event: { data: unknown }) => {
      const msg = event.data as WorkerMessage
      if (msg?.kind === 'ready') resolve()
      else if (msg?.kind === 'event') for (const fn of eventListeners) fn(msg.event)
    })
    target.addEventListener('error', (event) => {
      const message = (event as ErrorEvent).message
      const error = new AppError('WORKER_DIED', `the workspace stopped: ${message || 'it failed to load'}. Reload the page to start it again; saved work is kept.`)
      die(error)
      reject(error)
    })
  })
  port.start?.()
  // Before any call: the worker serves a port only after its hello; the lock tells it when the tab is gone.
  greetWorkspace(port, id, navigator.locks)
  return {
    rpc,
    id,
    ready,
    subscribe(fn) {
      eventListeners.add(fn)
      return () => eventListeners.delete(fn)
    },
    onDeath: (fn) => (dead ? fn(dead) : deathListeners.push(fn)),
    terminate: () => {
      stop()
      die(new AppError('WORKER_DIED', 'the workspace was stopped'))
    },
  }
}
