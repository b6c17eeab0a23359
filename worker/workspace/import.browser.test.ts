import { describe, expect, inject, it } from 'vitest'
import '../polyfills'
import type { Progress } from '../../shared/protocol'
import { AppError } from '../../shared/errors'
import { createProjects } from '../projects'
import { createWorkspaceHandlers } from './handlers'

// Real Chromium, real IndexedDB, real `git http-backend` on 127.0.0.1.
const server = inject('gitServerUrl')
const author = { name: 'Ada', email: 'ada@example.com' }
const text = (b: Uint8Array) => new TextDecoder().decode(b)
let n = 0

function setup() {
  const prefix = `import-test-${Date.now()}-${n++}`
  const projects = createProjects({ prefix })
  const api = createWorkspaceHandlers(projects)
  const ctx = (signal = new AbortController().signal, progress: (p: Progress) => void = () => {}) => ({ signal, progress })
  return { prefix, projects, api, ctx }
}

async function databases(prefix: string): Promise<string[]> {
  return (await indexedDB.databases()).map((d) => d.name ?? '').filter((name) => name.startsWith(`${prefix}-project-`))
}

describe('importing a repository into the browser', () => {
  it('clones full history with progress, and the files, branch and log are there', async () => {
    const { api, ctx } = setup()
    const events: Progress[] = []
    const info = await api.importRepo({ url: `${server}/small.git` }, ctx(undefined, (p) => events.push(p)))
    expect(info.name).toBe('small')
    expect(info.branch).toBe('main')
    expect(info.bytes).toBeGreaterThan(1000)
    const phases = new Set(events.map((e) => e.phase))
    expect(phases.has('Receiving objects') || phases.has('Analyzing workdir') || phases.has('Updating workdir')).toBe(true)
    expect(events.at(-1)?.phase).toBe('Saving to storage')

    const files = (await api.readdir({ projectId: info.id, path: '/workspace' }, ctx())).map((e) => e.name)
    expect(files).toEqual(expect.arrayContaining(['.git', 'README.md', 'package.json', 'src']))
    expect(text(await api.readFile({ projectId: info.id, path: 'README.md' }, ctx()))).toContain('## Usage')
    const history = await api.log({ projectId: info.id }, ctx())
    expect(history.map((c) => c.message.trim())).toContain('Describe usage in README')
    expect(history.length).toBeGreaterThanOrEqual(5)
    expect(await api.status({ projectId: info.id }, ctx())).toEqual([])
    expect((await api.branches({ projectId: info.id }, ctx())).current).toBe('main')
  })

  it('clones one commit with depth 1, and a chosen branch', async () => {
    const { api, ctx } = setup()
    const shallow = await api.importRepo({ url: `${server}/small.git`, depth: 1, name: 'shallow' }, ctx())
    expect(await api.log({ projectId: shallow.id }, ctx())).toHaveLength(1)
    const feature = await api.importRepo({ url: `${server}/small.git`, ref: 'feature', name: 'feature' }, ctx())
    expect(feature.branch).toBe('feature')
    expect(text(await api.readFile({ projectId: feature.id, path: 'src/util/farewell.ts' }, ctx()))).toContain('farewell')
  })

  it('keeps everything after the tab reloads, and git sees edits and commits', async () => {
    const { prefix, api, ctx } = setup()
    const info = await api.importRepo({ url: `${server}/small.git` }, ctx())
    await api.closeProject({ projectId: info.id }, ctx())
    // A new worker on the same origin: nothing in memory, only what IndexedDB kept.
    const again = createWorkspaceHandlers(createProjects({ prefix }))
    expect(text(await again.readFile({ projectId: info.id, path: 'README.md' }, ctx()))).toContain('# small')
    await again.writeFile({ projectId: info.id, path: 'README.md', data: new TextEncoder().encode('# changed\n') }, ctx())
    expect(await again.status({ projectId: info.id }, ctx())).toEqual([{ path: 'README.md', group: 'unstaged', change: 'modified' }])
    await again.stage({ projectId: info.id, paths: ['README.md'] }, ctx())
    const c = await again.commit({ projectId: info.id, message: 'Change README', author }, ctx())
    await again.closeProject({ projectId: info.id }, ctx())
    const third = createWorkspaceHandlers(createProjects({ prefix }))
    expect((await third.log({ projectId: info.id, depth: 1 }, ctx()))[0].oid).toBe(c.oid)
    expect(await third.status({ projectId: info.id }, ctx())).toEqual([])
  })

  it('leaves no project behind when the clone fails', async () => {
    const { prefix, api, ctx } = setup()
    const failure = await Promise.resolve(api.importRepo({ url: `${server}/does-not-exist.git` }, ctx())).catch((e: AppError) => e)
    expect(failure).toBeInstanceOf(AppError)
    expect((failure as AppError).message).toMatch(/HTTP 404|no repository/)
    expect(await api.listProjects(undefined, ctx())).toEqual([])
    expect(await databases(prefix)).toEqual([])
  })

  it('leaves no project behind when cancelled', async () => {
    const { prefix, api, ctx } = setup()
    const controller = new AbortController()
    const failure = await Promise.resolve(api.importRepo({ url: `${server}/small.git` }, ctx(controller.signal, () => controller.abort()))).catch((e: AppError) => e)
    expect(failure).toMatchObject({ code: 'ABORTED' })
    expect(await api.listProjects(undefined, ctx())).toEqual([])
    expect(await databases(prefix)).toEqual([])
  })

  it('refuses bad input with a clear message', async () => {
    const { api, ctx } = setup()
    await expect(api.importRepo({ url: 'not a url' }, ctx())).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('is not a URL') })
    await expect(api.importRepo({ url: 'ftp://example.com/x.git' }, ctx())).rejects.toMatchObject({ code: 'BAD_INPUT' })
    await expect(api.importRepo({ url: `${server}/small.git`, depth: 0 }, ctx())).rejects.toMatchObject({ code: 'BAD_INPUT' })
    await expect(api.importRepo({ url: 'http://127.0.0.1:1/nothing.git' }, ctx())).rejects.toMatchObject({ code: 'NETWORK' })
    expect(await api.listProjects(undefined, ctx())).toEqual([])
  })

  it('imports a local folder as a new repository with one commit', async () => {
    const { api, ctx } = setup()
    const enc = (s: string) => new TextEncoder().encode(s)
    const info = await api.importFiles(
      {
        name: 'local',
        author,
        files: [
          { path: 'index.html', data: enc('<h1>hi</h1>') },
          { path: 'scripts/build.sh', data: enc('#!/bin/sh\n'), executable: true },
        ],
      },
      ctx(),
    )
    const history = await api.log({ projectId: info.id }, ctx())
    expect(history.map((c) => c.message.trim())).toEqual(['Initial import'])
    expect(await api.status({ projectId: info.id }, ctx())).toEqual([])
    expect((await api.stat({ projectId: info.id, path: 'scripts/build.sh' }, ctx())).mode).toBe(0o100755)
    await api.deleteProject({ projectId: info.id }, ctx())
    expect(await api.listProjects(undefined, ctx())).toEqual([])
  })

  it('lets one workspace worker at a time (e.g. an older version of the app in another tab) work on a project, and another take it over', async () => {
    const { prefix, api, ctx } = setup()
    const info = await api.importRepo({ url: `${server}/small.git` }, ctx())
    const otherTab = createWorkspaceHandlers(createProjects({ prefix }))
    await expect(Promise.resolve(otherTab.openProject({ projectId: info.id }, ctx()))).rejects.toMatchObject({ code: 'BUSY', message: expect.stringContaining('open in another tab') })
    await otherTab.openProject({ projectId: info.id, takeOver: true }, ctx())
    await otherTab.writeFile({ projectId: info.id, path: 'taken.txt', data: new TextEncoder().encode('mine now') }, ctx())
    // The first tab lost it: its next call says so instead of writing over the other tab's work.
    await expect(Promise.resolve(api.readFile({ projectId: info.id, path: 'README.md' }, ctx()))).rejects.toMatchObject({ code: 'BUSY' })
    await otherTab.closeProject({ projectId: info.id }, ctx())
    expect(text(await api.readFile({ projectId: info.id, path: 'taken.txt' }, ctx()))).toBe('mine now')
  })
})
