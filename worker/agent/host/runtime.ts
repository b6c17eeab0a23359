import esbuildWasmUrl from 'esbuild-wasm/esbuild.wasm?url'
import type { Handlers } from '../../../shared/rpc'
import type { RuntimeApi } from '../../../shared/runtime'
import { createPythonRunner, PYODIDE_INDEX_URL } from '../../runtime/python'
import { createIdbCompileStore } from '../../runtime/host/compile-cache'
import { createCompiler } from '../../runtime/host/compiler'
import { createPackageCache } from '../../runtime/host/package-cache'
import { createRuntimeHost } from '../../runtime/host/runtime-host'
import { createSandboxes } from '../../runtime/host/sandboxes'
import type { WorkspaceLink } from '../../runtime/host/workspace-link'

/**
 * The embedded runtime inside the agent's worker, over the agent's own view of the project (`link`),
 * so commands and tests see the agent's edits and their writes land in its overlay. The same host
 * as the IDE's runtime worker, with the same compile cache and package cache.
 */
export function createAgentRuntime(link: WorkspaceLink, origin: string): Handlers<RuntimeApi> {
  return createRuntimeHost({
    link,
    compiler: createCompiler({ wasmURL: esbuildWasmUrl, store: createIdbCompileStore() }),
    // Vite bundles a worker only when `new URL(...)` is written inside the constructor call.
    sandboxes: createSandboxes({ createWorker: () => new Worker(new URL('../../runtime/sandbox/main.ts', import.meta.url), { type: 'module', name: 'sandbox' }) }),
    packages: createPackageCache(),
    python: () => createPythonRunner({ indexURL: PYODIDE_INDEX_URL }),
    origin,
  })
}
