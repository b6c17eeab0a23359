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
  /** Pull requests opened from this project, newest last. */
  pullRequests?: PullRequestLink[]
}

/** A pull request opened from a project's branch. */
export interface PullRequestLink {
  branch: string
  base: string
  number: number
  url: string
  title: string
  openedAt: number
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

/**
 * A file's version: changes whenever its content is written (inode and mtime, which the
 * namespace keeps strictly increasing). Used to refuse saving over a change made elsewhere.
 */
export type FileVersion = string

/** A file opened for editing. */
export interface OpenedFile {
  path: string
  /** Null when the file is binary or too large to load; `size` and `binary` say why. */
  text: string | null
  version: FileVersion
  size: number
  binary: boolean
  /** Read-only because of its mount, or because it is too large to edit comfortably. */
  readOnly: boolean
  /** Why it is read-only or not shown, in words for the user; null when it opened normally. */
  notice: string | null
}

/** What a conditional save did: saved, or refused because the file changed since `expect`. */
export type SaveOutcome = { ok: true; version: FileVersion } | { ok: false; reason: 'changed'; version: FileVersion | null }

/** Options of a search across files. */
export interface SearchQuery {
  query: string
  regex?: boolean
  caseSensitive?: boolean
  wholeWord?: boolean
  /** Comma-separated globs of files to include / exclude (workspace-relative), as in VS Code. */
  include?: string
  exclude?: string
  /** Stop after this many matches (default 2000). */
  maxResults?: number
}

/** One match: 1-based line, 0-based column in UTF-16 units, and (part of) the line's text. */
export interface SearchMatch {
  line: number
  column: number
  length: number
  /** Up to 300 characters of the line, containing the match at `previewColumn`. */
  preview: string
  previewColumn: number
}

/** The matches in one file. */
export interface FileMatches {
  path: string
  matches: SearchMatch[]
}

/** Streamed while searching: results found since the last report. */
export interface SearchProgress {
  searched: number
  total: number
  results: FileMatches[]
}

/** A commit with the files it changed against its first parent. */
export interface CommitDetails extends CommitInfo {
  files: Array<{ path: string; change: 'added' | 'modified' | 'deleted' }>
}

/**
 * Events the workspace worker sends every connected tab. `by` is the id of the tab whose call
 * caused it, so a tab can tell its own saves from others'.
 */
export type WorkspaceEvent =
  | { type: 'files-changed'; projectId: string; paths: string[]; by: string }
  /** Many files at once (checkout, import): re-read everything. */
  | { type: 'tree-changed'; projectId: string; by: string }
  /** The index, HEAD or branches changed (stage, unstage, commit, branch). */
  | { type: 'git-changed'; projectId: string; by: string }
  | { type: 'projects-changed'; by: string }

/** True when git accepts `name` as a branch name (`git check-ref-format --branch`, the common rules). */
export function isValidBranchName(name: string): boolean {
  return /^(?!\/|.*\/\/|.*\.\.|.*@\{|.*\.lock$)[^\s~^:?*[\\\x00-\x1f]+(?<!\/|\.)$/.test(name)
}

/** What the workspace worker posts besides RPC results: it is ready, or an event. */
export type WorkerMessage = { kind: 'ready' } | { kind: 'event'; event: WorkspaceEvent }

/**
 * What a tab posts on a new connection: first `hello`, naming itself, then `alive` once it holds
 * the Web Lock it keeps for its lifetime (so the worker never takes that lock before the tab has).
 */
export interface HelloMessage {
  kind: 'hello' | 'alive'
  clientId: string
}

/** The Web Lock a tab holds for as long as it lives; the worker learns of the tab's end by getting it. */
export const clientLockName = (clientId: string) => `coder-client-${clientId}`

/**
 * Opens a connection to the workspace worker as `clientId`: hello at once (before any call), then
 * `alive` once this context holds its lifetime lock, which it keeps until it ends. `locks` is
 * `navigator.locks` (absent: the worker is never told, and keeps the client until the port closes).
 */
export function greetWorkspace(
  port: { postMessage(message: HelloMessage): void },
  clientId: string,
  locks: { request(name: string, callback: () => Promise<never>): unknown } | undefined,
): void {
  port.postMessage({ kind: 'hello', clientId })
  void locks?.request(clientLockName(clientId), () => {
    port.postMessage({ kind: 'alive', clientId })
    return new Promise<never>(() => {})
  })
}

/** One entry of a snapshot of a folder: metadata always, content for the files that were read. */
export interface SnapshotEntry {
  /** Absolute namespace path. */
  path: string
  type: Stat['type']
  mode: number
  size: number
  mtimeMs: number
  /** Changes whenever the content does (see FileVersion). */
  version: FileVersion
  /** Absent for folders, and for files left to be read on demand. */
  data?: Uint8Array
  /** A symbolic link's target. */
  target?: string
}

/** One change a runtime made to its copy of the files, to be applied to the namespace in order. */
export type FsChange =
  | { type: 'write'; path: string; data: Uint8Array; mode: number }
  | { type: 'mkdir'; path: string }
  /** Removes a file, or a folder with everything in it. */
  | { type: 'remove'; path: string }
  | { type: 'rename'; from: string; to: string }
  | { type: 'symlink'; path: string; target: string }

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
  /**
   * Opens a project for this tab. Tabs sharing one workspace worker share the open project;
   * BUSY when another worker (an older version of the app in another tab) has it, unless `takeOver`.
   */
  openProject: Call<{ projectId: string; takeOver?: boolean }, ProjectInfo>
  /** This tab is done with the project; it is closed when no tab uses it. */
  closeProject: Call<{ projectId: string }, void>
  /**
   * Compiles the clone's hot code (the pack indexer) ahead of an import, in the background of the
   * projects page; resolves when done (at once after the first time).
   */
  prepareImport: Call<void, void>
  /** Clones `url` into a new project; a failed or cancelled import leaves nothing behind. */
  importRepo: Call<{ url: string; name?: string; depth?: number; ref?: string; author?: Author; via?: string }, ProjectInfo, Progress>
  /** Imports local files as a new project; a folder without `.git` gets one with an initial commit. */
  importFiles: Call<{ name: string; files: LocalFile[]; author: Author }, ProjectInfo, Progress>
  storage: Call<{ persist?: boolean }, StorageReport>
  readdir: Call<InProject<{ path: string }>, DirEntry[]>
  stat: Call<InProject<{ path: string }>, Stat>
  readFile: Call<InProject<{ path: string }>, Uint8Array>
  /** Opens a file for editing: text, version, and whether it may be edited. */
  openFile: Call<InProject<{ path: string }>, OpenedFile>
  /**
   * Writes a file. With `expect` (a version, or null for "must not exist yet") the write happens
   * only if the file is still at that version; otherwise nothing is written and the outcome says so.
   */
  writeFile: Call<InProject<{ path: string; data: Uint8Array; expect?: FileVersion | null }>, SaveOutcome>
  mkdir: Call<InProject<{ path: string }>, void>
  remove: Call<InProject<{ path: string }>, void>
  rename: Call<InProject<{ from: string; to: string }>, void>
  status: Call<InProject, FileStatus[]>
  diff: Call<InProject<{ path: string }>, { path: string; head: string | null; workdir: string | null; binary: boolean }>
  stage: Call<InProject<{ paths: string[] }>, void>
  unstage: Call<InProject<{ paths: string[] }>, void>
  commit: Call<InProject<{ message: string; author: Author }>, CommitInfo>
  /** Local branches, and origin's branches not checked out yet (`checkout` of one creates it locally). */
  branches: Call<InProject, { current: string | null; local: string[]; remote: string[] }>
  /**
   * Pushes the current branch (or `branch`) to the project's remote, never forcing; `via` is the
   * edge's git proxy URL for the remote (which adds the user's token). Resolves to the pushed commit.
   */
  push: Call<InProject<{ branch?: string; via?: string }>, { branch: string; oid: string; url: string }, Progress>
  /**
   * The commits of the current branch that `origin/<base>` does not have (newest first, at most
   * 100), for a pull request's description; `base` defaults to the remote's default branch.
   */
  compareBranch: Call<InProject<{ base?: string }>, { branch: string | null; base: string | null; ahead: CommitInfo[] }>
  /** Keeps a pull request opened from the project with it (shown in the git panel). */
  recordPullRequest: Call<InProject<{ pullRequest: PullRequestLink }>, ProjectInfo>
  createBranch: Call<InProject<{ name: string; checkout?: boolean }>, void>
  checkout: Call<InProject<{ branch: string }>, void, Progress>
  log: Call<InProject<{ depth?: number }>, CommitInfo[]>
  showCommit: Call<InProject<{ oid: string }>, CommitDetails>
  /** The workspace (its `.git` included) as a zip, for download. */
  exportZip: Call<InProject, Uint8Array, Progress>
  /** Every file of the workspace (workspace-relative paths), for quick open; `.git` left out. */
  listFiles: Call<InProject, string[]>
  /**
   * Every entry under `path` (absolute), for a runtime's in-memory copy: metadata of all, and the
   * content of files of at most `maxBytes` (default 1 MiB) except inside folders named in `lazy`
   * (e.g. `node_modules`, read on demand), and of at most `maxFiles` files in all (the first found).
   * Folders named in `skip` (e.g. `.git`) are left out.
   */
  snapshot: Call<InProject<{ path: string; skip?: string[]; lazy?: string[]; maxBytes?: number; maxFiles?: number }>, SnapshotEntry[]>
  /** Applies a runtime's changes in order, as one batch; one `files-changed` event names them all. */
  applyChanges: Call<InProject<{ changes: FsChange[] }>, void>
  /** Searches the workspace's text files; results stream as progress; resolves to the totals. */
  search: Call<InProject<SearchQuery>, { files: number; matches: number; searched: number; truncated: boolean }, SearchProgress>
}
