import { For, Show, createMemo, createSignal, type JSX } from 'solid-js'
import type { TestFailure } from '../../shared/runtime'
import type { TestController } from './test-controller'
import { buildTree, diffLines, formatDuration, type FileNode, type NodeStatus, type TestNode } from './test-results'
import './TestsPanel.css'

const ICONS: Record<NodeStatus, string> = { passed: '✓', failed: '✗', skipped: '○', todo: '✎', running: '◌' }
const LABELS: Record<NodeStatus, string> = { passed: 'passed', failed: 'failed', skipped: 'skipped', todo: 'todo', running: 'running' }

/** The namespace path a report's path means (reports use workspace-relative paths, stacks absolute ones). */
const toPath = (path: string) => (path.startsWith('/') ? path : `/workspace/${path}`)

/**
 * The Testing view: run all tests, a file or one test; a live results tree (file › suites › test)
 * with outcomes and durations; a failure's message and expected/actual diff; clicking a failed test
 * opens where it failed. Re-run on save re-runs the last run's scope when this tab saves a file.
 */
export function TestsPanel(props: { controller: TestController; onOpen(path: string, at?: { line: number; column?: number }): void }) {
  const c = props.controller
  const tree = createMemo(() => buildTree(c.run()))
  const [collapsed, setCollapsed] = createSignal<ReadonlySet<string>>(new Set())
  const toggle = (id: string) =>
    setCollapsed((s) => {
      const next = new Set(s)
      if (!next.delete(id)) next.add(id)
      return next
    })
  const running = () => c.phase() === 'running'
  const counts = () => c.counts()
  const filesDone = () => tree().filter((f) => f.status !== 'running').length
  const filesTotal = () => {
    const s = c.scope()
    return s && s.kind !== 'all' ? 1 : null
  }

  const openFailure = (file: string, failure: TestFailure | null) => {
    const at = failure?.location
    if (at) props.onOpen(toPath(at.path), { line: at.line, column: at.column })
    else props.onOpen(toPath(file))
  }

  const StatusIcon = (p: { status: NodeStatus }) => (
    <span class={`test-icon ${p.status}`} role="img" aria-label={LABELS[p.status]}>
      {ICONS[p.status]}
    </span>
  )

  const Failure = (p: { failure: TestFailure }) => (
    <div class="test-failure">
      <pre class="test-message">{p.failure.message}</pre>
      <Show when={p.failure.expected !== undefined && p.failure.actual !== undefined}>
        <pre class="test-diff" aria-label="Expected and actual">
          <span class="legend">
            <span class="expected">- expected</span> <span class="actual">+ actual</span>
          </span>
          <For each={diffLines(p.failure.expected!, p.failure.actual!)}>
            {(l) => <span class={`diff-line ${l.kind}`}>{`${l.kind === 'expected' ? '-' : l.kind === 'actual' ? '+' : ' '} ${l.text}`}</span>}
          </For>
        </pre>
      </Show>
    </div>
  )

  const Node = (p: { node: TestNode; depth: number }): JSX.Element => {
    const n = p.node
    const open = () => !collapsed().has(n.id)
    return (
      <li class={`test-node ${n.kind} ${n.status}`} data-name={n.name}>
        <div class="test-row" style={{ 'padding-left': `${8 + p.depth * 12}px` }}>
          <Show when={n.kind === 'suite' || n.failure} fallback={<span class="twisty" />}>
            <button type="button" class="twisty" aria-label={open() ? `Collapse ${n.name}` : `Expand ${n.name}`} aria-expanded={open()} onClick={() => toggle(n.id)}>
              {open() ? '▾' : '▸'}
            </button>
          </Show>
          <StatusIcon status={n.status} />
          <button
            type="button"
            class="test-name"
            title={n.failure?.location ? `${n.failure.location.path}:${n.failure.location.line}` : n.name}
            onClick={() => openFailure(n.file, n.failure)}
          >
            {n.name}
          </button>
          <Show when={n.status !== 'running' && n.durationMs > 0}>
            <span class="duration">{formatDuration(n.durationMs)}</span>
          </Show>
          <Show when={n.kind === 'test'}>
            <button type="button" class="run small" aria-label={`Run test ${n.name}`} title="Run this test" disabled={running()} onClick={() => void c.start({ kind: 'test', file: n.file, suites: n.suites, name: n.name })}>
              ▶
            </button>
          </Show>
        </div>
        <Show when={open()}>
          <Show when={n.failure}>{(f) => <div style={{ 'padding-left': `${28 + p.depth * 12}px` }}><Failure failure={f()} /></div>}</Show>
          <Show when={n.kind === 'suite' && n.children.length > 0}>
            <ul>
              <For each={n.kind === 'suite' ? n.children : []}>{(child) => <Node node={child} depth={p.depth + 1} />}</For>
            </ul>
          </Show>
        </Show>
      </li>
    )
  }

  const File = (p: { file: FileNode }) => {
    const id = () => `file:${p.file.file}`
    const open = () => !collapsed().has(id())
    return (
      <li class={`test-file ${p.file.status}`} data-file={p.file.file}>
        <div class="test-row">
          <button type="button" class="twisty" aria-label={open() ? `Collapse ${p.file.file}` : `Expand ${p.file.file}`} aria-expanded={open()} onClick={() => toggle(id())}>
            {open() ? '▾' : '▸'}
          </button>
          <StatusIcon status={p.file.status} />
          <button type="button" class="test-name file-name" title={p.file.file} onClick={() => props.onOpen(toPath(p.file.file))}>
            {p.file.file}
          </button>
          <Show when={p.file.status !== 'running' && p.file.durationMs > 0}>
            <span class="duration">{formatDuration(p.file.durationMs)}</span>
          </Show>
          <button type="button" class="run small" aria-label={`Run ${p.file.file}`} title="Run this file" disabled={running()} onClick={() => void c.start({ kind: 'file', file: p.file.file })}>
            ▶
          </button>
        </div>
        <Show when={open()}>
          <Show when={p.file.error}>{(f) => <div style={{ 'padding-left': '28px' }}><Failure failure={f()} /></div>}</Show>
          <ul>
            <For each={p.file.children}>{(n) => <Node node={n} depth={1} />}</For>
          </ul>
        </Show>
      </li>
    )
  }

  return (
    <section class="tests-panel" aria-label="Testing">
      <div class="sidebar-title">
        <span class="title">Testing</span>
        <Show
          when={running()}
          fallback={
            <button type="button" class="small" aria-label="Run all tests" title="Run all tests" onClick={() => void c.start({ kind: 'all' })}>
              ▶ Run all
            </button>
          }
        >
          <button type="button" class="small" aria-label="Cancel test run" title="Cancel the run" onClick={() => c.cancel()}>
            ■ Cancel
          </button>
        </Show>
      </div>
      <label class="tests-option">
        <input type="checkbox" checked={c.rerunOnSave()} onChange={(e) => c.setRerunOnSave(e.currentTarget.checked)} /> Re-run on save
      </label>
      <div class="tests-summary" role="status">
        <Show when={running()}>
          <span class="running-label">
            <span class="test-icon running">◌</span> Running… {counts().total} test{counts().total === 1 ? '' : 's'} done · {filesDone()}
            {filesTotal() === null ? '' : `/${filesTotal()}`} file{(filesTotal() ?? filesDone()) === 1 ? '' : 's'}
          </span>
          <Show when={filesTotal()} fallback={<progress class="tests-progress" aria-label="Running tests" />}>
            {(total) => <progress class="tests-progress" aria-label="Running tests" max={total()} value={filesDone()} />}
          </Show>
        </Show>
        <Show when={!running() && c.phase() !== 'idle'}>
          <span class="counts">
            <span class="passed">{counts().passed} passed</span>
            <Show when={counts().failed}>
              {' · '}
              <span class="failed">{counts().failed} failed</span>
            </Show>
            <Show when={counts().skipped}>{` · ${counts().skipped} skipped`}</Show>
            <Show when={counts().todo}>{` · ${counts().todo} todo`}</Show>
            <Show when={c.run().report}>{(r) => ` · ${formatDuration(r().durationMs)}`}</Show>
            <Show when={c.phase() === 'cancelled'}> · cancelled</Show>
          </span>
        </Show>
        <Show when={c.phase() === 'idle'}>
          <span class="hint">Run the project’s tests (npm test, node --test, vitest or python -m unittest) here.</span>
        </Show>
      </div>
      <Show when={c.error()}>{(e) => <p class="error tests-error" role="alert">{e()}</p>}</Show>
      <ul class="tests-tree">
        <For each={tree()}>{(f) => <File file={f} />}</For>
      </ul>
      <Show when={c.output()}>
        <details class="tests-output">
          <summary>Output</summary>
          <pre>{c.output()}</pre>
        </details>
      </Show>
    </section>
  )
}
