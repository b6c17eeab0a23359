import { For, Match, Show, Switch } from 'solid-js'
import type { RunEndReason } from '../../shared/agent'
import { describeInput, type FeedItem } from './feed'
import './FeedList.css'

/** Why a run stopped, as the feed and the Runs page say it. */
export const REASON_LABELS: Record<RunEndReason, string> = { finished: 'Finished', failed: 'Failed: tests', user: 'Stopped', budget: 'Stopped by the budget', stuck: 'Stopped: stuck', error: 'Failed', no_action: 'Stopped: no action' }

/**
 * One row of a run's feed (see FeedItem): text, a tool call with its input, small diff and output,
 * a test report's pass/fail badges, the commit, push, preview deployment and pull request, and why the run stopped.
 * The Agent panel shows rows as they stream; the Runs page replays a run's events into them.
 */
export function FeedRow(props: { item: FeedItem }) {
  return (
    <Switch>
      <Match when={props.item.kind === 'text' && (props.item as Extract<FeedItem, { kind: 'text' }>)}>{(item) => <li class="feed-text">{item().text}</li>}</Match>
      <Match when={props.item.kind === 'tool' && (props.item as Extract<FeedItem, { kind: 'tool' }>)}>
        {(item) => (
          <li class="feed-tool" classList={{ failed: item().result?.ok === false, running: !item().result }}>
            <details>
              <summary>
                <span class="tool-status" aria-label={!item().result ? 'running' : item().result!.ok ? 'done' : 'failed'}>{!item().result ? '◌' : item().result!.ok ? '✓' : '✗'}</span>
                <span class="tool-name">{item().name}</span> <span class="tool-input">{describeInput(item().input)}</span>
                <Show when={item().durationMs !== null}>
                  <span class="tool-time">{item().durationMs} ms</span>
                </Show>
              </summary>
              <Show when={item().name === 'edit_file' && (item().input as { search?: string; replace?: string })}>
                {(edit) => (
                  <pre class="tool-diff">
                    <For each={String(edit().search ?? '').split('\n')}>{(l) => <span class="removed">- {l}{'\n'}</span>}</For>
                    <For each={String(edit().replace ?? '').split('\n')}>{(l) => <span class="added">+ {l}{'\n'}</span>}</For>
                  </pre>
                )}
              </Show>
              <Show when={item().result}>{(r) => <pre class="tool-output">{r().output}</pre>}</Show>
            </details>
            <Show when={item().result?.ok === false}>
              <p class="tool-error">{item().result!.output.split('\n')[0]}</p>
            </Show>
          </li>
        )}
      </Match>
      <Match when={props.item.kind === 'tests' && (props.item as Extract<FeedItem, { kind: 'tests' }>)}>
        {(item) => (
          <li class="feed-tests" classList={{ failed: item().report.failed > 0 }} role="status">
            <span class="badge passed">{item().report.passed} passed</span>
            <Show when={item().report.failed}>
              <span class="badge failed">{item().report.failed} failed</span>
            </Show>
            <span class="tests-command">{item().report.command}</span>
            <Show when={item().report.failures.length}>
              <ul class="tests-failures">
                <For each={item().report.failures}>{(f) => <li>✗ {f}</li>}</For>
              </ul>
            </Show>
          </li>
        )}
      </Match>
      <Match when={props.item.kind === 'commit' && (props.item as Extract<FeedItem, { kind: 'commit' }>)}>
        {(item) => (
          <li class="feed-commit" role="status">
            Committed {item().files} file{item().files === 1 ? '' : 's'} on <code>{item().branch}</code> as <code>{item().oid.slice(0, 7)}</code>: {item().message.split('\n')[0]}
          </li>
        )}
      </Match>
      <Match when={props.item.kind === 'push' && (props.item as Extract<FeedItem, { kind: 'push' }>)}>
        {(item) => (
          <li class="feed-commit" role="status">
            Pushed <code>{item().branch}</code> to {item().url}
          </li>
        )}
      </Match>
      <Match when={props.item.kind === 'pr' && (props.item as Extract<FeedItem, { kind: 'pr' }>)}>
        {(item) => (
          <li class="feed-commit" role="status">
            Opened pull request{' '}
            <a href={item().url} target="_blank" rel="noopener">
              #{item().number}
            </a>
          </li>
        )}
      </Match>
      <Match when={props.item.kind === 'deploy' && (props.item as Extract<FeedItem, { kind: 'deploy' }>)}>
        {(item) => (
          <li class="feed-commit feed-deploy" role="status">
            Preview deployed:{' '}
            <Show when={item().url} fallback={<>deployment <code>{item().id}</code> (this edge serves no previews)</>}>
              <a href={item().url} target="_blank" rel="noopener">
                {item().url}
              </a>
            </Show>
            <span class="deploy-files">
              {' '}
              ({item().files} file{item().files === 1 ? '' : 's'}, {item().uploaded} uploaded)
            </span>
          </li>
        )}
      </Match>
      <Match when={props.item.kind === 'deploy-failed' && (props.item as Extract<FeedItem, { kind: 'deploy-failed' }>)}>
        {(item) => (
          <li class="feed-warning feed-deploy-failed" role="status">
            ⚠ Preview not deployed: {item().message}
            <Show when={item().log}>
              <details>
                <summary>Build output</summary>
                <pre class="deploy-log">{item().log}</pre>
              </details>
            </Show>
          </li>
        )}
      </Match>
      <Match when={props.item.kind === 'warning' && (props.item as Extract<FeedItem, { kind: 'warning' }>)}>{(item) => <li class="feed-warning" role="status">⚠ {item().message}</li>}</Match>
      <Match when={props.item.kind === 'stopped' && (props.item as Extract<FeedItem, { kind: 'stopped' }>)}>
        {(item) => (
          <li class={`feed-stopped ${item().reason}`} role="status" data-reason={item().reason}>
            <strong>{REASON_LABELS[item().reason] ?? item().reason}</strong> — {item().message}
            <Show when={item().summary}>
              <p class="feed-summary">{item().summary}</p>
            </Show>
          </li>
        )}
      </Match>
    </Switch>
  )
}

/** A run's feed as a list named `label`. */
export function FeedList(props: { items: FeedItem[]; label: string }) {
  return (
    <ol class="agent-feed" aria-label={props.label}>
      <For each={props.items}>{(item) => <FeedRow item={item} />}</For>
    </ol>
  )
}
