import type { FsChange, SnapshotEntry } from '../../shared/protocol'
import type { OutputChunk, TestCaseReport, TestEvent, TestFailure, TestRunnerKind } from '../../shared/runtime'
import type { CompiledModule } from './sandbox/loader'
import type { SyncMessage } from './sync'

/** Runs one process in a fresh sandbox worker. */
export interface SandboxRun {
  type: 'run'
  /** `node`: run argv[1]; `test`: run one test file with a runner; `wasi`: run argv[0], a WASI binary. */
  mode: 'node' | 'test' | 'wasi'
  argv: string[]
  env: Record<string, string>
  cwd: string
  /** The workspace as the process starts with it (content of some files is read on demand). */
  entries: SnapshotEntry[]
  /** Modules the host compiled ahead, by path. */
  compiled: Record<string, CompiledModule>
  /** For synchronous calls to the host; null when the page is not cross-origin isolated. */
  sync: SharedArrayBuffer | null
  /** stdin's whole text (then it ends); null when it comes later through `stdin` messages. */
  stdin: string | null
  test: { runner: Exclude<TestRunnerKind, 'python-unittest'>; file: string; testName?: string; timeoutMs?: number } | null
  columns: number
  /** The page's origin, to recognise the sandbox's own frames in stack traces. */
  origin: string
}

/** What the host sends a sandbox. */
export type HostToSandbox = SandboxRun | { type: 'stdin'; text: string | null } | { type: 'sigint' }

/** Per-test results a sandbox reports when a test file is done. */
export interface SandboxTests {
  tests: TestCaseReport[]
  error: TestFailure | null
}

/** What a sandbox sends its host. */
export type SandboxToHost =
  | { type: 'ready' }
  | { type: 'output'; chunks: OutputChunk[] }
  | { type: 'fs'; changes: FsChange[] }
  | { type: 'test-event'; event: TestEvent }
  | SyncMessage
  | { type: 'exit'; code: number; tests: SandboxTests | null }
