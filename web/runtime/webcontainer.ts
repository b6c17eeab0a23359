import type { WebContainer as WebContainerType, FileSystemTree } from '@webcontainer/api'
import { AppError } from '../../shared/errors'
import type { WorkspaceApi, WorkspaceEvent } from '../../shared/protocol'
import type { RpcClient } from '../../shared/rpc'
import { createOutputQueue } from './output-queue'
import { createReport, type ExitStatus, type Runtime, type RuntimeProcess, type SpawnOptions, type TestCaseReport, type TestReport, type TestSpec } from '../../shared/runtime'

/** How long WebContainer gets to boot before the IDE falls back to the embedded runtime. */
export const WEBCONTAINER_BOOT_TIMEOUT_MS = 15_000

/** What the adapter needs: the workspace (to mirror files both ways) and its events. */
export interface WebContainerOptions {
  projectId: string
  rpc: RpcClient<WorkspaceApi>
  subscribe(fn: (event: WorkspaceEvent) => void): () => void
  /** This tab's id, to skip the workspace events its own write-backs cause. */
  clientId: string
  bootTimeoutMs?: number
  /** Loads the SDK (a dynamic import by default; it is only fetched when WebContainer mode is on). */
  load?: () => Promise<{ WebContainer: typeof WebContainerType }>
}

/**
 * Boots WebContainer (StackBlitz's hosted runtime: online only, and only in a cross-origin
 * isolated page), copies the workspace in, and keeps both sides in step. Rejects with a clear
 * error when it cannot boot within the timeout, so the caller can fall back.
 */
export async function bootWebContainer(options: WebContainerOptions): Promise<Runtime> {
  if (!(globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated) throw new AppError('BAD_INPUT', 'WebContainer needs a cross-origin isolated page')
  if (!navigator.onLine) throw new AppError('NETWORK', 'WebContainer needs a network connection (it is served by StackBlitz)')
  const timeoutMs = options.bootTimeoutMs ?? WEBCONTAINER_BOOT_TIMEOUT_MS
  const boot = (async () => {
    const { WebContainer } = await (options.load ?? (() => import('@webcontainer/api')))()
    return WebContainer.boot({ coep: 'require-corp', workdirName: 'workspace' })
  })()
  let timer: ReturnType<typeof setTimeout> | undefined
  const wc = await Promise.race([
    boot,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new AppError('TIMEOUT', `WebContainer did not start within ${timeoutMs / 1000} s`)), timeoutMs))),
  ]).finally(() => clearTimeout(timer))
  await wc.mount(await workspaceTree(options))
  return createWebContainerRuntime(wc, options)
}

async function workspaceTree({ rpc, projectId }: WebContainerOptions): Promise<FileSystemTree> {
  const root: FileSystemTree = {}
  for (const entry of await rpc.call('snapshot', { projectId, path: '/workspace', skip: ['.git'] })) {
    const parts = entry.path.slice('/workspace/'.length).split('/')
    let dir = root
    for (const part of parts.slice(0, -1)) dir = (dir[part] as { directory: FileSystemTree }).directory
    const name = parts[parts.length - 1]!
    if (entry.type === 'dir') dir[name] = { directory: {} }
    else if (entry.type === 'symlink') dir[name] = { file: { symlink: entry.target ?? '' } }
    else dir[name] = { file: { contents: entry.data ?? (await rpc.call('readFile', { projectId, path: entry.path })) } }
  }
  return root
}

