/**
 * @module The browser side of `npm run bench`: `window.coderBench`, timing Coder's real code
 * paths (the workspace worker, the IndexedDB namespace, isomorphic-git) next to lightning-fs.
 */
import '../../worker/polyfills'
import LightningFS from '@isomorphic-git/lightning-fs'
import { createProjects } from '../../worker/projects'
import { addAll, commit, initRepo, openRepo, status } from '../../worker/git'
import { mkdirp, type Namespace } from '../../shared/namespace'
import { searchFiles } from '../../worker/search'
import { createWorkspaceClient, type WorkspaceClient } from '../workspace/client'
import { discoverRefs, fetchPack } from '../../worker/git/smart-http'
import { indexPack, warmUpPackIndexer } from '../../worker/git/pack'
import { createPythonRunner, PYODIDE_INDEX_URL } from '../../worker/runtime/python'
import { createEmbeddedRuntime, type EmbeddedRuntime } from '../runtime'
import type { TestReport } from '../../shared/runtime'

const encoder = new TextEncoder()
const payload = (i: number) => encoder.encode(`// file ${i}\nexport const value${i} = ${i} // a small file of about ninety bytes.....\n`)
let client: WorkspaceClient | null = null
let n = 0

/** 200 folders `dir-000`… of 100 files `file-000.txt`… of ~90 bytes under /workspace (setup, untimed). */
async function write20k(ns: Namespace): Promise<void> {
  for (let d = 0; d < 200; d++) {
    const dir = `/workspace/dir-${String(d).padStart(3, '0')}`
    await mkdirp(ns, dir)
    for (let f = 0; f < 100; f++) await ns.writeFile(`${dir}/file-${String(f).padStart(3, '0')}.txt`, payload(d * 100 + f))
  }
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}

