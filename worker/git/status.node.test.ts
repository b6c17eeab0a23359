import { execFileSync } from 'node:child_process'
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import git from 'isomorphic-git'
import { afterAll, describe, expect, it } from 'vitest'
import '../polyfills'
import { createNamespace, mkdirp, walkFiles, type FileService } from '../../shared/namespace'
import { Tree, copyTree, removeTree, writeFileDeep } from '../namespace'
import type { FileStatus } from '../../shared/protocol'
import { addAll, classifyStatus, commit, initRepo, openRepo, stage, status, unstage, type Repo } from '.'
import { statusMatrix } from './status'
import { createRandom } from '../../e2e/support/fixtures'

const author = { name: 'Ada Lovelace', email: 'ada@example.com' }
const bytes = (s: string) => new TextEncoder().encode(s)
const W = '/workspace'
const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

function newRepo(workspace: FileService = Tree.memory()) {
  const ns = createNamespace([{ path: W, service: workspace }, { path: '/tmp', service: Tree.memory() }])
  return { ns, repo: openRepo(ns, W) }
}

/** A repo over a bare file service rather than a namespace. */
async function newBareRepo() {
  const tree = Tree.memory()
  await tree.mkdir(W)
  return { ns: tree as FileService, repo: openRepo(tree, W) }
}

/** The oracle: isomorphic-git's own statusMatrix, run after ours (ours may refresh the index first). */
async function expectSameAsIsomorphicGit(repo: Repo, filepaths?: string[]): Promise<void> {
  const ours = await statusMatrix(repo, filepaths)
  const oracle = await git.statusMatrix({ fs: repo.fs, dir: repo.dir, cache: {}, filepaths })
  expect(ours, `filepaths ${JSON.stringify(filepaths)}`).toEqual(oracle)
  expect(await status(repo, filepaths)).toEqual(oracle.flatMap((row) => classifyStatus(row as [string, number, number, number])))
}

// Names chosen for the hard cases: 'a' as file and directory, 'a.txt' and 'a-b' sorting around 'a/',
// ignored patterns, a negation, non-ASCII, spaces, and directories ignored as a whole.
const DIRS = ['', 'src', 'src/lib', 'src/lib/deep', 'docs', 'a', 'ignored', 'ignored/sub', 'node_modules/pkg', 'src/a'] as const
const NAMES = ['a', 'a.txt', 'a-b', 'b.ts', 'x.log', 'keep.log', 'y.tmp', 'Z', 'é.md', 'sp ace'] as const
const CONTENTS = ['', 'one\n', 'two\n', 'owt\n', 'three lines\nof\ntext\n', 'crlf\r\nline\r\n', 'binary\0data'] as const
const PATHS = DIRS.flatMap((d) => NAMES.map((n) => (d ? `${d}/${n}` : n)))

