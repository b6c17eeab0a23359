import { For, Show, createResource, createSignal } from 'solid-js'
import type { FileStatus } from '../../shared/protocol'
import type { WorkspaceClient } from '../workspace/client'
import type { Settings } from '../settings/settings'

const GROUPS: Array<{ group: FileStatus['group']; title: string }> = [
  { group: 'staged', title: 'Staged' },
  { group: 'unstaged', title: 'Changes' },
  { group: 'untracked', title: 'Untracked' },
]

/** Status grouped as git shows it, stage/unstage, commit, branches and history. */
export function GitPanel(props: { client: WorkspaceClient; projectId: string; status: FileStatus[]; settings: Settings; changed: () => void; onOpen: (path: string) => void }) {
  const rpc = props.client.rpc
  const id = () => props.projectId
  const [message, setMessage] = createSignal('')
  const [error, setError] = createSignal<string | null>(null)
  const [branches, { refetch: refetchBranches }] = createResource(id, (projectId) => rpc.call('branches', { projectId }))
  const [history, { refetch: refetchHistory }] = createResource(() => [id(), props.status] as const, ([projectId]) => rpc.call('log', { projectId, depth: 50 }))

  async function act(work: () => Promise<unknown>) {
    setError(null)
    try {
      await work()
    } catch (e) {
      setError((e as Error).message)
    }
    props.changed()
    void refetchBranches()
    void refetchHistory()
  }

  const commit = (e: Event) => {
    e.preventDefault()
    void act(async () => {
      await rpc.call('commit', { projectId: id(), message: message(), author: props.settings.author })
      setMessage('')
    })
  }

  const newBranch = () => {
    const name = prompt('New branch name')
    if (name) void act(() => rpc.call('createBranch', { projectId: id(), name: name.trim(), checkout: true }))
  }

  return (
    <aside class="git" aria-label="Source control">
      <div class="branch-row">
        <select aria-label="Branch" value={branches()?.current ?? ''} onChange={(e) => void act(() => rpc.call('checkout', { projectId: id(), branch: e.currentTarget.value }, { timeoutMs: 120_000 }))}>
          <For each={branches()?.local}>{(b) => <option value={b}>{b}</option>}</For>
        </select>
        <button type="button" onClick={newBranch}>New branch</button>
      </div>
      <form class="commit" onSubmit={commit}>
        <textarea aria-label="Commit message" placeholder="Commit message" value={message()} onInput={(e) => setMessage(e.currentTarget.value)} />
        <button type="submit" disabled={!props.status.some((s) => s.group === 'staged')}>Commit</button>
      </form>
      <Show when={error()}>
        <p class="error" role="alert">{error()}</p>
      </Show>
      <For each={GROUPS}>
        {({ group, title }) => {
          const rows = () => props.status.filter((s) => s.group === group)
          return (
            <Show when={rows().length > 0}>
              <section class={`changes ${group}`}>
                <h3>
                  {title} <span class="count">{rows().length}</span>
                </h3>
                <ul>
                  <For each={rows()}>
                    {(s) => (
                      <li class={s.change}>
                        <button type="button" class="link" onClick={() => props.onOpen(`/workspace/${s.path}`)}>{s.path}</button>
                        <span class="change">{s.change[0].toUpperCase()}</span>
                        <button
                          type="button"
                          onClick={() => void act(() => rpc.call(group === 'staged' ? 'unstage' : 'stage', { projectId: id(), paths: [s.path] }))}
                          aria-label={`${group === 'staged' ? 'Unstage' : 'Stage'} ${s.path}`}
                        >
                          {group === 'staged' ? '−' : '+'}
                        </button>
                      </li>
                    )}
                  </For>
                </ul>
              </section>
            </Show>
          )
        }}
      </For>
      <section class="history">
        <h3>History</h3>
        <ol>
          <For each={history()}>
            {(c) => (
              <li title={`${c.oid}\n${c.author.name} <${c.author.email}>\n${new Date(c.author.timestamp * 1000).toLocaleString()}`}>
                <code>{c.oid.slice(0, 7)}</code> {c.message.split('\n')[0]}
              </li>
            )}
          </For>
        </ol>
      </section>
    </aside>
  )
}
