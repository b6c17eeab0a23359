import { AppError } from '../../../shared/errors'
import { createNamespace, mkdirp, type FileService } from '../../../shared/namespace'
import type { ProjectInfo, WorkspaceApi, WorkspaceEvent } from '../../../shared/protocol'
import type { Handlers, RpcClient } from '../../../shared/rpc'
import { openRepo } from '../../git/repo'
import { createMemoryService, createOverlay, type Overlay } from '../../namespace'
import type { OpenProject, Projects } from '../../projects'
import type { WorkspaceLink } from '../../runtime/host/workspace-link'
import { createWorkspaceHandlers } from '../../workspace'

/** An agent's own view of a project: its namespace, with `/workspace` a copy-on-write overlay. */
export interface AgentProject {
  project: OpenProject
  overlay: Overlay
  /** The workspace API over the agent's view (git, files, snapshots for the runtime), called in-process. */
  handlers: Handlers<WorkspaceApi>
  /** The same, as the link a runtime host takes. */
  link: WorkspaceLink
}

/**
 * Builds the agent's namespace over the project's workspace (`lower`, read-only to it): its
 * `/workspace` an overlay whose changes stay in memory until the user accepts them, its own `/task`,
 * `/logs`, `/runs` and `/tmp`, and a read-only `/cap` holding only the capabilities granted (`caps`:
 * name → what it allows). Git, the runtime and the tools all work on this view, so what the agent
 * runs sees what it wrote, and the user's workspace does not change.
 */
export async function createAgentProject(info: ProjectInfo, lower: FileService, caps: Record<string, string> = {}): Promise<AgentProject> {
  const overlay = await createOverlay({ lower, upper: createMemoryService() })
  // Each granted capability is a file in the read-only /cap (what it allows, never a secret: tokens stay at the edge).
  const cap = createMemoryService()
  for (const [name, text] of Object.entries(caps)) {
    // Nested names (`secrets/NPM_TOKEN`) get their directories.
    if (name.includes('/')) await mkdirp(cap, `/${name.slice(0, name.lastIndexOf('/'))}`)
    await cap.writeFile(`/${name}`, new TextEncoder().encode(text))
  }
  const namespace = createNamespace([
    { path: '/workspace', service: overlay },
    { path: '/task', service: createMemoryService() },
    { path: '/logs', service: createMemoryService() },
    { path: '/runs', service: createMemoryService() },
    { path: '/cap', service: cap, readOnly: true },
    { path: '/tmp', service: createMemoryService() },
  ])
  const queues = new Map<string, Promise<unknown>>()
  const project: OpenProject = {
    info,
    namespace,
    workspace: overlay,
    repo: openRepo(namespace, '/workspace'),
    usage: () => 0,
    exclusive(key, fn) {
      const run = (queues.get(key) ?? Promise.resolve()).then(fn, fn)
      queues.set(key, run.catch(() => undefined))
      return run
    },
    close: () => undefined,
  }
  const refuse = (what: string) => () => Promise.reject(new AppError('BAD_INPUT', `An agent cannot ${what}`))
  const projects: Projects = {
    list: async () => [project.info],
    open: async (id) => {
      if (id !== info.id) throw new AppError('NOT_FOUND', `The agent works on project ${info.id} only`)
      return project
    },
    close: async () => undefined,
    update: async (_id, fields) => (project.info = { ...project.info, ...fields }),
    create: refuse('create projects'),
    remove: refuse('delete projects'),
  }
  const listeners = new Set<(event: WorkspaceEvent) => void>()
  const handlers = createWorkspaceHandlers(projects, { clientId: 'agent', emit: (event) => listeners.forEach((fn) => fn(event)) })
  const never = new AbortController().signal
  const rpc: RpcClient<WorkspaceApi> = {
    call: async (method, params, options) => handlers[method](params as never, { signal: options?.signal ?? never, progress: (p) => options?.onProgress?.(p as never) }) as never,
    close: () => undefined,
  }
  const link: WorkspaceLink = {
    rpc,
    id: 'agent-runtime',
    ready: Promise.resolve(),
    subscribe(fn) {
      listeners.add(fn)
      return () => listeners.delete(fn)
    },
  }
  return { project, overlay, handlers, link }
}
