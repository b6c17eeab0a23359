import { describe, expect, it } from 'vitest'
import type { WorkspaceApi, WorkspaceEvent } from '../../../shared/protocol'
import type { RpcClient } from '../../../shared/rpc'
import { createProjects } from '../../projects'
import { createWorkspaceHandlers } from '../../workspace'
import { createWorkspaceFiles } from './workspace-files'

const encode = (text: string) => new TextEncoder().encode(text)
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

/** The real workspace handlers over a fresh IndexedDB project, called in-process, counting calls, with their events. */
async function setup() {
  const listeners = new Set<(e: WorkspaceEvent) => void>()
  const handlers = createWorkspaceHandlers(createProjects({ prefix: `workspace-files-${crypto.randomUUID()}` }), { emit: (e) => listeners.forEach((fn) => fn(e)) })
  const ctx = { signal: new AbortController().signal, progress: () => undefined }
  const calls: string[] = []
  const rpc: RpcClient<WorkspaceApi> = {
    call: async (method, params) => (calls.push(method), handlers[method](params as never, ctx) as never),
    close: () => undefined,
  }
  const { id: projectId } = await handlers.createProject({ name: 'p' }, ctx)
  await handlers.writeFile({ projectId, path: '/workspace/a.txt', data: encode('one') }, ctx)
  calls.length = 0
  const files = createWorkspaceFiles(rpc, projectId, (fn) => (listeners.add(fn), () => listeners.delete(fn)))
  return { handlers, ctx, projectId, files, calls }
}

describe("the agent's read-only view of the workspace", () => {
  it('keeps what it read, so a second walk costs no round trip', async () => {
    const { files, calls } = await setup()
    expect(await files.readdir('/')).toContain('a.txt')
    expect(decode(await files.readFile('/a.txt'))).toBe('one')
    await files.stat('/a.txt')
    const first = calls.length
    expect(await files.readdir('/')).toContain('a.txt')
    expect(decode(await files.readFile('/a.txt'))).toBe('one')
    await files.stat('/a.txt')
    expect(calls.length).toBe(first)
  })

  it("sees the user's saves, new files and deletions as the workspace reports them", async () => {
    const { files, handlers, ctx, projectId } = await setup()
    expect(decode(await files.readFile('/a.txt'))).toBe('one')
    await expect(files.stat('/b.txt')).rejects.toThrow(/ENOENT/)
    expect(await files.readdir('/')).not.toContain('b.txt')
    await handlers.writeFile({ projectId, path: '/workspace/a.txt', data: encode('two') }, ctx)
    await handlers.writeFile({ projectId, path: '/workspace/b.txt', data: encode('new') }, ctx)
    expect(decode(await files.readFile('/a.txt'))).toBe('two')
    expect((await files.stat('/b.txt')).size).toBe(3)
    expect(await files.readdir('/')).toContain('b.txt')
    await handlers.remove({ projectId, path: '/workspace/b.txt' }, ctx)
    await expect(files.readFile('/b.txt')).rejects.toThrow(/ENOENT/)
    await expect(files.writeFile('/c.txt', encode('x'))).rejects.toThrow(/EROFS/)
  })
})
