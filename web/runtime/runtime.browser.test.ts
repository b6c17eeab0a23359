import { afterAll, expect, it } from 'vitest'
import type { Runtime } from '../../shared/runtime'
import { createWorkspaceClient } from '../workspace/client'
import { createEmbeddedRuntime } from './embedded'
import { createProjectRuntimes } from './index'
import { describeRuntimeContract, type RuntimeFixture } from './runtime.case'

// The real thing: the workspace SharedWorker, the runtime worker and its sandboxes, in Chromium.
const client = createWorkspaceClient()
const runtimes: Runtime[] = []
const projects: string[] = []
afterAll(async () => {
  for (const r of runtimes) r.dispose()
  for (const projectId of projects) await client.rpc.call('deleteProject', { projectId }).catch(() => undefined)
})

async function newProject(): Promise<string> {
  await client.ready
  const info = await client.rpc.call('createProject', { name: `runtime-test-${projects.length}` })
  await client.rpc.call('openProject', { projectId: info.id })
  projects.push(info.id)
  return info.id
}

function fixture(projectId: string, runtime: Runtime): RuntimeFixture {
  return {
    runtime,
    async write(files) {
      const changes = Object.entries(files).map(([path, content]) => ({ type: 'write' as const, path: `/workspace/${path}`, data: typeof content === 'string' ? new TextEncoder().encode(content) : content, mode: 0o100644 }))
      await client.rpc.call('applyChanges', { projectId, changes })
    },
    async read(path) {
      const full = path.startsWith('/') ? path : `/workspace/${path}`
      return client.rpc.call('readFile', { projectId, path: full }).then((b) => new TextDecoder().decode(b), () => null)
    },
  }
}

describeRuntimeContract('embedded', async () => {
  const projectId = await newProject()
  const runtime = createEmbeddedRuntime(projectId)
  runtimes.push(runtime)
  return fixture(projectId, runtime)
})

it('falls back to the embedded runtime, with a notice, when WebContainer cannot boot', async () => {
  const projectId = await newProject()
  const notices: string[] = []
  const r = createProjectRuntimes({ projectId, client, webcontainer: true, bootTimeoutMs: 3000, onNotice: (m) => notices.push(m) })
  runtimes.push(r.embedded)
  const active = await r.ready
  expect(active.kind).toBe('embedded')
  expect(r.active()).toBe(r.embedded)
  expect(notices.join('\n')).toMatch(/WebContainer could not start .*embedded runtime/)
  const p = active.spawn('sh', ['-c', 'echo fallback works'])
  let out = ''
  for await (const c of p.output) out += c.text
  expect(out).toBe('fallback works\n')
})
