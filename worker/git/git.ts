import * as git from 'isomorphic-git'
import { AppError, throwIfAborted, toAppError } from '../../shared/errors'
import type { Author, CommitDetails, CommitInfo, FileStatus, Progress } from '../../shared/protocol'
import { removeTree } from '../namespace'
import { createHttpClient } from './http'
import { fastClone } from './fast-clone'
import { httpFailure } from './smart-http'
import { statusMatrix } from './status'
import { isBinary, type Repo } from './repo'

/** Options of a clone. */
export interface CloneOptions {
  url: string
  /** Where the git traffic goes instead (the edge's proxy for `url`); the remote stays `url`. */
  via?: string
  /** Commits of history to fetch; full history when absent. */
  depth?: number
  /** Branch to check out; the remote's default when absent. */
  ref?: string
  signal?: AbortSignal
  onProgress?: (p: Progress) => void
}

/** Turns isomorphic-git's errors into AppErrors with messages a person can act on. */
function gitError(error: unknown, what: string): AppError {
  if (error instanceof AppError) return error
  const e = error as { code?: string; message?: string; data?: { statusCode?: number; statusMessage?: string } }
  if (e?.code === 'HttpError') return httpFailure(e.data?.statusCode, e.data?.statusMessage ?? '', what, error)
  if (e?.code === 'NotFoundError') return new AppError('NOT_FOUND', `${what} failed: ${e.message}`, {}, { cause: error })
  if (typeof e?.code === 'string' && /^[A-Z][A-Za-z]+Error$/.test(e.code)) return new AppError('GIT', `${what} failed: ${e.message}`, { gitCode: e.code }, { cause: error })
  return toAppError(error)
}

/** Clones into `repo.dir` (which must be empty) and checks out the working tree. */
export async function cloneRepo(repo: Repo, options: CloneOptions): Promise<void> {
  const { url, via, depth, ref, signal, onProgress } = options
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new AppError('BAD_INPUT', `'${url}' is not a URL: give a repository address such as https://github.com/owner/repo.git`, { url })
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new AppError('BAD_INPUT', `only http(s) repository addresses can be imported, not '${parsed.protocol}'`, { url })
  try {
    try {
      await fastClone(repo, { url, via, depth, ref, signal, onProgress })
    } catch (error) {
      // A server that our single-request path cannot use gets isomorphic-git's general one.
      if (!(error instanceof AppError && error.data.unsupported)) throw error
      await removeTree(repo.service, repo.dir).then(() => repo.service.mkdir(repo.dir)).catch(() => undefined)
      await git.clone({
        fs: repo.fs,
        http: createHttpClient(signal),
        dir: repo.dir,
        url: via ?? url,
        ref,
        depth,
        singleBranch: depth !== undefined,
        noTags: depth !== undefined,
        cache: repo.cache,
        onProgress: (e) => {
          throwIfAborted(signal)
          onProgress?.({ phase: e.phase, loaded: e.loaded, total: e.total ?? 0 })
        },
      })
    }
    if (via) await git.setConfig({ fs: repo.fs, dir: repo.dir, path: 'remote.origin.url', value: url })
    throwIfAborted(signal)
  } catch (error) {
    if (signal?.aborted) throw new AppError('ABORTED', 'the import was cancelled')
    throw gitError(error, `cloning ${url}`)
  }
}

/** What a push did. */
export interface PushResult {
  branch: string
  /** The commit the remote branch now points at. */
  oid: string
  /** The remote's repository URL (not the proxy's). */
  url: string
}

/**
 * Pushes the current branch (or `branch`) to `origin`, never forcing: a remote that moved on is
 * an error that says to pull first. `via` is the edge's git proxy for the remote's URL.
 */
