import type { WorkspaceApi } from '../../../shared/protocol'
import type { RpcClient } from '../../../shared/rpc'
import { fsError } from '../../../shared/errors'
import type { FileService } from '../../../shared/namespace'

/**
 * The project's `/workspace`, read through the workspace worker, as a read-only file service:
 * the lower layer of an agent's overlay. Reads see the user's saves as they happen; writes are
 * refused (they go to the overlay's upper layer).
 */
export function createWorkspaceFiles(rpc: RpcClient<WorkspaceApi>, projectId: string): FileService {
  const at = (path: string) => (path === '/' ? '/workspace' : `/workspace${path}`)
  const readOnly = (op: string) => (path: string) => Promise.reject(fsError('EROFS', op, path))
  return {
    readOnly: true,
    readFile: (path) => rpc.call('readFile', { projectId, path: at(path) }),
    readdir: async (path) => (await rpc.call('readdir', { projectId, path: at(path) })).map((e) => e.name),
    stat: (path) => rpc.call('stat', { projectId, path: at(path) }),
    lstat: (path) => rpc.call('stat', { projectId, path: at(path) }),
    readlink: (path) => Promise.reject(fsError('EINVAL', 'readlink', path)),
    writeFile: readOnly('writeFile'),
    mkdir: readOnly('mkdir'),
    unlink: readOnly('unlink'),
    rmdir: readOnly('rmdir'),
    rename: readOnly('rename'),
    symlink: readOnly('symlink'),
    batch: (fn) => fn(),
  }
}