function createWebContainerRuntime(wc: WebContainerType, options: WebContainerOptions): Runtime {
  const { rpc, projectId } = options
  // Workspace → container: edits saved in the IDE land in the container.
  const stop = options.subscribe((event) => {
    if (event.type !== 'files-changed' || event.projectId !== projectId || event.by === options.clientId) return
    for (const path of event.paths) {
      if (!path.startsWith('/workspace/')) continue
      const rel = path.slice('/workspace/'.length)
      void rpc.call('readFile', { projectId, path }).then(
        (data) => wc.fs.writeFile(rel, data),
        () => wc.fs.rm(rel, { recursive: true, force: true }),
      )
    }
  })
  // Container → workspace: what processes write comes back (node_modules stays in the container).
  const pending = new Set<string>()
  let flushTimer: ReturnType<typeof setTimeout> | null = null
  const flush = async () => {
    flushTimer = null
    const paths = [...pending]
    pending.clear()
    const changes = []
    for (const rel of paths) {
      const data = await wc.fs.readFile(rel).catch(() => null)
      changes.push(data ? { type: 'write' as const, path: `/workspace/${rel}`, data, mode: 0o100644 } : { type: 'remove' as const, path: `/workspace/${rel}` })
    }
    if (changes.length) await rpc.call('applyChanges', { projectId, changes }).catch((error: unknown) => console.warn('WebContainer: could not copy changes back', error))
  }
  const watcher = wc.fs.watch('.', { recursive: true }, (_event, filename) => {
    const rel = String(filename)
    if (rel.startsWith('node_modules') || rel.startsWith('.git')) return
    pending.add(rel)
    flushTimer ??= setTimeout(() => void flush(), 100)
  })

  function spawn(command: string, args: string[], spawnOptions: SpawnOptions = {}): RuntimeProcess {
    const queue = createOutputQueue()
    let timedOut = false
    let interrupted = false
    const started = wc.spawn(command, args, { cwd: spawnOptions.cwd?.replace(/^\/workspace\/?/, '') || undefined, env: spawnOptions.env, output: true })
    const exit: Promise<ExitStatus> = started
      .then(async (proc) => {
        void proc.output.pipeTo(new WritableStream({ write: (text) => queue.push({ stream: 'stdout', text }) }))
        if (spawnOptions.stdin !== undefined) {
          const writer = proc.input.getWriter()
          await writer.write(spawnOptions.stdin)
          await writer.close()
        }
        spawnOptions.signal?.addEventListener('abort', () => ((interrupted = true), proc.kill()))
        const timer = spawnOptions.timeoutMs ? setTimeout(() => ((timedOut = true), proc.kill()), spawnOptions.timeoutMs) : null
        const code = await proc.exit
        if (timer) clearTimeout(timer)
        await flush()
        return { code: timedOut ? 124 : interrupted ? 130 : code, signal: timedOut ? 'SIGKILL' : interrupted ? 'SIGINT' : null, timedOut, cwd: spawnOptions.cwd ?? '/workspace', runs: [] } satisfies ExitStatus
      })
      .finally(() => queue.end())
    let input: WritableStreamDefaultWriter<string> | null = null
    return {
      exit,
      output: queue.output,
      write(text) {
        void started.then((proc) => {
          input ??= proc.input.getWriter()
          return text === null ? input.close() : input.write(text)
        })
      },
      kill: () => void started.then((proc) => ((interrupted = true), proc.kill())),
    }
  }

  async function runTests(spec: TestSpec = {}): Promise<TestReport> {
    const startedAt = Date.now()
    const t0 = performance.now()
    if (spec.runner === 'python-unittest') throw new AppError('BAD_INPUT', 'WebContainer has no Python: run Python tests on the embedded runtime')
    const vitest = spec.runner === 'vitest'
    const out = '/tmp/coder-report.json'
    const proc = vitest
      ? spawn('npx', ['vitest', 'run', '--reporter=json', `--outputFile=${out}`, ...(spec.testName ? ['-t', spec.testName] : []), ...(spec.files ?? [])], { signal: spec.signal, timeoutMs: spec.timeoutMs })
      : spawn('node', ['--test', '--test-reporter=tap', ...(spec.files ?? [])], { signal: spec.signal, timeoutMs: spec.timeoutMs })
    let text = ''
    for await (const chunk of proc.output) text += chunk.text
    await proc.exit
    const tests = vitest ? parseVitestJson(new TextDecoder().decode(await wc.fs.readFile(out))) : parseTap(text)
    return createReport({ id: `${startedAt}`, runner: vitest ? 'vitest' : 'node-test', command: vitest ? 'vitest run' : 'node --test', startedAt, durationMs: performance.now() - t0, files: [], tests })
  }

  return {
    kind: 'webcontainer',
    spawn,
    runTests,
    dispose() {
      stop()
      watcher.close()
      wc.teardown()
    },
  }
}

/** Tests from node's TAP output (names and statuses; nesting by indentation). */
function parseTap(tap: string): TestCaseReport[] {
  const tests: TestCaseReport[] = []
  for (const line of tap.split('\n')) {
    const m = /^(\s*)(not ok|ok) \d+ - (.*?)(?:\s+#\s+(SKIP|TODO)\b.*)?$/i.exec(line)
    if (!m) continue
    const status = m[4]?.toUpperCase() === 'SKIP' ? 'skipped' : m[4]?.toUpperCase() === 'TODO' ? 'todo' : m[2] === 'ok' ? 'passed' : 'failed'
    tests.push({ file: '', suites: [], name: m[3]!, status, durationMs: 0, failure: status === 'failed' ? { message: 'failed', stack: null, location: null } : null })
  }
  return tests
}

/** Tests from vitest's JSON reporter. */
function parseVitestJson(json: string): TestCaseReport[] {
  const data = JSON.parse(json) as { testResults: Array<{ name: string; assertionResults: Array<{ ancestorTitles: string[]; title: string; status: string; duration?: number; failureMessages: string[] }> }> }
  return data.testResults.flatMap((file) =>
    file.assertionResults.map((t) => {
      const status = t.status === 'passed' ? 'passed' : t.status === 'failed' ? 'failed' : t.status === 'todo' ? 'todo' : 'skipped'
      return { file: file.name.replace(/^.*?\/workspace\//, ''), suites: t.ancestorTitles, name: t.title, status, durationMs: t.duration ?? 0, failure: status === 'failed' ? { message: t.failureMessages[0] ?? 'failed', stack: null, location: null } : null } satisfies TestCaseReport
    }),
  )
}
