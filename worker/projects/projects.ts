import { deleteDB, openDB, type DBSchema, type IDBPDatabase } from 'idb'
import { AppError } from '../../shared/errors'
import { createNamespace, type FileService, type Namespace } from '../../shared/namespace'
import type { ProjectInfo } from '../../shared/protocol'
import { Tree, createIdbService, openProjectDatabase } from '../namespace'
// Only git's light part: isomorphic-git loads with the first git call, not when a project opens.
import { openRepo, type Repo } from '../git/repo'

interface RegistryDB extends DBSchema {
  projects: { key: string; value: ProjectInfo }
}

/** A project opened in this worker: its namespace with the standard mounts, and its repo. */
export interface OpenProject {
  info: ProjectInfo
  namespace: Namespace
  /** The `/workspace` service (IndexedDB); batches on it make multi-file changes atomic. */
  workspace: FileService
  repo: Repo
  /** Bytes stored in the project's persistent mounts. */
  usage(): number
  /**
   * Runs `fn` after every earlier call with the same `key` has finished (e.g. a path, so that
   * "write only if unchanged" is one step for every tab sharing this project).
   */
  exclusive<T>(key: string, fn: () => Promise<T>): Promise<T>
  close(): void
}

/** Creating, listing, opening and deleting projects; each project is its own IndexedDB database. */
export interface Projects {
  list(): Promise<ProjectInfo[]>
  create(fields: { name: string; url?: string | null }): Promise<ProjectInfo>
  /**
   * Opens a project for this tab. A project is open in one tab at a time (a Web Lock): in a
   * second tab this rejects with BUSY unless `takeOver`, which moves it here; the first tab then
   * gets BUSY on its next call.
   */
  open(id: string, options?: { takeOver?: boolean }): Promise<OpenProject>
  /** Closes the project in this tab (releasing it for others); fine when it is not open. */
  close(id: string): Promise<void>
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

  /** Holds the project's lock until `release` (or until another tab takes it over). */
  async function lock(id: string, takeOver: boolean): Promise<() => void> {
    const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks
    if (!locks) return () => {}
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const granted = await new Promise<boolean>((resolve) => {
      locks
        .request(dbName(id), takeOver ? { steal: true } : { ifAvailable: true }, async (l) => {
          resolve(l !== null)
          if (l) await held
        })
        .catch(() => {
          // Taken over by another tab: stop using it here.
          const p = opened.get(id)
          opened.delete(id)
          void p?.then((project) => project.close(), () => undefined)
        })
    })
    if (!granted) throw new AppError('BUSY', 'this project is open in another tab: close it there, or take it over here', { id })
    return release
  }

  async function openProject(id: string, takeOver: boolean): Promise<OpenProject> {
    // Recording the visit and opening the project's database go on together.
    const updated = projects.update(id, { lastOpenedAt: now() })
    updated.catch(() => undefined)
    await get(id)
    const release = await lock(id, takeOver)
    const database = await openProjectDatabase(dbName(id)).catch((error: unknown) => {
      release()
      throw error
    })
    const [workspace, task, logs, runs] = await Promise.all(['workspace', 'task', 'logs', 'runs'].map((scope) => createIdbService(database, scope)))
    const namespace = createNamespace([
      { path: '/workspace', service: workspace },
      { path: '/task', service: task },
      { path: '/logs', service: logs },
      { path: '/runs', service: runs },
      { path: '/cap', service: Tree.memory(), readOnly: true },
      { path: '/tmp', service: Tree.memory() },
    ])
    const queues = new Map<string, Promise<unknown>>()
    const info = await updated.catch((error: unknown) => {
      database.close()
      release()
      throw error
    })
    return {
      info,
      namespace,
      workspace,
      exclusive(key, fn) {
        const run = (queues.get(key) ?? Promise.resolve()).then(fn, fn)
        const settled = run.catch(() => undefined)
        queues.set(key, settled)
        void settled.then(() => queues.get(key) === settled && queues.delete(key))
        return run
      },
      repo: openRepo(namespace, '/workspace'),
      usage: () => workspace.usage() + task.usage() + logs.usage() + runs.usage(),
      close: () => {
        database.close()
        release()
      },
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
    async open(id, { takeOver = false } = {}) {
      let p = opened.get(id)
      if (!p) {
        p = openProject(id, takeOver)
        opened.set(id, p)
        p.catch(() => opened.delete(id))
      }
      return p
    },
    async close(id) {
      const p = opened.get(id)
      opened.delete(id)
      ;(await p?.catch(() => null))?.close()
    },
    async update(id, fields) {
      const d = await db()
      const info = { ...(await get(id)), ...fields, id }
      await d.put('projects', info)
      return info
    },
    async remove(id) {
      await get(id)
      await projects.close(id)
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
