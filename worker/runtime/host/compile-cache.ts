import { openDB, type IDBPDatabase } from 'idb'
import type { CompiledModule } from '../sandbox/loader'

/** A lasting cache of compiled modules, by a key naming the source and how it was compiled. */
export interface CompileStore {
  get(key: string): Promise<CompiledModule | undefined>
  put(key: string, value: CompiledModule): void
}

/** Entries kept; past this, the least recently written go (about a few MB of small modules). */
const MAX_ENTRIES = 4000

/**
 * Compiled modules kept in this origin's IndexedDB (`coder-compile-cache`), shared by every
 * project: the first test run after the IDE opens finds its TypeScript already compiled unless it
 * changed, and does not wait for esbuild to start. Failures to read or write are ignored (the
 * cache is only a cache).
 */
export function createIdbCompileStore(name = 'coder-compile-cache'): CompileStore {
  let db: Promise<IDBPDatabase> | null = null
  const open = () =>
    (db ??= openDB(name, 1, {
      upgrade(d) {
        const store = d.createObjectStore('modules')
        store.createIndex('at', 'at')
      },
    }))
  let writes = 0
  async function prune(d: IDBPDatabase) {
    const count = await d.count('modules')
    if (count <= MAX_ENTRIES) return
    const tx = d.transaction('modules', 'readwrite')
    let cursor = await tx.store.index('at').openCursor()
    for (let excess = count - MAX_ENTRIES; cursor && excess > 0; excess--) {
      await cursor.delete()
      cursor = await cursor.continue()
    }
    await tx.done
  }
  return {
    async get(key) {
      try {
        const hit = (await (await open()).get('modules', key)) as { value: CompiledModule } | undefined
        return hit?.value
      } catch {
        return undefined
      }
    },
    put(key, value) {
      void open()
        .then(async (d) => {
          await d.put('modules', { value, at: Date.now() }, key)
          if (++writes % 200 === 0) await prune(d)
        })
        .catch(() => undefined)
    },
  }
}

/** A cache key: SHA-256 of the compile settings and the source. */
export async function compileKey(settings: string, path: string, source: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${settings}\0${path}\0${source}`))
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}