const coderBench = {
  /** Deletes every IndexedDB database of this origin. */
  async reset(): Promise<void> {
    client?.terminate()
    client = null
    const dbs = await indexedDB.databases()
    await Promise.all(dbs.map((d) => new Promise((resolve) => {
      const req = indexedDB.deleteDatabase(d.name!)
      req.onsuccess = req.onerror = req.onblocked = resolve
    })))
  },

  /** Clone + checkout into the IndexedDB namespace, through the workspace worker (ms). */
  async importRepo(url: string, options: { depth?: number } = {}): Promise<number> {
    client ??= createWorkspaceClient()
    await client.ready
    // As the projects page does when it opens: the indexer's code is compiled before an import.
    await client.rpc.call('prepareImport', undefined, { timeoutMs: 60_000 })
    const c = client
    return time(() => c.rpc.call('importRepo', { url, depth: options.depth }, { timeoutMs: 600_000 }))
  },

  /** An import with the time each progress phase started (for finding where time goes). */
  async importPhases(url: string, options: { depth?: number } = {}): Promise<Array<[string, number]>> {
    client ??= createWorkspaceClient()
    await client.ready
    await client.rpc.call('prepareImport', undefined, { timeoutMs: 60_000 })
    const t0 = performance.now()
    const phases: Array<[string, number]> = []
    await client.rpc.call('importRepo', { url, depth: options.depth }, {
      timeoutMs: 600_000,
      onProgress: (p) => {
        if (phases.at(-1)?.[0] !== p.phase) phases.push([p.phase, Math.round(performance.now() - t0)])
      },
    })
    phases.push(['done', Math.round(performance.now() - t0)])
    return phases
  },

  /** Fetches a repository's pack, then times indexing it on this thread (for profiling; ms). */
  async indexOnly(url: string, warm = true): Promise<number> {
    if (warm) await warmUpPackIndexer()
    const adv = await discoverRefs(url)
    const { pack } = await fetchPack(url, [...adv.refs.values()], { capabilities: adv.capabilities })
    return time(() => indexPack(pack))
  },

  /** Saves 1,000 small files through the namespace as one multi-file save (ms). */
  async write1000(): Promise<number> {
    const projects = createProjects({ prefix: `bench-w${n++}` })
    const p = await projects.open((await projects.create({ name: 'write' })).id)
    await p.namespace.mkdir('/workspace/many')
    return time(() =>
      p.namespace.batch(async () => {
        for (let i = 0; i < 1000; i++) await p.namespace.writeFile(`/workspace/many/file-${i}.txt`, payload(i))
      }),
    )
  },

  /** The same 1,000 files through lightning-fs, one write after another (ms). */
  async write1000LightningFs(): Promise<number> {
    const fs = new LightningFS(`bench-lfs-${n++}`, { wipe: true }).promises
    await fs.mkdir('/many')
    return time(async () => {
      for (let i = 0; i < 1000; i++) await fs.writeFile(`/many/file-${i}.txt`, payload(i))
    })
  },

  /** git status over 200 × 100 committed files with one modified (setup untimed; ms). */
  async status20k(): Promise<number> {
    const projects = createProjects({ prefix: `bench-s${n++}` })
    const p = await projects.open((await projects.create({ name: 'status' })).id)
    const repo = openRepo(p.namespace, '/workspace')
    await p.workspace.batch(async () => {
      await initRepo(repo)
      await write20k(p.namespace)
      await addAll(repo)
      await commit(repo, 'twenty thousand files', { name: 'Bench', email: 'bench@coder.test' })
    })
    await p.namespace.writeFile('/workspace/dir-000/file-000.txt', encoder.encode('changed\n'))
    const fresh = () => openRepo(p.namespace, '/workspace')
    await status(fresh())
    let changed = 0
    const ms = await time(async () => {
      changed = (await status(fresh())).length
    })
    if (changed !== 1) throw new Error(`status found ${changed} changes, expected 1`)
    return ms
  },

  /**
   * Search across 200 × 100 files for a string in one of them, in a freshly opened project (its
   * file contents come from IndexedDB, as after opening the IDE); setup untimed; ms.
   */
  async search20k(): Promise<number> {
    const prefix = `bench-q${n++}`
    let projects = createProjects({ prefix })
    const { id } = await projects.create({ name: 'search' })
    const p = await projects.open(id)
    await p.workspace.batch(async () => {
      await write20k(p.namespace)
    })
    await projects.close(id)
    projects = createProjects({ prefix })
    const reopened = await projects.open(id)
    let found = 0
    const ms = await time(async () => {
      found = (await searchFiles(reopened.namespace, '/workspace', { query: 'value12345 ' })).matches
    })
    await projects.close(id)
    if (found !== 1) throw new Error(`search found ${found} matches, expected 1`)
    return ms
  },

  /**
   * Loads pyodide in a new Python runner (`loadMs`), then runs `python -m unittest` over `files`
   * (paths relative to the project folder, which becomes /workspace; `runMs`: from the run request,
   * files included, to its exit). Rejects unless the run exits 0.
   */
  async pythonUnittest(files: Array<{ path: string; text: string }>): Promise<{ loadMs: number; runMs: number; output: string }> {
    const runner = createPythonRunner({ indexURL: PYODIDE_INDEX_URL })
    try {
      const t0 = performance.now()
      await runner.load()
      const loadMs = performance.now() - t0
      const request = {
        argv: ['python', '-m', 'unittest'],
        cwd: '/workspace',
        env: {},
        files: files.map((f) => ({ path: `/workspace/${f.path}`, data: encoder.encode(f.text), mode: 0o100644 })),
      }
      let output = ''
      const io = { stdout: (t: string) => (output += t), stderr: (t: string) => (output += t) }
      let code = -1
      const runMs = await time(async () => {
        code = (await runner.run(request, io)).code
      })
      if (code !== 0) throw new Error(`python -m unittest exited ${code}:\n${output}`)
      return { loadMs, runMs, output }
    } finally {
      runner.dispose()
    }
  },
}

/** A project holding `files` (paths relative to /workspace), created through the workspace worker. */
async function projectWith(files: Array<{ path: string; text: string }>): Promise<{ client: WorkspaceClient; projectId: string }> {
  client ??= createWorkspaceClient()
  await client.ready
  const info = await client.rpc.call('createProject', { name: `runtime-bench-${n++}` })
  await client.rpc.call('applyChanges', { projectId: info.id, changes: files.map((f) => ({ type: 'write' as const, path: `/workspace/${f.path}`, data: encoder.encode(f.text), mode: 0o100644 })) })
  return { client, projectId: info.id }
}

const counts = (r: TestReport) => ({ passed: r.counts.passed, failed: r.counts.failed, total: r.counts.total })

/** Runtimes of projects made with runtimeProject, kept between calls. */
const runtimes = new Map<string, EmbeddedRuntime>()