export async function push(repo: Repo, options: { branch?: string; via?: string; signal?: AbortSignal; onProgress?: (p: Progress) => void }): Promise<PushResult> {
  const { signal, onProgress } = options
  const branch = options.branch ?? (await git.currentBranch({ fs: repo.fs, dir: repo.dir }))
  if (!branch) throw new AppError('BAD_INPUT', 'there is no branch checked out to push: create or switch to a branch first')
  const url = (await git.getConfig({ fs: repo.fs, dir: repo.dir, path: 'remote.origin.url' })) as string | undefined
  if (!url) throw new AppError('BAD_INPUT', 'this project has no remote to push to (it was not imported from a repository)')
  const oid = await git.resolveRef({ fs: repo.fs, dir: repo.dir, ref: branch })
  try {
    const result = await git.push({
      fs: repo.fs,
      http: createHttpClient(signal),
      dir: repo.dir,
      url: options.via ?? url,
      ref: branch,
      remoteRef: branch,
      force: false,
      cache: repo.cache,
      onProgress: (e) => {
        throwIfAborted(signal)
        onProgress?.({ phase: e.phase, loaded: e.loaded, total: e.total ?? 0 })
      },
    })
    if (!result.ok) {
      const why = result.refs?.[`refs/heads/${branch}`]?.error ?? result.error ?? 'the remote refused it'
      throw new AppError('GIT', `pushing ${branch} failed: ${why}`)
    }
  } catch (error) {
    if (signal?.aborted) throw new AppError('ABORTED', 'the push was cancelled')
    const e = error as { code?: string }
    if (e?.code === 'PushRejectedError') throw new AppError('GIT', `${branch} on the remote has commits this project does not have: pull them first (a push never overwrites them)`, {}, { cause: error })
    throw gitError(error, `pushing ${branch} to ${url}`)
  }
  // The remote-tracking ref follows, as after `git push`.
  await git.writeRef({ fs: repo.fs, dir: repo.dir, ref: `refs/remotes/origin/${branch}`, value: oid, force: true })
  return { branch, oid, url }
}

/** Makes `repo.dir` a repository on branch `main`. */
export async function initRepo(repo: Repo): Promise<void> {
  await git.init({ fs: repo.fs, dir: repo.dir, defaultBranch: 'main' })
}

/** Classifies one row of isomorphic-git's status matrix. */
export function classifyStatus([path, head, workdir, stage]: [string, number, number, number]): FileStatus[] {
  const out: FileStatus[] = []
  if (head === 0 && stage === 0) {
    if (workdir === 2) out.push({ path, group: 'untracked', change: 'added' })
    return out
  }
  if (head === 0) out.push({ path, group: 'staged', change: 'added' })
  else if (stage === 0) out.push({ path, group: 'staged', change: 'deleted' })
  else if (stage === 2 || stage === 3) out.push({ path, group: 'staged', change: 'modified' })
  if (stage === 0) {
    if (workdir !== 0) out.push({ path, group: 'untracked', change: 'added' })
  } else if (workdir === 0) {
    out.push({ path, group: 'unstaged', change: 'deleted' })
  } else if ((stage === 1 && workdir === 2) || stage === 3) {
    out.push({ path, group: 'unstaged', change: 'modified' })
  }
  return out
}

/** Changed paths of the working tree and index against HEAD (unchanged files are left out). */
export async function status(repo: Repo, filepaths?: string[]): Promise<FileStatus[]> {
  try {
    return (await statusMatrix(repo, filepaths)).flatMap(classifyStatus)
  } catch (error) {
    throw gitError(error, 'git status')
  }
}


/** HEAD's and the working tree's version of one file (null where it does not exist). */
export async function diffFile(repo: Repo, filepath: string): Promise<{ path: string; head: string | null; workdir: string | null; binary: boolean }> {
  let headBytes: Uint8Array | null = null
  try {
    const oid = await git.resolveRef({ fs: repo.fs, dir: repo.dir, ref: 'HEAD' })
    headBytes = (await git.readBlob({ fs: repo.fs, dir: repo.dir, oid, filepath, cache: repo.cache })).blob
  } catch (error) {
    if (!((error as { code?: string }).code === 'NotFoundError')) throw gitError(error, `reading ${filepath} at HEAD`)
  }
  let work: Uint8Array | null = null
  try {
    work = await repo.fs.promises.readFile(`${repo.dir}/${filepath}`) as Uint8Array
  } catch (error) {
    if (!(error instanceof AppError && error.code === 'ENOENT')) throw error
  }
  const binary = (headBytes !== null && isBinary(headBytes)) || (work !== null && isBinary(work))
  const decode = (b: Uint8Array | null) => (b === null || binary ? null : new TextDecoder().decode(b))
  return { path: filepath, head: decode(headBytes), workdir: decode(work), binary }
}

