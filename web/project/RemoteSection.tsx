import { For, Show, createResource, createSignal } from 'solid-js'
import type { PullRequestLink } from '../../shared/protocol'
import type { Account } from '../account/account'
import { Modal } from '../ui/Modal'
import type { ProjectModel } from './model'

/**
 * The project's remote in the git panel: push the current branch (through the edge's git proxy
 * when it reaches the host, so the user's token stays there), and open a pull request on GitHub
 * with its title and description prefilled from the branch's commits. Opened pull requests are
 * kept with the project and linked here.
 */
export function RemoteSection(props: { model: ProjectModel; account: Account; branch: string | null; busy: boolean; act(work: () => Promise<unknown>): Promise<void> }) {
  const rpc = props.model.client.rpc
  const projectId = props.model.projectId
  const url = () => props.model.info()?.url ?? null
  const [github] = createResource(
    () => [url(), props.account.state().status] as const,
    async ([u, status]) => (u && status === 'signed-in' ? props.account.gitHubRepo(u) : null),
  )
  const [dialog, setDialog] = createSignal(false)
  const [pushed, setPushed] = createSignal<string | null>(null)
  const pulls = () => (props.model.info()?.pullRequests ?? []).filter((p) => p.branch === props.branch)

  async function push() {
    const branch = props.branch
    if (!branch) return
    await props.act(async () => {
      const via = (await props.account.viaEdge(url()!)) ?? undefined
      const result = await props.model.track(`Pushing ${branch}`, (progress) => rpc.call('push', { projectId, branch, via }, { timeoutMs: 300_000, onProgress: progress }))
      setPushed(`Pushed ${result.branch} (${result.oid.slice(0, 7)}) to origin.`)
    })
  }

  return (
    <Show when={url()}>
      <div class="remote-row">
        <button type="button" onClick={() => void push()} disabled={props.busy || !props.branch} title={`Push ${props.branch ?? ''} to ${url()} (never forced)`}>
          Push {props.branch ?? ''}
        </button>
        <Show when={github()}>
          <button type="button" onClick={() => setDialog(true)} disabled={props.busy || !props.branch}>
            Open pull request…
          </button>
        </Show>
      </div>
      <Show when={pushed()}>
        <p class="hint" role="status">{pushed()}</p>
      </Show>
      <For each={pulls()}>
        {(pr) => (
          <p class="pull-link">
            Pull request <a href={pr.url} target="_blank" rel="noopener noreferrer">#{pr.number} {pr.title}</a> ({pr.branch} → {pr.base})
          </p>
        )}
      </For>
      <Show when={dialog() && github()}>
        {(repo) => <PullRequestDialog model={props.model} account={props.account} repo={repo()} branch={props.branch!} close={() => setDialog(false)} onPushed={setPushed} />}
      </Show>
    </Show>
  )
}

function PullRequestDialog(props: { model: ProjectModel; account: Account; repo: { owner: string; repo: string }; branch: string; close(): void; onPushed(text: string): void }) {
  const rpc = props.model.client.rpc
  const projectId = props.model.projectId
  const [title, setTitle] = createSignal('')
  const [body, setBody] = createSignal('')
  const [base, setBase] = createSignal('main')
  const [draft, setDraft] = createSignal(false)
  const [error, setError] = createSignal<string | null>(null)
  const [busy, setBusy] = createSignal(false)
  const [opened, setOpened] = createSignal<PullRequestLink | null>(null)
  // Prefilled from the commits the base branch does not have, as GitHub's compare page does.
  void rpc.call('compareBranch', { projectId }).then(
    (c) => {
      if (c.base) setBase(c.base)
      const subjects = c.ahead.map((x) => x.message.split('\n')[0]!.trim())
      if (!title()) setTitle(c.ahead.length === 1 ? subjects[0]! : props.branch.replace(/^coder\//, '').replace(/[-_/]+/g, ' ').replace(/^./, (ch) => ch.toUpperCase()))
      if (!body()) setBody(c.ahead.length === 1 ? c.ahead[0]!.message.split('\n').slice(1).join('\n').trim() : subjects.map((s) => `- ${s}`).join('\n'))
    },
    (e: unknown) => setError((e as Error).message),
  )

  async function submit(e: Event) {
    e.preventDefault()
    if (!title().trim()) return setError('Give the pull request a title.')
    setError(null)
    setBusy(true)
    try {
      // The head must exist on GitHub: push first (nothing is sent when it is up to date).
      const via = (await props.account.viaEdge(props.model.info()!.url!)) ?? undefined
      const pushed = await props.model.track(`Pushing ${props.branch}`, (progress) => rpc.call('push', { projectId, branch: props.branch, via }, { timeoutMs: 300_000, onProgress: progress }))
      props.onPushed(`Pushed ${pushed.branch} (${pushed.oid.slice(0, 7)}) to origin.`)
      const pr = await props.account.openPullRequest(props.repo, { title: title().trim(), body: body(), head: props.branch, base: base().trim(), draft: draft() })
      const link: PullRequestLink = { branch: props.branch, base: base().trim(), number: pr.number, url: pr.url, title: title().trim(), openedAt: Date.now() }
      props.model.setInfo(await rpc.call('recordPullRequest', { projectId, pullRequest: link }))
      setOpened(link)
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setBusy(false)
    }
  }

  return (
    <Modal label="Open pull request" close={props.close}>
      <h2>
        Open a pull request on {props.repo.owner}/{props.repo.repo}
      </h2>
      <Show
        when={!opened()}
        fallback={
          <>
            <p role="status">
              Opened <a href={opened()!.url} target="_blank" rel="noopener noreferrer">pull request #{opened()!.number}</a>.
            </p>
            <div class="actions">
              <button type="button" class="primary" onClick={props.close}>Close</button>
            </div>
          </>
        }
      >
        <form class="dialog-form" onSubmit={(e) => void submit(e)}>
          <p class="hint">
            {props.branch} → <input aria-label="Base branch" value={base()} onInput={(e) => setBase(e.currentTarget.value)} size="12" />
          </p>
          <label>
            Title <input value={title()} onInput={(e) => setTitle(e.currentTarget.value)} maxLength={256} />
          </label>
          <label>
            Description <textarea rows="8" value={body()} onInput={(e) => setBody(e.currentTarget.value)} />
          </label>
          <label class="row">
            <input type="checkbox" checked={draft()} onChange={(e) => setDraft(e.currentTarget.checked)} /> Draft
          </label>
          <Show when={error()}>
            <p class="error" role="alert">{error()}</p>
          </Show>
          <div class="actions">
            <button type="button" onClick={props.close}>Cancel</button>
            <button type="submit" class="primary" disabled={busy()}>{busy() ? 'Opening…' : 'Push and open pull request'}</button>
          </div>
        </form>
      </Show>
    </Modal>
  )
}
