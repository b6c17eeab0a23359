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
import type { AgentEvent, AgentRunResult } from '../../shared/agent'
import type { ModelEvent, ModelProvider } from '../../shared/models'
import { createLocalProvider } from '../../worker/models'
import { createAgentProject } from '../../worker/agent/host/agent-project'
import { createAgentRuntime } from '../../worker/agent/host/runtime'
import { createWorkspaceFiles } from '../../worker/agent/host/workspace-files'
import { runTask } from '../../worker/agent/host/run-task'
import { createAgentClient } from '../agent/agent-client'

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

/** One model call as the agent saw it: when it first asked for an event, when the stream ended, and how long it waited inside the stream. */
interface StreamMark {
  start: number
  end: number
  waitMs: number
}

/**
 * The provider's stream, timed: `waitMs` adds up the time spent inside the stream's `next()` (the
 * HTTP call, the model server and the SSE decoding), not the time the agent spends handling each
 * event in between. `start` is the first `next()` (where the HTTP request goes out), `end` the last.
 */
function timedStream(inner: AsyncIterable<ModelEvent>, marks: StreamMark[]): AsyncIterable<ModelEvent> {
  return {
    [Symbol.asyncIterator]() {
      const it = inner[Symbol.asyncIterator]()
      const mark: StreamMark = { start: NaN, end: NaN, waitMs: 0 }
      marks.push(mark)
      return {
        async next() {
          const t0 = performance.now()
          if (Number.isNaN(mark.start)) mark.start = t0
          try {
            return await it.next()
          } finally {
            mark.end = performance.now()
            mark.waitMs += mark.end - t0
          }
        },
        return: (value?: unknown) => it.return?.(value) ?? Promise.resolve({ done: true as const, value: undefined }),
      }
    },
  }
}

/**
 * A tool step of a timed agent run (ms): `pre` from the model's stream end to the tool starting,
 * `tool` the tool, `post` from its end to the next request; `lowerCalls`, the calls the agent's
 * overlay made to the project's files in the workspace worker meanwhile.
 */
interface AgentStep {
  name: string
  ok: boolean
  ms: number
  pre: number
  tool: number
  post: number
  lowerCalls: number
}

/** A scripted step's tool call, as the model stand-in sends it and as the direct anchor replays it. */
type ToolStep = { name: string; arguments: Record<string, unknown> }

