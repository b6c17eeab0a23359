import { AppError } from '../../shared/errors'
import { createRpcClient, type RpcClient } from '../../shared/rpc'
import { createOutputQueue } from './output-queue'
import type { ExitStatus, OutputChunk, RunProgress, Runtime, RuntimeApi, RuntimeConnect, RuntimeProcess, SpawnOptions, TestEvent, TestReport, TestSpec } from '../../shared/runtime'

/** The embedded runtime, plus what the IDE needs beyond the contract. */
export interface EmbeddedRuntime extends Runtime {
  readonly kind: 'embedded'
  /** Copies the project's files into the runtime and starts its compiler; resolves when ready. */
  warm(): Promise<void>
  /** Like runTests, with each test event as it happens (for a live results tree). */
  runTestsLive(spec: TestSpec, onEvent: (event: TestEvent) => void, onOutput?: (chunk: OutputChunk) => void): Promise<TestReport>
}

/**
 * Starts the runtime worker for `projectId` and connects it to the workspace worker (a port of
 * the same SharedWorker the page uses). Processes run in sandbox workers it starts.
 */
export function createEmbeddedRuntime(projectId: string): EmbeddedRuntime {
  // Vite bundles a worker only when `new URL(...)` is written inside the constructor call; the
  // workspace's URL and name must be the ones web/workspace/client.ts uses, to reach the same worker.
  const worker = new Worker(new URL('../../worker/runtime/host/main.ts', import.meta.url), { type: 'module', name: 'runtime' })
  const workspace = new SharedWorker(new URL('../../worker/main.ts', import.meta.url), { type: 'module', name: 'workspace' })
  worker.postMessage({ kind: 'connect', port: workspace.port } satisfies RuntimeConnect, [workspace.port])
  const rpc: RpcClient<RuntimeApi> = createRpcClient<RuntimeApi>(worker, { timeoutMs: 0 })
  worker.addEventListener('error', (event) => {
    event.preventDefault()
    rpc.close(new AppError('WORKER_DIED', `the runtime stopped: ${event.message || 'it failed to load'}`))
  })
  let warmed: Promise<void> | null = null
  const warm = () => (warmed ??= rpc.call('open', { projectId }))

  function spawn(command: string, args: string[], options: SpawnOptions = {}): RuntimeProcess {
    const pid = crypto.randomUUID()
    const controller = new AbortController()
    const queue = createOutputQueue()
    options.signal?.addEventListener('abort', () => controller.abort())
    const exit: Promise<ExitStatus> = warm()
      .then(() =>
        rpc.call(
          'spawn',
          { projectId, pid, command, args, cwd: options.cwd, env: options.env, stdin: options.stdin, timeoutMs: options.timeoutMs },
          {
            signal: controller.signal,
            timeoutMs: 0,
            onProgress: (p: RunProgress) => {
              if (p.output) queue.push(...p.output)
              if (p.task !== undefined) options.onTask?.(p.task)
            },
          },
        ),
      )
      .catch((error: unknown): ExitStatus => {
        const aborted = error instanceof AppError && error.code === 'ABORTED'
        if (!aborted) queue.push({ stream: 'stderr', text: `${error instanceof Error ? error.message : String(error)}\n` })
        return { code: aborted ? 130 : 1, signal: aborted ? 'SIGINT' : null, timedOut: false, cwd: options.cwd ?? '/workspace', runs: [] }
      })
      .finally(() => {
        options.onTask?.(null)
        queue.end()
      })
    return {
      exit,
      output: queue.output,
      write: (text) => void rpc.call('input', { pid, text }).catch(() => undefined),
      kill: () => controller.abort(),
    }
  }

  async function runTestsLive(spec: TestSpec, onEvent: (event: TestEvent) => void, onOutput?: (chunk: OutputChunk) => void): Promise<TestReport> {
    await warm()
    return rpc.call(
      'runTests',
      { projectId, files: spec.files, testName: spec.testName, runner: spec.runner, timeoutMs: spec.timeoutMs, env: spec.env },
      {
        signal: spec.signal,
        timeoutMs: 0,
        onProgress: (p: RunProgress) => {
          for (const e of p.events ?? []) onEvent(e)
          for (const c of p.output ?? []) onOutput?.(c)
          if (p.task !== undefined) spec.onTask?.(p.task)
        },
      },
    ).finally(() => spec.onTask?.(null))
  }

  return {
    kind: 'embedded',
    warm,
    spawn,
    runTests: (spec = {}) => runTestsLive(spec, () => {}),
    runTestsLive,
    dispose() {
      rpc.close(new AppError('ABORTED', 'the runtime was closed'))
      worker.terminate()
    },
  }
}