/** Stages paths: changed files are added, deleted ones removed from the index. */
export async function stage(repo: Repo, paths: string[]): Promise<void> {
  for (const filepath of paths) {
    let present = true
    try {
      await repo.fs.promises.lstat(`${repo.dir}/${filepath}`)
    } catch {
      present = false
    }
    try {
      if (present) await git.add({ fs: repo.fs, dir: repo.dir, filepath, cache: repo.cache })
      else await git.remove({ fs: repo.fs, dir: repo.dir, filepath, cache: repo.cache })
    } catch (error) {
      throw gitError(error, `staging ${filepath}`)
    }
  }
}

/** Takes paths out of the index again (back to HEAD's version, or untracked). */
export async function unstage(repo: Repo, paths: string[]): Promise<void> {
  for (const filepath of paths) {
    try {
      await git.resetIndex({ fs: repo.fs, dir: repo.dir, filepath, cache: repo.cache })
    } catch (error) {
      throw gitError(error, `unstaging ${filepath}`)
    }
  }
}

function toCommitInfo(oid: string, c: { message: string; author: { name: string; email: string; timestamp: number }; parent: string[] }): CommitInfo {
  return { oid, message: c.message, author: { name: c.author.name, email: c.author.email, timestamp: c.author.timestamp }, parents: c.parent }
}

/** Commits the index; refuses an empty message or an author without name and e-mail. */
export async function commit(repo: Repo, message: string, author: Author): Promise<CommitInfo> {
  if (!message.trim()) throw new AppError('BAD_INPUT', 'a commit needs a message')
  if (!author?.name?.trim() || !author?.email?.trim()) throw new AppError('BAD_INPUT', 'set your name and e-mail in Settings before committing')
  try {
    const oid = await git.commit({ fs: repo.fs, dir: repo.dir, message, author, cache: repo.cache })
    const { commit: c } = await git.readCommit({ fs: repo.fs, dir: repo.dir, oid, cache: repo.cache })
    return toCommitInfo(oid, c)
  } catch (error) {
    throw gitError(error, 'commit')
  }
}

/** Local branches and the current one (null when HEAD is detached). */
/**
 * The current branch, the local branches, and the branches of `origin` that have no local
 * branch yet (checking one of those out creates it, tracking origin's).
 */
export async function branches(repo: Repo): Promise<{ current: string | null; local: string[]; remote: string[] }> {
  const [current, local, remote] = await Promise.all([
    git.currentBranch({ fs: repo.fs, dir: repo.dir }).then((b) => b ?? null),
    git.listBranches({ fs: repo.fs, dir: repo.dir }),
    git.listBranches({ fs: repo.fs, dir: repo.dir, remote: 'origin' }).catch(() => [] as string[]),
  ])
  const mine = new Set(local)
  return { current, local: local.sort(), remote: remote.filter((b) => b !== 'HEAD' && !mine.has(b)).sort() }
}

/** Creates a branch at HEAD, optionally switching to it. */
export async function createBranch(repo: Repo, name: string, checkout = false): Promise<void> {
  try {
    await git.branch({ fs: repo.fs, dir: repo.dir, ref: name, checkout })
  } catch (error) {
    throw gitError(error, `creating branch '${name}'`)
  }
}

/** Switches the working tree to `branch` (a local one, or a remote one of origin). */
export async function checkout(repo: Repo, branch: string, onProgress?: (p: Progress) => void): Promise<void> {
  try {
    await git.checkout({ fs: repo.fs, dir: repo.dir, ref: branch, cache: repo.cache, onProgress: (e) => onProgress?.({ phase: e.phase, loaded: e.loaded, total: e.total ?? 0 }) })
  } catch (error) {
    // A ref is a file, so `feature` cannot exist beside `feature/x` (git refuses it the same way).
    if (error instanceof AppError && (error.code === 'EISDIR' || error.code === 'ENOTDIR') && String(error.message).includes('/refs/heads/'))
      throw new AppError('GIT', `cannot create the branch '${branch}': a branch named '${branch}/…' (or a folder of branches with a name it needs) exists already. Rename or delete that branch first.`, { branch }, { cause: error })
    throw gitError(error, `switching to '${branch}'`)
  }
}

