import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import { basename, dirname } from '../../shared/namespace'
import { Tree, type Entry, type TreeStore } from './tree'

/** Files up to this size are kept with their directory's other small files, in one record. */
const SMALL_FILE = 32 * 1024
/** Where a file's content lives: a directory's record of small files, or a blob of its own. */
const BLOB = '\0blob'
/** Small-file records kept decoded for reads of neighbouring files (a checkout, a status). */
const RECORD_CACHE = 8

interface DirRecord {
  path: string
  /** The directory's own entry (kept for the root, which has no parent). */
  self?: Entry
  /** Its children by name. */
  entries: Record<string, Entry>
}

interface ProjectDB extends DBSchema {
  /** Key: [scope, directory path]: the metadata of a directory's children. */
  dirs: { key: [string, string]; value: DirRecord }
  /** Key: [scope, directory path]: the content of the directory's small files, by ino. */
  small: { key: [string, string]; value: Map<number, Uint8Array> }
  /** Key: [scope, ino]: the content of one large file. */
  blobs: { key: [string, number]; value: Uint8Array }
}

/** Opens (creating if needed) the IndexedDB database that holds one project's mounts. */
export async function openProjectDatabase(name: string): Promise<IDBPDatabase<ProjectDB>> {
  const db = await openDB<ProjectDB>(name, 2, {
    upgrade(db) {
      for (const store of [...db.objectStoreNames]) db.deleteObjectStore(store)
      db.createObjectStore('dirs')
      db.createObjectStore('small')
      db.createObjectStore('blobs')
    },
    blocking() {
      // Another tab deletes or upgrades this project: step aside instead of blocking it.
      db.close()
    },
  })
  return db
}

function getOr<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key)
  if (v === undefined) map.set(key, (v = make()))
  return v
}

/**
 * A TreeStore keeping one mount under `scope` of a project database, one record per
 * directory: saving 1,000 files in a folder is a couple of puts, not 2,000. Large files get
 * a record each. Every commit is one read-modify-write transaction.
 */
