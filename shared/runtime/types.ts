/**
 * What a process started in a runtime is given. `cwd` is a namespace path (`/workspace/...`);
 * `env` is added to the runtime's defaults (PATH, HOME, ...).
 */
export interface SpawnOptions {
  cwd?: string
  env?: Record<string, string>
  /** Aborting kills the process (as Ctrl-C does). */
  signal?: AbortSignal
  /** Killed after this long; the exit status says `timedOut`. No limit when absent. */
  timeoutMs?: number
  /** Text written to the process's stdin before it starts; stdin is then closed. */
  stdin?: string
  /** Long work inside the process (an install), as it advances; null when it is over. */
  onTask?(task: TaskProgress | null): void
}

/** How far a long step of a run has got (an install: resolving, downloading, extracting). */
export interface TaskProgress {
  /** What the whole task is, e.g. `npm install`. */
  title: string
  /** The step it is on, e.g. `Downloading`. */
  phase: string
  done: number
  /** 0 while unknown. */
  total: number
  /** Bytes handled so far (downloaded), 0 when it does not apply. */
  bytes: number
}

/** One piece of a process's output, in the order it was written. */
export interface OutputChunk {
  stream: 'stdout' | 'stderr'
  text: string
}

/** How a process ended. */
export interface ExitStatus {
  /** 0 for success; 130 after Ctrl-C, 124 after a timeout, 127 for an unknown command. */
  code: number
  /** Set when the process was killed rather than exiting by itself. */
  signal: 'SIGINT' | 'SIGKILL' | null
  timedOut: boolean
  /** The working directory when the process ended (a shell's `cd` changes it). */
  cwd: string
  /** Test reports written by test commands the process ran (ids of `/runs/<id>/`). */
  runs: string[]
}

/** A running process: its output streams while it runs; `exit` resolves once when it ends. */
export interface RuntimeProcess {
  readonly output: AsyncIterable<OutputChunk>
  readonly exit: Promise<ExitStatus>
  /** Text for the process's stdin (what a user types in the terminal while it runs); null ends it (Ctrl-D). */
  write(text: string | null): void
  /** Interrupts the process (SIGINT), and kills it outright if it has not ended soon after. */
  kill(): void
}

/** Which tests to run: everything the project's test command finds, some files, or one test. */
export interface TestSpec {
  /** Workspace-relative files; all discovered test files when absent. */
  files?: string[]
  /** Run only tests whose full name (suite names and test name joined by ' > ') equals this. */
  testName?: string
  /** Which runner; chosen from package.json / the files when absent. */
  runner?: TestRunnerKind
  timeoutMs?: number
  signal?: AbortSignal
  /** Added to the environment (e.g. `npm_config_registry` for installing missing dependencies first). */
  env?: Record<string, string>
  /** The progress of installing missing dependencies first; null when it is over. */
  onTask?(task: TaskProgress | null): void
}

/** The test runners the embedded runtime provides. */
export type TestRunnerKind = 'node-test' | 'vitest' | 'python-unittest'

/** One test's outcome. */
export type TestStatus = 'passed' | 'failed' | 'skipped' | 'todo'

/** Where in the workspace a failure points (1-based line and column). */
export interface SourceLocation {
  /** Absolute namespace path (`/workspace/src/a.ts`). */
  path: string
  line: number
  column: number
}

/** Why a test failed. `expected`/`actual` are printable forms, for a diff, when the assertion had them. */
export interface TestFailure {
  message: string
  stack: string | null
  expected?: string
  actual?: string
  location: SourceLocation | null
}

/** One test (a leaf: suites are in `suites`). */
export interface TestCaseReport {
  /** Workspace-relative file the test is in. */
  file: string
  /** Enclosing suites (describe blocks, TestCase classes), outermost first. */
  suites: string[]
  name: string
  status: TestStatus
  durationMs: number
  failure: TestFailure | null
}

/** Everything a test run found. */
export interface TestReport {
  id: string
  runner: TestRunnerKind
  /** The command that ran the tests, as typed or as the package.json script said. */
  command: string
  startedAt: number
  durationMs: number
  files: Array<{ file: string; durationMs: number; error: TestFailure | null }>
  tests: TestCaseReport[]
  counts: { passed: number; failed: number; skipped: number; todo: number; total: number }
}

/**
 * A place to run commands and tests over a project's namespace: the embedded runtime (a Worker in
 * the tab, offline) or WebContainer (online opt-in). Both pass the same contract suite.
 */
export interface Runtime {
  readonly kind: 'embedded' | 'webcontainer'
  /**
   * Starts `command` with `args`. `sh -c '<line>'` runs a shell line (`&&`, `;`, `|`, built-ins,
   * `node`, `python`, `npm test`, ...). Never throws for a bad command: the process prints why
   * and exits non-zero (127 when the command is unknown).
   */
  spawn(command: string, args: string[], options?: SpawnOptions): RuntimeProcess
  /**
   * Runs tests and resolves to their report. The report is also written to `/runs/<id>/` as JSON
   * and JUnit XML, right after (a process's `exit` waits for the reports it wrote; a test run
   * resolves first, and the runtime's next call waits for the writing).
   */
  runTests(spec?: TestSpec): Promise<TestReport>
  /** Stops every process and frees the runtime's workers. */
  dispose(): void
}
