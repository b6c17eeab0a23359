import { AppError } from '../../shared/errors'
import type { FileService, Stat } from '../../shared/namespace'

/** Node-style stats, as isomorphic-git reads them. */
export interface FsStats extends Stat {
  dev: number
  uid: number
  gid: number
  isFile(): boolean
  isDirectory(): boolean
  isSymbolicLink(): boolean
}

type Data = Uint8Array | string
type EncodingOption = string | { encoding?: string | null; mode?: number } | undefined

/** The `fs.promises` subset isomorphic-git needs (it detects the `promises` key). */
export interface FsAdapter {
  promises: {
    readFile(path: string, options?: EncodingOption): Promise<Uint8Array | string>
    writeFile(path: string, data: Data, options?: EncodingOption): Promise<void>
    mkdir(path: string, options?: unknown): Promise<void>
    rmdir(path: string, options?: unknown): Promise<void>
    unlink(path: string): Promise<void>
    readdir(path: string, options?: unknown): Promise<string[]>
    stat(path: string): Promise<FsStats>
    lstat(path: string): Promise<FsStats>
    readlink(path: string): Promise<string>
    symlink(target: string, path: string): Promise<void>
    rename(from: string, to: string): Promise<void>
    chmod(path: string, mode: number): Promise<void>
  }
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

function wantsText(options: EncodingOption): boolean {
  const encoding = typeof options === 'string' ? options : options?.encoding
  return encoding === 'utf8' || encoding === 'utf-8'
}

function toStats(s: Stat): FsStats {
  return {
    ...s,
    dev: 1,
    uid: 1,
    gid: 1,
    isFile: () => s.type === 'file',
    isDirectory: () => s.type === 'dir',
    isSymbolicLink: () => s.type === 'symlink',
  }
}

/**
 * Wraps a file service (usually a whole namespace) as the `fs` isomorphic-git takes.
 * Errors keep their `code` (ENOENT, EEXIST…), which is what isomorphic-git checks.
 */
export function createFsAdapter(service: FileService): FsAdapter {
  return {
    promises: {
      async readFile(path, options) {
        const bytes = await service.readFile(path)
        return wantsText(options) ? decoder.decode(bytes) : bytes
      },
      async writeFile(path, data, options) {
        const mode = typeof options === 'object' && options ? options.mode : undefined
        await service.writeFile(path, typeof data === 'string' ? encoder.encode(data) : data, { mode })
      },
      async mkdir(path) {
        await service.mkdir(path)
      },
      async rmdir(path) {
        await service.rmdir(path)
      },
      async unlink(path) {
        await service.unlink(path)
      },
      async readdir(path) {
        return service.readdir(path)
      },
      async stat(path) {
        return toStats(await service.stat(path))
      },
      async lstat(path) {
        return toStats(await service.lstat(path))
      },
      async readlink(path) {
        return service.readlink(path)
      },
      async symlink(target, path) {
        await service.symlink(target, path)
      },
      async rename(from, to) {
        await service.rename(from, to)
      },
      async chmod(path, mode) {
        const s = await service.lstat(path)
        if (s.type !== 'file') throw new AppError('EINVAL', `EINVAL: chmod on a ${s.type} '${path}'`, { path })
        await service.writeFile(path, await service.readFile(path), { mode })
      },
    },
  }
}