export function createIdbStore(db: IDBPDatabase<ProjectDB>, scope: string): TreeStore {
  /** ino → where its content is stored now (directory path or BLOB). */
  const where = new Map<number, string>()
  const dirs = new Set<string>()
  const records = new Map<string, Map<number, Uint8Array>>()
  /** Directory records being read: concurrent reads of files in one directory share one get. */
  const reading = new Map<string, Promise<Map<number, Uint8Array>>>()
  const generation = new Map<string, number>()
  const place = (path: string, e: Entry) => (e.size > SMALL_FILE ? BLOB : dirname(path))

  return {
    async load() {
      where.clear()
      dirs.clear()
      records.clear()
      const rows: Array<[string, Entry]> = []
      const all = await db.getAll('dirs', IDBKeyRange.bound([scope, ''], [scope, '\uffff']))
      for (const rec of all) {
        dirs.add(rec.path)
        if (rec.self) rows.push([rec.path, rec.self])
        for (const [name, entry] of Object.entries(rec.entries)) {
          const path = rec.path === '/' ? `/${name}` : `${rec.path}/${name}`
          rows.push([path, entry])
          if (entry.type === 'file') where.set(entry.ino, place(path, entry))
        }
      }
      return rows
    },

    async readData(ino) {
      const at = where.get(ino)
      if (at === undefined) return undefined
      if (at === BLOB) return db.get('blobs', [scope, ino])
      const cached = records.get(at)
      if (cached) return cached.get(ino)
      const gen = generation.get(at) ?? 0
      let pending = reading.get(at)
      if (!pending) {
        pending = db.get('small', [scope, at]).then((r) => r ?? new Map<number, Uint8Array>())
        reading.set(at, pending)
        void pending.finally(() => reading.get(at) === pending && reading.delete(at)).catch(() => undefined)
      }
      const rec = await pending
      // Only keep it if no commit changed the directory meanwhile; else read it again.
      if ((generation.get(at) ?? 0) !== gen) return (await db.get('small', [scope, at]))?.get(ino)
      records.set(at, rec)
      if (records.size > RECORD_CACHE) records.delete(records.keys().next().value!)
      return rec.get(ino)
    },

    async commit(meta, data) {
      // Plan the change per directory record.
      const metaByDir = new Map<string, Map<string, Entry | null>>()
      const goneDirs = new Set<string>()
      const newDirs = new Set<string>()
      const target = new Map<number, string>()
      let root: Entry | undefined
      for (const [path, entry] of meta) {
        if (path === '/') {
          if (entry) root = entry
          continue
        }
        getOr(metaByDir, dirname(path), () => new Map()).set(basename(path), entry)
        if (entry?.type === 'dir') newDirs.add(path)
        else if (dirs.has(path)) goneDirs.add(path)
        if (entry?.type === 'file') target.set(entry.ino, place(path, entry))
      }
      const smallOps = new Map<string, Map<number, Uint8Array | null>>()
      const blobOps = new Map<number, Uint8Array | null>()
      const moves: Array<{ ino: number; from: string; to: string }> = []
      const op = (at: string, ino: number, bytes: Uint8Array | null) => {
        if (at === BLOB) blobOps.set(ino, bytes)
        else getOr(smallOps, at, () => new Map()).set(ino, bytes)
      }
      for (const [ino, bytes] of data) {
        const old = where.get(ino)
        const to = bytes ? target.get(ino) ?? old : undefined
        if (old !== undefined && old !== to) op(old, ino, null)
        if (bytes && to !== undefined) op(to, ino, bytes)
      }
      for (const [ino, to] of target) {
        const from = where.get(ino)
        if (!data.has(ino) && from !== undefined && from !== to) moves.push({ ino, from, to })
      }

      const tx = db.transaction(['dirs', 'small', 'blobs'], 'readwrite')
      const dirStore = tx.objectStore('dirs')
      const smallStore = tx.objectStore('small')
      const blobStore = tx.objectStore('blobs')
      const metaDirs = [...new Set([...metaByDir.keys(), ...(root ? ['/'] : []), ...newDirs])].filter((d) => !goneDirs.has(d))
      const smallDirs = [...new Set([...smallOps.keys(), ...moves.flatMap((m) => [m.from, m.to])])].filter((d) => d !== BLOB)
      const [dirRecs, smallRecs, movedBlobs] = await Promise.all([
        Promise.all(metaDirs.map((d) => dirStore.get([scope, d]))),
        Promise.all(smallDirs.map((d) => smallStore.get([scope, d]))),
        Promise.all(moves.map((m) => (m.from === BLOB ? blobStore.get([scope, m.ino]) : undefined))),
      ])
      const small = new Map(smallDirs.map((d, i) => [d, smallRecs[i] ?? new Map<number, Uint8Array>()]))
      moves.forEach((m, i) => {
        const bytes = m.from === BLOB ? movedBlobs[i] : small.get(m.from)?.get(m.ino)
        op(m.from, m.ino, null)
        if (bytes) op(m.to, m.ino, bytes)
      })
      const requests: Promise<unknown>[] = []
      metaDirs.forEach((d, i) => {
        const rec: DirRecord = dirRecs[i] ?? { path: d, entries: {} }
        if (d === '/' && root) rec.self = root
        for (const [name, entry] of metaByDir.get(d) ?? []) {
          if (entry) rec.entries[name] = entry
          else delete rec.entries[name]
        }
        requests.push(dirStore.put(rec, [scope, d]))
      })
      for (const [d, ops] of smallOps) {
        if (d === BLOB) continue
        const rec = getOr(small, d, () => new Map())
        for (const [ino, bytes] of ops) {
          if (bytes) rec.set(ino, bytes)
          else rec.delete(ino)
        }
      }
      for (const [d, rec] of small) {
        if (goneDirs.has(d) || rec.size === 0) requests.push(smallStore.delete([scope, d]))
        else requests.push(smallStore.put(rec, [scope, d]))
      }
      for (const d of goneDirs) requests.push(dirStore.delete([scope, d]), smallStore.delete([scope, d]))
      for (const [ino, bytes] of blobOps) requests.push(bytes ? blobStore.put(bytes, [scope, ino]) : blobStore.delete([scope, ino]))
      await Promise.all([...requests, tx.done])

      // Committed: bring the bookkeeping in line.
      for (const d of goneDirs) dirs.delete(d)
      for (const d of newDirs) dirs.add(d)
      for (const [d, ops] of smallOps) for (const [ino, bytes] of ops) if (bytes) where.set(ino, d)
      for (const [ino, bytes] of blobOps) if (bytes) where.set(ino, BLOB)
      for (const [ino, bytes] of data) if (!bytes) where.delete(ino)
      for (const m of moves) where.set(m.ino, m.to)
      for (const d of [...small.keys(), ...goneDirs]) {
        records.delete(d)
        // A read begun before this commit must not be shared with readers after it.
        reading.delete(d)
        generation.set(d, (generation.get(d) ?? 0) + 1)
      }
    },
  }
}

/** A file service over IndexedDB: a tree whose every change is committed to `scope` of `db`. */
export async function createIdbService(db: IDBPDatabase<ProjectDB>, scope: string): Promise<Tree> {
  return Tree.open(createIdbStore(db, scope))
}

export type { ProjectDB }
