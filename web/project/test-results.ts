import { unreachable } from '../../shared/errors'
import type { TestCaseReport, TestEvent, TestFailure, TestReport, TestStatus } from '../../shared/runtime'

/** A tree node's state: a test's outcome, or running while its events still arrive. */
export type NodeStatus = TestStatus | 'running'

/** A suite (describe block, TestCase class) or a test, as the results tree shows it. */
export type TestNode =
  | { kind: 'suite'; id: string; file: string; suites: string[]; name: string; status: NodeStatus; durationMs: number; failure: TestFailure | null; children: TestNode[] }
  | { kind: 'test'; id: string; file: string; suites: string[]; name: string; status: NodeStatus; durationMs: number; failure: TestFailure | null; test: TestCaseReport | null }

/** A test file and the tests in it. */
export interface FileNode {
  file: string
  status: NodeStatus
  durationMs: number
  /** Why the file failed as a whole (it threw while loading, its process died). */
  error: TestFailure | null
  children: TestNode[]
}

export type Counts = TestReport['counts']

/** Everything a run has shown so far: tests done, tests running, suite failures, and at the end its report. */
export interface RunState {
  tests: TestCaseReport[]
  /** Ids (see `nodeId`) of tests and suites that started and are not done. */
  running: string[]
  /** Failed suites (a hook threw), by id. */
  suiteFailures: Record<string, TestFailure>
  /** Files that sent events, in order of their first one. */
  files: string[]
  report: TestReport | null
}

export const emptyRun = (): RunState => ({ tests: [], running: [], suiteFailures: {}, files: [], report: null })

/** A stable id for a test or suite: its file and full name. */
export const nodeId = (file: string, suites: string[], name: string) => [file, ...suites, name].join('\u0000')

/** The full name `runTests({ testName })` selects a test by: suites and name joined by ' > '. */
export const fullName = (suites: string[], name: string) => [...suites, name].join(' > ')