async function runScenario(seed: number, options: { commitFirst: boolean; bare: boolean; config?: Record<string, string | boolean> }): Promise<number> {
  const r = createRandom(seed) // seeded, so a failing seed can be replayed
  const { ns, repo } = options.bare ? await newBareRepo() : newRepo()
  await initRepo(repo)
  for (const [path, value] of Object.entries(options.config ?? {})) await git.setConfig({ fs: repo.fs, dir: W, path, value })
  await writeFileDeep(ns, `${W}/.gitignore`, bytes('ignored/\nnode_modules\n*.log\n!keep.log\n'))
  await writeFileDeep(ns, `${W}/src/.gitignore`, bytes('*.tmp\n'))
  const write = async (path: string, content: string, mode?: number) => writeFileDeep(ns, `${W}/${path}`, bytes(content), { mode })
  for (let i = 0; i < 30; i++) await write(r.pick(PATHS), r.pick(CONTENTS), r.next() < 0.2 ? 0o755 : undefined).catch(() => {})
  if (options.commitFirst) {
    await addAll(repo)
    await commit(repo, 'base', author)
  }
  await expectSameAsIsomorphicGit(repo)

  let checks = 1
  const ops: Array<(path: string) => Promise<unknown>> = [
    // modified, same size (one byte changed) or another size
    async (path) => {
      const old = await ns.readFile(`${W}/${path}`)
      const next = old.length > 0 ? old.map((b, i) => (i === 0 ? b ^ 1 : b)) : bytes('x')
      await ns.writeFile(`${W}/${path}`, next)
    },
    (path) => write(path, r.pick(CONTENTS)),
    (path) => ns.unlink(`${W}/${path}`),
    (path) => removeTree(ns, `${W}/${path.split('/').slice(0, -1).join('/') || path}`),
    // the same content again: a newer mtime, the index's stat cache goes stale
    async (path) => ns.writeFile(`${W}/${path}`, await ns.readFile(`${W}/${path}`)),
    // deleted and written back: a new inode
    async (path) => {
      const old = await ns.readFile(`${W}/${path}`)
      await ns.unlink(`${W}/${path}`)
      await ns.writeFile(`${W}/${path}`, old)
    },
    async (path) => {
      const s = await ns.lstat(`${W}/${path}`)
      await repo.fs.promises.chmod(`${W}/${path}`, s.mode === 0o100755 ? 0o644 : 0o755)
    },
    async (path) => {
      await mkdirp(ns, `${W}/${path.split('/').slice(0, -1).join('/')}`)
      await ns.symlink(r.pick(['b.ts', '../a', 'missing', 'src/lib']), `${W}/${path}`)
    },
    // a file becomes a directory, or a directory a file
    async (path) => {
      const s = await ns.lstat(`${W}/${path}`)
      await removeTree(ns, `${W}/${path}`)
      if (s.type === 'dir') await write(path, r.pick(CONTENTS))
      else await write(`${path}/${r.pick(NAMES)}`, r.pick(CONTENTS))
    },
    (path) => stage(repo, [path]),
    (path) => stage(repo, [path]),
    // staged, then changed again (or back to what it was)
    async (path) => {
      const old = await ns.readFile(`${W}/${path}`)
      await write(path, r.pick(CONTENTS))
      await stage(repo, [path])
      if (r.next() < 0.5) await ns.writeFile(`${W}/${path}`, old)
      else await write(path, r.pick(CONTENTS))
    },
    // deleted from the index, then written back
    async (path) => {
      const old = await ns.readFile(`${W}/${path}`)
      await ns.unlink(`${W}/${path}`)
      await stage(repo, [path])
      await ns.writeFile(`${W}/${path}`, r.next() < 0.5 ? old : bytes(r.pick(CONTENTS)))
    },
    (path) => unstage(repo, [path]),
    () => commit(repo, 'more', author),
    () => write(r.pick(PATHS), r.pick(CONTENTS)),
  ]
  for (let i = 0; i < 60; i++) {
    // Mostly a file that exists, so that edits, stages and unstages pile up on the same paths.
    const existing = (await walkFiles(ns, W)).map((p) => p.slice(W.length + 1)).filter((p) => !p.startsWith('.git/'))
    const path = existing.length > 0 && r.next() < 0.7 ? r.pick(existing) : r.pick(PATHS)
    await r.pick(ops)(path).catch(() => {})
    if (i % 5 === 4) {
      await expectSameAsIsomorphicGit(repo)
      await expectSameAsIsomorphicGit(repo, [r.pick([...PATHS, ...DIRS.filter(Boolean), 'missing', 'src/'])])
      checks += 2
    }
  }
  await expectSameAsIsomorphicGit(repo, ['docs', 'a', 'src/lib/b.ts'])
  return checks + 1
}

