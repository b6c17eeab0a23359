/** @module The web ⇄ workspace-worker API: one type map, from which the RPC envelopes are derived. */
import type { Stat } from '../namespace'

/** A project as the projects page lists it. */
export interface ProjectInfo {
  id: string
  name: string
  /** Where it was cloned from; null for a local folder or a new project. */
  url: string | null
  branch: string | null
  createdAt: number
  lastOpenedAt: number
  /** Bytes stored for the project (its files, history and records). */
  bytes: number
}

/** Progress of a long operation (import, clone, checkout). */
export interface Progress {
  phase: string
  loaded: number
  /** 0 when unknown. */
  total: number
}

/** One directory entry as the file tree shows it. */
export interface DirEntry {
  name: string
  path: string
  type: Stat['type']
  size: number
  readOnly: boolean
}

/** Git status of one path, grouped the way the git panel shows it. */
export interface FileStatus {
  path: string
  /** Where the change is: in the index (staged), only in the working tree (unstaged), or unknown to git. */
  group: 'staged' | 'unstaged' | 'untracked'
  change: 'added' | 'modified' | 'deleted'
}

/** One commit of the history list. */
export interface CommitInfo {
  oid: string
  message: string
  author: { name: string; email: string; timestamp: number }
  parents: string[]
}

/** The commit author, from settings. */
export interface Author {
  name: string
  email: string
}

/** A local file handed over by the browser (directory picker or drag and drop). */
export interface LocalFile {
  path: string
  data: Uint8Array
  executable?: boolean
}

/** Storage the browser grants the origin. */
export interface StorageReport {
  usage: number
  quota: number
  persisted: boolean
}

type Call<P, R, G = never> = { params: P; result: R; progress: G }
type InProject<P = object> = P & { projectId: string }

/** Every method the workspace worker serves. */
export type WorkspaceApi = {
  listProjects: Call<void, ProjectInfo[]>
  createProject: Call<{ name: string }, ProjectInfo>
  deleteProject: Call<{ projectId: string }, void>
  /** Opens a project in this tab; BUSY when another tab has it, unless `takeOver`. */
  openProject: Call<{ projectId: string; takeOver?: boolean }, ProjectInfo>
  /** Clones `url` into a new project; a failed or cancelled import leaves nothing behind. */
  /** Closes a project in this tab, so another tab may open it. */
  closeProject: Call<{ projectId: string }, void>
  importRepo: Call<{ url: string; name?: string; depth?: number; ref?: string; author?: Author }, ProjectInfo, Progress>
  /** Imports local files as a new project; a folder without `.git` gets one with an initial commit. */
  importFiles: Call<{ name: string; files: LocalFile[]; author: Author }, ProjectInfo, Progress>
  storage: Call<{ persist?: boolean }, StorageReport>
  readdir: Call<InProject<{ path: string }>, DirEntry[]>
  stat: Call<InProject<{ path: string }>, Stat>
  readFile: Call<InProject<{ path: string }>, Uint8Array>
  writeFile: Call<InProject<{ path: string; data: Uint8Array }>, void>
  mkdir: Call<InProject<{ path: string }>, void>
  remove: Call<InProject<{ path: string }>, void>
  rename: Call<InProject<{ from: string; to: string }>, void>
  status: Call<InProject, FileStatus[]>
  diff: Call<InProject<{ path: string }>, { path: string; head: string | null; workdir: string | null; binary: boolean }>
  stage: Call<InProject<{ paths: string[] }>, void>
  unstage: Call<InProject<{ paths: string[] }>, void>
  commit: Call<InProject<{ message: string; author: Author }>, CommitInfo>
  branches: Call<InProject, { current: string | null; local: string[] }>
  createBranch: Call<InProject<{ name: string; checkout?: boolean }>, void>
  checkout: Call<InProject<{ branch: string }>, void, Progress>
  log: Call<InProject<{ depth?: number }>, CommitInfo[]>
}
