import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import '../polyfills'
import { exportToDisk } from '../../e2e/support/export'
import { createNamespace, type FileService } from '../../shared/namespace'
import { createSmallRepos } from '../../e2e/support/fixtures'
import { startGitServer } from '../../standins/git-server'
import { Tree } from '../namespace'
import { cloneRepo, log, openRepo, status } from '.'

// Our clone path against a real `git http-backend`, judged by native git.
let server: { url: string; close: () => Promise<void> }
let root: string
const dirs: string[] = []
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'coder-fast-clone-'))
  await createSmallRepos(root)
  server = await startGitServer({ root })
})
afterAll(async () => {
  await server?.close()
  for (const d of [root, ...dirs]) rmSync(d, { recursive: true, force: true })
})

const gitIn = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' })

async function exportTo(ns: FileService): Promise<string> {
  const dir = await exportToDisk(ns)
  dirs.push(dir)
  return dir
}

async function clone(options: { depth?: number; ref?: string } = {}) {
  const ns = createNamespace([{ path: '/workspace', service: Tree.memory() }])
  const repo = openRepo(ns, '/workspace')
  const phases: string[] = []
  await cloneRepo(repo, { url: `${server.url}/small.git`, ...options, onProgress: (p) => void (phases.at(-1) !== p.phase && phases.push(p.phase)) })
  return { ns, repo, phases }
}

describe('cloning in one request', () => {
  it('gives native git a repository it accepts: refs, history, files, index', async () => {
    const { ns, repo, phases } = await clone()
    expect(phases).toEqual(expect.arrayContaining(['Receiving objects', 'Resolving deltas', 'Updating workdir']))
    expect(await status(repo)).toEqual([])
    const dir = await exportTo(ns)
    gitIn(dir, 'fsck', '--full', '--strict')
    expect(gitIn(dir, 'status', '--porcelain')).toBe('')
    const native = mkdtempSync(join(tmpdir(), 'coder-native-'))
    dirs.push(native)
    // Not execFileSync: the server runs in this process and must keep answering.
    await promisify(execFile)('git', ['clone', '--quiet', `${server.url}/small.git`, native])
    expect(gitIn(dir, 'log', '--format=%H %s', 'HEAD')).toBe(gitIn(native, 'log', '--format=%H %s', 'HEAD'))
    expect(gitIn(dir, 'ls-files', '-s')).toBe(gitIn(native, 'ls-files', '-s'))
    expect(gitIn(dir, 'for-each-ref', '--format=%(refname) %(objectname)')).toBe(gitIn(native, 'for-each-ref', '--format=%(refname) %(objectname)'))
    expect(gitIn(dir, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main\n')
    expect(gitIn(dir, 'config', 'branch.main.merge')).toBe('refs/heads/main\n')
    expect(gitIn(dir, 'config', 'remote.origin.url')).toBe(`${server.url}/small.git\n`)
  })

  it('clones one commit with depth 1, and a chosen branch', async () => {
    const shallow = await clone({ depth: 1 })
    expect(await log(shallow.repo)).toHaveLength(1)
    const dir = await exportTo(shallow.ns)
    gitIn(dir, 'fsck', '--full')
    expect(gitIn(dir, 'rev-parse', '--is-shallow-repository')).toBe('true\n')
    const feature = await clone({ ref: 'feature' })
    expect((await log(feature.repo))[0].message).toContain('Add a farewell')
    expect(await status(feature.repo)).toEqual([])
  })

  it('says clearly when the branch does not exist', async () => {
    await expect(clone({ ref: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining("no branch or tag named 'nope'") })
  })

  it('clones an empty repository as an empty one with its remote', async () => {
    const ns = createNamespace([{ path: '/workspace', service: Tree.memory() }])
    const repo = openRepo(ns, '/workspace')
    await cloneRepo(repo, { url: `${server.url}/empty.git` })
    expect(await log(repo)).toEqual([])
    expect(new TextDecoder().decode(await ns.readFile('/workspace/.git/config'))).toContain('empty.git')
  })
})
