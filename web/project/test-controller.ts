import { createSignal, type Accessor } from 'solid-js'
import { hasCode } from '../../shared/errors'
import type { OutputChunk, TestEvent, TestReport, TestSpec } from '../../shared/runtime'
import type { WorkspaceEvent } from '../../shared/protocol'
import { applyEvent, countRun, emptyRun, finishRun, fullName, type Counts, type RunState } from './test-results'

/** What a run covers: everything, one file, or one test of a file. */
export type TestScope = { kind: 'all' } | { kind: 'file'; file: string } | { kind: 'test'; file: string; suites: string[]; name: string }

/** Where a controller runs tests and hears about saves. */
export interface TestControllerOptions {
  projectId: string
  /** This tab's client id: saves it made carry it as `by`. */
  clientId: string
  runTestsLive(spec: TestSpec, onEvent: (event: TestEvent) => void, onOutput?: (chunk: OutputChunk) => void): Promise<TestReport>
  onWorkspaceEvent(fn: (event: WorkspaceEvent) => void): () => void
  /** Re-run on save waits this long after the last save (ms). */
  debounceMs?: number
}

/** The testing view's state: the current or last run, live as its events arrive, and re-run on save. */
export interface TestController {
  run: Accessor<RunState>
  phase: Accessor<'idle' | 'running' | 'done' | 'cancelled' | 'error'>
  /** Why the last run failed to produce a report. */
  error: Accessor<string | null>
  scope: Accessor<TestScope | null>
  counts: Accessor<Counts>
  /** The test command's output, as the terminal would show it. */
  output: Accessor<string>
  rerunOnSave: Accessor<boolean>
  setRerunOnSave(on: boolean): void
  /** Starts a run (cancelling one in progress); resolves when it ends, never rejects. */
  start(scope: TestScope): Promise<void>
  cancel(): void
  dispose(): void
}

const rerunKey = (projectId: string) => `coder.tests.rerunOnSave.${projectId}`

function specFor(scope: TestScope): TestSpec {
  switch (scope.kind) {
    case 'all':
      return {}
    case 'file':
      return { files: [scope.file] }
    case 'test':
      return { files: [scope.file], testName: fullName(scope.suites, scope.name) }
  }
}

/** A controller over `options.runTestsLive`; the re-run-on-save choice is remembered per project. */
export function createTestController(options: TestControllerOptions): TestController {
  const [run, setRun] = createSignal<RunState>(emptyRun())
  const [phase, setPhase] = createSignal<ReturnType<TestController['phase']>>('idle')
  const [error, setError] = createSignal<string | null>(null)
  const [scope, setScope] = createSignal<TestScope | null>(null)
  const [output, setOutput] = createSignal('')
  const [rerunOnSave, setRerun] = createSignal(localStorage.getItem(rerunKey(options.projectId)) === '1')
  let current: AbortController | null = null
  let timer: ReturnType<typeof setTimeout> | undefined
  let disposed = false

  async function start(next: TestScope): Promise<void> {
    current?.abort()
    const controller = new AbortController()
    current = controller
    setScope(next)
    setRun(emptyRun())
    setOutput('')
    setError(null)
    setPhase('running')
    // Events can come in bursts: apply them to a local state and publish once per frame.
    let state = emptyRun()
    let frame = 0
    const publish = () => {
      frame = 0
      if (current === controller) setRun(state)
    }
    const onEvent = (event: TestEvent) => {
      state = applyEvent(state, event)
      frame ||= requestAnimationFrame(publish)
    }
    try {
      const report = await options.runTestsLive({ ...specFor(next), signal: controller.signal }, onEvent, (chunk) => current === controller && setOutput((o) => asShown(o + chunk.text)))
      if (current !== controller || disposed) return
      cancelAnimationFrame(frame)
      setRun(finishRun(state, report))
      setPhase('done')
    } catch (e) {
      if (current !== controller || disposed) return
      cancelAnimationFrame(frame)
      setRun({ ...state, running: [] })
      if (hasCode(e, 'ABORTED')) setPhase('cancelled')
      else {
        setError(e instanceof Error ? e.message : String(e))
        setPhase('error')
      }
    } finally {
      if (current === controller) current = null
    }
  }

  const unsubscribe = options.onWorkspaceEvent((event) => {
    if (event.type !== 'files-changed' || event.by !== options.clientId || !rerunOnSave()) return
    const last = scope()
    if (!last || !event.paths.some((p) => p.startsWith('/workspace/'))) return
    clearTimeout(timer)
    timer = setTimeout(() => void start(last), options.debounceMs ?? 300)
  })

  return {
    run,
    phase,
    error,
    scope,
    counts: () => countRun(run()),
    output,
    rerunOnSave,
    setRerunOnSave(on) {
      setRerun(on)
      localStorage.setItem(rerunKey(options.projectId), on ? '1' : '0')
    },
    start,
    cancel: () => current?.abort(),
    dispose() {
      disposed = true
      clearTimeout(timer)
      current?.abort()
      unsubscribe()
    },
  }
}

/** Terminal text as a plain block shows it: a carriage return rewrites its line (progress lines), colour codes go. */
export function asShown(text: string): string {
  return text
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .map((line) => line.slice(line.lastIndexOf('\r') + 1))
    .join('\n')
}
