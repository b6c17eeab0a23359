import { describe, expect, it } from 'vitest'
import '../../polyfills'
import { createNamespace, type FileService } from '../../../shared/namespace'
import type { WorkspaceEvent } from '../../../shared/protocol'
import { addAll, commit, initRepo, openRepo } from '../../git'
import { Tree, writeFileDeep } from '../../namespace'
import { createAgentProject } from './agent-project'
import { changedFiles } from './golden-rule'
import { keepWorkingCopy, publishFolder, workingCopyRef } from './workflow-deploy'

const bytes = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array) => new TextDecoder().decode(b)

/** A cloned repository with one commit (the lower layer), and a workflow run's overlay over it. */
async function clone(files: Record<string, string>) {
  const lower = Tree.memory()
  const ns = createNamespace([{ path: '/workspace', service: lower }])
  const repo = openRepo(ns, '/workspace')
  await initRepo(repo)
  for (const [path, content] of Object.entries(files)) await writeFileDeep(ns, `/workspace/${path}`, bytes(content))
  await addAll(repo)
  await commit(repo, 'Initial commit', { name: 'Ada', email: 'ada@example.com' })
  const info = { id: 'p1', name: 'site', url: null, branch: 'main', createdAt: 0, lastOpenedAt: 0, bytes: 0 }
  return { lower: lower as FileService, agent: await createAgentProject(info, lower) }
}

describe('keepWorkingCopy: a deploy step’s build leaves the working copy as it found it', () => {
  it('removes what the build added (whole folders), restores what it changed or deleted, and keeps the run’s own changes', async () => {
    const { lower, agent } = await clone({ 'index.html': '<h1>v1</h1>\n', 'src/app.js': 'app(1)\n', 'README.md': 'read me\n', 'assets/logo.svg': '<svg/>\n' })
    const fs = agent.project.namespace
    // What earlier steps of the run did: an edit, a deletion, a new file.
    await fs.writeFile('/workspace/src/app.js', bytes('app(2)\n'))
    await fs.unlink('/workspace/README.md')
    await writeFileDeep(fs, '/workspace/notes/todo.txt', bytes('ship it\n'))
    const runChanges = await agent.overlay.changes()

    const restore = await keepWorkingCopy(agent, lower)
    // The build: a new output folder, a dependency, a file of the clone rewritten and one deleted,
    // the run's own edit overwritten, its deleted file back and its new file gone.
    const ctx = { signal: new AbortController().signal, progress: () => undefined }
    const write = (path: string, content: string) => writeFileDeep(fs, `/workspace/${path}`, bytes(content))
    await write('dist/index.html', '<h1>built</h1>\n')
    await write('dist/assets/app-1a2b.js', 'built()\n')
    await write('node_modules/vite/index.js', 'vite\n')
    await write('index.html', '<h1>rewritten</h1>\n')
    await agent.handlers.remove({ projectId: 'p1', path: '/workspace/assets' }, ctx)
    await write('src/app.js', 'minified\n')
    await write('README.md', 'generated\n')
    await agent.handlers.remove({ projectId: 'p1', path: '/workspace/notes/todo.txt' }, ctx)
    expect(await changedFiles(agent.overlay)).toContain('dist/index.html')

    const events: WorkspaceEvent[] = []
    agent.link.subscribe((event) => events.push(event))
    await restore()

    expect(await agent.overlay.changes()).toEqual(runChanges)
    expect(text(await fs.readFile('/workspace/src/app.js'))).toBe('app(2)\n')
    expect(text(await fs.readFile('/workspace/index.html'))).toBe('<h1>v1</h1>\n')
    expect(text(await fs.readFile('/workspace/assets/logo.svg'))).toBe('<svg/>\n')
    expect(text(await fs.readFile('/workspace/notes/todo.txt'))).toBe('ship it\n')
    await expect(fs.lstat('/workspace/README.md')).rejects.toThrow()
    // The folders the build made are gone whole, not left empty.
    await expect(fs.lstat('/workspace/dist')).rejects.toThrow()
    await expect(fs.lstat('/workspace/node_modules')).rejects.toThrow()
    // Through the workspace handlers, so a runtime's copy of the files hears of each change.
    const paths = events.flatMap((e) => (e.type === 'files-changed' ? e.paths : []))
    expect(paths).toEqual(expect.arrayContaining(['/workspace/dist', '/workspace/node_modules', '/workspace/index.html', '/workspace/src/app.js']))
  })

  it('changes nothing when the build wrote nothing', async () => {
    const { lower, agent } = await clone({ 'site/index.html': 'hi\n' })
    await agent.project.namespace.writeFile('/workspace/site/index.html', bytes('hello\n'))
    const restore = await keepWorkingCopy(agent, lower)
    const events: WorkspaceEvent[] = []
    agent.link.subscribe((event) => events.push(event))
    await restore()
    expect(events).toEqual([])
    expect(await changedFiles(agent.overlay)).toEqual(['site/index.html'])
  })
})

describe('publishFolder and workingCopyRef', () => {
  it('refuses a missing or empty output folder before asking the edge anything', async () => {
    const { agent } = await clone({ 'index.html': 'hi\n', 'empty/.gitkeep': '' })
    const asked: string[] = []
    const options = { agent, request: { project: 'ada/site' }, api: async (path: string) => (asked.push(path), new Response('{}')), log: () => undefined, signal: new AbortController().signal }
    await expect(publishFolder({ ...options, folder: 'dist' })).rejects.toThrow('The output folder dist does not exist (did the build run?)')
    await expect(publishFolder({ ...options, folder: 'index.html' })).rejects.toThrow('The output folder index.html is not a folder')
    await expect(publishFolder({ ...options, folder: 'empty' })).rejects.toThrow('There is nothing to deploy: the output folder is empty')
    expect(asked).toEqual([])
  })

  it('publishes no file that holds one of the run’s secrets: it fails before sending the manifest', async () => {
    const { agent } = await clone({ 'dist/index.html': '<p>hi</p>\n', 'dist/app.js': 'const token = "npm_S3cr3tT0ken"\n' })
    const asked: string[] = []
    const publish = publishFolder({ agent, folder: 'dist', request: { project: 'ada/site' }, api: async (path) => (asked.push(path), new Response('{}', { status: 500 })), log: () => undefined, signal: new AbortController().signal, secrets: ['npm_S3cr3tT0ken'] })
    await expect(publish).rejects.toThrow('app.js contains one of this run’s secrets: nothing was deployed')
    expect(asked).toEqual([])
  })

  it('names the commit the working copy stands on, and its branch', async () => {
    const { agent } = await clone({ 'index.html': 'hi\n' })
    const ref = await workingCopyRef(agent)
    expect(ref.commit).toMatch(/^[0-9a-f]{40}$/)
    expect(ref.branch).toMatch(/^(main|master)$/)
  })
})
