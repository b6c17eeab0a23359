import { For, Show, createEffect, on, onCleanup, onMount } from 'solid-js'
import { createDiffView, createEditorHost, type EditorSettings } from '../editor'
import type { Session, Tab } from './session'

/**
 * The editor area: the tab strip (dirty markers, middle-click or × to close) above one CodeMirror
 * host holding every open file's state, or the diff view of a changed file.
 */
export function EditorArea(props: { session: Session; settings: EditorSettings; onReady?: () => void }) {
  const session = props.session
  let editorBox!: HTMLDivElement
  let diffBox!: HTMLDivElement
  const active = () => session.state.tabs.find((t) => t.key === session.state.active) ?? null

  onMount(() => {
    const host = createEditorHost(editorBox, {
      settings: props.settings,
      onChange: (path, text) => session.changed(path, text),
      onViewChange: () => session.viewChanged(),
      onSave: (path) => void session.save(path),
    })
    session.attach(host)
    createEffect(on(() => ({ ...props.settings }), (s) => host.setSettings(s), { defer: true }))
    onCleanup(() => {
      session.attach(null)
      host.destroy()
    })
    props.onReady?.()
  })

  // Switching tabs, or a tab finishing loading: show it in the editor.
  createEffect(() => {
    const t = active()
    if (t?.kind === 'file' && t.state === 'ready') session.show(t.key)
  })

  // The diff view (its @codemirror/merge code loads on first use), made anew per diff tab.
  let disposeDiff: (() => void) | null = null
  createEffect(() => {
    const t = active()
    const d = t?.kind === 'diff' && t.state === 'ready' && !t.diff?.binary ? t.diff : null
    const settings = { ...props.settings }
    disposeDiff?.()
    disposeDiff = null
    if (!d || !t) return
    const view = createDiffView(diffBox, { path: t.path, original: d.original, modified: d.modified, settings })
    view.ready.catch((e: unknown) => console.warn('diff view failed to load', e))
    disposeDiff = () => view.destroy()
  })
  onCleanup(() => disposeDiff?.())

  const showEditor = () => {
    const t = active()
    return !!t && t.kind === 'file' && t.state === 'ready' && t.editable
  }

  return (
    <section class="editor-area" aria-label="Editor">
      <div class="tabs" role="tablist" aria-label="Open files">
        <For each={session.state.tabs}>
          {(t) => (
            <div
              role="tab"
              class="tab"
              aria-selected={session.state.active === t.key}
              classList={{ active: session.state.active === t.key, conflict: t.conflict, deleted: t.deleted }}
              title={t.kind === 'diff' ? `Changes to ${t.path}` : t.path}
              data-key={t.key}
              onClick={() => session.activate(t.key)}
              onAuxClick={(e) => e.button === 1 && void session.close(t.key)}
            >
              <span class="tab-name">{tabLabel(t)}</span>
              <Show when={t.dirty}>
                <span class="dirty" title="Unsaved changes">●</span>
              </Show>
              <button type="button" class="close" aria-label={`Close ${tabLabel(t)}`} onClick={(e) => (e.stopPropagation(), void session.close(t.key))}>×</button>
            </div>
          )}
        </For>
      </div>
      <Show when={active()}>
        {(t) => (
          <>
            <Show when={t().state === 'loading'}>
              <p class="notice">Loading {t().path}…</p>
            </Show>
            <Show when={t().state === 'error'}>
              <p class="error notice" role="alert">{t().error}</p>
            </Show>
            <Show when={t().notice}>
              <p class="notice" classList={{ warning: t().conflict || t().deleted }} role="status">{t().notice}</p>
            </Show>
          </>
        )}
      </Show>
      <div class="editor-host" ref={editorBox} style={{ display: showEditor() ? 'flex' : 'none' }} />
      <div class="diff-host" ref={diffBox} style={{ display: active()?.kind === 'diff' ? 'block' : 'none' }} />
      <Show when={session.state.tabs.length === 0}>
        <div class="welcome">
          <p>Open a file from the tree, or press <kbd>Ctrl</kbd>+<kbd>P</kbd> to find one by name.</p>
          <p class="hint">
            <kbd>Ctrl</kbd>+<kbd>Shift</kbd>+<kbd>P</kbd> lists every command · <kbd>Ctrl</kbd>+<kbd>Shift</kbd>+<kbd>F</kbd> searches all files
          </p>
        </div>
      </Show>
    </section>
  )
}

function tabLabel(t: Tab): string {
  const name = t.path.split('/').pop() ?? t.path
  return t.kind === 'diff' ? `${name} (changes)` : name
}
