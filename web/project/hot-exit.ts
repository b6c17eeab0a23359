import { openDB, type DBSchema, type IDBPDatabase } from 'idb'

/** One open tab as hot exit keeps it: its unsaved text (if any), the version it was based on, and where the view was. */
export interface SavedTab {
  path: string
  kind: 'file' | 'diff'
  /** The unsaved buffer; absent when the tab had no unsaved changes. */
  dirtyText?: string
  /** The file version the buffer was based on (to notice changes made meanwhile). */
  baseVersion?: string
  view?: { anchor: number; head: number; scrollTop: number }
}

/** A project's open tabs, for restoring them after a reload or a crash. */
export interface SavedSession {
  projectId: string
  tabs: SavedTab[]
  active: string | null
  savedAt: number
}

interface HotExitDB extends DBSchema {
  sessions: { key: string; value: SavedSession }
}

/** Where unsaved buffers and open tabs live between page loads: this origin's IndexedDB, per project. */
export interface HotExitStore {
  load(projectId: string): Promise<SavedSession | null>
  save(session: SavedSession): Promise<void>
  remove(projectId: string): Promise<void>
}

/** The store in database `name` (tests use their own). */
export function createHotExitStore(name = 'coder-hot-exit'): HotExitStore {
  let db: Promise<IDBPDatabase<HotExitDB>> | null = null
  const open = () =>
    (db ??= openDB<HotExitDB>(name, 1, {
      upgrade(d) {
        d.createObjectStore('sessions', { keyPath: 'projectId' })
      },
    }))
  return {
    load: async (projectId) => (await (await open()).get('sessions', projectId)) ?? null,
    save: async (session) => void (await (await open()).put('sessions', session)),
    remove: async (projectId) => (await open()).delete('sessions', projectId),
  }
}
