import { AppError } from '../../shared/errors'
import { basename, dirname, joinPath, mkdirp, normalizePath } from '../../shared/namespace'
import type { Handlers } from '../../shared/rpc'
import { isValidBranchName, type DirEntry, type FsChange, type SnapshotEntry, type FileVersion, type LocalFile, type OpenedFile, type SaveOutcome, type WorkspaceApi, type WorkspaceEvent } from '../../shared/protocol'
import type { Stat } from '../../shared/namespace'
import { removeTree } from '../namespace'
import { isBinary } from '../git/repo'
import { listFiles, searchFiles } from '../search'
import { zipDirectory } from '../archive'
import type { OpenProject, Projects } from '../projects'

/** A project name from a repository URL: `https://host/owner/repo.git` → `repo`. */
export function nameFromUrl(url: string): string {
  try {
    const last = new URL(url).pathname.split('/').filter(Boolean).pop() ?? ''
    return last.replace(/\.git$/, '') || new URL(url).host
  } catch {
    return url
  }
}

/** The git module, loaded on first use (isomorphic-git and the pack code are most of the worker's size). */
const loadGit = () => import('../git')

let warmedUp: Promise<void> | null = null
/** Loads the git code and compiles the pack indexer, once per worker (a clone is several times faster then). */
function warmUp(): Promise<void> {
  warmedUp ??= Promise.all([loadGit(), import('../git/pack').then(({ warmUpPackIndexer }) => warmUpPackIndexer())])
    .then(() => undefined)
    .catch((error: unknown) => console.warn('pack indexer warm-up failed', error))
  return warmedUp
}

/** Paths from the UI are workspace-relative or absolute namespace paths; either way normalised. */
function nsPath(path: string): string {
  if (typeof path !== 'string' || path === '') throw new AppError('BAD_INPUT', 'a path is required')
  return normalizePath(path.startsWith('/') ? path : `/workspace/${path}`)
}

/** Git works on paths relative to `/workspace`. */
function repoPaths(paths: string[]): string[] {
  if (!Array.isArray(paths) || paths.length === 0) throw new AppError('BAD_INPUT', 'no paths given')
  return paths.map((p) => {
    const full = nsPath(p)
    if (!full.startsWith('/workspace/')) throw new AppError('BAD_INPUT', `'${p}' is not inside /workspace`)
    return full.slice('/workspace/'.length)
  })
}

/** Files larger than this open read-only (with a notice); larger than OPEN_MAX_BYTES, not at all. */
export const EDIT_MAX_BYTES = 2 * 1024 * 1024
export const OPEN_MAX_BYTES = 32 * 1024 * 1024

/** A file's version from its stat: the inode changes on re-creation, mtime on every write. */
export function versionOf(s: Pick<Stat, 'ino' | 'mtimeMs'>): FileVersion {
  return `${s.ino}.${s.mtimeMs}`
}

/** What the handlers need from their host: storage reporting, and where events go. */
export interface WorkspaceEnv {
  storage?: StorageManager
  /** Receives an event after each change; `by` is filled with `clientId`. */
  emit?: (event: WorkspaceEvent) => void
  /** The tab these handlers serve. */
  clientId?: string
}

