import { openDB, type IDBPDatabase } from 'idb'

/**
 * Package tarballs kept in this origin's IndexedDB, content-addressed by their integrity (SRI) and
 * shared by every project: an install whose tarballs are all here needs no network at all.
 */
export interface PackageCache {
  get(integrity: string): Promise<Uint8Array | undefined>
  put(integrity: string, data: Uint8Array): Promise<void>
}

/** A cache in the IndexedDB database `name` (`coder-packages` by default). */
export function createPackageCache(name = 'coder-packages'): PackageCache {
  let db: Promise<IDBPDatabase> | null = null
  const open = () =>
    (db ??= openDB(name, 1, {
      upgrade(d) {
        d.createObjectStore('tarballs')
      },
    }))
  return {
    async get(integrity) {
      return (await (await open()).get('tarballs', integrity)) as Uint8Array | undefined
    },
    async put(integrity, data) {
      await (await open()).put('tarballs', data, integrity)
    },
  }
}
