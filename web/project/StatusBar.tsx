import { For, Show, createSignal, onCleanup } from 'solid-js'
import { formatBytes } from '../format'
import type { ProjectModel } from './model'
import { RunnerIndicator } from '../workflows/RunnerIndicator'
import type { TabRunner } from '../workflows/tab-runner'

/** Branch, number of changes, the last test run, online/offline, storage used and background tasks, along the bottom. */
export function StatusBar(props: {
  model: ProjectModel
  onBranch(): void
  onChanges(): void
  /** The last test run's outcome, once there is one. */
  tests?: { passed: number; failed: number; running: boolean } | null
  onTests?(): void
  /** The tab's workflow runner, shown with its switch and the job it runs. */
  tabRunner?: TabRunner
  openWorkflowRun?(id: string): void
}) {
  const [online, setOnline] = createSignal(navigator.onLine)
  const [usage, setUsage] = createSignal<number | null>(null)
  const update = () => setOnline(navigator.onLine)
  window.addEventListener('online', update)
  window.addEventListener('offline', update)
  const refreshUsage = () => void props.model.client.rpc.call('storage', {}).then((s) => setUsage(s.usage), () => undefined)
  refreshUsage()
  const timer = setInterval(refreshUsage, 30_000)
  onCleanup(() => {
    window.removeEventListener('online', update)
    window.removeEventListener('offline', update)
    clearInterval(timer)
  })
  const changes = () => props.model.status().length
  return (
    <footer class="status-bar" aria-label="Status">
      <button type="button" class="item branch" title="Switch branch" onClick={props.onBranch}>
        ⎇ {props.model.branch() ?? '(no branch)'}
      </button>
      <button type="button" class="item changes" title="Show changes" onClick={props.onChanges}>
        {changes()} change{changes() === 1 ? '' : 's'}
      </button>
      <Show when={props.tests}>
        {(t) => (
          <button type="button" class="item tests" classList={{ failed: t().failed > 0 }} title="Show test results" onClick={() => props.onTests?.()}>
            {t().running ? '◌ Testing…' : `✓ ${t().passed} ✗ ${t().failed}`}
          </button>
        )}
      </Show>
      <For each={props.model.tasks()}>
        {(t) => (
          <span class="item task" role="status">
            {t.progress?.phase ?? t.label}
            <Show when={t.progress && t.progress.total > 0}>
              {' '}
              <progress max={t.progress!.total} value={t.progress!.loaded} /> {Math.round((t.progress!.loaded / t.progress!.total) * 100)}%
            </Show>
          </span>
        )}
      </For>
      <span class="spacer" />
      <Show when={props.tabRunner}>{(runner) => <RunnerIndicator runner={runner()} openRun={(id) => props.openWorkflowRun?.(id)} />}</Show>
      <span class="item storage" title="Storage used by Coder in this browser">
        {usage() === null ? '' : `${formatBytes(usage()!)} stored`}
      </span>
      <span class="item network" classList={{ offline: !online() }} title={online() ? 'Online' : 'Offline: everything keeps working on this device'}>
        {online() ? '● Online' : '○ Offline'}
      </span>
    </footer>
  )
}
