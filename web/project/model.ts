import { createSignal, type Accessor } from 'solid-js'
import type { FileStatus, Progress, ProjectInfo, WorkspaceEvent } from '../../shared/protocol'
import type { WorkspaceClient } from '../workspace/client'

/** A long operation running in the background, for the status bar. */
export interface Task {
  id: number
  label: string
  progress: Progress | null
}

/**
 * What the project's panels share: the open project's info, git status and branch, and the
 * workspace events (other tabs' saves, checkouts) that make them refresh. Plain state and calls;
 * components only render it.
 */
export interface ProjectModel {
  projectId: string
  client: WorkspaceClient
  info: Accessor<ProjectInfo | null>
  status: Accessor<FileStatus[]>
  branch: Accessor<string | null>
  tasks: Accessor<Task[]>
  /** Re-reads git status and branch now. */
  refresh(): Promise<void>
  /**
   * Reads git status for the first time once the page is idle. The workbench calls it after its
   * tabs are restored: files first, git decorations a moment later (as in VS Code), so opening a
   * file never waits behind loading the git code.
   */
  start(): void
  /** Listens to this project's workspace events; returns an unsubscribe. */
  onEvent(fn: (event: WorkspaceEvent) => void): () => void
  /** Runs `work` as a background task shown in the status bar. */
  track<T>(label: string, work: (progress: (p: Progress) => void) => Promise<T>): Promise<T>
  /** Shows a background task in the status bar until `end()` (for work whose end is reported, not awaited). */
  startTask(label: string): { update(progress: Progress): void; end(): void }
  setInfo(info: ProjectInfo): void
  dispose(): void
}

/** The model of `projectId`, which the caller opens (its info, once known, through `setInfo`). */
export function createProjectModel(client: WorkspaceClient, projectId: string, info: ProjectInfo | null): ProjectModel {
  const rpc = client.rpc
  const [projectInfo, setInfo] = createSignal<ProjectInfo | null>(info)
  const [status, setStatus] = createSignal<FileStatus[]>([])
  const [branch, setBranch] = createSignal<string | null>(info?.branch ?? null)
  const [tasks, setTasks] = createSignal<Task[]>([])
  const listeners = new Set<(e: WorkspaceEvent) => void>()
  let timer: ReturnType<typeof setTimeout> | undefined
  let nextTask = 1
  let disposed = false

  function startTask(label: string) {
    const id = nextTask++
    setTasks((t) => [...t, { id, label, progress: null }])
    return {
      update: (progress: Progress) => setTasks((t) => t.map((x) => (x.id === id ? { ...x, progress } : x))),
      end: () => setTasks((t) => t.filter((x) => x.id !== id)),
    }
  }

  async function refresh() {
    const [s, b] = await Promise.all([rpc.call('status', { projectId }, { timeoutMs: 120_000 }), rpc.call('branches', { projectId })])
    if (disposed) return
    setStatus(s)
    setBranch(b.current)
  }
  const refreshSoon = () => {
    clearTimeout(timer)
    timer = setTimeout(() => void refresh().catch((e: unknown) => console.warn('git status failed', e)), 150)
  }

  const unsubscribe = client.subscribe((event) => {
    if (event.type === 'projects-changed' || event.projectId !== projectId) return
    refreshSoon()
    for (const fn of listeners) fn(event)
  })

  return {
    projectId,
    client,
    info: projectInfo,
    status,
    branch,
    tasks,
    refresh,
    start() {
      const first = () => void refresh().catch((e: unknown) => console.warn('git status failed', e))
      if (typeof requestIdleCallback === 'function') requestIdleCallback(first, { timeout: 1000 })
      else setTimeout(first, 100)
    },
    onEvent(fn) {
      listeners.add(fn)
      return () => listeners.delete(fn)
    },
    async track(label, work) {
      const task = startTask(label)
      try {
        return await work(task.update)
      } finally {
        task.end()
      }
    },
    startTask,
    setInfo(next) {
      setInfo(next)
      if (branch() === null) setBranch(next.branch)
    },
    dispose() {
      disposed = true
      clearTimeout(timer)
      unsubscribe()
    },
  }
}
