import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import '../../polyfills'
import { exportToDisk } from '../../../e2e/support/export'
import { createNamespace } from '../../../shared/namespace'
import type { TestReport } from '../../../shared/runtime'
import { addAll, commit, initRepo, openRepo } from '../../git'
import { Tree, createMemoryService, writeFileDeep } from '../../namespace'
import { unifiedDiff } from '../tools/runtime'
import { createAgentProject } from './agent-project'
import { changedFiles, commitRun } from './golden-rule'
import { formatPatch, latestTestReport, runStatus } from './run-record'

const bytes = (s: string) => new TextEncoder().encode(s)
const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
const gitIn = (dir: string, ...args: string[]) =>
  execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_COMMITTER_NAME: 'Tester', GIT_COMMITTER_EMAIL: 'tester@example.com', GIT_CONFIG_NOSYSTEM: '1', HOME: dir } })

/** A project's workspace with one commit, and an agent's overlay over it. */
async function project(files: Record<string, string>) {
  const lower = Tree.memory()
  const ns = createNamespace([{ path: '/workspace', service: lower }])
  const repo = openRepo(ns, '/workspace')
  await initRepo(repo)
  for (const [path, text] of Object.entries(files)) await writeFileDeep(ns, `/workspace/${path}`, bytes(text))
  await addAll(repo)
  await commit(repo, 'Initial commit', { name: 'Ada', email: 'ada@example.com' })
  const info = { id: 'p1', name: 'calc', url: null, branch: 'main', createdAt: 0, lastOpenedAt: 0, bytes: 0 }
  return { ns, agent: await createAgentProject(info, lower) }
}

describe('formatPatch', () => {
  it('writes a commit as git format-patch does, so that native git am applies it with its author and message', async () => {
    const { ns, agent } = await project({ 'src/add.js': 'exports.add = (a, b) => a - b\n', 'old.txt': 'remove me\n', 'notes.txt': 'no newline' })
    const fs = agent.project.namespace
    await fs.writeFile('/workspace/src/add.js', bytes('exports.add = (a, b) => a + b\n'))
    await fs.unlink('/workspace/old.txt')
    await fs.writeFile('/workspace/notes.txt', bytes('no newline, still'))
    await writeFileDeep(fs, '/workspace/src/new.js', bytes('module.exports = 1\n'))
    const files = await changedFiles(agent.overlay)
    // The diff is taken before the commit, as the run does it.
    const diff = await unifiedDiff(agent.handlers, 'p1', files)
    const author = { name: 'Jörg Müller', email: 'jorg@example.com' }
    const message = 'Make add() add\n\nIt subtracted.\nNow it adds.\n\nRun: 1234\n'
    const made = await commitRun({ workspace: agent.handlers, overlay: agent.overlay, projectId: 'p1', branch: 'coder/make-add-add-123456', message, author })
    const date = new Date(Date.UTC(2024, 5, 3, 12, 4, 5))
    const patch = formatPatch({ oid: made!.oid, message, author, date, diff })

    expect(patch.split('\n').slice(0, 4)).toEqual([
      `From ${made!.oid} Mon Sep 17 00:00:00 2001`,
      'From: =?UTF-8?q?J=C3=B6rg_M=C3=BCller?= <jorg@example.com>',
      'Date: Mon, 3 Jun 2024 12:04:05 +0000',
      'Subject: [PATCH] Make add() add',
    ])
    expect(patch).toContain(' 4 files changed, 3 insertions(+), 3 deletions(-)\n')

    // Native git applies it to the project as it was, and the result is the run's commit.
    const dir = await exportToDisk(ns)
    dirs.push(dir)
    writeFileSync(join(dir, '..', `${made!.oid}.patch`), patch)
    gitIn(dir, 'am', join(dir, '..', `${made!.oid}.patch`))
    expect(gitIn(dir, 'log', '-1', '--format=%an <%ae>%n%aD%n%s%n%n%b')).toBe('Jörg Müller <jorg@example.com>\nMon, 3 Jun 2024 12:04:05 +0000\nMake add() add\n\nIt subtracted.\nNow it adds.\n\nRun: 1234\n\n')
    expect(readFileSync(join(dir, 'src/add.js'), 'utf8')).toBe('exports.add = (a, b) => a + b\n')
    expect(readFileSync(join(dir, 'src/new.js'), 'utf8')).toBe('module.exports = 1\n')
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('no newline, still')
    expect(gitIn(dir, 'ls-files')).toBe('notes.txt\nsrc/add.js\nsrc/new.js\n')
    expect(gitIn(dir, 'status', '--porcelain')).toBe('')
  })

  it('gives a commit message without a body just its subject', () => {
    const patch = formatPatch({ oid: 'a'.repeat(40), message: 'Fix it\n', author: { name: 'MechaCoder', email: 'm@example.com' }, date: 0, diff: '' })
    expect(patch).toBe(`From ${'a'.repeat(40)} Mon Sep 17 00:00:00 2001\nFrom: MechaCoder <m@example.com>\nDate: Thu, 1 Jan 1970 00:00:00 +0000\nSubject: [PATCH] Fix it\n\n---\n\n-- \nCoder\n`)
  })
})

describe('latestTestReport', () => {
  it('finds the newest report the runtime kept under /runs, and null when there is none', async () => {
    const fs = createNamespace([{ path: '/runs', service: createMemoryService() }])
    expect(await latestTestReport(fs)).toBeNull()
    const report = (id: string, startedAt: number): TestReport => ({ id, runner: 'node-test', command: 'npm test', startedAt, durationMs: 5, files: [], tests: [], counts: { passed: 1, failed: 0, skipped: 0, todo: 0, total: 1 } })
    for (const r of [report('b', 2000), report('a', 1000), report('c', 1500)]) await writeFileDeep(fs, `/runs/${r.id}/report.json`, bytes(JSON.stringify(r)))
    await writeFileDeep(fs, '/runs/other/notes.txt', bytes('not a report'))
    expect((await latestTestReport(fs))?.id).toBe('b')
  })
})

describe('runStatus', () => {
  it('records only a finished run as succeeded, the user’s Stop as cancelled, every other end as failed', () => {
    expect(runStatus('finished')).toBe('succeeded')
    expect(runStatus('user')).toBe('cancelled')
    for (const reason of ['failed', 'error', 'stuck', 'budget', 'no_action'] as const) expect(runStatus(reason)).toBe('failed')
  })
})
