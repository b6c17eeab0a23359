/** The project's files as `collectOutput` reads them, over the workspace worker's calls. */
import type { FileService, Stat } from '../../shared/namespace'
import type { WorkspaceApi } from '../../shared/protocol'
import type { RpcClient } from '../../shared/rpc'

/**
 * readdir, lstat and readFile of `projectId`'s namespace through the workspace worker. The
 * worker's readdir answers each entry's type and size (from lstat), so walking a folder costs
 * one call per folder, not one per file.
 */
export function workspaceFiles(rpc: RpcClient<WorkspaceApi>, projectId: string): Pick<FileService, 'readdir' | 'lstat' | 'readFile'> {
  const known = new Map<string, Stat>()
  return {
    async readdir(path) {
      const entries = await rpc.call('readdir', { projectId, path })
      for (const e of entries) known.set(e.path, { type: e.type, size: e.size, mode: 0, ino: 0, mtimeMs: 0, ctimeMs: 0 })
      return entries.map((e) => e.name)
    },
    lstat: async (path) => known.get(path) ?? rpc.call('stat', { projectId, path }),
    readFile: (path) => rpc.call('readFile', { projectId, path }, { timeoutMs: 120_000 }),
  }
}