Object.assign(coderBench, {
  /** A new project holding `files`; resolves to its id (for runtimeRun and runtimeTree). */
  async runtimeProject(files: Array<{ path: string; text: string }>): Promise<string> {
    const { projectId } = await projectWith(files)
    runtimes.set(projectId, createEmbeddedRuntime(projectId))
    return projectId
  },

  /** Runs a shell line in a project made with runtimeProject: exit code, output and the time it took (ms). */
  async runtimeRun(projectId: string, line: string): Promise<{ code: number; output: string; ms: number }> {
    const runtime = runtimes.get(projectId)
    if (!runtime) throw new Error(`no runtime for project ${projectId}`)
    const t0 = performance.now()
    const process = runtime.spawn('sh', ['-c', line], { timeoutMs: 300_000 })
    let output = ''
    for await (const chunk of process.output) output += chunk.text
    const status = await process.exit
    return { code: status.code, output, ms: performance.now() - t0 }
  },

  /** Writes a workspace file (path relative to /workspace) of a project, as the editor saves it. */
  async runtimeWrite(projectId: string, path: string, text: string): Promise<void> {
    await client!.rpc.call('writeFile', { projectId, path: `/workspace/${path}`, data: encoder.encode(text) })
  },

  /** The packages installed in a project's node_modules: path, name and version, sorted by path. */
  async runtimeTree(projectId: string): Promise<Array<{ path: string; name: string; version: string }>> {
    const c = client!
    const entries = await c.rpc.call('snapshot', { projectId, path: '/workspace/node_modules', skip: ['.bin'] }).catch(() => [])
    const out: Array<{ path: string; name: string; version: string }> = []
    for (const e of entries) {
      const m = /^\/workspace\/((?:.*\/)?node_modules\/(?:@[^/]+\/)?[^/@.][^/]*)\/package\.json$/.exec(e.path)
      if (!m || !e.data) continue
      const json = JSON.parse(new TextDecoder().decode(e.data)) as { name: string; version: string }
      out.push({ path: m[1]!, name: json.name, version: json.version })
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  },

  /**
   * Runs a shell line (e.g. `npm test`) in a new project holding `files`, on the embedded runtime:
   * its exit code, its output, and the reports of the test runs it made (read back from /runs).
   */
  async runtimeCommand(files: Array<{ path: string; text: string }>, line: string): Promise<{ code: number; output: string; reports: TestReport[] }> {
    const { client: c, projectId } = await projectWith(files)
    const runtime = createEmbeddedRuntime(projectId)
    try {
      const process = runtime.spawn('sh', ['-c', line], { timeoutMs: 300_000 })
      let output = ''
      for await (const chunk of process.output) output += chunk.text
      const status = await process.exit
      const reports: TestReport[] = []
      for (const id of status.runs) reports.push(JSON.parse(new TextDecoder().decode(await c.rpc.call('readFile', { projectId, path: `/runs/${id}/report.json` }))) as TestReport)
      return { code: status.code, output, reports }
    } finally {
      runtime.dispose()
      await c.rpc.call('deleteProject', { projectId }).catch(() => undefined)
    }
  },

  /**
   * The first test run of a project on a runtime started just now (as when the IDE has just
   * opened): from the request to the report (ms), including the runtime's start, copying the
   * files, compiling (from the compile cache, or esbuild's start when it misses), and the run.
   * `files` makes a new project; a project id reuses one made before.
   */
  async runtimeTestCold(files: Array<{ path: string; text: string }> | string, spec: { files?: string[]; runner?: 'node-test' | 'vitest' }): Promise<{ ms: number; counts: ReturnType<typeof counts>; projectId: string }> {
    // A project id: one made in an earlier visit (the returning user's case).
    const projectId = typeof files === 'string' ? files : (await projectWith(files)).projectId
    const t0 = performance.now()
    const runtime = createEmbeddedRuntime(projectId)
    try {
      const report = await runtime.runTests(spec)
      return { ms: performance.now() - t0, counts: counts(report), projectId }
    } finally {
      runtime.dispose()
    }
  },

  /**
   * Edit → re-run, warm: a runtime that has run the tests once; then, `rounds` times, `edit.path`
   * is rewritten (alternating two versions) through the workspace and `spec` re-run. Resolves to
   * each round's time from the edit to the report (ms).
   */
  async runtimeTestWarm(files: Array<{ path: string; text: string }>, spec: { files?: string[]; runner?: 'node-test' | 'vitest' }, edit: { path: string; texts: [string, string] }, rounds = 5): Promise<{ ms: number[]; counts: ReturnType<typeof counts> }> {
    const { client: c, projectId } = await projectWith(files)
    const runtime: EmbeddedRuntime = createEmbeddedRuntime(projectId)
    try {
      await runtime.warm()
      let report = await runtime.runTests(spec)
      const ms: number[] = []
      for (let i = 0; i < rounds; i++) {
        const t0 = performance.now()
        await c.rpc.call('writeFile', { projectId, path: `/workspace/${edit.path}`, data: encoder.encode(edit.texts[i % 2]!) })
        report = await runtime.runTests(spec)
        ms.push(performance.now() - t0)
      }
      return { ms, counts: counts(report) }
    } finally {
      runtime.dispose()
    }
  },
})

;(window as unknown as { coderBench: typeof coderBench }).coderBench = coderBench