Object.assign(coderBench, {
  /**
   * Imports `files` (paths relative to the project folder) `copies` times as the projects page's
   * "Open folder" does (files written, a repository created, one commit); resolves to the project ids.
   */
  async agentProjects(files: Array<{ path: string; text: string }>, copies: number): Promise<string[]> {
    client ??= createWorkspaceClient()
    await client.ready
    const ids: string[] = []
    for (let i = 0; i < copies; i++) {
      const info = await client.rpc.call('importFiles', {
        name: `agent-bench-${n++}`,
        files: files.map((f) => ({ path: f.path, data: encoder.encode(f.text) })),
        author: { name: 'Bench', email: 'bench@coder.test' },
      }, { timeoutMs: 120_000 })
      ids.push(info.id)
    }
    return ids
  },

  /**
   * One MechaCoder run on a project, composed as the agent worker's `run` composes it
   * (worker/agent/host/main.ts: the project opened through the workspace worker, the agent's
   * overlay over it, its runtime, runTask) but on this page's thread, with the local provider at
   * `baseUrl` and its stream timed. Resolves to the wall time of the run, the time spent waiting
   * on the model (inside the stream, and the model list), the time before the first model call,
   * each tool step's split, and the time from the last model call (the `finish`) to the end.
   */
  async agentRun(projectId: string, baseUrl: string, task: string, model: string): Promise<{
    wallMs: number
    modelWaitMs: number
    modelsListMs: number
    setupMs: number
    inStreamMs: number
    steps: AgentStep[]
    finishMs: number
    calls: number
    result: Pick<AgentRunResult, 'stopped' | 'commit'> & { changes: number }
  }> {
    client ??= createWorkspaceClient()
    await client.ready
    const c = client
    const provider = createLocalProvider({ baseUrl })
    const marks: StreamMark[] = []
    let modelsListMs = 0
    const timed: ModelProvider = {
      kind: provider.kind,
      label: provider.label,
      async models(signal) {
        const t0 = performance.now()
        try {
          return await provider.models(signal)
        } finally {
          modelsListMs += performance.now() - t0
        }
      },
      stream: (request) => timedStream(provider.stream(request), marks),
    }
    const events: Array<{ at: number; event: AgentEvent }> = []
    // When each call of the agent's overlay to the project's files (in the workspace worker) went out.
    const lowerCalls: number[] = []
    const lowerRpc: typeof c.rpc = {
      call: (method, params, options) => (lowerCalls.push(performance.now()), c.rpc.call(method, params, options)),
      close: (error) => c.rpc.close(error),
    }
    const t0 = performance.now()
    const info = await c.rpc.call('openProject', { projectId })
    const agent = await createAgentProject(info, createWorkspaceFiles(lowerRpc, projectId))
    const runtime = createAgentRuntime(agent.link, location.origin)
    const result = await runTask({ projectId, task, model, budget: {} }, {
      agent,
      provider: timed,
      runtime,
      signal: new AbortController().signal,
      // The worker posts each event to the page; here they are kept, with when they happened.
      emit: (event) => void events.push({ at: performance.now(), event: structuredClone(event) }),
    })
    const wallMs = performance.now() - t0
    const started = events.filter((e) => e.event.type === 'tool-started')
    const finished = events.filter((e) => e.event.type === 'tool-finished')
    const steps: AgentStep[] = []
    for (let k = 0; k + 1 < marks.length; k++) {
      const s = started[k]!
      const f = finished[k]!
      const done = f.event as Extract<AgentEvent, { type: 'tool-finished' }>
      const from = marks[k]!.end
      const to = marks[k + 1]!.start
      steps.push({ name: done.name, ok: done.result.ok, ms: to - from, pre: s.at - from, tool: f.at - s.at, post: to - f.at, lowerCalls: lowerCalls.filter((at) => at >= from && at < to).length })
    }
    return {
      wallMs,
      modelWaitMs: marks.reduce((sum, m) => sum + m.waitMs, 0),
      modelsListMs,
      setupMs: marks.length ? marks[0]!.start - t0 - modelsListMs : NaN,
      inStreamMs: marks.reduce((sum, m) => sum + (m.end - m.start - m.waitMs), 0),
      steps,
      finishMs: marks.length ? t0 + wallMs - marks.at(-1)!.end : NaN,
      calls: marks.length,
      result: { stopped: result.stopped, commit: result.commit, changes: result.changes.length },
    }
  },

  /**
   * The same run in the agent's own Web Worker, started as the Agent panel starts it (AgentApi
   * `run` with the local provider at `baseUrl`): no stream to time there, so each step is read off
   * the run's events, from a tool starting to the next model call starting (whole ms, the worker's
   * clock). Resolves to those and how the run ended.
   */
  async agentWorkerRun(projectId: string, baseUrl: string, task: string, model: string): Promise<{ steps: Array<{ name: string; ok: boolean; ms: number }>; wallMs: number; reason: string; committed: boolean }> {
    const agents = createAgentClient()
    try {
      const events: AgentEvent[] = []
      const t0 = performance.now()
      const result = await agents.run({ projectId, task, model, budget: {}, provider: { kind: 'local', baseUrl } }, (event) => void events.push(event))
      const wallMs = performance.now() - t0
      const turns = events.filter((e): e is Extract<AgentEvent, { type: 'turn-started' }> => e.type === 'turn-started')
      const started = events.filter((e): e is Extract<AgentEvent, { type: 'tool-started' }> => e.type === 'tool-started')
      const finished = events.filter((e): e is Extract<AgentEvent, { type: 'tool-finished' }> => e.type === 'tool-finished')
      const steps = turns.slice(1).map((turn, k) => ({ name: started[k]!.name, ok: finished[k]!.result.ok, ms: turn.at - started[k]!.at }))
      return { steps, wallMs, reason: result.stopped.reason, committed: !!result.commit }
    } finally {
      agents.dispose()
    }
  },

  /**
   * The anchor of agentRun: the same tool operations done straight on the project's files through
   * the workspace worker, as the IDE does them (no agent, no overlay, no model): list → listFiles,
   * read → readFile, search → search, edit → read + write, write → writeFile, git status → status,
   * git diff → status and a diff per file. Resolves to each operation's time (ms).
   */
  async agentDirect(projectId: string, steps: ToolStep[]): Promise<number[]> {
    client ??= createWorkspaceClient()
    await client.ready
    const rpc = client.rpc
    const decoder = new TextDecoder()
    await rpc.call('openProject', { projectId })
    const run = async ({ name, arguments: a }: ToolStep): Promise<void> => {
      const path = typeof a.path === 'string' ? a.path : '.'
      switch (name) {
        case 'list_files': {
          const prefix = path === '.' ? '' : `${path}/`
          const files = (await rpc.call('listFiles', { projectId })).filter((f) => f.startsWith(prefix))
          if (files.length === 0) throw new Error(`listFiles found nothing under ${path}`)
          return
        }
        case 'read_file':
          decoder.decode(await rpc.call('readFile', { projectId, path }))
          return
        case 'search': {
          const found = await rpc.call('search', { projectId, query: String(a.pattern), regex: a.regex === true }, { onProgress: () => undefined })
          if (found.matches === 0) throw new Error(`search found no ${a.pattern}`)
          return
        }
        case 'edit_file': {
          const before = decoder.decode(await rpc.call('readFile', { projectId, path }))
          if (!before.includes(String(a.search))) throw new Error(`edit: ${a.search} is not in ${path}`)
          await rpc.call('writeFile', { projectId, path, data: encoder.encode(before.replace(String(a.search), String(a.replace))) })
          return
        }
        case 'write_file':
          await rpc.call('writeFile', { projectId, path, data: encoder.encode(String(a.content)) })
          return
        case 'git_status':
          await rpc.call('status', { projectId })
          return
        case 'git_diff': {
          const paths = Array.isArray(a.paths) ? (a.paths as string[]) : (await rpc.call('status', { projectId })).map((s) => s.path)
          for (const p of paths) await rpc.call('diff', { projectId, path: p })
          return
        }
        default:
          throw new Error(`no direct form of ${name}`)
      }
    }
    const ms: number[] = []
    for (const step of steps) ms.push(await time(() => run(step)))
    return ms
  },
})

;(window as unknown as { coderBench: typeof coderBench }).coderBench = coderBench
