/** @module The workspace worker's composition root: projects + handlers served over RPC. */
import './polyfills'
import { serveRpc } from '../shared/rpc'
import type { WorkspaceApi } from '../shared/protocol'
import { warmUpPackIndexer } from './git/pack'
import { createProjects } from './projects'
import { createWorkspaceHandlers } from './workspace/handlers'

const scope = self as unknown as DedicatedWorkerGlobalScope
const projects = createProjects()
serveRpc<WorkspaceApi>(scope, createWorkspaceHandlers(projects, { storage: navigator.storage }))
// Compile the clone's hot code while the user is still looking at the page, as the IDE opens.
void warmUpPackIndexer()
  .catch((error: unknown) => console.warn('pack indexer warm-up failed', error))
  .finally(() => scope.postMessage({ kind: 'ready' }))
