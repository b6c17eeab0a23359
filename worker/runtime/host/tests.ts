import { compileGlobs } from '../../../shared/glob'
import { createNodeSpecReporter, createReport, createVitestReporter, toJUnitXml, type TestCaseReport, type TestEvent, type TestFailure, type TestReport, type TestRunnerKind } from '../../../shared/runtime'
import type { ShellIo } from '../shell'

/** `node --test`'s default files (Node 22, with its type stripping), relative to the working directory. */
const NODE_TEST_FILES = compileGlobs(
  ['**/*.test.{cjs,mjs,js,cts,mts,ts}', '**/*-test.{cjs,mjs,js,cts,mts,ts}', '**/*_test.{cjs,mjs,js,cts,mts,ts}', '**/test-*.{cjs,mjs,js,cts,mts,ts}', '**/test.{cjs,mjs,js,cts,mts,ts}', '**/test/**/*.{cjs,mjs,js,cts,mts,ts}'].join(','),
)
/** vitest's default `include`. */
const VITEST_FILES = compileGlobs('**/*.{test,spec}.{js,mjs,cjs,ts,mts,cts,jsx,tsx}')
const EXCLUDED = compileGlobs('node_modules,.git,dist,coverage')

/**
 * The test files a runner finds under `cwd` (absolute paths, sorted) among `files` (every file of
 * the workspace). `filters` narrows them: paths or folders (node), or substrings of the path (vitest).
 */
export function discoverTests(runner: Exclude<TestRunnerKind, 'python-unittest'>, files: string[], cwd: string, filters: string[] = []): string[] {
  const base = cwd.endsWith('/') ? cwd : `${cwd}/`
  const inside = files.filter((f) => f.startsWith(base)).map((f) => f.slice(base.length)).filter((rel) => !EXCLUDED(rel))
  filters = filters.map((f) => (f.startsWith(base) ? f.slice(base.length) : f))
  let found: string[]
  if (runner === 'node-test') {
    if (filters.length) {
      const wanted = filters.map((f) => f.replace(/^\.\//, '').replace(/\/$/, ''))
      const named = compileGlobs(wanted.join(','))
      // Named files run whatever their names; named folders and globs run the test files in them.
      found = inside.filter((rel) => wanted.includes(rel) || (named(rel) && (NODE_TEST_FILES(rel) || wanted.some((w) => w.includes('*')))))
    } else found = inside.filter((rel) => NODE_TEST_FILES(rel))
  } else {
    found = inside.filter((rel) => VITEST_FILES(rel) && (filters.length === 0 || filters.some((f) => rel.includes(f.replace(/^\.\//, '')))))
  }
  return found.map((rel) => base + rel).sort()
}

/** Runs one test file and resolves to its tests; the caller streams its events. */
export type RunTestFile = (file: string, onEvent: (event: TestEvent) => void) => Promise<{ tests: TestCaseReport[]; error: TestFailure | null; durationMs: number; code: number }>

/** What a test command needs: which runner, which files, how to run one, and where output goes. */
export interface TestCommand {
  runner: Exclude<TestRunnerKind, 'python-unittest'>
  command: string
  files: string[]
  runFile: RunTestFile
  io: ShellIo
  signal: AbortSignal
  /** Files run at once (node --test and vitest run files in parallel). */
  concurrency?: number
  onEvent?: (event: TestEvent) => void
}

/**
 * Runs `files`, each in its own process, printing what the real runner would print (Node's spec
 * reporter or vitest's), and resolves to the whole report.
 */
export async function runTestFiles(cmd: TestCommand): Promise<TestReport> {
  const startedAt = Date.now()
  const t0 = performance.now()
  const reporter = cmd.runner === 'node-test' ? createNodeSpecReporter() : createVitestReporter()
  const results = new Map<string, { file: string; durationMs: number; error: TestFailure | null; tests: TestCaseReport[] }>()
  const rel = (path: string) => path.replace(/^\/workspace\//, '')
  if (cmd.files.length === 0) {
    cmd.io.stderr(cmd.runner === 'node-test' ? 'No test files found (node --test looks for *.test.js, test/**/*.js, ...).\n' : 'No test files found (vitest looks for **/*.{test,spec}.{js,ts,...}).\n')
  }
  // Events of files running side by side are printed per file, in order, as each file finishes.
  const buffered = new Map<string, TestEvent[]>()
  let next = 0
  const queue = [...cmd.files]
  const worker = async () => {
    while (queue.length && !cmd.signal.aborted) {
      const file = queue.shift()!
      const events: TestEvent[] = []
      buffered.set(file, events)
      const outcome = await cmd.runFile(file, (event) => {
        events.push(event)
        cmd.onEvent?.(event)
      })
      results.set(file, { file: rel(file), durationMs: outcome.durationMs, error: outcome.error, tests: outcome.tests })
      // Print finished files in the order they were listed.
      while (next < cmd.files.length && results.has(cmd.files[next]!)) {
        const done = cmd.files[next++]!
        const r = results.get(done)!
        let text = ''
        for (const event of buffered.get(done) ?? []) text += reporter.onEvent(event)
        text += reporter.onFileDone?.(r.file, r.tests, r.error, r.durationMs) ?? ''
        if (text) cmd.io.stdout(text)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(cmd.concurrency ?? 2, cmd.files.length)) }, worker))
  const ordered = cmd.files.filter((f) => results.has(f)).map((f) => results.get(f)!)
  const report = createReport({
    id: newRunId(),
    runner: cmd.runner,
    command: cmd.command,
    startedAt,
    durationMs: performance.now() - t0,
    files: ordered.map(({ file, durationMs, error }) => ({ file, durationMs, error })),
    tests: ordered.flatMap((r) => r.tests),
  })
  cmd.io.stdout(reporter.summary(report))
  return report
}

/** A run id: sortable by time, unique enough for one workspace. */
export function newRunId(): string {
  const now = new Date()
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
  return `${stamp}-${crypto.randomUUID().slice(0, 6)}`
}

/** The files a report is kept as in `/runs/<id>/`. */
export function reportFiles(report: TestReport): Array<{ path: string; data: Uint8Array }> {
  const encoder = new TextEncoder()
  return [
    { path: `/runs/${report.id}/report.json`, data: encoder.encode(`${JSON.stringify(report, null, 2)}\n`) },
    { path: `/runs/${report.id}/junit.xml`, data: encoder.encode(toJUnitXml(report)) },
  ]
}
