import { For, Show, createEffect, createSignal, on } from 'solid-js'
import type { Deployment, ProductionChange } from '../../shared/deploy'
import type { AccountState } from '../account/account'
import { formatAgo, formatBytes } from '../format'
import type { Dialogs } from '../ui/dialogs'
import { progressText } from './DeployDialog'
import type { Deployments } from './deployments'
import './Deploy.css'

const short = (id: string) => id.slice(0, 8)
const STATUS: Record<Deployment['status'], string> = { uploading: 'Uploading', ready: 'Ready', failed: 'Failed', deleted: 'Deleted' }

/**
 * The Deployments view: Deploy preview, the project's production (its deployment and address,
 * Roll back, the history of moves) and every deployment with its status, commit, branch, size,
 * author and age, and Copy link, Open, Promote to production, Share private link and Delete.
 * Refusals from the edge (deleting production, say) are shown as the edge words them.
 */
export function DeploymentsPanel(props: { deployments: Deployments; account: AccountState; dialogs: Dialogs }) {
  const d = props.deployments
  const [busy, setBusy] = createSignal<string | null>(null)
  const [problem, setProblem] = createSignal<string | null>(null)
  const [notice, setNotice] = createSignal<string | null>(null)
  const signedIn = () => props.account.status === 'signed-in'

  // Read once signed in and the project's name is known (and again after signing in elsewhere).
  createEffect(on([signedIn, d.project], ([yes, project]) => yes && project && void d.refresh()))

  /** Runs a button's action: one at a time, its failure shown in the view. */
  const act = async (label: string, work: () => Promise<string | void>) => {
    setBusy(label)
    setProblem(null)
    setNotice(null)
    try {
      const done = await work()
      if (done) setNotice(done)
    } catch (e) {
      setProblem((e as Error).message)
    } finally {
      setBusy(null)
    }
  }

  const copy = (url: string, what: string) =>
    navigator.clipboard.writeText(url).then(
      () => `${what} copied: ${url}`,
      () => `Could not copy to the clipboard; the link is ${url}`,
    )

  const remove = async (dep: Deployment) => {
    const yes = await props.dialogs.choose('Delete deployment', `Delete deployment ${short(dep.id)}? Its link stops working. This cannot be undone.`, [{ label: 'Delete', value: 'delete', danger: true }])
    if (yes !== 'delete') return
    await act(`delete:${dep.id}`, async () => {
      await d.remove(dep.id)
      return `Deployment ${short(dep.id)} was deleted.`
    })
  }

  const openPrivate = (dep: Deployment) => {
    // Opened at once (a window opened after an await may be blocked), then sent to the signed link.
    const win = window.open('about:blank', '_blank')
    void act(`open:${dep.id}`, async () => {
      try {
        const link = await d.link(dep.id)
        if (!link.url) throw new Error('This server names no preview address, so there is no link to open')
        if (win) win.location.href = link.url
        else window.open(link.url, '_blank', 'noopener')
      } catch (e) {
        win?.close()
        throw e
      }
    })
  }

  const isProduction = (id: string) => d.production()?.current?.id === id
  const historyLine = (h: ProductionChange) =>
    `${h.by.name ?? 'Someone'} ${h.action === 'rollback' ? 'rolled back' : 'promoted'} ${h.from ? short(h.from) : 'nothing'} → ${short(h.to)}, ${formatAgo(h.at)}`

  return (
    <section class="deployments-panel" aria-label="Deployments">
      <div class="sidebar-title">
        <span class="title">Deployments</span>
        <button type="button" class="small" disabled={d.loading() || !signedIn()} aria-label="Refresh deployments" title="Read the deployments again" onClick={() => void d.refresh()}>
          ↻
        </button>
        <button type="button" class="small" onClick={d.openDialog}>Deploy preview…</button>
      </div>
      <Show when={d.running() && d.current()}>
        {(r) => (
          <div class="deploy-running" role="status">
            <span>
              Deploying: {r().stage === 'upload' && r().progress ? progressText(r().progress!) : r().stage === 'build' ? 'building' : 'collecting files'}…{' '}
              <button type="button" class="link" onClick={d.openDialog}>Show</button>
            </span>
            <progress class="deploy-bar" aria-label="Deploying" />
          </div>
        )}
      </Show>
      <Show when={props.account.status === 'signed-out'}>
        <p role="status">
          Deployments are kept with your account: sign in (at the top right) to deploy and to see them.
        </p>
      </Show>
      <Show when={props.account.status === 'unavailable'}>
        <p role="status">{navigator.onLine === false ? 'You are offline: deployments show here once you are back online.' : 'No server answered, so deployments cannot be shown.'}</p>
      </Show>
      <Show when={signedIn() && d.shared()}>
        {(repo) => <p class="hint deployments-shared">Shared with the members of {repo()}: their deployments and its workflows' previews are listed here, and production is the repository's.</p>}
      </Show>
      <Show when={signedIn() && d.error()}>{(e) => <p class="error" role="alert">{e().message}</p>}</Show>
      <Show when={problem()}>{(p) => <p class="error" role="alert">{p()}</p>}</Show>
      <Show when={notice()}>{(n) => <p class="hint" role="status">{n()}</p>}</Show>

      <Show when={signedIn() && !d.error()}>
        <section class="deployments-production" aria-label="Production">
          <h3>Production</h3>
          <Show when={d.production()?.current} fallback={<p class="hint">Nothing is in production yet: promote a deployment.</p>}>
            {(cur) => {
              const url = () => d.production()?.url ?? cur().url
              return (
                <>
                  <p>
                    <code data-testid="production-deployment">{short(cur().id)}</code>
                    {cur().branch ? ` · ${cur().branch}` : ''}
                    {cur().commit ? ` @ ${cur().commit!.slice(0, 7)}` : ''}
                  </p>
                  <Show when={url()}>
                    {(u) => (
                      <p class="url">
                        <a href={u()} target="_blank" rel="noopener">{u()}</a>
                      </p>
                    )}
                  </Show>
                  <div class="buttons">
                    <Show when={url()}>
                      {(u) => <button type="button" class="small" disabled={!!busy()} onClick={() => void act('copy:production', () => copy(u(), 'Production link'))}>Copy production link</button>}
                    </Show>
                    <button
                      type="button"
                      class="small"
                      disabled={!d.production()?.previous || !!busy()}
                      title={d.production()?.previous ? `Make ${short(d.production()!.previous!.id)} production again` : 'There is no previous production deployment'}
                      onClick={() => void act('rollback', async () => (await d.rollback(), `Rolled back: production is ${short(d.production()?.current?.id ?? '')} again.`))}
                    >
                      Roll back
                    </button>
                  </div>
                </>
              )
            }}
          </Show>
          <Show when={d.production()?.history.length}>
            <ol class="deployments-history" aria-label="Promotion history">
              <For each={d.production()!.history}>{(h) => <li>{historyLine(h)}</li>}</For>
            </ol>
          </Show>
        </section>

        <h3>Deployments</h3>
        <Show when={!d.loading() && d.list().length === 0}>
          <p class="hint">No deployments yet. “Deploy preview…” builds the project and publishes it at a link you can share.</p>
        </Show>
        <ul class="deployments-list" role="list" aria-label="Deployments">
          <For each={d.list()}>
            {(dep) => (
              <li class="deployment" data-deployment={dep.id} aria-label={`Deployment ${short(dep.id)}`}>
                <div class="head">
                  <code title={dep.id}>{short(dep.id)}</code>
                  <span class={`deploy-badge ${dep.status}`}>{STATUS[dep.status]}</span>
                  <Show when={isProduction(dep.id)}>
                    <span class="deploy-badge production">Production</span>
                  </Show>
                  <Show when={dep.visibility === 'private'}>
                    <span class="deploy-badge">Private</span>
                  </Show>
                </div>
                <div class="meta">
                  {[
                    dep.branch,
                    dep.commit ? `@ ${dep.commit.slice(0, 7)}` : null,
                    `${dep.fileCount} file${dep.fileCount === 1 ? '' : 's'}, ${formatBytes(dep.totalBytes)}`,
                    dep.author.name ?? 'someone',
                    formatAgo(dep.createdAt),
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </div>
                <Show when={dep.status === 'ready'}>
                  <Show when={dep.visibility === 'public' && dep.url}>
                    {(url) => (
                      <div class="url">
                        <a href={url()} target="_blank" rel="noopener">{url()}</a>
                      </div>
                    )}
                  </Show>
                  <div class="buttons">
                    <Show when={dep.url}>
                      {(url) => (
                        <Show
                          when={dep.visibility === 'public'}
                          fallback={
                            <>
                              <button type="button" class="small" disabled={!!busy()} onClick={() => void act(`share:${dep.id}`, async () => copy((await d.link(dep.id)).url ?? url(), 'Private link (valid for a day)'))}>
                                Share private link
                              </button>
                              <button type="button" class="small" disabled={!!busy()} onClick={() => openPrivate(dep)}>Open</button>
                            </>
                          }
                        >
                          <button type="button" class="small" disabled={!!busy()} onClick={() => void act(`copy:${dep.id}`, () => copy(url(), 'Link'))}>Copy link</button>
                          <a class="button small" href={url()} target="_blank" rel="noopener">Open</a>
                        </Show>
                      )}
                    </Show>
                    <button
                      type="button"
                      class="small"
                      disabled={!!busy() || isProduction(dep.id)}
                      onClick={() => void act(`promote:${dep.id}`, async () => (await d.promote(dep.id), `Deployment ${short(dep.id)} is production now.`))}
                    >
                      Promote to production
                    </button>
                    <button type="button" class="small danger" disabled={!!busy()} onClick={() => void remove(dep)}>Delete</button>
                  </div>
                </Show>
                <Show when={dep.status !== 'ready'}>
                  <div class="buttons">
                    <button type="button" class="small danger" disabled={!!busy()} onClick={() => void remove(dep)}>Delete</button>
                  </div>
                </Show>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </section>
  )
}
