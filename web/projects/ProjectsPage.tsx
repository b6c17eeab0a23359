import { For, Show, createResource, createSignal, onCleanup, onMount } from 'solid-js'
import type { AppError } from '../../shared/errors'
import { sameRepository, type OpenLink } from '../../shared/links'
import type { Progress, ProjectInfo } from '../../shared/protocol'
import type { WorkspaceClient } from '../workspace/client'
import type { Account, GitHubRepoSummary } from '../account/account'
import type { Settings } from '../settings/settings'
import { formatAgo, formatBytes } from '../format'
import { fromDrop, fromFileList, type PickedFolder } from './local-folder'
import { createHotExitStore } from '../project/hot-exit'

/**
 * The projects page: list, import by URL (progress + cancel), import a folder, delete. With an
 * "Open in Coder" `link`, opens the project already imported from that repository, or imports it.
 */
export function ProjectsPage(props: { client: WorkspaceClient; settings: Settings; account: Account; link?: OpenLink; open: (id: string, replace?: boolean) => void }) {
  const rpc = props.client.rpc
  const [projects, { refetch }] = createResource(() => rpc.call('listProjects', undefined))
  const [storage, { refetch: refetchStorage }] = createResource(() => navigator.storage?.estimate?.() ?? Promise.resolve({ usage: 0, quota: 0 }))
  const [url, setUrl] = createSignal('')
  const [branch, setBranch] = createSignal('')
  const [shallow, setShallow] = createSignal(false)
  const [busy, setBusy] = createSignal<{ label: string; progress: Progress | null; cancel: () => void } | null>(null)
  const [error, setError] = createSignal<string | null>(null)
  const [dragging, setDragging] = createSignal(false)
  let controller: AbortController | null = null
  onCleanup(() => controller?.abort())
  onMount(() => {
    // The user is likely to import from here: have the worker compile the clone's code meanwhile.
    const idle = typeof requestIdleCallback === 'function' ? requestIdleCallback : (fn: () => void) => setTimeout(fn, 300)
    idle(() => void rpc.call('prepareImport', undefined, { timeoutMs: 0 }).catch(() => undefined))
    const link = props.link
    if (!link) return
    setUrl(link.url)
    setBranch(link.ref ?? '')
    void rpc.call('listProjects', undefined).then(
      (list) => {
        const existing = list.find((p) => p.url && sameRepository(p.url, link.url) && (!link.ref || p.branch === link.ref))
        if (existing) props.open(existing.id, true)
        else startImport(link.url, link.ref, false)
      },
      (e: unknown) => setError((e as Error).message),
    )
  })

  async function run(label: string, work: (signal: AbortSignal, onProgress: (p: Progress) => void) => Promise<ProjectInfo>) {
    setError(null)
    controller = new AbortController()
    const c = controller
    setBusy({ label, progress: null, cancel: () => c.abort() })
    // Ask once for storage the browser will not evict under pressure.
    void navigator.storage?.persist?.()
    try {
      const info = await work(c.signal, (p) => setBusy({ label, progress: p, cancel: () => c.abort() }))
      props.open(info.id, !!props.link)
    } catch (e) {
      const err = e as AppError
      setError(err.code === 'ABORTED' ? 'Import cancelled. Nothing was kept.' : err.message)
    } finally {
      setBusy(null)
      void refetch()
      void refetchStorage()
    }
  }

  // Signed in with GitHub: the user's repositories, a click away (private ones through the edge).
  const gitHubSignedIn = () => {
    const s = props.account.state()
    return s.status === 'signed-in' && s.user.login !== null
  }
  const [repos, setRepos] = createSignal<{ list: GitHubRepoSummary[]; page: number; more: boolean } | null>(null)
  const [reposError, setReposError] = createSignal<string | null>(null)
  async function loadRepos(page: number) {
    setReposError(null)
    try {
      const got = await props.account.gitHubRepos(page)
      setRepos({ list: [...(page > 1 ? (repos()?.list ?? []) : []), ...got.repos], page, more: got.more })
    } catch (e) {
      setReposError((e as Error).message)
    }
  }

  function importUrl(event: Event) {
    event.preventDefault()
    const target = url().trim()
    if (!target) return setError('Enter the address of a git repository, e.g. https://github.com/owner/repo.git')
    startImport(target, branch().trim() || undefined, shallow())
  }

  function startImport(target: string, ref: string | undefined, latestOnly: boolean) {
    void run(`Importing ${target}`, async (signal, onProgress) =>
      // Through the edge's git proxy when it reaches the host: private repositories work, the token stays there.
      rpc.call('importRepo', { url: target, ref, depth: latestOnly ? 1 : undefined, via: (await props.account.viaEdge(target)) ?? undefined }, { signal, onProgress, timeoutMs: 120_000 }),
    )
  }

  function importFolder(folder: PickedFolder | null) {
    if (!folder) return setError('That folder has no files to import.')
    void run(`Importing folder ${folder.name}`, (signal, onProgress) =>
      rpc.call('importFiles', { name: folder.name, files: folder.files, author: authorOrDefault(props.settings) }, { signal, onProgress, timeoutMs: 120_000 }),
    )
  }

  // Another tab imported or deleted a project: show it here too.
  onCleanup(props.client.subscribe((e) => e.type === 'projects-changed' && void refetch()))

  async function remove(p: ProjectInfo) {
    if (!confirm(`Delete project “${p.name}” and everything stored for it in this browser? This cannot be undone.`)) return
    try {
      await rpc.call('deleteProject', { projectId: p.id })
      // Its open tabs and unsaved buffers go with it.
      await createHotExitStore().remove(p.id).catch(() => undefined)
    } catch (e) {
      setError((e as Error).message)
    }
    void refetch()
    void refetchStorage()
  }

  const percent = () => {
    const p = busy()?.progress
    return p && p.total > 0 ? Math.min(100, Math.round((p.loaded / p.total) * 100)) : null
  }

  return (
    <main
      class="projects"
      classList={{ dragging: dragging() }}
      onDragOver={(e) => {
        e.preventDefault()
        setDragging(true)
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={async (e) => {
        e.preventDefault()
        setDragging(false)
        if (e.dataTransfer && !busy()) importFolder(await fromDrop(e.dataTransfer))
      }}
    >
      <section class="import">
        <h2>Import a repository</h2>
        <form onSubmit={importUrl}>
          <input name="url" type="url" placeholder="https://github.com/owner/repo.git" value={url()} onInput={(e) => setUrl(e.currentTarget.value)} disabled={!!busy()} aria-label="Repository URL" />
          <input name="branch" placeholder="branch (default)" value={branch()} onInput={(e) => setBranch(e.currentTarget.value)} disabled={!!busy()} aria-label="Branch" />
          <label>
            <input type="checkbox" name="shallow" checked={shallow()} onChange={(e) => setShallow(e.currentTarget.checked)} disabled={!!busy()} /> latest commit only
          </label>
          <button type="submit" disabled={!!busy()}>Import</button>
          <label class="button" classList={{ disabled: !!busy() }}>
            Open folder…
            <input type="file" hidden {...{ webkitdirectory: true }} disabled={!!busy()} onChange={async (e) => importFolder(await fromFileList(e.currentTarget.files!))} />
          </label>
        </form>
        <p class="hint">…or drop a folder anywhere on this page.</p>
        <Show when={gitHubSignedIn()}>
          <details class="github-repos" onToggle={(e) => e.currentTarget.open && !repos() && void loadRepos(1)}>
            <summary>Your GitHub repositories</summary>
            <Show when={reposError()}>
              <p class="error" role="alert">{reposError()}</p>
            </Show>
            <ul>
              <For each={repos()?.list}>
                {(r) => (
                  <li>
                    <span class="repo-name">{r.fullName}</span>
                    <Show when={r.private}> <span class="badge">private</span></Show>
                    <Show when={r.description}> <span class="hint">{r.description}</span></Show>
                    <button type="button" class="small" disabled={!!busy()} aria-label={`Import ${r.fullName}`} onClick={() => (setUrl(r.cloneUrl), startImport(r.cloneUrl, undefined, shallow()))}>
                      Import
                    </button>
                  </li>
                )}
              </For>
            </ul>
            <Show when={repos()?.more}>
              <button type="button" class="small" onClick={() => void loadRepos(repos()!.page + 1)}>More…</button>
            </Show>
          </details>
        </Show>
        <Show when={busy()}>
          {(b) => (
            <div class="progress" role="status">
              <div class="progress-label">
                {b().label} — {b().progress?.phase ?? 'Starting'}
                <Show when={percent() !== null}> {percent()}%</Show>
                <Show when={b().progress && b().progress!.total > 0}>
                  {' '}({b().progress!.loaded.toLocaleString()} / {b().progress!.total.toLocaleString()})
                </Show>
              </div>
              {/* Without a total the bar is indeterminate. */}
              <Show when={percent() !== null} fallback={<progress aria-label="Import progress" />}>
                <progress aria-label="Import progress" max="100" value={percent()!} />
              </Show>
              <button type="button" onClick={() => b().cancel()}>Cancel</button>
            </div>
          )}
        </Show>
        <Show when={error()}>
          <p class="error" role="alert">{error()}</p>
        </Show>
      </section>

      <section class="list">
        <h2>Projects</h2>
        <Show when={!projects.loading && projects()?.length === 0}>
          <p class="empty">No projects yet. Import one above.</p>
        </Show>
        <table>
          <tbody>
            <For each={projects()}>
              {(p) => (
                <tr class="project" data-id={p.id}>
                  <td>
                    <a href={`/p/${p.id}`} onClick={(e) => (e.preventDefault(), props.open(p.id))}>{p.name}</a>
                  </td>
                  <td class="origin">{p.url ?? 'local'}</td>
                  <td class="branch">{p.branch ?? '—'}</td>
                  <td class="opened" title={new Date(p.lastOpenedAt).toLocaleString()}>{formatAgo(p.lastOpenedAt)}</td>
                  <td class="size">{formatBytes(p.bytes)}</td>
                  <td>
                    <button type="button" class="danger" onClick={() => remove(p)} aria-label={`Delete ${p.name}`}>Delete</button>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
        <Show when={storage()}>
          {(s) => <p class="storage">Browser storage used: {formatBytes(s().usage ?? 0)} of {formatBytes(s().quota ?? 0)}</p>}
        </Show>
      </section>
    </main>
  )
}

/** Imports of local folders commit as the configured author, or a clearly named placeholder. */
function authorOrDefault(settings: Settings) {
  const a = settings.author
  return a.name.trim() && a.email.trim() ? a : { name: 'Coder user', email: 'user@coder.local' }
}
