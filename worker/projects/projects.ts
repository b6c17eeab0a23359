import { deleteDB, openDB, type DBSchema, type IDBPDatabase } from 'idb'
import { AppError } from '../../shared/errors'
import { createNamespace, type Namespace } from '../../shared/namespace'
import type { ProjectInfo } from '../../shared/protocol'
import { Tree, createIdbService, openProjectDatabase } from '../namespace'
import { openRepo, type Repo } from '../git'

interface RegistryDB extends DBSchema {
  projects: { key: string; value: ProjectInfo }
}

/** A project opened in this worker: its namespace with the standard mounts, and its repo. */
export interface OpenProject {
  info: ProjectInfo
  namespace: Namespace
  /** The `/workspace` service (IndexedDB); batches on it make multi-file changes atomic. */
  workspace: Tree
  repo: Repo
  /** Bytes stored in the project's persistent mounts. */
  usage(): number
  close(): void
}

/** Creating, listing, opening and deleting projects; each project is its own IndexedDB database. */
export interface Projects {
  list(): Promise<ProjectInfo[]>
  create(fields: { name: string; url?: string | null }): Promise<ProjectInfo>
  open(id: string): Promise<OpenProject>
  update(id: string, fields: Partial<Omit<ProjectInfo, 'id'>>): Promise<ProjectInfo>
  remove(id: string): Promise<void>
}

/** Options: the prefix of every database name (tests use their own). */
export interface ProjectsOptions {
  prefix?: string
  now?: () => number
}

/**
 * Projects stored in this origin's IndexedDB. A project's namespace mounts `/workspace`,
 * `/task`, `/logs` and `/runs` from its own database, `/cap` empty and read-only, `/tmp` in memory.
 */
export function createProjects({ prefix = 'coder', now = Date.now }: ProjectsOptions = {}): Projects {
  let registry: Promise<IDBPDatabase<RegistryDB>> | null = null
  const opened = new Map<string, Promise<OpenProject>>()
  const dbName = (id: string) => `${prefix}-project-${id}`

  function db(): Promise<IDBPDatabase<RegistryDB>> {
    registry ??= openDB<RegistryDB>(`${prefix}-projects`, 1, {
      upgrade(d) {
        d.createObjectStore('projects', { keyPath: 'id' })
      },
    })
    return registry
  }

  async function get(id: string): Promise<ProjectInfo> {
    const info = await (await db()).get('projects', id)
    if (!info) throw new AppError('NOT_FOUND', `no project with id '${id}'`, { id })
    return info
  }

  async function openProject(id: string): Promise<OpenProject> {
    const info = await get(id)
    const database = await openProjectDatabase(dbName(id))
    const [workspace, task, logs, runs] = await Promise.all(['workspace', 'task', 'logs', 'runs'].map((scope) => createIdbService(database, scope)))
    const namespace = createNamespace([
      { path: '/workspace', service: workspace },
      { path: '/task', service: task },
      { path: '/logs', service: logs },
      { path: '/runs', service: runs },
      { path: '/cap', service: Tree.memory(), readOnly: true },
      { path: '/tmp', service: Tree.memory() },
    ])
    return {
      info,
      namespace,
      workspace,
      repo: openRepo(namespace, '/workspace'),
      usage: () => workspace.usage() + task.usage() + logs.usage() + runs.usage(),
      close: () => database.close(),
    }
  }

  const projects: Projects = {
    async list() {
      const all = await (await db()).getAll('projects')
      return all.sort((a, b) => b.lastOpenedAt - a.lastOpenedAt)
    },
    async create({ name, url = null }) {
      const clean = name.trim()
      if (!clean) throw new AppError('BAD_INPUT', 'a project needs a name')
      if (clean.length > 200) throw new AppError('BAD_INPUT', 'a project name can have at most 200 characters')
      const t = now()
      const info: ProjectInfo = { id: crypto.randomUUID(), name: clean, url, branch: null, createdAt: t, lastOpenedAt: t, bytes: 0 }
      await (await db()).put('projects', info)
      return info
    },
    async open(id) {
      let p = opened.get(id)
      if (!p) {
        p = openProject(id)
        opened.set(id, p)
        p.catch(() => opened.delete(id))
      }
      const project = await p
      project.info = await projects.update(id, { lastOpenedAt: now() })
      return project
    },
    async update(id, fields) {
      const d = await db()
      const info = { ...(await get(id)), ...fields, id }
      await d.put('projects', info)
      return info
    },
    async remove(id) {
      await get(id)
      const p = opened.get(id)
      opened.delete(id)
      if (p) (await p.catch(() => null))?.close()
      await deleteDB(dbName(id), {
        blocked() {
          // Another tab still has it open; the deletion completes when that tab lets go.
        },
      })
      await (await db()).delete('projects', id)
    },
  }
  return projects
}
