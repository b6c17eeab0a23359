import { AppError } from '../../../shared/errors'
import { dirname, MODE } from '../../../shared/namespace'
import type { FsChange, SnapshotEntry } from '../../../shared/protocol'
import type { WorkspaceLink } from './workspace-link'

/**
 * How many files' content the copy reads up front; the rest (in a very large workspace) is read
 * when a process asks for it, so opening a project does not mean reading all of it.
 */
export const EAGER_FILES = 3000

/** Folders whose files are listed but read only when a process asks for them. */
export const LAZY_FOLDERS = ['node_modules']

/**
 * The runtime's copy of a project's `/workspace` (without `.git`), kept in step with the
 * workspace's events, handed to each process it starts.
 */
export interface Mirror {
  /** Resolves when the first copy is in; rejects if it could not be read. */
  readonly loaded: Promise<void>
  /** Resolves once every change the workspace announced so far has been copied. */
  settled(): Promise<void>
  /** Every entry now, with content where it has been read. */
  entries(): SnapshotEntry[]
  get(path: string): SnapshotEntry | undefined
  /** A file's bytes (read from the workspace if not copied yet); null when there is no such file. */
  read(path: string): Promise<Uint8Array | null>
  /** Reads every file not read yet (for a sandbox that cannot ask for files on demand). */
  readAll(): Promise<void>
  /** Applies a process's own changes to the copy (the workspace gets them separately). */
  apply(changes: FsChange[]): void
  /** The `type` field of the package.json nearest to `path` ("module", "commonjs") or null. */
  packageType(path: string): string | null
  dispose(): void
}

/** A mirror of `projectId`'s workspace over `link`. */
export function createMirror(link: WorkspaceLink, projectId: string): Mirror {
  const map = new Map<string, SnapshotEntry>()
  const types = new Map<string, { version: string; type: string | null }>()
  let chain: Promise<void> = Promise.resolve()
  let localVersion = 0
  const enqueue = (fn: () => Promise<void>) => {
    chain = chain.then(fn).catch((error: unknown) => console.warn('runtime: could not copy a workspace change', error))
    return chain
  }

  const removeSubtree = (path: string) => {
    for (const key of [...map.keys()]) if (key === path || key.startsWith(`${path}/`)) map.delete(key)
  }
  const ensureDirs = (path: string) => {
    for (let dir = dirname(path); dir !== '/' && dir !== '/workspace' && !map.has(dir); dir = dirname(dir)) {
      map.set(dir, { path: dir, type: 'dir', mode: MODE.dir, size: 0, mtimeMs: Date.now(), version: `local-${++localVersion}` })
    }
  }
  const snapshot = (path: string) => link.rpc.call('snapshot', { projectId, path, skip: ['.git'], lazy: LAZY_FOLDERS, maxFiles: EAGER_FILES })

  async function reload(): Promise<void> {
    const list = await snapshot('/workspace')
    map.clear()
    for (const entry of list) map.set(entry.path, entry)
  }

  async function refresh(path: string): Promise<void> {
    if (path !== '/workspace' && !path.startsWith('/workspace/')) return
    if (path === '/workspace' || path === '/workspace/.git' || path.startsWith('/workspace/.git/')) return path === '/workspace' ? reload() : undefined
    const stat = await link.rpc.call('stat', { projectId, path }).catch((error: unknown) => {
      if (error instanceof AppError && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) return null
      throw error
    })
    removeSubtree(path)
    if (!stat) return
    ensureDirs(path)
    const entry: SnapshotEntry = { path, type: stat.type, mode: stat.mode, size: stat.size, mtimeMs: stat.mtimeMs, version: `${stat.ino}.${stat.mtimeMs}` }
    map.set(path, entry)
    if (stat.type === 'dir') for (const e of await snapshot(path)) map.set(e.path, e)
    else if (stat.type === 'file' && !path.split('/').some((part) => LAZY_FOLDERS.includes(part))) entry.data = await link.rpc.call('readFile', { projectId, path })
  }

  const unsubscribe = link.subscribe((event) => {
    if (event.by === link.id) return
    if (event.type === 'files-changed' && event.projectId === projectId) {
      const paths = event.paths
      void enqueue(async () => {
        for (const path of paths) await refresh(path)
      })
    } else if (event.type === 'tree-changed' && event.projectId === projectId) void enqueue(reload)
  })
  // Events queue behind the first load; its failure is reported through `loaded`.
  const loaded = reload()
  chain = loaded.catch(() => undefined)

  return {
    loaded,
    async settled() {
      // A round trip on the same port: every event posted before it has arrived by now.
      await link.rpc.call('stat', { projectId, path: '/workspace' })
      await chain
    },
    entries: () => [...map.values()],
    get: (path) => map.get(path),
    async read(path) {
      const entry = map.get(path)
      if (!entry || entry.type !== 'file') return null
      if (!entry.data) entry.data = await link.rpc.call('readFile', { projectId, path })
      return entry.data
    },
    async readAll() {
      const missing = [...map.values()].filter((e) => e.type === 'file' && !e.data)
      for (let i = 0; i < missing.length; i += 16) {
        await Promise.all(missing.slice(i, i + 16).map(async (e) => void (e.data = await link.rpc.call('readFile', { projectId, path: e.path }))))
      }
    },
    apply(changes) {
      const now = Date.now()
      for (const change of changes) {
        switch (change.type) {
          case 'write':
            ensureDirs(change.path)
            map.set(change.path, { path: change.path, type: 'file', mode: change.mode, size: change.data.length, mtimeMs: now, version: `local-${++localVersion}`, data: change.data })
            break
          case 'mkdir':
            ensureDirs(`${change.path}/x`)
            break
          case 'remove':
            removeSubtree(change.path)
            break
          case 'rename': {
            const moved = [...map.entries()].filter(([key]) => key === change.from || key.startsWith(`${change.from}/`))
            removeSubtree(change.to)
            for (const [key] of moved) map.delete(key)
            ensureDirs(change.to)
            for (const [key, entry] of moved) {
              const path = change.to + key.slice(change.from.length)
              map.set(path, { ...entry, path })
            }
            break
          }
          case 'symlink':
            ensureDirs(change.path)
            map.set(change.path, { path: change.path, type: 'symlink', mode: MODE.symlink, size: change.target.length, mtimeMs: now, version: `local-${++localVersion}`, target: change.target })
            break
        }
      }
    },
    packageType(path) {
      for (let dir = dirname(path); ; dir = dirname(dir)) {
        const pkg = map.get(`${dir === '/' ? '' : dir}/package.json`)
        if (pkg?.data) {
          // Parsed once per version of the package.json, not once per file asking.
          const hit = types.get(pkg.path)
          if (hit?.version === pkg.version) return hit.type
          let type: string | null = null
          try {
            const value = (JSON.parse(new TextDecoder().decode(pkg.data)) as { type?: unknown }).type
            type = typeof value === 'string' ? value : null
          } catch {
            // A broken package.json has no type; the loader reports it when it reads it.
          }
          types.set(pkg.path, { version: pkg.version, type })
          return type
        }
        if (pkg || dir === '/' || dir.endsWith('/node_modules')) return null
      }
    },
    dispose: unsubscribe,
  }
}