const relative = (file: string) => file.replace(/^\/workspace\//, '')

/** The run after `event`. Pure: returns a new state. */
export function applyEvent(run: RunState, event: TestEvent): RunState {
  const file = relative(event.type === 'test:done' ? event.test.file : event.file)
  const files = run.files.includes(file) ? run.files : [...run.files, file]
  switch (event.type) {
    case 'suite:start':
    case 'test:start':
      return { ...run, files, running: [...run.running, nodeId(file, event.suites, event.name)] }
    case 'test:done': {
      const test = { ...event.test, file }
      const id = nodeId(file, test.suites, test.name)
      return { ...run, files, tests: [...run.tests, test], running: run.running.filter((r) => r !== id) }
    }
    case 'suite:done': {
      const id = nodeId(file, event.suites, event.name)
      return { ...run, files, running: run.running.filter((r) => r !== id), suiteFailures: event.failure ? { ...run.suiteFailures, [id]: event.failure } : run.suiteFailures }
    }
    case 'diagnostic':
      return { ...run, files }
    default:
      return unreachable(event)
  }
}

/** The run once its report is in: the report's tests replace the streamed ones. */
export function finishRun(run: RunState, report: TestReport): RunState {
  return { ...run, report, running: [], tests: report.tests.map((t) => ({ ...t, file: relative(t.file) })), files: [...new Set([...run.files, ...report.files.map((f) => relative(f.file))])] }
}

/** Counts of the tests done so far. */
export function countRun(run: RunState): Counts {
  if (run.report) return run.report.counts
  const counts: Counts = { passed: 0, failed: 0, skipped: 0, todo: 0, total: 0 }
  for (const t of run.tests) {
    counts[t.status]++
    counts.total++
  }
  return counts
}

const worst = (statuses: NodeStatus[]): NodeStatus =>
  statuses.includes('running') ? 'running' : statuses.includes('failed') ? 'failed' : statuses.includes('passed') ? 'passed' : statuses.includes('todo') ? 'todo' : 'skipped'

/** The results tree: files (in run order) › suites › tests, with statuses rolled up and durations summed. */
export function buildTree(run: RunState): FileNode[] {
  const byFile = new Map<string, FileNode>()
  const fileNode = (file: string) => {
    let node = byFile.get(file)
    if (!node) byFile.set(file, (node = { file, status: 'running', durationMs: 0, error: null, children: [] }))
    return node
  }
  for (const f of run.files) fileNode(f)
  const suiteIn = (children: TestNode[], file: string, suites: string[], name: string) => {
    let node = children.find((c): c is Extract<TestNode, { kind: 'suite' }> => c.kind === 'suite' && c.name === name)
    if (!node) children.push((node = { kind: 'suite', id: nodeId(file, suites, name), file, suites, name, status: 'running', durationMs: 0, failure: null, children: [] }))
    return node.children
  }
  const place = (file: string, suites: string[], leaf: TestNode) => {
    let children = fileNode(file).children
    suites.forEach((s, i) => (children = suiteIn(children, file, suites.slice(0, i), s)))
    // A test that has subtests is also a suite of them: keep one node, the test's.
    const existing = children.findIndex((c) => c.name === leaf.name)
    if (existing >= 0) {
      const old = children[existing]!
      if (old.kind === 'suite' && leaf.kind === 'test') children[existing] = { ...old, status: leaf.status, durationMs: leaf.durationMs, failure: leaf.failure }
      return
    }
    children.push(leaf)
  }
  for (const t of run.tests) place(t.file, t.suites, { kind: 'test', id: nodeId(t.file, t.suites, t.name), file: t.file, suites: t.suites, name: t.name, status: t.status, durationMs: t.durationMs, failure: t.failure, test: t })
  for (const id of run.running) {
    const [file, ...path] = id.split('\u0000')
    const name = path.pop()!
    place(file!, path, { kind: 'test', id, file: file!, suites: path, name, status: 'running', durationMs: 0, failure: null, test: null })
  }
  const roll = (nodes: TestNode[]): void => {
    for (const n of nodes) {
      if (n.kind !== 'suite') continue
      roll(n.children)
      const failure = run.suiteFailures[n.id] ?? n.failure
      n.failure = failure
      if (n.children.length) {
        n.status = failure ? 'failed' : worst(n.children.map((c) => c.status))
        n.durationMs = Math.max(n.durationMs, n.children.reduce((sum, c) => sum + c.durationMs, 0))
      } else if (failure) n.status = 'failed'
    }
  }
  const files = [...byFile.values()]
  const reported = new Map(run.report?.files.map((f) => [relative(f.file), f]))
  for (const f of files) {
    roll(f.children)
    const r = reported.get(f.file)
    f.error = r?.error ?? null
    f.durationMs = r?.durationMs ?? f.children.reduce((sum, c) => sum + c.durationMs, 0)
    f.status = f.error ? 'failed' : f.children.length ? worst(f.children.map((c) => c.status)) : run.report ? 'skipped' : 'running'
  }
  return files
}

/** One line of a diff between expected and actual. */
export interface DiffLine {
  kind: 'same' | 'expected' | 'actual'
  text: string
}

/** A line diff of `expected` against `actual` (longest common subsequence); both sides in full when too long to compare. */
export function diffLines(expected: string, actual: string): DiffLine[] {
  const a = expected.split('\n')
  const b = actual.split('\n')
  if (a.length * b.length > 250_000) return [...a.map((text) => ({ kind: 'expected' as const, text })), ...b.map((text) => ({ kind: 'actual' as const, text }))]
  // lcs[i][j]: the common length of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0))
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!)
  const out: DiffLine[] = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i++]! })
      j++
    } else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) out.push({ kind: 'expected', text: a[i++]! })
    else out.push({ kind: 'actual', text: b[j++]! })
  }
  return out
}

/** `1.2 s`, `35 ms`, `<1 ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1) return '<1 ms'
  if (ms < 1000) return `${Math.round(ms)} ms`
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
}
