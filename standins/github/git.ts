/**
 * The bare repositories behind the GitHub stand-in, read and written with native git: what the
 * REST API reports about branches, commits and pull requests comes from here, never from memory.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/** One commit as `git log` reports it. */
export interface CommitInfo {
  sha: string
  tree: string
  parents: string[]
  author: { name: string; email: string; date: string }
  committer: { name: string; email: string; date: string }
  message: string
}

/** Files a commit changed, for push payloads. */
export interface CommitChanges {
  added: string[]
  removed: string[]
  modified: string[]
}

/** The sha git uses for "no commit": the old value of a created ref, the new value of a deleted one. */
export const ZERO_SHA = '0000000000000000000000000000000000000000'

interface GitResult {
  code: number
  stdout: string
  stderr: string
}

/** Author and committer of the commits the stand-in seeds itself. */
const SEED_AUTHOR = 'GitHub stand-in <standin@127.0.0.1> 1704067200 +0000'

/** Runs git in `gitDir`; resolves with its exit code and output (a non-zero exit is not an error here). */
function run(gitDir: string | null, args: string[], options: { input?: string | Buffer; env?: Record<string, string> } = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      gitDir === null ? args : [`--git-dir=${gitDir}`, ...args],
      { env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...options.env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error)
        else resolve({ code: error ? Number(error.code) : 0, stdout, stderr })
      },
    )
    if (options.input !== undefined) child.stdin?.end(options.input)
  })
}