describe('status', () => {
  it('gives the same rows as isomorphic-git over random working trees and indexes', async () => {
    let checks = 0
    for (let seed = 1; seed <= 24; seed++) {
      const config: Record<string, string | boolean> | undefined = seed % 3 === 1 ? { 'core.filemode': true } : seed % 3 === 2 ? { 'core.autocrlf': 'true' } : undefined
      checks += await runScenario(seed, { commitFirst: seed % 4 !== 0, bare: seed % 5 === 0, config })
    }
    expect(checks).toBeGreaterThan(500)
  }, 120_000)

  it('handles an empty repository: no commits and no index, then staged files', async () => {
    const { ns, repo } = newRepo()
    await initRepo(repo)
    await expectSameAsIsomorphicGit(repo)
    await writeFileDeep(ns, `${W}/a.txt`, bytes('a'))
    await writeFileDeep(ns, `${W}/src/b.ts`, bytes('b'))
    await writeFileDeep(ns, `${W}/.gitignore`, bytes('*.log\n'))
    await writeFileDeep(ns, `${W}/debug.log`, bytes('noise'))
    await expectSameAsIsomorphicGit(repo)
    await stage(repo, ['src/b.ts'])
    await ns.writeFile(`${W}/src/b.ts`, bytes('b2'))
    await expectSameAsIsomorphicGit(repo)
    expect(await status(repo)).toEqual([
      { path: '.gitignore', group: 'untracked', change: 'added' },
      { path: 'a.txt', group: 'untracked', change: 'added' },
      { path: 'src/b.ts', group: 'staged', change: 'added' },
      { path: 'src/b.ts', group: 'unstaged', change: 'modified' },
    ])
  })

  it('reports a file that replaced a staged directory as isomorphic-git does (the entries below it are hidden)', async () => {
    const { ns, repo } = newRepo()
    await initRepo(repo)
    await writeFileDeep(ns, `${W}/a/x.txt`, bytes('x'))
    await writeFileDeep(ns, `${W}/a.txt`, bytes('sorts between a and a/'))
    await addAll(repo)
    await commit(repo, 'base', author)
    await removeTree(ns, `${W}/a`)
    await ns.writeFile(`${W}/a`, bytes('now a file'))
    await stage(repo, ['a'])
    expect((await git.listFiles({ fs: repo.fs, dir: W })).sort()).toEqual(['a', 'a.txt', 'a/x.txt'])
    await expectSameAsIsomorphicGit(repo)
    expect(await status(repo)).toEqual([
      { path: 'a', group: 'staged', change: 'added' },
      { path: 'a/x.txt', group: 'staged', change: 'deleted' },
    ])
  })

  it('does not enter an ignored directory that holds no tracked file', async () => {
    const below: string[] = []
    const workspace = watch(Tree.memory(), (op, path) => {
      if ((op === 'lstat' || op === 'readdir') && /^\/(node_modules|build)\/./.test(path)) below.push(path)
    })
    const { ns, repo } = newRepo(workspace)
    await initRepo(repo)
    // 'build/' names directories only, and isomorphic-git asks about 'build' without the slash:
    // it lists build/ and ignores what is in it. 'node_modules' it does not list at all.
    await writeFileDeep(ns, `${W}/.gitignore`, bytes('node_modules\nbuild/\n'))
    await writeFileDeep(ns, `${W}/index.ts`, bytes('x'))
    await writeFileDeep(ns, `${W}/build/out/main.js`, bytes('x'))
    for (let i = 0; i < 300; i++) await writeFileDeep(ns, `${W}/node_modules/pkg${i % 10}/f${i}.js`, bytes(`${i}`))
    await addAll(repo)
    await commit(repo, 'base', author)
    await ns.writeFile(`${W}/index.ts`, bytes('y'))
    below.length = 0
    expect(await status(repo)).toEqual([{ path: 'index.ts', group: 'unstaged', change: 'modified' }])
    expect(below).toEqual(['/build/out'])
    await expectSameAsIsomorphicGit(repo)
  })

  it('refreshes the index stat cache, so files rewritten with the same content are hashed once', async () => {
    const { ns, repo } = newRepo()
    await initRepo(repo)
    for (let i = 0; i < 50; i++) await writeFileDeep(ns, `${W}/d${i % 5}/f${i}.txt`, bytes(`file ${i}\n`))
    await addAll(repo)
    await commit(repo, 'base', author)
    // A copy of the workspace: same content, every inode and time new.
    const copy = Tree.memory()
    await copyTree(ns, W, copy, '/')
    let reads = 0
    const counting = watch(copy, (op, path) => {
      if (op === 'readFile' && !path.startsWith('/.git/')) reads++
    })
    const { repo: copied } = newRepo(counting)
    expect(await status(copied)).toEqual([])
    expect(reads).toBeGreaterThanOrEqual(50)
    reads = 0
    expect(await status(copied)).toEqual([])
    expect(reads).toBe(0)
    await expectSameAsIsomorphicGit(copied)
  })

  it('reads an index written by native git (with extensions), and leaves version 4 to isomorphic-git, which refuses it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coder-status-'))
    dirs.push(dir)
    const gitIn = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' })
    gitIn('init', '-q', '-b', 'main')
    writeFileSync(join(dir, 'a.txt'), 'a\n')
    writeFileSync(join(dir, 'b.txt'), 'b\n')
    execFileSync('mkdir', ['-p', join(dir, 'src/deep')])
    writeFileSync(join(dir, 'src/deep/c.ts'), 'c\n')
    gitIn('add', '.')
    gitIn('-c', 'user.name=A', '-c', 'user.email=a@b', 'commit', '-q', '-m', 'base')
    writeFileSync(join(dir, 'a.txt'), 'a2\n')
    writeFileSync(join(dir, 'new.txt'), 'n\n')
    gitIn('rm', '-q', '--cached', 'b.txt')
    expect(readFileSync(join(dir, '.git/index')).includes(Buffer.from('TREE'))).toBe(true)

    const { ns, repo } = newRepo()
    await importDir(ns, dir, W)
    await expectSameAsIsomorphicGit(repo)
    expect(await status(repo)).toEqual([
      { path: 'a.txt', group: 'unstaged', change: 'modified' },
      { path: 'b.txt', group: 'staged', change: 'deleted' },
      { path: 'b.txt', group: 'untracked', change: 'added' },
      { path: 'new.txt', group: 'untracked', change: 'added' },
    ])

    gitIn('update-index', '--index-version', '4')
    const v4 = newRepo()
    await importDir(v4.ns, dir, W)
    await expect(git.statusMatrix({ fs: v4.repo.fs, dir: W })).rejects.toThrow(/Unsupported dircache version: 4/)
    await expect(status(v4.repo)).rejects.toMatchObject({ code: 'GIT', message: expect.stringMatching(/Unsupported dircache version: 4/) })
  })

  it('keeps the fault kinds: a directory that is no repository is a NOT_FOUND', async () => {
    const { ns, repo } = newRepo()
    await writeFileDeep(ns, `${W}/a.txt`, bytes('a'))
    await expect(status(repo)).rejects.toMatchObject({ name: 'AppError', code: 'NOT_FOUND' })
  })

  it('times 20,000 files with one changed: isomorphic-git statusMatrix against ours', async () => {
    const { ns, repo } = newRepo()
    await initRepo(repo)
    const t = performance.now()
    for (let d = 0; d < 200; d++) {
      for (let f = 0; f < 100; f++) await writeFileDeep(ns, `${W}/pkg${d % 10}/dir${d}/file${f}.ts`, bytes(`export const v${d}_${f} = ${d * 100 + f}\n`))
    }
    await addAll(repo)
    await commit(repo, 'base', author)
    const setup = performance.now() - t
    await ns.writeFile(`${W}/pkg3/dir13/file42.ts`, bytes('changed\n'))
    const expected = [{ path: 'pkg3/dir13/file42.ts', group: 'unstaged', change: 'modified' }]

    const timed = async (fn: () => Promise<FileStatus[]>) => {
      const runs: string[] = []
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now()
        expect(await fn()).toEqual(expected)
        runs.push((performance.now() - t0).toFixed(0))
      }
      return runs.join(', ')
    }
    const old = await timed(async () => (await git.statusMatrix({ fs: repo.fs, dir: W, cache: repo.cache })).flatMap((row) => classifyStatus(row as [string, number, number, number])))
    // A new Repo each time, as web/bench does: nothing kept from one call to the next.
    const cold = await timed(() => status(openRepo(ns, W)))
    const warm = await timed(() => status(repo))
    console.log(`20,000 files (setup ${(setup / 1000).toFixed(1)} s), ms per status: isomorphic-git statusMatrix ${old}; ours, new Repo each call ${cold}; ours, same Repo ${warm}`)
  }, 600_000)
})

/** `service` with every call reported to `onCall` first. */
function watch(service: FileService, onCall: (op: string, path: string) => void): FileService {
  return new Proxy(service, {
    get(target, key) {
      const value = Reflect.get(target, key)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        onCall(String(key), String(args[0]))
        return value.apply(target, args)
      }
    },
  })
}

/** Copies a real directory (with its .git) into `ns` at `to`, as an upload of a repository would. */
async function importDir(ns: FileService, from: string, to: string): Promise<void> {
  await mkdirp(ns, to)
  for (const name of readdirSync(from)) {
    const source = join(from, name)
    const target = `${to}/${name}`
    const s = lstatSync(source)
    if (s.isDirectory()) await importDir(ns, source, target)
    else if (s.isSymbolicLink()) await ns.symlink(readlinkSync(source), target)
    else await ns.writeFile(target, new Uint8Array(readFileSync(source)), { mode: s.mode & 0o111 ? 0o100755 : 0o100644 })
  }
}
