/**
 * @module The workspace worker's composition root. Runs as a SharedWorker (every tab of the
 * origin shares one workspace, so they see each other's saves), or as a dedicated worker where
 * SharedWorker is missing. Each tab says hello with its id, then talks RPC on its port.
 */
import { clientLockName, type HelloMessage, type WorkerMessage } from '../shared/protocol'
import { createProjects } from './projects'
import { createWorkspaceHub, type ClientPort } from './workspace'

const hub = createWorkspaceHub(createProjects(), { storage: navigator.storage })

function accept(port: ClientPort): void {
  let clientId: string | null = null
  let disconnect: (() => Promise<void>) | null = null
  const onHello = (event: { data: unknown }) => {
    const hello = event.data as HelloMessage
    if (typeof hello?.clientId !== 'string') return
    if (hello.kind === 'hello' && !clientId) {
      clientId = hello.clientId
      disconnect = hub.connect(port, clientId)
      port.postMessage({ kind: 'ready' } satisfies WorkerMessage)
    } else if (hello.kind === 'alive' && hello.clientId === clientId && disconnect) {
      port.removeEventListener('message', onHello)
      // The tab holds this lock while it lives: getting it means the tab is gone.
      const done = disconnect
      void navigator.locks?.request(clientLockName(clientId), () => done())
    }
  }
  port.addEventListener('message', onHello)
  port.start?.()
}

if (typeof SharedWorkerGlobalScope !== 'undefined' && self instanceof SharedWorkerGlobalScope) {
  self.addEventListener('connect', (event) => accept((event as MessageEvent).ports[0]))
} else {
  accept(self as unknown as DedicatedWorkerGlobalScope)
}