/** Runs git in `gitDir` and resolves to its stdout; rejects with git's message on a non-zero exit. */
async function git(gitDir: string | null, args: string[], options: { input?: string | Buffer; env?: Record<string, string> } = {}): Promise<string> {
  const result = await run(gitDir, args, options)
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr.trim()}`)
  return result.stdout
}

/** Creates an empty bare repository at `dir` whose HEAD names `defaultBranch`. */
export async function initBare(dir: string, defaultBranch: string): Promise<void> {
  await mkdir(dirname(dir), { recursive: true })
  await git(null, ['init', '--quiet', '--bare', `--initial-branch=${defaultBranch}`, dir])
}

/** Copies every branch and tag of the repository at `source` (a path or URL) into a new bare repository at `dir`. */
export async function cloneBare(source: string, dir: string): Promise<void> {
  await mkdir(dirname(dir), { recursive: true })
  await git(null, ['clone', '--quiet', '--bare', '--no-local', source, dir])
}

/**
 * Writes a new repository's history in one `git fast-import`: a first commit with `files` on
 * `defaultBranch`, and one commit per entry of `branches` on top of it, adding or changing that
 * entry's files. Dates and author are fixed, so the shas are reproducible.
 */
export async function seedHistory(dir: string, defaultBranch: string, files: Record<string, string>, branches: Record<string, Record<string, string>>): Promise<void> {
  const parts: Buffer[] = []
  const data = (text: string) => {
    const bytes = Buffer.from(text)
    parts.push(Buffer.from(`data ${bytes.length}\n`), bytes, Buffer.from('\n'))
  }
  let mark = 0
  const commit = (branch: string, message: string, changes: Record<string, string>, from: number | null) => {
    const blobs = Object.entries(changes).map(([path, content]) => {
      parts.push(Buffer.from(`blob\nmark :${++mark}\n`))
      data(content)
      return `M 100644 :${mark} ${path}\n`
    })
    const own = ++mark
    parts.push(Buffer.from(`commit refs/heads/${branch}\nmark :${own}\nauthor ${SEED_AUTHOR}\ncommitter ${SEED_AUTHOR}\n`))
    data(message)
    parts.push(Buffer.from(`${from === null ? '' : `from :${from}\n`}${blobs.join('')}\n`))
    return own
  }
  const root = commit(defaultBranch, 'Initial commit', files, null)
  for (const [branch, changes] of Object.entries(branches)) commit(branch, `Change ${Object.keys(changes).join(', ')}`, changes, root)
  await git(dir, ['fast-import', '--quiet'], { input: Buffer.concat(parts) })
}

/** The branch HEAD names (a bare repository's default branch). */
export async function headBranch(dir: string): Promise<string> {
  return (await git(dir, ['symbolic-ref', '--short', 'HEAD'])).trim()
}

/** Resolves a branch, tag or sha to a commit sha; null when there is no such commit. */
export async function resolveCommit(dir: string, ref: string): Promise<string | null> {
  if (ref.startsWith('-')) return null
  const result = await run(dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])
  return result.code === 0 ? result.stdout.trim() : null
}

/** Every ref of the repository with the object it points at. */
export async function listRefs(dir: string): Promise<Map<string, string>> {
  const out = await git(dir, ['for-each-ref', '--format=%(objectname) %(refname)'])
  const refs = new Map<string, string>()
  for (const line of out.split('\n')) {
    const space = line.indexOf(' ')
    if (space > 0) refs.set(line.slice(space + 1), line.slice(0, space))
  }
  return refs
}

/** Whether `name` is a valid full ref name (`git check-ref-format`). */
export async function isValidRefName(dir: string, name: string): Promise<boolean> {
  return (await run(dir, ['check-ref-format', name])).code === 0
}

/** Creates `ref` at `sha`; resolves false if the ref already exists (never moves an existing ref). */
export async function createRef(dir: string, ref: string, sha: string): Promise<boolean> {
  const result = await run(dir, ['update-ref', ref, sha, ZERO_SHA])
  return result.code === 0
}

/** Whether an object with this sha exists in the repository. */
export async function objectExists(dir: string, sha: string): Promise<boolean> {
  if (!/^[0-9a-f]{40}$/.test(sha)) return false
  return (await run(dir, ['cat-file', '-e', sha])).code === 0
}

/** The commit `sha`; rejects if it is not a commit of the repository. */
export async function readCommit(dir: string, sha: string): Promise<CommitInfo> {
  const out = await git(dir, ['log', '-1', '--format=%H%x00%T%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B', sha, '--'])
  const [hash, tree, parents, an, ae, ad, cn, ce, cd, message] = out.split('\0')
  return {
    sha: hash,
    tree,
    parents: parents ? parents.split(' ') : [],
    author: { name: an, email: ae, date: ad },
    committer: { name: cn, email: ce, date: cd },
    message: message.replace(/\n+$/, ''),
  }
}

/** Commits reachable from `head` but not from `base` (`base` null: all of `head`'s), oldest first, at most `limit`. */
export async function commitsBetween(dir: string, base: string | null, head: string, limit = 20): Promise<CommitInfo[]> {
  const range = base ? [head, `^${base}`] : [head]
  const out = await git(dir, ['rev-list', '--reverse', `--max-count=${limit}`, ...range, '--'])
  const shas = out.split('\n').filter(Boolean)
  return Promise.all(shas.map((sha) => readCommit(dir, sha)))
}

/** How many commits `head` has that `base` lacks. */
export async function countCommits(dir: string, base: string, head: string): Promise<number> {
  return Number((await git(dir, ['rev-list', '--count', head, `^${base}`, '--'])).trim())
}

/** Whether `ancestor` is reachable from `descendant`. */
export async function isAncestor(dir: string, ancestor: string, descendant: string): Promise<boolean> {
  return (await run(dir, ['merge-base', '--is-ancestor', ancestor, descendant])).code === 0
}

/** Lines added and deleted and files changed from the merge base of `base` and `head` to `head` (what a PR shows). */
export async function diffStat(dir: string, base: string, head: string): Promise<{ additions: number; deletions: number; changedFiles: number }> {
  const out = await git(dir, ['diff', '--numstat', `${base}...${head}`, '--'])
  let additions = 0
  let deletions = 0
  let changedFiles = 0
  for (const line of out.split('\n').filter(Boolean)) {
    const [a, d] = line.split('\t')
    additions += Number(a) || 0
    deletions += Number(d) || 0
    changedFiles++
  }
  return { additions, deletions, changedFiles }
}

/** Whether `head` merges into `base` without conflicts (`git merge-tree --write-tree`). */
export async function mergesCleanly(dir: string, base: string, head: string): Promise<boolean> {
  return (await run(dir, ['merge-tree', '--write-tree', base, head])).code === 0
}

/** The files commit `sha` added, removed and modified relative to its first parent. */
export async function commitChanges(dir: string, sha: string): Promise<CommitChanges> {
  const out = await git(dir, ['diff-tree', '--root', '--no-commit-id', '--name-status', '-r', sha])
  const changes: CommitChanges = { added: [], removed: [], modified: [] }
  for (const line of out.split('\n').filter(Boolean)) {
    const [status, path] = line.split('\t')
    if (status.startsWith('A')) changes.added.push(path)
    else if (status.startsWith('D')) changes.removed.push(path)
    else changes.modified.push(path)
  }
  return changes
}

/** One entry of a tree, as the contents API lists it. */
export interface TreeEntry {
  /** `blob` (a file; `mode` 120000: a symlink), `tree` (a directory) or `commit` (a submodule). */
  type: 'blob' | 'tree' | 'commit'
  mode: string
  sha: string
  /** Repository-relative. */
  path: string
  /** Bytes of a blob; 0 otherwise. */
  size: number
}

/** What a path names in a commit: a file with its bytes, a directory with its entries, or null when nothing is there. */
export type PathContent = { kind: 'file'; entry: TreeEntry; content: Buffer } | { kind: 'dir'; path: string; sha: string; entries: TreeEntry[] } | null

/** Whether the repository has no commits at all (GitHub: "This repository is empty."). */
export async function isEmpty(dir: string): Promise<boolean> {
  return (await listRefs(dir)).size === 0
}

function parseTree(out: string): TreeEntry[] {
  return out
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t')
      const [mode, type, sha, size] = line.slice(0, tab).split(/\s+/)
      return { mode, type: type as TreeEntry['type'], sha, size: Number(size) || 0, path: line.slice(tab + 1) }
    })
}

/** What `path` (repository-relative; empty: the root) names in `commit`, read with `git ls-tree` and `git cat-file`. */
export async function readPath(dir: string, commit: string, path: string): Promise<PathContent> {
  const clean = path.replace(/^\/+|\/+$/g, '')
  if (clean.includes('//') || clean.split('/').some((part) => part === '.' || part === '..')) return null
  let self: TreeEntry | undefined
  if (clean) {
    self = parseTree(await git(dir, ['ls-tree', '-z', '-l', '--full-tree', commit, '--', clean])).find((e) => e.path === clean)
    if (!self) return null
  }
  if (!self || self.type === 'tree') {
    const tree = self?.sha ?? (await git(dir, ['rev-parse', `${commit}^{tree}`])).trim()
    const entries = parseTree(await git(dir, ['ls-tree', '-z', '-l', tree])).map((e) => ({ ...e, path: clean ? `${clean}/${e.path}` : e.path }))
    return { kind: 'dir', path: clean, sha: tree, entries }
  }
  if (self.type !== 'blob') return { kind: 'file', entry: self, content: Buffer.alloc(0) }
  const content = await new Promise<Buffer>((resolve, reject) => {
    execFile('git', [`--git-dir=${dir}`, 'cat-file', 'blob', self.sha], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => (error ? reject(error) : resolve(stdout)))
  })
  return { kind: 'file', entry: self, content }
}

/** Who made a commit the API writes. */
export interface Signature {
  name: string
  email: string
  /** ISO 8601; now when absent. */
  date?: string
}

/**
 * Commits one change to `branch` on top of `parent` (null: the first commit of an empty repository):
 * `path` gets `content`, or is removed when `content` is null. Moves the branch only if it still
 * points at `parent` (otherwise resolves null, as a concurrent push wins); resolves the new commit's sha.
 */
export async function commitFile(
  dir: string,
  branch: string,
  parent: string | null,
  path: string,
  content: Buffer | null,
  message: string,
  author: Signature,
  committer: Signature = author,
): Promise<string | null> {
  const scratch = await mkdtemp(join(tmpdir(), 'github-standin-index-'))
  try {
    const env = {
      GIT_INDEX_FILE: join(scratch, 'index'),
      // An empty work tree: removing from the index needs one, and nothing is read from it.
      GIT_WORK_TREE: scratch,
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_AUTHOR_DATE: author.date ?? new Date().toISOString(),
      GIT_COMMITTER_NAME: committer.name,
      GIT_COMMITTER_EMAIL: committer.email,
      GIT_COMMITTER_DATE: committer.date ?? new Date().toISOString(),
    }
    if (parent) await git(dir, ['read-tree', parent], { env })
    if (content === null) {
      await git(dir, ['update-index', '--force-remove', '--', path], { env })
    } else {
      const blob = (await git(dir, ['hash-object', '-w', '--stdin'], { input: content })).trim()
      await git(dir, ['update-index', '--add', '--cacheinfo', `100644,${blob},${path}`], { env })
    }
    const tree = (await git(dir, ['write-tree'], { env })).trim()
    const sha = (await git(dir, ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', message], { env })).trim()
    const moved = await run(dir, ['update-ref', `refs/heads/${branch}`, sha, parent ?? ZERO_SHA])
    return moved.code === 0 ? sha : null
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}
