/** @module The workspace worker's composition root: projects + handlers served over RPC. */
import './polyfills'
import { serveRpc } from '../shared/rpc'
import type { WorkspaceApi } from '../shared/protocol'
import { createProjects } from './projects'
import { createWorkspaceHandlers } from './workspace/handlers'

const scope = self as unknown as DedicatedWorkerGlobalScope
const projects = createProjects()
serveRpc<WorkspaceApi>(scope, createWorkspaceHandlers(projects, { storage: navigator.storage }))
scope.postMessage({ kind: 'ready' })
