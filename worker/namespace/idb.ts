import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import { Tree, type Entry, type TreeStore } from './tree'

interface ProjectDB extends DBSchema {
  /** Key: [scope, path]. */
  meta: { key: [string, string]; value: Entry & { path: string } }
  /** Key: [scope, ino]. */
  data: { key: [string, number]; value: Uint8Array }
}

/** Opens (creating if needed) the IndexedDB database that holds one project's mounts. */
export async function openProjectDatabase(name: string): Promise<IDBPDatabase<ProjectDB>> {
  const db = await openDB<ProjectDB>(name, 1, {
    upgrade(db) {
      db.createObjectStore('meta')
      db.createObjectStore('data')
    },
    blocking() {
      // Another tab deletes or upgrades this project: step aside instead of blocking it.
      db.close()
    },
  })
  return db
}

/** A TreeStore keeping one mount's entries under `scope` in a project database. */
export function createIdbStore(db: IDBPDatabase<ProjectDB>, scope: string): TreeStore {
  const range = IDBKeyRange.bound([scope, ''], [scope, '\uffff'])
  return {
    async load() {
      const rows = await db.getAll('meta', range)
      return rows.map(({ path, ...entry }) => [path, entry] as [string, Entry])
    },
    async readData(ino) {
      return db.get('data', [scope, ino])
    },
    async commit(meta, data) {
      const tx = db.transaction(['meta', 'data'], 'readwrite')
      const metaStore = tx.objectStore('meta')
      const dataStore = tx.objectStore('data')
      // Requests are queued without awaiting each: one transaction, one commit.
      const requests: Promise<unknown>[] = []
      for (const [path, entry] of meta) requests.push(entry ? metaStore.put({ ...entry, path }, [scope, path]) : metaStore.delete([scope, path]))
      for (const [ino, bytes] of data) requests.push(bytes ? dataStore.put(bytes, [scope, ino]) : dataStore.delete([scope, ino]))
      await Promise.all([...requests, tx.done])
    },
  }
}

/** A file service over IndexedDB: a tree whose every change is committed to `scope` of `db`. */
export async function createIdbService(db: IDBPDatabase<ProjectDB>, scope: string): Promise<Tree> {
  return Tree.open(createIdbStore(db, scope))
}

export type { ProjectDB }
