import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import '../polyfills'
import { exportToDisk } from '../../e2e/support/export'
import { createNamespace, type FileService } from '../../shared/namespace'
import { Tree, writeFileDeep } from '../namespace'
import { addAll, branches, checkout, commit, createBranch, diffFile, initRepo, log, openRepo, showCommit, stage, status, unstage } from '.'

const author = { name: 'Ada Lovelace', email: 'ada@example.com' }
const bytes = (s: string) => new TextEncoder().encode(s)
const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

function newRepo() {
  const ns = createNamespace([{ path: '/workspace', service: Tree.memory() }, { path: '/tmp', service: Tree.memory() }])
  return { ns, repo: openRepo(ns, '/workspace') }
}

async function exportTo(ns: FileService): Promise<string> {
  const dir = await exportToDisk(ns)
  dirs.push(dir)
  return dir
}

const gitIn = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' })

describe('git over the namespace', () => {
  it('commits that native git can read, fsck and check out', async () => {
    const { ns, repo } = newRepo()
    await initRepo(repo)
    await writeFileDeep(ns, '/workspace/README.md', bytes('# Demo\n'))
    await writeFileDeep(ns, '/workspace/src/index.ts', bytes('export const x = 1\n'))
    await writeFileDeep(ns, '/workspace/bin/run.sh', bytes('#!/bin/sh\necho hi\n'), { mode: 0o755 })
    await ns.symlink('src/index.ts', '/workspace/link.ts')
    await addAll(repo)
    const first = await commit(repo, 'Initial commit', author)
    await ns.writeFile('/workspace/src/index.ts', bytes('export const x = 2\n'))
    await stage(repo, ['src/index.ts'])
    const second = await commit(repo, 'Bump x', author)
    expect(second.parents).toEqual([first.oid])

    const dir = await exportTo(ns)
    gitIn(dir, 'fsck', '--full', '--strict')
    expect(gitIn(dir, 'log', '--format=%H %an %s')).toBe(`${second.oid} Ada Lovelace Bump x\n${first.oid} Ada Lovelace Initial commit\n`)
    expect(gitIn(dir, 'ls-tree', '-r', 'HEAD')).toMatch(/100755 blob \w+\tbin\/run\.sh/)
    expect(gitIn(dir, 'ls-tree', '-r', 'HEAD')).toMatch(/120000 blob \w+\tlink\.ts/)
    expect(gitIn(dir, 'show', 'HEAD:src/index.ts')).toBe('export const x = 2\n')
    expect(gitIn(dir, 'status', '--porcelain')).toBe('')
  })

  it('shows a commit with the files it changed, as native git does', async () => {
    const { ns, repo } = newRepo()
    await initRepo(repo)
    await writeFileDeep(ns, '/workspace/keep.txt', bytes('k'))
    await writeFileDeep(ns, '/workspace/src/a.ts', bytes('a'))
    await writeFileDeep(ns, '/workspace/src/gone.ts', bytes('g'))
    await addAll(repo)
    const root = await commit(repo, 'root', author)
    await ns.writeFile('/workspace/src/a.ts', bytes('a2'))
    await ns.unlink('/workspace/src/gone.ts')
    await writeFileDeep(ns, '/workspace/docs/new.md', bytes('n'))
    await stage(repo, ['src/a.ts', 'src/gone.ts', 'docs/new.md'])
    const second = await commit(repo, 'change three files', author)
    const shown = await showCommit(repo, second.oid.slice(0, 8))
    expect(shown).toMatchObject({ oid: second.oid, message: 'change three files\n' })
    expect(shown.files).toEqual([
      { path: 'docs/new.md', change: 'added' },
      { path: 'src/a.ts', change: 'modified' },
      { path: 'src/gone.ts', change: 'deleted' },
    ])
    const dir = await exportTo(ns)
    expect(gitIn(dir, 'show', '--name-status', '--format=', second.oid).trim().split('\n').sort()).toEqual(['A\tdocs/new.md', 'D\tsrc/gone.ts', 'M\tsrc/a.ts'])
    expect((await showCommit(repo, root.oid)).files.map((f) => f.path)).toEqual(['keep.txt', 'src/a.ts', 'src/gone.ts'])
    await expect(showCommit(repo, 'zzz')).rejects.toThrow(/not a commit id/)
  })

  it('reports status grouped as staged, unstaged and untracked', async () => {
    const { ns, repo } = newRepo()
    await initRepo(repo)
    await writeFileDeep(ns, '/workspace/a.txt', bytes('a'))
    await writeFileDeep(ns, '/workspace/b.txt', bytes('b'))
    await writeFileDeep(ns, '/workspace/c.txt', bytes('c'))
    await addAll(repo)
    await commit(repo, 'base', author)
    expect(await status(repo)).toEqual([])

    await ns.writeFile('/workspace/a.txt', bytes('a2'))
    await ns.unlink('/workspace/b.txt')
    await ns.writeFile('/workspace/new.txt', bytes('n'))
    await ns.writeFile('/workspace/c.txt', bytes('c2'))
    await stage(repo, ['c.txt'])
    const s = await status(repo)
    expect(s).toContainEqual({ path: 'a.txt', group: 'unstaged', change: 'modified' })
    expect(s).toContainEqual({ path: 'b.txt', group: 'unstaged', change: 'deleted' })
    expect(s).toContainEqual({ path: 'new.txt', group: 'untracked', change: 'added' })
    expect(s).toContainEqual({ path: 'c.txt', group: 'staged', change: 'modified' })
    expect(s).toHaveLength(4)

    await unstage(repo, ['c.txt'])
    expect(await status(repo)).toContainEqual({ path: 'c.txt', group: 'unstaged', change: 'modified' })
    await stage(repo, ['b.txt', 'new.txt'])
    const after = await status(repo)
    expect(after).toContainEqual({ path: 'b.txt', group: 'staged', change: 'deleted' })
    expect(after).toContainEqual({ path: 'new.txt', group: 'staged', change: 'added' })
  })

  it('diffs a file against HEAD and recognises binary files', async () => {
    const { ns, repo } = newRepo()
    await initRepo(repo)
    await writeFileDeep(ns, '/workspace/t.txt', bytes('one\n'))
    await writeFileDeep(ns, '/workspace/img.bin', new Uint8Array([0x89, 0x50, 0, 1, 2]))
    await addAll(repo)
    await commit(repo, 'base', author)
    await ns.writeFile('/workspace/t.txt', bytes('two\n'))
    expect(await diffFile(repo, 't.txt')).toEqual({ path: 't.txt', head: 'one\n', workdir: 'two\n', binary: false })
    expect((await diffFile(repo, 'img.bin')).binary).toBe(true)
    await ns.writeFile('/workspace/fresh.txt', bytes('x'))
    expect(await diffFile(repo, 'fresh.txt')).toMatchObject({ head: null, workdir: 'x' })
  })

  it('creates and switches branches, and keeps each branch history', async () => {
    const { ns, repo } = newRepo()
    await initRepo(repo)
    await writeFileDeep(ns, '/workspace/f.txt', bytes('main'))
    await addAll(repo)
    await commit(repo, 'on main', author)
    await createBranch(repo, 'feature', true)
    expect(await branches(repo)).toEqual({ current: 'feature', local: ['feature', 'main'], remote: [] })
    await ns.writeFile('/workspace/f.txt', bytes('feature'))
    await stage(repo, ['f.txt'])
    await commit(repo, 'on feature', author)
    await checkout(repo, 'main')
    expect(new TextDecoder().decode(await ns.readFile('/workspace/f.txt'))).toBe('main')
    expect((await log(repo)).map((c) => c.message.trim())).toEqual(['on main'])
    await checkout(repo, 'feature')
    expect((await log(repo)).map((c) => c.message.trim())).toEqual(['on feature', 'on main'])
  })

  it('refuses a commit without message or author with a clear error', async () => {
    const { repo } = newRepo()
    await initRepo(repo)
    await expect(commit(repo, '  ', author)).rejects.toMatchObject({ code: 'BAD_INPUT', message: 'a commit needs a message' })
    await expect(commit(repo, 'x', { name: '', email: '' })).rejects.toMatchObject({ code: 'BAD_INPUT' })
    expect(await log(repo)).toEqual([])
  })
})
