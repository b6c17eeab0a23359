import { batch } from 'solid-js'
import { createStore, produce } from 'solid-js/store'
import { AppError } from '../../shared/errors'
import { isWithin } from '../../shared/namespace'
import { listEditorconfigPaths, resolveIndent, type IndentRules } from '../../shared/editorconfig'
import type { FileVersion, WorkspaceEvent } from '../../shared/protocol'
import type { EditorHost, ViewState } from '../editor'
import type { WorkspaceClient } from '../workspace/client'
import type { HotExitStore, SavedSession, SavedTab } from './hot-exit'

/** An open tab: a file being edited, or the diff of a changed file against HEAD. */
export interface Tab {
  /** Unique key: the path for a file tab, `diff:<path>` for a diff tab. */
  key: string
  kind: 'file' | 'diff'
  path: string
  /** Loading, ready, or failed (with the reason shown in the tab). */
  state: 'loading' | 'ready' | 'error'
  error?: string
  dirty: boolean
  readOnly: boolean
  /** Shown above the editor: binary, large, read-only, changed elsewhere, deleted… */
  notice: string | null
  /** True when the file changed elsewhere while this tab had unsaved changes. */
  conflict: boolean
  /** The file no longer exists (deleted elsewhere); saving creates it again. */
  deleted: boolean
  /** Text shown for binary / too-large files is null: nothing to edit. */
  editable: boolean
  /** For diff tabs: the two sides. */
  diff?: { original: string; modified: string; binary: boolean }
}

/** How the user answers a question the session asks (a save conflict, closing a dirty tab). */
export interface SessionPrompts {
  choose(title: string, message: string, choices: Array<{ label: string; value: string; danger?: boolean }>): Promise<string | null>
}

/** Where the session reports failures and finished saves for the user to see. */
export interface SessionOptions {
  client: WorkspaceClient
  projectId: string
  hotExit: HotExitStore
  prompts: SessionPrompts
  notify(message: string, kind?: 'error' | 'info'): void
}

const diffKey = (path: string) => `diff:${path}`

/**
 * The editing session of one project in this tab: open tabs, unsaved buffers, saving without
 * overwriting other tabs' changes, and hot exit (buffers and tabs survive a reload or a crash).
 * The editor host keeps the texts; the session keeps what was last saved and each file's version.
 */
