import type { WorkspaceApi, WorkspaceEvent } from '../../../shared/protocol'
import type { RpcClient } from '../../../shared/rpc'
import { fsError } from '../../../shared/errors'
import { dirname, type FileService } from '../../../shared/namespace'

/** Files larger than this are read again each time rather than kept. */
const MAX_CACHED_FILE = 1024 * 1024

/**
 * The project's `/workspace`, read through the workspace worker, as a read-only file service:
 * the lower layer of an agent's overlay. Writes are refused (they go to the overlay's upper layer).
 *
 * Answers are kept (a walk of the tree or a git status would otherwise be one round trip to the
 * workspace worker per entry) and forgotten as the workspace worker reports changes (`events`),
 * so the agent still sees the user's saves as they happen.
 */
export function createWorkspaceFiles(rpc: RpcClient<WorkspaceApi>, projectId: string, events?: (fn: (event: WorkspaceEvent) => void) => () => void): FileService & { dispose(): void } {
  const at = (path: string) => (path === '/' ? '/workspace' : `/workspace${path}`)
  const cache = new Map<string, Promise<unknown>>()
  const kept = <T>(key: string, load: () => Promise<T>, keep: (value: T) => boolean = () => true): Promise<T> => {
    const hit = cache.get(key) as Promise<T> | undefined
    if (hit) return hit
    const promise = load()
    cache.set(key, promise)
    // Failures (ENOENT above all) are kept too, and forgotten like the rest; a value too big to keep is dropped.
    promise.then((v) => !keep(v) && cache.get(key) === promise && cache.delete(key), () => undefined)
    return promise
  }
  /** Forgets `path`, everything below it, and its folder's listing. */
  const forget = (path: string) => {
    const parent = dirname(path)
    for (const key of [...cache.keys()]) {
      const p = key.slice(key.indexOf(':') + 1)
      if (p === path || p.startsWith(path === '/' ? '/' : `${path}/`) || (key.startsWith('readdir:') && p === parent)) cache.delete(key)
    }
  }
  const unsubscribe = events?.((event) => {
    if (!('projectId' in event) || event.projectId !== projectId) return
    if (event.type === 'tree-changed') cache.clear()
    else if (event.type === 'git-changed') forget('/.git')
    else if (event.type === 'files-changed') for (const p of event.paths) if (p === '/workspace' || p.startsWith('/workspace/')) forget(p.slice('/workspace'.length) || '/')
  })
  const readOnly = (op: string) => (path: string) => Promise.reject(fsError('EROFS', op, path))
  return {
    readOnly: true,
    readFile: (path) => kept(`readFile:${path}`, () => rpc.call('readFile', { projectId, path: at(path) }), (bytes) => bytes.length <= MAX_CACHED_FILE),
    readdir: (path) => kept(`readdir:${path}`, async () => (await rpc.call('readdir', { projectId, path: at(path) })).map((e) => e.name)),
    stat: (path) => kept(`stat:${path}`, () => rpc.call('stat', { projectId, path: at(path) })),
    lstat: (path) => kept(`stat:${path}`, () => rpc.call('stat', { projectId, path: at(path) })),
    readlink: (path) => Promise.reject(fsError('EINVAL', 'readlink', path)),
    writeFile: readOnly('writeFile'),
    mkdir: readOnly('mkdir'),
    unlink: readOnly('unlink'),
    rmdir: readOnly('rmdir'),
    rename: readOnly('rename'),
    symlink: readOnly('symlink'),
    batch: (fn) => fn(),
    dispose: () => unsubscribe?.(),
  }
}
