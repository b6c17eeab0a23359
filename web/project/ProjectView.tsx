import { Show, createResource, createSignal, onCleanup, onMount } from 'solid-js'
import type { AppError } from '../../shared/errors'
import type { FileStatus } from '../../shared/protocol'
import type { WorkspaceClient } from '../workspace/client'
import type { Settings } from '../settings/settings'
import { FileTree } from './FileTree'
import { GitPanel } from './GitPanel'

/** Files above this size open read-only, so the page never freezes. */
const LARGE_FILE = 2 * 1024 * 1024

type OpenFile = { path: string; kind: 'text'; text: string; saved: string; readOnly: boolean; notice?: string } | { path: string; kind: 'binary'; size: number }

/** One project: the namespace tree, a plain editor (the Studio issue brings CodeMirror) and the git panel. */
export function ProjectView(props: { client: WorkspaceClient; projectId: string; settings: Settings; back: () => void }) {
  const rpc = props.client.rpc
  const [takeOver, setTakeOver] = createSignal(false)
  const [info] = createResource(() => [props.projectId, takeOver()] as const, ([projectId, take]) => rpc.call('openProject', { projectId, takeOver: take }))
  /** The open project, or undefined while opening or when it failed (reading an errored resource throws). */
  const project = () => (info.error ? undefined : info())
  // Leaving the project releases it, so another tab may open it. (The id is read now: props are gone at cleanup.)
  const openedId = props.projectId
  onCleanup(() => void rpc.call('closeProject', { projectId: openedId }).catch(() => undefined))
  const [version, setVersion] = createSignal(0)
  // Only once the project is open here (it may be open in another tab).
  const [status, { refetch: refetchStatus }] = createResource(() => (project() ? ([props.projectId, version()] as const) : false), ([projectId]) => rpc.call('status', { projectId }, { timeoutMs: 120_000 }))
  const [file, setFile] = createSignal<OpenFile | null>(null)
  const [error, setError] = createSignal<string | null>(null)
  const changed = () => setVersion(version() + 1)

  async function open(path: string) {
    setError(null)
    try {
      const stat = await rpc.call('stat', { projectId: props.projectId, path })
      const bytes = await rpc.call('readFile', { projectId: props.projectId, path })
      const head = bytes.subarray(0, 8000)
      if (head.includes(0)) return setFile({ path, kind: 'binary', size: stat.size })
      const text = new TextDecoder().decode(stat.size > LARGE_FILE ? bytes.subarray(0, LARGE_FILE) : bytes)
      const readOnly = stat.size > LARGE_FILE || (project()?.id !== undefined && !path.startsWith('/workspace/') && !path.startsWith('/tmp/'))
      setFile({ path, kind: 'text', text, saved: text, readOnly, notice: stat.size > LARGE_FILE ? 'Large file: showing the first 2 MB, read-only.' : undefined })
    } catch (e) {
      setError((e as Error).message)
    }
  }

  async function save() {
    const f = file()
    if (!f || f.kind !== 'text' || f.readOnly || f.text === f.saved) return
    try {
      await rpc.call('writeFile', { projectId: props.projectId, path: f.path, data: new TextEncoder().encode(f.text) })
      setFile({ ...f, saved: f.text })
      changed()
    } catch (e) {
      setError(`Not saved: ${(e as Error).message}`)
    }
  }

  const onKey = (e: KeyboardEvent) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
      e.preventDefault()
      void save()
    }
  }
  onMount(() => window.addEventListener('keydown', onKey))
  onCleanup(() => window.removeEventListener('keydown', onKey))
  const dirty = () => {
    const f = file()
    return f?.kind === 'text' && f.text !== f.saved
  }
  const beforeUnload = (e: BeforeUnloadEvent) => {
    if (dirty()) e.preventDefault()
  }
  onMount(() => window.addEventListener('beforeunload', beforeUnload))
  onCleanup(() => window.removeEventListener('beforeunload', beforeUnload))

  return (
    <div class="project">
      <header class="project-bar">
        <button type="button" class="link" onClick={props.back}>← Projects</button>
        <strong class="project-name">{project()?.name}</strong>
        <span class="branch-label">{project()?.branch}</span>
        <button type="button" onClick={() => (changed(), void refetchStatus())}>Refresh</button>
      </header>
      <Show when={info.error}>
        <p class="error" role="alert">
          {(info.error as Error).message}{' '}
          <Show when={(info.error as AppError).code === 'BUSY'}>
            <button type="button" onClick={() => setTakeOver(true)}>Use it here</button>
          </Show>
        </p>
      </Show>
      <Show when={project()}>
        <div class="panes">
          <FileTree client={props.client} projectId={props.projectId} status={status() ?? []} version={version()} onOpen={open} selected={file()?.path ?? null} />
          <section class="editor">
            <Show when={error()}>
              <p class="error" role="alert">{error()}</p>
            </Show>
            <Show when={file()} fallback={<p class="empty">Open a file from the tree.</p>}>
              {(f) => (
                <>
                  <div class="tab">
                    {f().path}
                    <Show when={dirty()}>
                      <span class="dirty" title="unsaved changes"> ●</span>
                    </Show>
                  </div>
                  <Show when={f().kind === 'text' ? (f() as Extract<OpenFile, { kind: 'text' }>) : null} fallback={<p class="notice">Binary file ({(f() as { size: number }).size.toLocaleString()} bytes) — not shown.</p>}>
                    {(t) => (
                      <>
                        <Show when={t().notice}>
                          <p class="notice">{t().notice}</p>
                        </Show>
                        <textarea class="code" spellcheck={false} readOnly={t().readOnly} value={t().text} onInput={(e) => setFile({ ...t(), text: e.currentTarget.value })} aria-label={`Edit ${t().path}`} />
                      </>
                    )}
                  </Show>
                </>
              )}
            </Show>
          </section>
          <GitPanel client={props.client} projectId={props.projectId} status={(status() ?? []) as FileStatus[]} settings={props.settings} changed={changed} onOpen={open} />
        </div>
      </Show>
    </div>
  )
}
