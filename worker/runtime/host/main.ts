/**
 * @module The runtime worker's composition root: the embedded runtime a tab starts for its
 * project. The page hands it a port to the workspace worker, then calls RuntimeApi on it.
 */
import esbuildWasmUrl from 'esbuild-wasm/esbuild.wasm?url'
import { serveRpc } from '../../../shared/rpc'
import type { RuntimeApi, RuntimeConnect } from '../../../shared/runtime'
import { createPythonRunner, PYODIDE_INDEX_URL } from '../python'
import { createIdbCompileStore } from './compile-cache'
import { createCompiler } from './compiler'
import { createPackageCache } from './package-cache'
import { createRuntimeHost } from './runtime-host'
import { createSandboxes } from './sandboxes'
import { connectWorkspace } from './workspace-link'

const scope = self as unknown as DedicatedWorkerGlobalScope

scope.addEventListener(
  'message',
  (event: MessageEvent<RuntimeConnect>) => {
    if (event.data?.kind !== 'connect') return
    const link = connectWorkspace(event.data.port as MessagePort)
    const handlers = createRuntimeHost({
      link,
      compiler: createCompiler({ wasmURL: esbuildWasmUrl, store: createIdbCompileStore() }),
      // Vite bundles a worker only when `new URL(...)` is written inside the constructor call.
      sandboxes: createSandboxes({ createWorker: () => new Worker(new URL('../sandbox/main.ts', import.meta.url), { type: 'module', name: 'sandbox' }) }),
      packages: createPackageCache(),
      python: () => createPythonRunner({ indexURL: PYODIDE_INDEX_URL }),
      origin: scope.location.origin,
    })
    serveRpc<RuntimeApi>(scope, handlers)
    scope.postMessage({ kind: 'ready' })
  },
  { once: true },
)