/** History from HEAD, newest first. An empty repository has none. */
export async function log(repo: Repo, depth?: number): Promise<CommitInfo[]> {
  try {
    const entries = await git.log({ fs: repo.fs, dir: repo.dir, depth, cache: repo.cache })
    return entries.map((e) => toCommitInfo(e.oid, e.commit))
  } catch (error) {
    if ((error as { code?: string }).code === 'NotFoundError') return []
    throw gitError(error, 'git log')
  }
}

/** A commit and the files it changed against its first parent (all files added for a root commit). */
export async function showCommit(repo: Repo, oid: string): Promise<CommitDetails> {
  if (typeof oid !== 'string' || !/^[0-9a-f]{4,40}$/.test(oid)) throw new AppError('BAD_INPUT', `'${oid}' is not a commit id`)
  try {
    const full = oid.length === 40 ? oid : await git.expandOid({ fs: repo.fs, dir: repo.dir, oid, cache: repo.cache })
    const { commit: c } = await git.readCommit({ fs: repo.fs, dir: repo.dir, oid: full, cache: repo.cache })
    const trees = [git.TREE({ ref: full })]
    if (c.parent[0]) trees.unshift(git.TREE({ ref: c.parent[0] }))
    const files: CommitDetails['files'] = []
    await git.walk({
      fs: repo.fs,
      dir: repo.dir,
      cache: repo.cache,
      trees,
      map: async (filepath, entries) => {
        if (filepath === '.') return true
        const [before, after] = c.parent[0] ? entries : [null, entries[0]]
        const [tb, ta] = await Promise.all([before?.type(), after?.type()])
        if (tb === 'tree' || ta === 'tree') {
          // Descend only into trees that differ.
          const [ob, oa] = await Promise.all([before?.oid(), after?.oid()])
          if (ob === oa) return null
          if (tb === 'tree' && ta === 'tree') return true
        }
        const [ob, oa] = await Promise.all([tb === 'blob' ? before?.oid() : undefined, ta === 'blob' ? after?.oid() : undefined])
        if (ob === oa) return tb === 'tree' || ta === 'tree' ? true : null
        files.push({ path: filepath, change: !ob ? 'added' : !oa ? 'deleted' : 'modified' })
        return tb === 'tree' || ta === 'tree' ? true : null
      },
    })
    return { ...toCommitInfo(full, c), files: files.sort((a, b) => a.path.localeCompare(b.path)) }
  } catch (error) {
    throw gitError(error, `reading commit ${oid}`)
  }
}

/** Stages every file of the working tree that .gitignore does not exclude (an initial add). */
export async function addAll(repo: Repo): Promise<void> {
  try {
    // Not in parallel: one CompressionStream per file at once exhausts the browser on large trees.
    await git.add({ fs: repo.fs, dir: repo.dir, filepath: '.', cache: repo.cache, parallel: false })
  } catch (error) {
    throw gitError(error, 'staging all files')
  }
}

/**
 * The commits on the current branch that `origin/<base>` lacks, newest first (at most `max`);
 * `base` defaults to the branch `origin/HEAD` names, else `main`.
 */
export async function compareBranch(repo: Repo, base?: string, max = 100): Promise<{ branch: string | null; base: string | null; ahead: CommitInfo[] }> {
  const branch = (await git.currentBranch({ fs: repo.fs, dir: repo.dir })) ?? null
  let target = base ?? null
  if (!target) {
    // origin/HEAD names the remote's default branch (depth 2: the ref it points to, unresolved).
    const head = await git.resolveRef({ fs: repo.fs, dir: repo.dir, ref: 'refs/remotes/origin/HEAD', depth: 2 }).catch(() => null)
    target = head?.startsWith('refs/remotes/origin/') ? head.slice('refs/remotes/origin/'.length) : 'main'
  }
  const baseOid = await git.resolveRef({ fs: repo.fs, dir: repo.dir, ref: `refs/remotes/origin/${target}` }).catch(() => null)
  if (!branch) return { branch, base: baseOid ? target : null, ahead: [] }
  const commits = await log(repo, max + 1)
  const ahead: CommitInfo[] = []
  for (const c of commits) {
    if (c.oid === baseOid || ahead.length >= max) break
    ahead.push(c)
  }
  return { branch, base: baseOid ? target : null, ahead: baseOid ? ahead : [] }
}