/** The handlers of the workspace worker, over `projects`, for one tab. */
export function createWorkspaceHandlers(projects: Projects, env: WorkspaceEnv = {}): Handlers<WorkspaceApi> {
  const by = env.clientId ?? 'local'
  const emit = (event: WorkspaceEvent) => env.emit?.(event)
  const filesChanged = (projectId: string, paths: string[]) => emit({ type: 'files-changed', projectId, paths, by })
  const open = (projectId: string): Promise<OpenProject> => {
    if (typeof projectId !== 'string' || !projectId) throw new AppError('BAD_INPUT', 'a project id is required')
    return projects.open(projectId)
  }

  async function refresh(project: OpenProject, fields: { branch?: boolean } = {}) {
    const branch = fields.branch ? (await (await loadGit()).branches(project.repo).catch(() => ({ current: null }))).current : project.info.branch
    project.info = await projects.update(project.info.id, { bytes: project.usage(), branch })
    return project.info
  }

  /** Creates a project, runs `fill` on it; on any failure the project is deleted again. */
  async function createFilled(fields: { name: string; url: string | null }, fill: (p: OpenProject) => Promise<void>) {
    const info = await projects.create(fields)
    try {
      const project = await projects.open(info.id)
      await fill(project)
      return await refresh(project, { branch: true })
    } catch (error) {
      await projects.remove(info.id).catch(() => undefined)
      throw error
    }
  }

  return {
    listProjects: () => projects.list(),
    prepareImport: () => warmUp(),
    async createProject({ name }) {
      const info = await createFilled({ name, url: null }, async (p) => {
        await (await loadGit()).initRepo(p.repo)
      })
      emit({ type: 'projects-changed', by })
      return info
    },
    async deleteProject({ projectId }) {
      await projects.remove(projectId)
      emit({ type: 'projects-changed', by })
    },
    openProject: async ({ projectId, takeOver }) => {
      if (typeof projectId !== 'string' || !projectId) throw new AppError('BAD_INPUT', 'a project id is required')
      return (await projects.open(projectId, { takeOver })).info
    },
    closeProject: ({ projectId }) => projects.close(projectId),
    async importRepo({ url, name, depth, ref, via }, { signal, progress }) {
      if (typeof url !== 'string' || !url.trim()) throw new AppError('BAD_INPUT', 'give a repository URL to import')
      if (depth !== undefined && (!Number.isInteger(depth) || depth < 1)) throw new AppError('BAD_INPUT', 'depth must be a whole number of commits, 1 or more')
      const clean = url.trim()
      const info = await createFilled({ name: name?.trim() || nameFromUrl(clean), url: clean }, async (p) => {
        // One batch: the whole clone lands in storage at once, or not at all.
        await p.workspace.batch(async () => {
          await (await loadGit()).cloneRepo(p.repo, { url: clean, via: via || undefined, depth, ref: ref?.trim() || undefined, signal, onProgress: progress })
          progress({ phase: 'Saving to storage', loaded: 0, total: 0 })
        })
      })
      emit({ type: 'projects-changed', by })
      return info
    },
    async importFiles({ name, files, author }, { signal, progress }) {
      if (!Array.isArray(files) || files.length === 0) throw new AppError('BAD_INPUT', 'the folder is empty: nothing to import')
      const info = await createFilled({ name, url: null }, async (p) => {
        await p.workspace.batch(async () => {
          await writeLocalFiles(p, files, signal, progress)
          if (!files.some((f) => normalizePath(f.path).startsWith('/.git/'))) {
            progress({ phase: 'Creating repository', loaded: 0, total: 0 })
            const git = await loadGit()
            await git.initRepo(p.repo)
            await git.addAll(p.repo)
            await git.commit(p.repo, 'Initial import', author)
          }
        })
      })
      emit({ type: 'projects-changed', by })
      return info
    },
    async storage({ persist } = {}) {
      const storage = env.storage
      if (!storage) return { usage: 0, quota: 0, persisted: false }
      // persist() exists only on a page's navigator; the UI asks there and reports it here.
      const ask = (storage as { persist?: () => Promise<boolean> }).persist
      const persisted = persist && ask ? await ask.call(storage).catch(() => false) : await storage.persisted().catch(() => false)
      const { usage = 0, quota = 0 } = await storage.estimate()
      return { usage, quota, persisted }
    },
    async readdir({ projectId, path }) {
      const p = await open(projectId)
      const dir = nsPath(path)
      const names = await p.namespace.readdir(dir)
      const out: DirEntry[] = []
      for (const name of names) {
        const full = joinPath(dir, name)
        const s = await p.namespace.lstat(full)
        out.push({ name, path: full, type: s.type, size: s.size, readOnly: p.namespace.resolve(full)?.mount.readOnly ?? true })
      }
      return out
    },
    stat: async ({ projectId, path }) => (await open(projectId)).namespace.stat(nsPath(path)),
    readFile: async ({ projectId, path }) => (await open(projectId)).namespace.readFile(nsPath(path)),
    async openFile({ projectId, path }): Promise<OpenedFile> {
      const p = await open(projectId)
      const full = nsPath(path)
      const s = await p.namespace.stat(full)
      if (s.type !== 'file') throw new AppError('BAD_INPUT', `'${full}' is a folder, not a file`)
      const mountReadOnly = p.namespace.resolve(full)?.mount.readOnly ?? true
      const base = { path: full, version: versionOf(s), size: s.size }
      if (s.size > OPEN_MAX_BYTES) return { ...base, text: null, binary: false, readOnly: true, notice: `This file is too large to open here (${formatMiB(s.size)}).` }
      const data = await p.namespace.readFile(full)
      if (isBinary(data)) return { ...base, text: null, binary: true, readOnly: true, notice: `Binary file (${data.length.toLocaleString('en')} bytes): not shown.` }
      const large = s.size > EDIT_MAX_BYTES
      return {
        ...base,
        text: new TextDecoder().decode(data),
        binary: false,
        readOnly: mountReadOnly || large,
        notice: large ? `Large file (${formatMiB(s.size)}): opened read-only so the page stays responsive.` : mountReadOnly ? 'This folder is read-only.' : null,
      }
    },
    async writeFile({ projectId, path, data, expect }) {
      if (!(data instanceof Uint8Array)) throw new AppError('BAD_INPUT', 'file content must be bytes')
      const p = await open(projectId)
      const full = nsPath(path)
      // The check and the write are one step: another tab's save cannot land between them.
      const outcome = await p.exclusive(full, async (): Promise<SaveOutcome> => {
        if (expect !== undefined) {
          const now = await p.namespace.stat(full).catch((error: unknown) => {
            if (error instanceof AppError && error.code === 'ENOENT') return null
            throw error
          })
          const current = now ? versionOf(now) : null
          if (current !== expect) return { ok: false, reason: 'changed', version: current }
        }
        await p.namespace.writeFile(full, data)
        return { ok: true, version: versionOf(await p.namespace.stat(full)) }
      })
      if (outcome.ok) filesChanged(projectId, [full])
      return outcome
    },
    async mkdir({ projectId, path }) {
      const full = nsPath(path)
      await mkdirp((await open(projectId)).namespace, full)
      filesChanged(projectId, [full])
    },
    async remove({ projectId, path }) {
      const p = await open(projectId)
      const full = nsPath(path)
      if (p.namespace.resolve(full)?.path === '/') throw new AppError('BAD_INPUT', `'${full}' is a mount point and cannot be deleted`)
      await p.namespace.batch(() => removeTree(p.namespace, full))
      filesChanged(projectId, [full])
    },
    async rename({ projectId, from, to }) {
      const [a, b] = [nsPath(from), nsPath(to)]
      if (b === a || b.startsWith(`${a}/`)) throw new AppError('BAD_INPUT', `cannot move '${a}' into itself`)
      const p = await open(projectId)
      if (await p.namespace.lstat(b).then(() => true, () => false)) throw new AppError('EEXIST', `'${basename(b)}' already exists in ${dirname(b)}`, { path: b })
      await p.namespace.rename(a, b)
      filesChanged(projectId, [a, b])
    },
    status: async ({ projectId }) => (await loadGit()).status((await open(projectId)).repo),
    async diff({ projectId, path }) {
      const [rel] = repoPaths([path])
      return (await loadGit()).diffFile((await open(projectId)).repo, rel)
    },
    async stage({ projectId, paths }) {
      await (await loadGit()).stage((await open(projectId)).repo, repoPaths(paths))
      emit({ type: 'git-changed', projectId, by })
    },
    async unstage({ projectId, paths }) {
      await (await loadGit()).unstage((await open(projectId)).repo, repoPaths(paths))
      emit({ type: 'git-changed', projectId, by })
    },
    async commit({ projectId, message, author }) {
      const p = await open(projectId)
      const info = await (await loadGit()).commit(p.repo, message, author)
      await refresh(p)
      emit({ type: 'git-changed', projectId, by })
      return info
    },
    branches: async ({ projectId }) => (await loadGit()).branches((await open(projectId)).repo),
    async push({ projectId, branch, via }, { signal, progress }) {
      const p = await open(projectId)
      if (via !== undefined && (typeof via !== 'string' || !/^https?:\/\//.test(via))) throw new AppError('BAD_INPUT', 'the push proxy must be an http(s) URL')
      // The pushed objects and the remote-tracking ref are written as one batch.
      const result = await p.workspace.batch(async () => (await loadGit()).push(p.repo, { branch, via: via || undefined, signal, onProgress: progress }))
      await refresh(p)
      emit({ type: 'git-changed', projectId, by })
      return result
    },
    async compareBranch({ projectId, base }) {
      if (base !== undefined && (typeof base !== 'string' || !isValidBranchName(base))) throw new AppError('BAD_INPUT', `'${base}' is not a valid branch name`)
      return (await loadGit()).compareBranch((await open(projectId)).repo, base)
    },
    async recordPullRequest({ projectId, pullRequest }) {
      const p = await open(projectId)
      const pr = pullRequest
      if (!pr || typeof pr.url !== 'string' || !/^https?:\/\//.test(pr.url) || !Number.isInteger(pr.number) || typeof pr.branch !== 'string' || typeof pr.base !== 'string' || typeof pr.title !== 'string') {
        throw new AppError('BAD_INPUT', 'a pull request needs its branch, base, number, title and http(s) URL')
      }
      const kept = (p.info.pullRequests ?? []).filter((x) => x.url !== pr.url)
      p.info = await projects.update(p.info.id, { pullRequests: [...kept, { branch: pr.branch, base: pr.base, number: pr.number, url: pr.url, title: pr.title.slice(0, 256), openedAt: Number(pr.openedAt) || Date.now() }].slice(-50) })
      emit({ type: 'projects-changed', by })
      return p.info
    },
    async createBranch({ projectId, name, checkout: switchTo }) {
      if (typeof name !== 'string' || !isValidBranchName(name)) throw new AppError('BAD_INPUT', `'${name}' is not a valid branch name`)
      const p = await open(projectId)
      await (await loadGit()).createBranch(p.repo, name, switchTo)
      await refresh(p, { branch: true })
      emit({ type: 'git-changed', projectId, by })
    },
    async checkout({ projectId, branch }, { progress }) {
      const [p, git] = await Promise.all([open(projectId), loadGit()])
      await p.workspace.batch(() => git.checkout(p.repo, branch, progress))
      await refresh(p, { branch: true })
      emit({ type: 'tree-changed', projectId, by })
      emit({ type: 'git-changed', projectId, by })
    },
    log: async ({ projectId, depth }) => (await loadGit()).log((await open(projectId)).repo, depth),
    showCommit: async ({ projectId, oid }) => (await loadGit()).showCommit((await open(projectId)).repo, oid),
    async exportZip({ projectId }, { signal, progress }) {
      const p = await open(projectId)
      const name = p.info.name.replace(/[^\w.-]+/g, '-') || 'project'
      return zipDirectory(p.namespace, '/workspace', name, { signal, onProgress: progress })
    },
    async snapshot({ projectId, path, skip = ['.git'], lazy = [], maxBytes = 1024 * 1024, maxFiles = Infinity }) {
      const p = await open(projectId)
      return snapshotTree(p.namespace, nsPath(path), new Set(skip), new Set(lazy), maxBytes, maxFiles)
    },
    async applyChanges({ projectId, changes }) {
      if (!Array.isArray(changes)) throw new AppError('BAD_INPUT', 'changes must be a list')
      if (changes.length === 0) return
      const p = await open(projectId)
      const paths = new Set<string>()
      await p.namespace.batch(async () => {
        for (const change of changes) for (const path of await applyChange(p, change)) paths.add(path)
      })
      filesChanged(projectId, [...paths])
    },
    listFiles: async ({ projectId }) => listFiles((await open(projectId)).namespace, '/workspace'),
    search: async ({ projectId, ...query }, { signal, progress }) => searchFiles((await open(projectId)).namespace, '/workspace', query, { signal, onProgress: progress }),
  }
}

type Ns = OpenProject['namespace']

/** Lists a folder's entries (depth-first), then reads the chosen files sixteen at a time (IndexedDB serves them in parallel). */
async function snapshotTree(ns: Ns, root: string, skip: Set<string>, lazy: Set<string>, maxBytes: number, maxFiles: number): Promise<SnapshotEntry[]> {
  const out: SnapshotEntry[] = []
  const reads: Array<() => Promise<void>> = []
  async function visit(dir: string, readContent: boolean): Promise<void> {
    for (const name of await ns.readdir(dir)) {
      if (skip.has(name)) continue
      const path = joinPath(dir, name)
      const s = await ns.lstat(path)
      const entry: SnapshotEntry = { path, type: s.type, mode: s.mode, size: s.size, mtimeMs: s.mtimeMs, version: versionOf(s) }
      out.push(entry)
      if (s.type === 'dir') await visit(path, readContent && !lazy.has(name))
      else if (s.type === 'symlink') entry.target = await ns.readlink(path)
      else if (readContent && s.size <= maxBytes && reads.length < maxFiles) reads.push(async () => void (entry.data = await ns.readFile(path)))
    }
  }
  await visit(root, true)
  for (let i = 0; i < reads.length; i += 16) await Promise.all(reads.slice(i, i + 16).map((read) => read()))
  return out
}

/** Applies one change a runtime made; returns the paths it touched. Only writable mounts accept them. */
async function applyChange(p: OpenProject, change: FsChange): Promise<string[]> {
  const ns = p.namespace
  switch (change.type) {
    case 'write': {
      const path = nsPath(change.path)
      if (!(change.data instanceof Uint8Array)) throw new AppError('BAD_INPUT', `no content for '${path}'`)
      await mkdirp(ns, dirname(path))
      await ns.writeFile(path, change.data, { mode: change.mode & 0o111 ? 0o755 : 0o644 })
      return [path]
    }
    case 'mkdir': {
      const path = nsPath(change.path)
      await mkdirp(ns, path)
      return [path]
    }
    case 'remove': {
      const path = nsPath(change.path)
      if (ns.resolve(path)?.path === '/') throw new AppError('BAD_INPUT', `'${path}' is a mount point and cannot be deleted`)
      const there = await ns.lstat(path).then(() => true, () => false)
      if (there) await removeTree(ns, path)
      return [path]
    }
    case 'rename': {
      const [from, to] = [nsPath(change.from), nsPath(change.to)]
      await mkdirp(ns, dirname(to))
      const target = await ns.lstat(to).catch(() => null)
      if (target?.type === 'dir') await removeTree(ns, to)
      await ns.rename(from, to)
      return [from, to]
    }
    case 'symlink': {
      const path = nsPath(change.path)
      await mkdirp(ns, dirname(path))
      await ns.symlink(change.target, path)
      return [path]
    }
    default:
      throw new AppError('BAD_INPUT', `unknown change '${(change as { type: string }).type}'`)
  }
}

function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

async function writeLocalFiles(p: OpenProject, files: LocalFile[], signal: AbortSignal, progress: (x: { phase: string; loaded: number; total: number }) => void): Promise<void> {
  let done = 0
  for (const f of files) {
    if (signal.aborted) throw new AppError('ABORTED', 'the import was cancelled')
    if (!(f?.data instanceof Uint8Array) || typeof f.path !== 'string') throw new AppError('BAD_INPUT', 'each file needs a path and bytes')
    const full = joinPath('/workspace', f.path)
    await mkdirp(p.namespace, dirname(full))
    await p.namespace.writeFile(full, f.data, { mode: f.executable ? 0o755 : 0o644 })
    if (++done % 50 === 0 || done === files.length) progress({ phase: `Writing files (${basename(full)})`, loaded: done, total: files.length })
  }
}
