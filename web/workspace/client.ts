import { AppError } from '../../shared/errors'
import { createRpcClient, type RpcClient } from '../../shared/rpc'
import type { WorkspaceApi } from '../../shared/protocol'

/** The UI's handle on the workspace worker. */
export interface WorkspaceClient {
  rpc: RpcClient<WorkspaceApi>
  /** Resolves when the worker has started; rejects if it failed to. */
  ready: Promise<void>
  /** Calls `fn` once if the worker dies (every pending call has been rejected by then). */
  onDeath(fn: (error: AppError) => void): void
  terminate(): void
}

/** Starts the workspace worker (module worker, same origin) and connects the typed RPC to it. */
export function createWorkspaceClient(): WorkspaceClient {
  const worker = new Worker(new URL('../../worker/main.ts', import.meta.url), { type: 'module', name: 'workspace' })
  const rpc = createRpcClient<WorkspaceApi>(worker, { timeoutMs: 60_000 })
  const deathListeners: Array<(e: AppError) => void> = []
  let dead: AppError | null = null
  const die = (error: AppError) => {
    if (dead) return
    dead = error
    rpc.close(error)
    for (const fn of deathListeners) fn(error)
  }
  const ready = new Promise<void>((resolve, reject) => {
    worker.addEventListener('message', function onReady(event: MessageEvent) {
      if ((event.data as { kind?: string })?.kind !== 'ready') return
      worker.removeEventListener('message', onReady)
      resolve()
    })
    worker.addEventListener('error', (event: ErrorEvent) => {
      const error = new AppError('WORKER_DIED', `the workspace stopped: ${event.message || 'it failed to load'}. Reload the page to start it again; saved work is kept.`)
      die(error)
      reject(error)
    })
  })
  return {
    rpc,
    ready,
    onDeath: (fn) => (dead ? fn(dead) : deathListeners.push(fn)),
    terminate: () => {
      worker.terminate()
      die(new AppError('WORKER_DIED', 'the workspace was stopped'))
    },
  }
}