export function createSession(options: SessionOptions) {
  const { client, projectId } = options
  const rpc = client.rpc
  const [state, setState] = createStore<{ tabs: Tab[]; active: string | null }>({ tabs: [], active: null })
  /** Last saved (or loaded) text and version per file path. */
  const saved = new Map<string, { text: string; version: FileVersion | null }>()
  /** View state and text of tabs not shown in the editor yet (restored tabs): used when first shown. */
  const pendingView = new Map<string, ViewState>()
  const pendingText = new Map<string, string>()
  /** `.editorconfig` texts by path (null: none there), read once and forgotten when one changes. */
  const editorconfigs = new Map<string, Promise<string | null>>()
  const indents = new Map<string, IndentRules>()
  let host: EditorHost | null = null
  let persistTimer: ReturnType<typeof setTimeout> | undefined
  let disposed = false

  const tab = (key: string) => state.tabs.find((t) => t.key === key)
  const update = (key: string, fields: Partial<Tab>) =>
    setState('tabs', (t) => t.key === key, (t) => ({ ...t, ...fields }))

  /** The text of a file tab: the editor's, or (not shown yet) the restored buffer or the saved text. */
  const currentText = (path: string): string | null => host?.text(path) ?? pendingText.get(path) ?? saved.get(path)?.text ?? null

  /** Shows a file tab in the editor if it is the active one; the editor keeps one state per file. */
  function showInHost(t: Tab) {
    if (!host || t.kind !== 'file' || !t.editable || t.state !== 'ready' || t.key !== state.active) return
    const text = currentText(t.path) ?? ''
    host.open(t.path, text, { readOnly: t.readOnly, view: pendingView.get(t.path), indent: indents.get(t.path) })
    pendingView.delete(t.path)
    pendingText.delete(t.path)
  }

  /** The indent rules `.editorconfig` files give `path` (within /workspace; none elsewhere). */
  async function indentFor(path: string): Promise<IndentRules | undefined> {
    if (!path.startsWith('/workspace/')) return undefined
    const candidates = listEditorconfigPaths(path).filter((p) => p.startsWith('/workspace/'))
    const texts = await Promise.all(
      candidates.map((p) => {
        let text = editorconfigs.get(p)
        if (!text) {
          text = rpc.call('readFile', { projectId, path: p }).then((b) => new TextDecoder().decode(b), () => null)
          editorconfigs.set(p, text)
        }
        return text.then((t) => (t === null ? null : { dir: p.slice(0, -'/.editorconfig'.length), text: t }))
      }),
    )
    return resolveIndent(texts.filter((t) => t !== null), path)
  }

  /** Loads a file tab's content from the workspace (first open, or reload after a change elsewhere). */
  async function load(path: string, keepDirty?: string): Promise<void> {
    try {
      const [f, indent] = await Promise.all([rpc.call('openFile', { projectId, path }), indentFor(path).catch(() => undefined)])
      if (indent) indents.set(path, indent)
      const text = f.text ?? ''
      saved.set(path, { text, version: f.version })
      const editable = f.text !== null
      const dirty = keepDirty !== undefined && keepDirty !== text
      if (dirty) pendingText.set(path, keepDirty!)
      update(path, { state: 'ready', readOnly: f.readOnly, notice: f.notice, editable, dirty, deleted: false, conflict: false })
      const t = tab(path)
      if (t) showInHost(t)
    } catch (error) {
      const e = error as AppError
      if (e.code === 'ENOENT' && keepDirty !== undefined) {
        // A restored buffer whose file is gone: keep the text, saving creates the file again.
        saved.set(path, { text: '', version: null })
        pendingText.set(path, keepDirty)
        update(path, { state: 'ready', editable: true, readOnly: false, dirty: true, deleted: true, notice: 'This file was deleted. Saving creates it again.' })
        const t = tab(path)
        if (t) showInHost(t)
        return
      }
      update(path, { state: 'error', error: e.code === 'ENOENT' ? 'This file does not exist (any more).' : e.message })
    }
  }

  async function loadDiff(path: string): Promise<void> {
    try {
      const d = await rpc.call('diff', { projectId, path })
      update(diffKey(path), { state: 'ready', diff: { original: d.head ?? '', modified: d.workdir ?? '', binary: d.binary }, notice: d.binary ? 'Binary file: no text diff.' : null })
    } catch (error) {
      update(diffKey(path), { state: 'error', error: (error as Error).message })
    }
  }

  function newTab(kind: Tab['kind'], path: string): Tab {
    return { key: kind === 'diff' ? diffKey(path) : path, kind, path, state: 'loading', dirty: false, readOnly: kind === 'diff', notice: null, conflict: false, deleted: false, editable: kind === 'file' }
  }

  /** Writes the hot-exit record soon (debounced), or now. */
  function persist(now = false): Promise<void> | void {
    clearTimeout(persistTimer)
    const write = () => options.hotExit.save(snapshot()).catch((e: unknown) => console.warn('hot exit: could not save open tabs', e))
    if (now) return write()
    persistTimer = setTimeout(() => void write(), 150)
  }

  function snapshot(): SavedSession {
    const tabs: SavedTab[] = state.tabs.map((t) => {
      const out: SavedTab = { path: t.path, kind: t.kind }
      if (t.kind === 'file') {
        const view = host?.viewState(t.path)
        if (view) out.view = view
        if (t.dirty) {
          const text = currentText(t.path)
          if (text !== null) out.dirtyText = text
          out.baseVersion = saved.get(t.path)?.version ?? undefined
        }
      }
      return out
    })
    return { projectId, tabs, active: state.active, savedAt: Date.now() }
  }

  const session = {
    state,

    /** Connects the editor host (when the editor area mounts); open tabs are shown in it. */
    attach(h: EditorHost | null) {
      host = h
      const t = h && tab(state.active ?? '')
      if (t) showInHost(t)
    },

    /** Shows the active tab in the editor (after switching tabs). */
    show(key: string) {
      const t = tab(key)
      if (t) showInHost(t)
    },

    /** Opens `path` (a namespace path) in a tab, or focuses it; optionally reveals a position. */
    async open(path: string, at?: { line: number; column?: number; length?: number }) {
      if (!tab(path)) {
        setState('tabs', (tabs) => [...tabs, newTab('file', path)])
        setState('active', path)
        await load(path)
      } else setState('active', path)
      persist()
      if (at) queueMicrotask(() => host?.reveal(at.line, at.column, at.length))
    },

    /** Opens the diff of a changed file (HEAD → working tree) in its own tab. */
    async openDiff(path: string) {
      const key = diffKey(path)
      if (!tab(key)) setState('tabs', (tabs) => [...tabs, newTab('diff', path)])
      setState('active', key)
      await loadDiff(path)
      persist()
    },

    activate(key: string) {
      setState('active', key)
      persist()
    },

    /** The editor changed `path`'s text. */
    changed(path: string, text: string) {
      const s = saved.get(path)
      const dirty = !s || text !== s.text || tab(path)?.deleted === true
      if (tab(path)?.dirty !== dirty) update(path, { dirty })
      persist()
    },

    viewChanged() {
      persist()
    },

    /**
     * Saves a file tab. Refuses to overwrite a change made elsewhere since this tab loaded the file:
     * the user chooses to overwrite, to take the other version, or to cancel. Resolves to true when saved.
     */
    async save(path = state.active ?? ''): Promise<boolean> {
      const t = tab(path)
      if (!t || t.kind !== 'file' || !t.editable || t.readOnly || !host) return false
      const text = currentText(path)
      if (text === null) return false
      const base = saved.get(path)
      const data = new TextEncoder().encode(text)
      try {
        let outcome = await rpc.call('writeFile', { projectId, path, data, expect: base?.version ?? null })
        if (!outcome.ok) {
          const choice = await options.prompts.choose(
            'File changed elsewhere',
            `'${path.split('/').pop()}' was changed ${outcome.version === null ? 'and deleted ' : ''}in another tab or by git since you opened it. Overwrite it with your version, or discard your changes and load the other one?`,
            [
              { label: 'Load theirs', value: 'reload' },
              { label: 'Overwrite', value: 'overwrite', danger: true },
            ],
          )
          if (choice === 'reload') {
            await load(path)
            const fresh = saved.get(path)
            if (fresh && host.text(path) !== null) host.replaceText(path, fresh.text)
            update(path, { dirty: false, conflict: false })
            persist()
            return false
          }
          if (choice !== 'overwrite') return false
          outcome = await rpc.call('writeFile', { projectId, path, data })
        }
        if (outcome.ok) {
          saved.set(path, { text, version: outcome.version })
          const still = currentText(path)
          update(path, { dirty: still !== text, conflict: false, deleted: false, notice: t.deleted ? null : t.notice })
          persist()
          return true
        }
        return false
      } catch (error) {
        options.notify(`Not saved: ${(error as Error).message}`)
        return false
      }
    },

    /**
     * Saves the active file the way Mod-s in the editor does: the editor applies the
     * `.editorconfig` save rules (trailing whitespace, final newline) first, then calls back `save`.
     */
    saveThroughEditor() {
      const t = tab(state.active ?? '')
      if (t?.kind === 'file' && host?.text(t.path) != null) host.save(t.path)
      else if (t) return session.save(t.path)
    },

    async saveAll(): Promise<void> {
      for (const t of state.tabs) {
        if (!t.dirty) continue
        if (host?.text(t.path) != null) host.save(t.path)
        else await session.save(t.path)
      }
    },

    /** Closes a tab; a tab with unsaved changes asks first (save, discard, or cancel). */
    async close(key = state.active ?? ''): Promise<boolean> {
      const t = tab(key)
      if (!t) return false
      if (t.dirty) {
        const choice = await options.prompts.choose('Unsaved changes', `Save the changes to '${t.path.split('/').pop()}' before closing?`, [
          { label: "Don't save", value: 'discard', danger: true },
          { label: 'Save', value: 'save' },
        ])
        if (choice === null) return false
        if (choice === 'save' && !(await session.save(t.path))) return false
      }
      const index = state.tabs.findIndex((x) => x.key === key)
      batch(() => {
        setState('tabs', (tabs) => tabs.filter((x) => x.key !== key))
        if (state.active === key) setState('active', state.tabs[Math.min(index, state.tabs.length - 1)]?.key ?? null)
      })
      if (t.kind === 'file') {
        host?.close(t.path)
        saved.delete(t.path)
        pendingText.delete(t.path)
      }
      persist()
      return true
    },

    /** A path was renamed in this tab: tabs under it follow (buffers kept). */
    renamed(from: string, to: string) {
      for (const t of [...state.tabs]) {
        if (!isWithin(t.path, from)) continue
        const next = to + t.path.slice(from.length)
        const text = t.kind === 'file' ? currentText(t.path) : null
        const s = saved.get(t.path)
        if (t.kind === 'file') {
          host?.close(t.path)
          saved.delete(t.path)
          pendingText.delete(t.path)
          // A rename keeps the file's inode and mtime, so its version (and the buffer's base) stays valid.
          if (s) saved.set(next, s)
          if (text !== null && t.dirty) pendingText.set(next, text)
        }
        const key = t.kind === 'diff' ? diffKey(next) : next
        const old = t.key
        batch(() => {
          update(old, { key, path: next })
          if (state.active === old) setState('active', key)
        })
        const moved = tab(key)
        if (moved) showInHost(moved)
      }
      persist()
    },

    /** A path was deleted in this tab: open tabs under it keep their text, marked deleted (saving recreates). */
    removed(path: string) {
      for (const t of state.tabs) {
        if (t.kind !== 'file' || !isWithin(t.path, path)) continue
        saved.set(t.path, { text: '', version: null })
        update(t.key, { deleted: true, dirty: true, notice: 'This file was deleted. Saving creates it again.' })
      }
      persist()
    },

    /** Reacts to a change in the workspace (another tab's save, a checkout, a delete). */
    async handle(event: WorkspaceEvent) {
      if (disposed || !('projectId' in event) || event.projectId !== projectId) return
      if (event.type === 'tree-changed' || (event.type === 'files-changed' && event.paths.some((p) => p.endsWith('/.editorconfig')))) editorconfigs.clear()
      if (event.type === 'git-changed') {
        for (const t of state.tabs) if (t.kind === 'diff') void loadDiff(t.path)
        return
      }
      // This tab's own saves, renames and deletions update the tabs as they happen (save, renamed, removed).
      if (event.type === 'files-changed' && event.by === client.id) return
      const affected = state.tabs.filter((t) => event.type === 'tree-changed' || event.paths.some((p) => isWithin(t.path, p)))
      for (const t of affected) {
        if (t.kind === 'diff') {
          void loadDiff(t.path)
          continue
        }
        if (!t.dirty) {
          const before = saved.get(t.path)
          await load(t.path)
          const after = saved.get(t.path)
          if (host?.text(t.path) != null && after && before && after.text !== before.text) host.replaceText(t.path, after.text)
        } else {
          update(t.key, { conflict: true, notice: 'This file changed elsewhere. Saving will ask before overwriting.' })
        }
      }
    },

    /** Reopens the tabs of the last visit; unsaved buffers come back marked dirty. */
    async restore(): Promise<void> {
      const last = await options.hotExit.load(projectId).catch(() => null)
      if (!last || last.tabs.length === 0) return
      setState({ tabs: last.tabs.map((t) => newTab(t.kind, t.path)), active: last.active })
      for (const t of last.tabs) if (t.view) pendingView.set(t.path, t.view)
      await Promise.all(
        last.tabs.map(async (t) => {
          if (t.kind === 'diff') return loadDiff(t.path)
          await load(t.path, t.dirtyText)
          const s = saved.get(t.path)
          if (t.dirtyText !== undefined && t.baseVersion && s?.version && s.version !== t.baseVersion && s.text !== t.dirtyText) {
            update(t.path, { conflict: true, notice: 'Restored unsaved changes; the file also changed since. Saving will ask before overwriting.' })
            // Keep the restored buffer's base: saving must notice the change.
            saved.set(t.path, { text: s.text, version: t.baseVersion })
          }
        }),
      )
    },

    /** The editor host, when mounted (for go to line, find, focus). */
    editor: () => host,

    /** Saves the hot-exit record right away (page hiding). */
    flush: () => persist(true),

    /** Unsaved tabs, for the before-unload question. */
    hasUnsaved: () => state.tabs.some((t) => t.dirty),

    dispose() {
      disposed = true
      clearTimeout(persistTimer)
    },
  }
  return session
}

export type Session = ReturnType<typeof createSession>
