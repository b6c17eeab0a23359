import { For, Show, createResource, createSignal, onCleanup } from 'solid-js'
import { isValidBranchName, type CommitDetails, type FileStatus } from '../../shared/protocol'
import type { Settings } from '../settings/settings'
import type { Dialogs } from '../ui/dialogs'
import type { Account } from '../account/account'
import type { ProjectModel } from './model'
import { RemoteSection } from './RemoteSection'

const GROUPS: Array<{ group: FileStatus['group']; title: string }> = [
  { group: 'staged', title: 'Staged changes' },
  { group: 'unstaged', title: 'Changes' },
  { group: 'untracked', title: 'Untracked' },
]

/** Source control: changes grouped as git shows them, diff, stage/unstage, commit, branches, history. */
export function GitPanel(props: { model: ProjectModel; settings: Settings; dialogs: Dialogs; account: Account; onDiff(path: string): void; onOpen(path: string): void; openSettings(): void }) {
  const rpc = props.model.client.rpc
  const projectId = props.model.projectId
  const [message, setMessage] = createSignal('')
  const [error, setError] = createSignal<string | null>(null)
  const [busy, setBusy] = createSignal(false)
  const [branches, { refetch: refetchBranches }] = createResource(() => rpc.call('branches', { projectId }))
  const [history, { refetch: refetchHistory }] = createResource(() => rpc.call('log', { projectId, depth: 100 }))
  const [openCommit, setOpenCommit] = createSignal<string | null>(null)
  const [details, setDetails] = createSignal<CommitDetails | null>(null)
  onCleanup(
    props.model.onEvent((e) => {
      if (e.type === 'git-changed' || e.type === 'tree-changed') {
        void refetchBranches()
        void refetchHistory()
      }
    }),
  )

  async function act(work: () => Promise<unknown>) {
    setError(null)
    setBusy(true)
    try {
      await work()
    } catch (e) {
      setError((e as Error).message)
    } finally {
      setBusy(false)
    }
    await props.model.refresh().catch(() => undefined)
  }

  const staged = () => props.model.status().filter((s) => s.group === 'staged')
  async function commit(e?: Event) {
    e?.preventDefault()
    if (!props.settings.author.name || !props.settings.author.email) {
      setError('Set your name and e-mail in Settings before committing.')
      return
    }
    if (!message().trim()) return setError('Write a commit message first.')
    if (staged().length === 0) return setError('Nothing is staged: stage the changes to commit first.')
    await act(async () => {
      await rpc.call('commit', { projectId, message: message(), author: props.settings.author })
      setMessage('')
    })
  }

  async function newBranch() {
    const existing = new Set(branches()?.local ?? [])
    const name = await props.dialogs.prompt('New branch', 'Branch name (created from the current commit and switched to)', '', (v) =>
      !isValidBranchName(v.trim()) ? `'${v.trim()}' is not a valid branch name.` : existing.has(v.trim()) ? `A branch '${v.trim()}' exists already.` : null,
    )
    if (name) await act(() => rpc.call('createBranch', { projectId, name, checkout: true }))
  }

  async function switchTo(branch: string) {
    if (branch === branches()?.current) return
    await act(() => props.model.track(`Switching to ${branch}`, (progress) => rpc.call('checkout', { projectId, branch }, { timeoutMs: 120_000, onProgress: progress })))
    void refetchBranches()
  }

  async function showDetails(oid: string) {
    if (openCommit() === oid) return setOpenCommit(null)
    setOpenCommit(oid)
    setDetails(null)
    try {
      setDetails(await rpc.call('showCommit', { projectId, oid }))
    } catch (e) {
      setError((e as Error).message)
    }
  }

  return (
    <section class="git" aria-label="Source control">
      <div class="branch-row">
        <label class="branch-picker">
          <span>Branch</span>
          <select aria-label="Branch" value={branches()?.current ?? ''} disabled={busy()} onChange={(e) => void switchTo(e.currentTarget.value)}>
            <For each={branches()?.local}>{(b) => <option value={b}>{b}</option>}</For>
            <Show when={branches()?.remote.length}>
              <optgroup label="From origin">
                <For each={branches()?.remote}>{(b) => <option value={b}>{b}</option>}</For>
              </optgroup>
            </Show>
          </select>
        </label>
        <button type="button" onClick={() => void newBranch()} disabled={busy()}>New branch…</button>
      </div>
      <RemoteSection model={props.model} account={props.account} branch={branches()?.current ?? null} busy={busy()} act={act} />
      <form class="commit" onSubmit={(e) => void commit(e)}>
        <textarea
          aria-label="Commit message"
          placeholder={`Message (${navigator.platform.includes('Mac') ? '⌘' : 'Ctrl'}+Enter to commit)`}
          value={message()}
          onInput={(e) => setMessage(e.currentTarget.value)}
          onKeyDown={(e) => {
            if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') void commit(e)
          }}
        />
        <button type="submit" class="primary" disabled={busy() || staged().length === 0}>
          Commit{staged().length ? ` ${staged().length} file${staged().length === 1 ? '' : 's'}` : ''}
        </button>
        <Show when={!props.settings.author.email}>
          <p class="hint">
            Commits need your name and e-mail: <button type="button" class="link" onClick={props.openSettings}>open Settings</button>.
          </p>
        </Show>
      </form>
      <Show when={error()}>
        <p class="error" role="alert">{error()}</p>
      </Show>
      <Show when={props.model.status().length === 0}>
        <p class="hint">No changes.</p>
      </Show>
      <For each={GROUPS}>
        {({ group, title }) => {
          const rows = () => props.model.status().filter((s) => s.group === group)
          const paths = () => rows().map((s) => s.path)
          return (
            <Show when={rows().length > 0}>
              <section class={`changes ${group}`}>
                <h3>
                  {title} <span class="count">{rows().length}</span>
                  <button
                    type="button"
                    class="small"
                    disabled={busy()}
                    onClick={() => void act(() => rpc.call(group === 'staged' ? 'unstage' : 'stage', { projectId, paths: paths() }))}
                    aria-label={group === 'staged' ? `Unstage all ${title.toLowerCase()}` : `Stage all ${title.toLowerCase()}`}
                  >
                    {group === 'staged' ? 'Unstage all' : 'Stage all'}
                  </button>
                </h3>
                <ul>
                  <For each={rows()}>
                    {(s) => (
                      <li class={s.change}>
                        <button type="button" class="link file" title={`Show the changes to ${s.path}`} onClick={() => props.onDiff(s.path)}>
                          {s.path}
                        </button>
                        <Show when={s.change !== 'deleted'}>
                          <button type="button" class="small" title="Open file" aria-label={`Open ${s.path}`} onClick={() => props.onOpen(`/workspace/${s.path}`)}>↗</button>
                        </Show>
                        <span class="change" title={s.change}>{group === 'untracked' ? 'U' : s.change[0].toUpperCase()}</span>
                        <button
                          type="button"
                          class="small"
                          disabled={busy()}
                          onClick={() => void act(() => rpc.call(group === 'staged' ? 'unstage' : 'stage', { projectId, paths: [s.path] }))}
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
        <Show when={history.error}>
          <p class="error">{(history.error as Error).message}</p>
        </Show>
        <ol>
          <For each={history.error ? [] : history()}>
            {(c) => (
              <li classList={{ open: openCommit() === c.oid }}>
                <button type="button" class="commit-row" onClick={() => void showDetails(c.oid)} title={`${c.oid}\n${c.author.name} <${c.author.email}>`}>
                  <code>{c.oid.slice(0, 7)}</code> <span class="subject">{c.message.split('\n')[0]}</span>
                </button>
                <Show when={openCommit() === c.oid}>
                  <div class="commit-details">
                    <div>
                      {c.author.name} &lt;{c.author.email}&gt; · {new Date(c.author.timestamp * 1000).toLocaleString()}
                    </div>
                    <pre class="commit-message">{c.message.trim()}</pre>
                    <Show when={details()?.oid === c.oid} fallback={<p class="hint">Loading…</p>}>
                      <ul class="commit-files">
                        <For each={details()!.files}>
                          {(f) => (
                            <li class={f.change}>
                              <span class="change">{f.change[0].toUpperCase()}</span> {f.path}
                            </li>
                          )}
                        </For>
                      </ul>
                    </Show>
                  </div>
                </Show>
              </li>
            )}
          </For>
        </ol>
      </section>
    </section>
  )
}
