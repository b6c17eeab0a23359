import { afterAll, describe, expect, it } from 'vitest'
import type { Runtime } from '../../shared/runtime'
import { createWorkspaceClient } from '../workspace/client'
import { createEmbeddedRuntime } from './embedded'
import { createProjectRuntimes } from './index'
import { describeRuntimeContract, run, type RuntimeFixture } from './runtime.case'

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

describe('embedded: Python and WASI', () => {
  it('runs python scripts and unittest, with a report in /runs', { timeout: 120_000 }, async () => {
    const projectId = await newProject()
    const runtime = createEmbeddedRuntime(projectId)
    runtimes.push(runtime)
    const { write, read } = fixture(projectId, runtime)
    await write({
      'calc.py': 'def add(a, b):\n    return a + b\n\nif __name__ == "__main__":\n    import sys\n    print("sum", add(int(sys.argv[1]), int(sys.argv[2])))\n    open("out.txt", "w").write("written by python")\n',
      'test_calc.py': 'import unittest\nfrom calc import add\n\nclass CalcTest(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(2, 2), 4)\n\n    def test_wrong(self):\n        self.assertEqual(add(2, 2), 5)\n',
    })
    const script = await run(runtime, 'sh', ['-c', 'python calc.py 2 3 && cat out.txt'])
    expect(script.stdout).toBe('sum 5\nwritten by python')
    expect(await read('out.txt')).toBe('written by python')
    const report = await runtime.runTests({ runner: 'python-unittest' })
    expect(report.counts).toMatchObject({ passed: 1, failed: 1, total: 2 })
    const failing = report.tests.find((t) => t.status === 'failed')!
    expect(failing).toMatchObject({ name: 'test_wrong', suites: ['CalcTest'] })
    expect(failing.failure?.location).toMatchObject({ path: '/workspace/test_calc.py', line: 9 })
    // Written right after the run resolves.
    await expect.poll(async () => JSON.parse((await read(`/runs/${report.id}/report.json`)) ?? '{}').counts?.total).toBe(2)
  })

  it('runs a WASI binary with args, stdin and the workspace mounted', async () => {
    const projectId = await newProject()
    const runtime = createEmbeddedRuntime(projectId)
    runtimes.push(runtime)
    const { write, read } = fixture(projectId, runtime)
    const wasm = async (name: string) => new Uint8Array(await (await fetch(new URL(`../../worker/runtime/sandbox/__fixtures__/wasi/${name}.wasm`, import.meta.url))).arrayBuffer())
    await write({ 'bin/upper.wasm': await wasm('upper'), 'bin/echo.wasm': await wasm('echo'), 'bin/exit3.wasm': await wasm('exit3'), 'data/in.txt': 'shout this' })
    const upper = await run(runtime, 'sh', ['-c', 'cd data && ../bin/upper.wasm in.txt out.txt'])
    expect(upper.status.code).toBe(0)
    expect(await read('data/out.txt')).toBe('SHOUT THIS')
    const echo = await run(runtime, 'sh', ['-c', 'echo piped | bin/echo.wasm'])
    expect(echo.stdout).toBe('piped\n')
    expect((await run(runtime, 'bin/exit3.wasm')).status.code).toBe(3)
  })
})

it('keeps processes and shell built-ins out of .git and the other mounts', async () => {
  const projectId = await newProject()
  const runtime = createEmbeddedRuntime(projectId)
  runtimes.push(runtime)
  const { write, read } = fixture(projectId, runtime)
  const head = await read('.git/HEAD')
  await write({ 'evil.js': "require('fs').mkdirSync('.git', { recursive: true }); require('fs').writeFileSync('.git/HEAD', 'ref: refs/heads/evil')\nrequire('fs').writeFileSync('ok.txt', 'fine')\n" })
  const r = await run(runtime, 'node', ['evil.js'])
  expect(r.stderr).toMatch(/kept the program from changing .*\/workspace\/.git\/HEAD/)
  expect(await read('.git/HEAD')).toBe(head)
  expect(await read('ok.txt')).toBe('fine')
  const shell = await run(runtime, 'sh', ['-c', 'mkdir -p .git/hooks'])
  expect(shell.status.code).not.toBe(0)
  expect(shell.stderr).toContain('Permission denied')
})
