/** Kind of a namespace entry. */
export type EntryType = 'file' | 'dir' | 'symlink'

/** Metadata of one entry, as plain data (it crosses worker boundaries). */
export interface Stat {
  type: EntryType
  /** POSIX mode including the type bits (0o100644, 0o100755, 0o040755, 0o120000). */
  mode: number
  size: number
  /** Stable for the life of the entry; changes only when the path is created anew. */
  ino: number
  mtimeMs: number
  ctimeMs: number
}

/**
 * A file service: the ~10 operations a mount point offers. Paths are absolute within the
 * service (`/a/b`), already normalised by the caller; a service normalises again and never
 * lets a path reach above its own root. Every failure is an AppError with an fs code.
 */
export interface FileService {
  readonly readOnly: boolean
  readFile(path: string): Promise<Uint8Array>
  /** Creates or replaces a file; the parent directory must exist. */
  writeFile(path: string, data: Uint8Array, options?: { mode?: number }): Promise<void>
  /** Creates one directory; EEXIST when something is already there. */
  mkdir(path: string): Promise<void>
  /** Names in a directory, sorted. */
  readdir(path: string): Promise<string[]>
  /** Follows symbolic links. */
  stat(path: string): Promise<Stat>
  lstat(path: string): Promise<Stat>
  unlink(path: string): Promise<void>
  /** Removes an empty directory. */
  rmdir(path: string): Promise<void>
  /** Moves a file or a whole directory; replaces a file (or empty directory) at `to`. */
  rename(from: string, to: string): Promise<void>
  symlink(target: string, path: string): Promise<void>
  readlink(path: string): Promise<string>
  /**
   * Runs `fn` so that every change it makes to this service lands whole or not at all:
   * if `fn` throws, the service is as it was before; if it resolves, all changes are durable.
   */
  batch<T>(fn: () => Promise<T>): Promise<T>
}

/** One row of a mount table. */
export interface Mount {
  /** Absolute, normalised mount point, e.g. `/workspace`. */
  path: string
  service: FileService
  readOnly: boolean
}

/** The standard mount points of a project namespace. */
export const STANDARD_MOUNTS = ['/workspace', '/task', '/logs', '/runs', '/cap', '/tmp'] as const

/** Mode bits used by services. */
export const MODE = {
  file: 0o100644,
  executable: 0o100755,
  dir: 0o040755,
  symlink: 0o120000,
} as const
