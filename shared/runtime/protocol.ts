import type { ExitStatus, OutputChunk, TaskProgress, TestReport, TestRunnerKind } from './types'
import type { TestEvent } from './events'

type Call<P, R, G = never> = { params: P; result: R; progress: G }

/** What a running process or test run streams: output, test events (test runs), and the progress of long work (null: it ended). */
export interface RunProgress {
  output?: OutputChunk[]
  events?: TestEvent[]
  task?: TaskProgress | null
}

/** A process to start; `pid` is the caller's name for it (for `input`). */
export interface SpawnRequest {
  projectId: string
  pid: string
  command: string
  args: string[]
  cwd?: string
  env?: Record<string, string>
  /** The whole stdin; absent when it comes from the terminal through `input`. */
  stdin?: string
  timeoutMs?: number
}

/**
 * The page ⇄ runtime-worker API. The page hands the worker a port to the workspace worker first
 * (a `{ kind: 'connect', port }` message), then calls these. Cancelling `spawn` or `runTests`
 * interrupts the process (Ctrl-C).
 */
export type RuntimeApi = {
  /** Copies the project's files and starts the compiler, so the first run does not wait for either. */
  open: Call<{ projectId: string }, void>
  spawn: Call<SpawnRequest, ExitStatus, RunProgress>
  /** Text typed into a running process's terminal; null ends its stdin (Ctrl-D). */
  input: Call<{ pid: string; text: string | null }, void>
  /** Installs missing dependencies first (as `npm test` does), then runs the tests. */
  runTests: Call<{ projectId: string; files?: string[]; testName?: string; runner?: TestRunnerKind; timeoutMs?: number; env?: Record<string, string> }, TestReport, RunProgress>
}

/** The first message the page posts to a runtime worker: its port to the workspace. */
export interface RuntimeConnect {
  kind: 'connect'
  /** A MessagePort (typed loosely: this module has no DOM types). */
  port: unknown
}
