import { afterEach, describe, expect, it } from 'vitest'
import '../polyfills'
import { createRpcClient } from '../../shared/rpc'
import type { WorkerMessage, WorkspaceApi, WorkspaceEvent } from '../../shared/protocol'
import { createProjects } from '../projects'
import { createWorkspaceHub } from './hub'

// Two tabs on one workspace hub (as with the SharedWorker), over real MessagePorts and IndexedDB.
const enc = (s: string) => new TextEncoder().encode(s)
const dec = (b: Uint8Array) => new TextDecoder().decode(b)
const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn()
})
let n = 0

function setup() {
  const prefix = `hub-test-${Date.now()}-${n++}`
  const projects = createProjects({ prefix })
  const hub = createWorkspaceHub(projects)
  const tab = (clientId: string) => {
    const channel = new MessageChannel()
    channel.port1.start()
    channel.port2.start()
    const disconnect = hub.connect(channel.port2, clientId)
    const events: WorkspaceEvent[] = []
    channel.port1.addEventListener('message', (e) => {
      const msg = e.data as WorkerMessage
      if (msg?.kind === 'event') events.push(msg.event)
    })
    cleanup.push(() => channel.port1.close())
    return { rpc: createRpcClient<WorkspaceApi>(channel.port1), events, disconnect }
  }
  return { prefix, projects, hub, tab }
}

describe('the workspace hub: many tabs, one workspace', () => {
  it("shows each tab the other's saves, and refuses to save over a change made elsewhere", async () => {
    const { tab } = setup()
    const a = tab('tab-a')
    const b = tab('tab-b')
    const project = await a.rpc.call('createProject', { name: 'shared' })
    const projectId = project.id
    await a.rpc.call('openProject', { projectId })
    await b.rpc.call('openProject', { projectId })

    const created = await a.rpc.call('writeFile', { projectId, path: 'notes.md', data: enc('v1'), expect: null })
    expect(created.ok).toBe(true)
    await expect.poll(() => b.events).toContainEqual({ type: 'files-changed', projectId, paths: ['/workspace/notes.md'], by: 'tab-a' })

    const opened = await b.rpc.call('openFile', { projectId, path: 'notes.md' })
    expect(opened).toMatchObject({ text: 'v1', readOnly: false, binary: false, notice: null })
    expect(opened.version).toBe(created.ok && created.version)

    // Tab A saves again; tab B, still holding v1's version, is told instead of overwriting.
    const second = await a.rpc.call('writeFile', { projectId, path: 'notes.md', data: enc('v2 from A'), expect: opened.version })
    expect(second.ok).toBe(true)
    const refused = await b.rpc.call('writeFile', { projectId, path: 'notes.md', data: enc('v2 from B'), expect: opened.version })
    expect(refused).toEqual({ ok: false, reason: 'changed', version: second.ok ? second.version : null })
    expect(dec(await b.rpc.call('readFile', { projectId, path: 'notes.md' }))).toBe('v2 from A')
    // Creating a file that exists already is refused the same way.
    expect((await b.rpc.call('writeFile', { projectId, path: 'notes.md', data: enc('x'), expect: null })).ok).toBe(false)
  })

  it('lets only one of two saves based on the same version land, when both arrive at once', async () => {
    const { tab } = setup()
    const a = tab('tab-a')
    const b = tab('tab-b')
    const { id: projectId } = await a.rpc.call('createProject', { name: 'race' })
    const base = await a.rpc.call('writeFile', { projectId, path: 'race.txt', data: enc('base'), expect: null })
    if (!base.ok) throw new Error('setup failed')
    const [fromA, fromB] = await Promise.all([
      a.rpc.call('writeFile', { projectId, path: 'race.txt', data: enc('from A'), expect: base.version }),
      b.rpc.call('writeFile', { projectId, path: 'race.txt', data: enc('from B'), expect: base.version }),
    ])
    expect([fromA.ok, fromB.ok].filter(Boolean)).toHaveLength(1)
    expect(dec(await a.rpc.call('readFile', { projectId, path: 'race.txt' }))).toBe(fromA.ok ? 'from A' : 'from B')
  })

  it('keeps a project open while any tab uses it, and closes it when the last one leaves', async () => {
    const { tab, prefix } = setup()
    const a = tab('tab-a')
    const b = tab('tab-b')
    const { id: projectId } = await a.rpc.call('createProject', { name: 'p' })
    await a.rpc.call('closeProject', { projectId })
    await a.rpc.call('openProject', { projectId })
    await b.rpc.call('openProject', { projectId })
    await a.rpc.call('closeProject', { projectId })
    // Still open for tab B: another workspace worker cannot have it.
    const otherWorker = createProjects({ prefix })
    await expect(otherWorker.open(projectId)).rejects.toMatchObject({ code: 'BUSY' })
    await b.rpc.call('writeFile', { projectId, path: 'x.txt', data: enc('still here') })
    // Tab B goes away without closing: the project is released.
    await b.disconnect()
    const reopened = await otherWorker.open(projectId)
    expect(dec(await reopened.namespace.readFile('/workspace/x.txt'))).toBe('still here')
    await otherWorker.close(projectId)
  })

  it('reports opened files as binary, large or read-only with a notice', async () => {
    const { tab } = setup()
    const a = tab('tab-a')
    const { id: projectId } = await a.rpc.call('createProject', { name: 'files' })
    await a.rpc.call('writeFile', { projectId, path: 'logo.png', data: new Uint8Array([137, 80, 78, 71, 0, 0, 1]) })
    expect(await a.rpc.call('openFile', { projectId, path: 'logo.png' })).toMatchObject({ text: null, binary: true, readOnly: true, notice: expect.stringContaining('Binary file') })
    await a.rpc.call('writeFile', { projectId, path: 'big.log', data: enc('x'.repeat(3 * 1024 * 1024)) })
    const big = await a.rpc.call('openFile', { projectId, path: 'big.log' })
    expect(big).toMatchObject({ readOnly: true, notice: expect.stringContaining('read-only') })
    expect(big.text).toHaveLength(3 * 1024 * 1024)
    await expect(a.rpc.call('openFile', { projectId, path: '/workspace' })).rejects.toThrow(/is a folder/)
    await expect(a.rpc.call('rename', { projectId, from: 'big.log', to: 'logo.png' })).rejects.toThrow(/already exists/)
  })
})
