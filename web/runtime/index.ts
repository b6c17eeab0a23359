/** @module The IDE's runtimes: the embedded one (default, offline) and WebContainer (online opt-in) with fallback. */
import type { Runtime } from '../../shared/runtime'
import type { WorkspaceClient } from '../workspace/client'
import { createEmbeddedRuntime, type EmbeddedRuntime } from './embedded'
import { bootWebContainer, WEBCONTAINER_BOOT_TIMEOUT_MS } from './webcontainer'

export { createEmbeddedRuntime, type EmbeddedRuntime } from './embedded'
export { bootWebContainer, WEBCONTAINER_BOOT_TIMEOUT_MS } from './webcontainer'

/** A project's runtimes: the embedded one always, and the one commands run on. */
export interface ProjectRuntimes {
  embedded: EmbeddedRuntime
  /** WebContainer once it has booted (when switched on), the embedded runtime otherwise. */
  active(): Runtime
  /** Resolves when the choice is made: at once without WebContainer mode, after its boot or fallback with it. */
  ready: Promise<Runtime>
  dispose(): void
}

/**
 * The runtimes for `projectId`. With `webcontainer` on, WebContainer boots in the background
 * (raced against `bootTimeoutMs`); if it cannot, `onNotice` says why and the embedded runtime
 * stays in use. Never rejects.
 */
export function createProjectRuntimes(options: {
  projectId: string
  client: WorkspaceClient
  webcontainer: boolean
  bootTimeoutMs?: number
  onNotice?: (message: string) => void
  /** For tests: how WebContainer is booted. */
  boot?: typeof bootWebContainer
}): ProjectRuntimes {
  const embedded = createEmbeddedRuntime(options.projectId)
  let active: Runtime = embedded
  let disposed = false
  const ready: Promise<Runtime> = !options.webcontainer
    ? Promise.resolve(embedded)
    : (options.boot ?? bootWebContainer)({
        projectId: options.projectId,
        rpc: options.client.rpc,
        subscribe: options.client.subscribe,
        clientId: options.client.id,
        bootTimeoutMs: options.bootTimeoutMs ?? WEBCONTAINER_BOOT_TIMEOUT_MS,
      }).then(
        (wc) => {
          if (disposed) {
            wc.dispose()
            return embedded
          }
          active = wc
          options.onNotice?.('WebContainer is running this project’s commands.')
          return wc
        },
        (error: unknown) => {
          options.onNotice?.(`WebContainer could not start (${error instanceof Error ? error.message : String(error)}); commands run on the embedded runtime.`)
          return embedded
        },
      )
  return {
    embedded,
    active: () => active,
    ready,
    dispose() {
      disposed = true
      if (active !== embedded) active.dispose()
      embedded.dispose()
    },
  }
}
