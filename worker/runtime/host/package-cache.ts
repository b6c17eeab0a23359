import { openDB, type IDBPDatabase } from 'idb'

/** A registry or index document kept for offline use: its body and when it was fetched. */
export interface CachedDocument {
  body: string
  contentType: string
  savedAt: number
}

/**
 * Packages kept in this origin's IndexedDB and shared by every project.
 * - Archives (npm tarballs, Python wheels) are content-addressed by their integrity (SRI,
 *   `sha512-…`, `sha256-…`): an install whose archives are all here needs no network at all.
 * - Documents (npm packuments, PEP 503 index pages) are keyed by their URL, so that resolving
 *   versions works offline with what was seen last.
 */
export interface PackageCache {
  get(integrity: string): Promise<Uint8Array | undefined>
  put(integrity: string, data: Uint8Array): Promise<void>
  getDocument(url: string): Promise<CachedDocument | undefined>
  putDocument(url: string, doc: CachedDocument): Promise<void>
}

/** A cache in the IndexedDB database `name` (`coder-packages` by default). */
export function createPackageCache(name = 'coder-packages'): PackageCache {
  let db: Promise<IDBPDatabase> | null = null
  const open = () =>
    (db ??= openDB(name, 2, {
      upgrade(d, oldVersion) {
        if (oldVersion < 1) d.createObjectStore('tarballs')
        if (oldVersion < 2) d.createObjectStore('documents')
      },
    }))
  return {
    async get(integrity) {
      return (await (await open()).get('tarballs', integrity)) as Uint8Array | undefined
    },
    async put(integrity, data) {
      await (await open()).put('tarballs', data, integrity)
    },
    async getDocument(url) {
      return (await (await open()).get('documents', url)) as CachedDocument | undefined
    },
    async putDocument(url, doc) {
      await (await open()).put('documents', doc, url)
    },
  }
}
