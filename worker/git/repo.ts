import type { FileService } from '../../shared/namespace'
import { createFsAdapter, type FsAdapter } from '../namespace'

/** A git repository: a working tree at `dir` of a file service (usually the project namespace). */
export interface Repo {
  fs: FsAdapter
  /** The file service under `fs`, for walks that need no Node-style stats. */
  service: FileService
  dir: string
  /** isomorphic-git's object cache, shared by the calls on one repo. */
  cache: object
}

/** Wraps `service` at `dir` as a repo. Loads no git code: that comes with the first git call. */
export function openRepo(service: FileService, dir = '/workspace'): Repo {
  return { fs: createFsAdapter(service), service, dir, cache: {} }
}

/** True when the first 8 KB hold a NUL byte, git's own test for binary content. */
export function isBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8000)
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true
  return false
}
