import { describe, expect, it } from 'vitest'
import '../../polyfills'
import { createNamespace, type FileService } from '../../../shared/namespace'
import type { Handlers } from '../../../shared/rpc'
import type { RuntimeApi } from '../../../shared/runtime'
import { addAll, commit, initRepo, openRepo } from '../../git'
import { Tree, writeFileDeep } from '../../namespace'
import { createAgentProject, type AgentProject } from './agent-project'
import { changedFiles } from './golden-rule'
import { deployPreview } from './preview'

const bytes = (s: string) => new TextEncoder().encode(s)

/** The user's workspace (one commit) under a run's overlay, with the run's fix in it. */
async function finishedRun() {
  const lower = Tree.memory()
  const ns = createNamespace([{ path: '/workspace', service: lower }])
  const repo = openRepo(ns, '/workspace')
  await initRepo(repo)
  await writeFileDeep(ns, '/workspace/src/add.js', bytes('exports.add = (a, b) => a - b\n'))
  await writeFileDeep(ns, '/workspace/package.json', bytes('{ "scripts": { "build": "node build.js" } }\n'))
  await addAll(repo)
  await commit(repo, 'Initial commit', { name: 'Ada', email: 'ada@example.com' })
  const info = { id: 'p1', name: 'calc', url: null, branch: 'main', createdAt: 0, lastOpenedAt: 0, bytes: 0 }
  const agent = await createAgentProject(info, lower)
  await agent.project.namespace.writeFile('/workspace/src/add.js', bytes('exports.add = (a, b) => a + b\n'))
  return { lower: lower as FileService, agent }
}

/**
 * A runtime whose every command is a build that writes `dist/index.html` (and a cache file) into
 * the agent's view through its workspace handlers, as the embedded runtime's writes land, prints
 * `output` and exits with `code`.
 */
function buildingRuntime(agent: AgentProject, code: number, output: string): Handlers<RuntimeApi> {
  const ctx = { signal: new AbortController().signal, progress: () => undefined }
  const write = async (path: string, text: string) => {
    await agent.handlers.mkdir({ projectId: 'p1', path: `/workspace/${path.slice(0, path.lastIndexOf('/'))}` }, ctx).catch(() => undefined)
    await agent.handlers.writeFile({ projectId: 'p1', path: `/workspace/${path}`, data: bytes(text) }, ctx)
  }
  return {
    open: async () => undefined,
    input: async () => undefined,
    runTests: async () => {
      throw new Error('not a test run')
    },
    async spawn(request, { progress }) {
      expect(request).toMatchObject({ command: 'sh', args: ['-c', 'npm run build'], cwd: '/workspace' })
      await write('dist/index.html', '<p>2 + 3 = 5</p>\n')
      await write('node_modules/.cache/build.json', '{}\n')
      progress({ output: [{ stream: code ? 'stderr' : 'stdout', text: output }] })
      return { code, signal: null, timedOut: false, cwd: '/workspace', runs: [] }
    },
  }
}

const grant = { project: 'calc', build: 'npm run build', output: 'dist' }
const ref = { commit: 'ab'.repeat(20), branch: 'coder/fix-add-abc123' }

describe('deployPreview: a finished run’s preview', () => {
  it('reports a failed build with its output, asks the edge nothing, and leaves only the run’s own changes for review', async () => {
    const { lower, agent } = await finishedRun()
    const asked: string[] = []
    const event = await deployPreview({
      agent,
      base: lower,
      runtime: buildingRuntime(agent, 2, 'build.js:3\nSyntaxError: Unexpected token\n'),
      grant,
      ref,
      env: {},
      api: async (path) => (asked.push(path), new Response('{}')),
      signal: new AbortController().signal,
    })
    expect(event).toEqual({ type: 'deploy-failed', message: 'The build failed: `npm run build` exited with code 2', log: 'build.js:3\nSyntaxError: Unexpected token\n' })
    expect(asked).toEqual([])
    expect(await changedFiles(agent.overlay)).toEqual(['src/add.js'])
  })

  it('says a run stopped during the build was stopped (not that the build failed), asks the edge nothing and undoes the build’s writes', async () => {
    const { lower, agent } = await finishedRun()
    const stop = new AbortController()
    const building = buildingRuntime(agent, 0, 'building…\n')
    const asked: string[] = []
    const event = await deployPreview({
      agent,
      base: lower,
      // The user presses Stop while the build runs: the runtime answers as it does to an interrupt.
      runtime: { ...building, spawn: async (request, ctx) => (await building.spawn(request, ctx), stop.abort(), { code: 130, signal: 'SIGINT', timedOut: false, cwd: '/workspace', runs: [] }) },
      grant,
      ref,
      env: {},
      api: async (path) => (asked.push(path), new Response('{}')),
      signal: stop.signal,
    })
    expect(event).toEqual({ type: 'deploy-failed', message: 'Stopped before the preview was published', log: 'building…\n' })
    expect(asked).toEqual([])
    expect(await changedFiles(agent.overlay)).toEqual(['src/add.js'])
  })

  it('sends the edge the output folder’s files as of the run’s commit and undoes the build’s writes; the edge’s refusal is a failed deploy, not a thrown error', async () => {
    const { lower, agent } = await finishedRun()
    const sent: Array<{ path: string; body: unknown }> = []
    const run = (answer: (path: string) => Response) =>
      deployPreview({
        agent,
        base: lower,
        runtime: buildingRuntime(agent, 0, 'built dist/\n'),
        grant,
        ref,
        env: {},
        api: async (path, init) => (sent.push({ path, body: JSON.parse(String(init?.body ?? 'null')) }), answer(path)),
        signal: new AbortController().signal,
      })

    const refused = await run(() => Response.json({ error: { code: 'unauthorized', message: 'Sign in to deploy' } }, { status: 401 }))
    expect(refused).toEqual({ type: 'deploy-failed', message: expect.stringContaining('Sign in to deploy'), log: 'built dist/\n' })
    // The manifest: the output folder's files only, of the run's project, commit and branch.
    expect(sent).toEqual([{ path: '/api/deployments', body: { project: 'calc', commit: ref.commit, branch: ref.branch, visibility: 'public', files: [{ path: 'index.html', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), size: 17 }] } }])
    expect(await changedFiles(agent.overlay)).toEqual(['src/add.js'])
  })
})
