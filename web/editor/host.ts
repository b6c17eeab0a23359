import { EditorSelection, EditorState, Prec, type StateEffect, type TransactionSpec } from '@codemirror/state'
import { EditorView, keymap, type ViewUpdate } from '@codemirror/view'
import type { IndentRules } from '../../shared/editorconfig'
import { external, replaceTextSpec, saveRuleChanges } from './changes'
import { loadedLanguage, loadLanguage } from './languages'
import {
  createCompartments,
  editingExtensions,
  fontSizeExtension,
  indentExtension,
  lineSeparatorExtension,
  readOnlyExtension,
  themeExtension,
  type EditorSettings,
} from './setup'

/** Where the user was in a file: the main selection and the scroll offset in pixels. */
export interface ViewState {
  anchor: number
  head: number
  scrollTop: number
}

/** How a file opens. */
export interface OpenOptions {
  readOnly?: boolean
  /** From the file's `.editorconfig` files (`resolveIndent`). */
  indent?: IndentRules
  /** Restores a saved position; used only when the path is not open yet. */
  view?: ViewState
}

/** One editor area showing one open file at a time, keeping every open file's state. */
export interface EditorHost {
  /**
   * Shows `path`. The first time, creates its state from `text` (later calls ignore `text`: use
   * `replaceText`) and starts loading its language, applied when it arrives. One state per open
   * path, so undo history, selection and scroll survive switching. `readOnly` and `indent`, when
   * given for an open path, replace its earlier ones.
   */
  open(path: string, text: string, options?: OpenOptions): void
  /**
   * Replaces the text of an open path (the file changed on disk) as one undoable change that
   * keeps cursors outside the changed span on their text. Does not call `onChange` for it. A path
   * that is not open is ignored.
   */
  replaceText(path: string, text: string): void
  /** Forgets `path` and its history; a pending `onChange` for it is delivered first. Closing the shown path leaves the area empty. */
  close(path: string): void
  /** The current text of an open path (with its own line breaks), or null. */
  text(path: string): string | null
  /** The view state of an open path, or null. */
  viewState(path: string): ViewState | null
  /** The path shown, or null. */
  active(): string | null
  /** Applies new settings to every open file. */
  setSettings(settings: EditorSettings): void
  /**
   * What Mod-s does: applies the file's `.editorconfig` save rules to the text (one undoable
   * change), delivers any pending `onChange`, then calls `onSave(path)`. Nothing for a read-only
   * or unknown path.
   */
  save(path: string): void
  focus(): void
  /** Opens the go-to-line dialog on the shown file (also Mod-g). */
  gotoLine(): void
  /** Opens the find/replace panel on the shown file (also Mod-f; Mod-h focuses replace). */
  find(): void
  /** Selects `length` characters at `line` (1-based) and `column` (1-based, default 1) in the shown file, clamped to the text, scrolls there and focuses. */
  reveal(line: number, column?: number, length?: number): void
  /** Delivers pending notifications, then removes the editor from the page. */
  destroy(): void
}

export interface EditorHostOptions {
  settings: EditorSettings
  /**
   * The user changed `path`'s text (typing, undo, paste, save rules; not `replaceText`). The first
   * change after a pause is reported in a microtask, later ones at most every 250 ms while they
   * keep coming (so a huge file is not copied on every key); a pending report is always delivered
   * before `onSave`, before another path is shown and before `close`/`destroy` return. Never
   * called from inside a CodeMirror update, so it may call back into the host.
   */
  onChange(path: string, text: string): void
  /** The selection or scroll position of `path` changed; called after it settles. */
  onViewChange?(path: string, view: ViewState): void
  /** The user asked to save `path` (Mod-s); the browser's own save dialog never shows. */
  onSave?(path: string): void
}

const CHANGE_INTERVAL_MS = 250
const VIEW_SETTLE_MS = 150

interface OpenFile {
  path: string
  /** Authoritative while the file is not shown; the view holds the state of the shown one. */
  state: EditorState
  readOnly: boolean
  indent: IndentRules | undefined
  scroll: StateEffect<unknown> | null
  scrollTop: number
}

/**
 * Creates the editor area in `parent` (which should give it a height; it fills it). One
 * CodeMirror view, its state swapped per open file. Must be destroyed to release the view.
 */
export function createEditorHost(parent: HTMLElement, options: EditorHostOptions): EditorHost {
  const compartments = createCompartments()
  const editing = editingExtensions()
  const files = new Map<string, OpenFile>()
  let settings = options.settings
  let shown: OpenFile | null = null
  let scrollTop = 0

  const view = new EditorView({ parent })
  view.dom.style.display = 'none'

  // The second wave (completion, brackets, search, go to line) loads once a file is on screen.
  let extras: typeof import('./extras') | null = null
  let extrasLoading: Promise<typeof import('./extras')> | null = null
  function loadExtras(): Promise<typeof import('./extras')> {
    extrasLoading ??= import('./extras').then((m) => {
      extras = m
      const extension = m.editingExtras()
      for (const file of files.values()) apply(file, { effects: compartments.extras.reconfigure(extension) })
      return m
    })
    return extrasLoading
  }
  const loadExtrasSoon = () => {
    if (extrasLoading) return
    const start = () => void loadExtras().catch((error: unknown) => console.warn('Coder: editor extras failed to load', error))
    if (typeof requestIdleCallback === 'function') requestIdleCallback(start, { timeout: 500 })
    else setTimeout(start, 50)
  }

  // onChange: a leading call (in a microtask, never inside a CodeMirror update), then at most one
  // per interval while changes keep coming.
  let changeTimer: ReturnType<typeof setTimeout> | undefined
  let changePending: string | null = null
  const flushChanges = () => {
    if (changePending === null) return
    const file = files.get(changePending)
    changePending = null
    if (file) options.onChange(file.path, current(file).sliceDoc())
  }
  const tickChanges = () => {
    changeTimer = undefined
    if (changePending === null) return
    flushChanges()
    changeTimer = setTimeout(tickChanges, CHANGE_INTERVAL_MS)
  }
  const noteChange = (path: string) => {
    if (changePending !== path) flushChanges()
    changePending = path
    if (changeTimer !== undefined) return
    queueMicrotask(flushChanges)
    changeTimer = setTimeout(tickChanges, CHANGE_INTERVAL_MS)
  }

  let viewTimer: ReturnType<typeof setTimeout> | undefined
  let viewPending: string | null = null
  const flushView = () => {
    clearTimeout(viewTimer)
    viewTimer = undefined
    if (viewPending === null) return
    const path = viewPending
    viewPending = null
    const state = host.viewState(path)
    if (state) options.onViewChange?.(path, state)
  }
  const noteView = (path: string) => {
    if (!options.onViewChange) return
    if (viewPending !== null && viewPending !== path) flushView()
    viewPending = path
    clearTimeout(viewTimer)
    viewTimer = setTimeout(flushView, VIEW_SETTLE_MS)
  }
  const onScroll = () => {
    // Read here, once per scroll event, never during an update (that would force a layout per key).
    scrollTop = view.scrollDOM.scrollTop
    if (shown) noteView(shown.path)
  }
  view.scrollDOM.addEventListener('scroll', onScroll, { passive: true })

  function current(file: OpenFile): EditorState {
    return file === shown ? view.state : file.state
  }

  function apply(file: OpenFile, spec: TransactionSpec) {
    if (file === shown) view.dispatch(spec)
    else file.state = file.state.update(spec).state
  }

  function createState(path: string, text: string, opts: OpenOptions): EditorState {
    const language = loadedLanguage(path)
    const state = EditorState.create({
      doc: text,
      extensions: [
        lineSeparatorExtension(text),
        editing,
        compartments.theme.of(themeExtension(settings)),
        compartments.fontSize.of(fontSizeExtension(settings)),
        compartments.indent.of(indentExtension(settings, opts.indent)),
        compartments.readOnly.of(readOnlyExtension(opts.readOnly ?? false)),
        compartments.language.of(language ?? []),
        compartments.extras.of(extras ? extras.editingExtras() : []),
        EditorView.contentAttributes.of({ 'aria-label': `Edit ${path}` }),
        Prec.highest(
          keymap.of([
            {
              key: 'Mod-s',
              run: () => {
                host.save(path)
                return true
              },
              scope: 'editor search-panel',
              preventDefault: true,
            },
          ]),
        ),
        EditorView.updateListener.of((update: ViewUpdate) => {
          if (update.transactions.some((tr) => tr.docChanged && !tr.annotation(external))) noteChange(path)
          if (update.selectionSet) noteView(path)
        }),
      ],
    })
    if (!opts.view) return state
    const clamp = (pos: number) => Math.min(Math.max(pos, 0), state.doc.length)
    return state.update({ selection: EditorSelection.single(clamp(opts.view.anchor), clamp(opts.view.head)) }).state
  }

  function startLanguage(file: OpenFile) {
    if (loadedLanguage(file.path) !== undefined) return
    loadLanguage(file.path).then(
      (language) => {
        if (language && files.get(file.path) === file) apply(file, { effects: compartments.language.reconfigure(language) })
      },
      // A language that fails to load leaves the file as plain text; opening it again retries.
      (error: unknown) => console.warn(`Coder: no syntax highlighting for ${file.path}`, error),
    )
  }

  function show(file: OpenFile | null) {
    if (shown === file) return
    flushChanges()
    flushView()
    if (shown) {
      shown.state = view.state
      shown.scroll = view.scrollSnapshot()
      shown.scrollTop = view.scrollDOM.scrollTop
    }
    shown = file
    if (!file) {
      view.setState(EditorState.create())
      view.dom.style.display = 'none'
      return
    }
    view.dom.style.display = ''
    view.setState(file.state)
    scrollTop = file.scrollTop
    if (file.scroll) view.dispatch({ effects: file.scroll })
    else if (file.scrollTop > 0) {
      view.dispatch({ effects: EditorView.scrollIntoView(view.lineBlockAtHeight(file.scrollTop).from, { y: 'start' }) })
    } else if (!file.state.selection.main.empty || file.state.selection.main.head > 0) {
      view.dispatch({ effects: EditorView.scrollIntoView(file.state.selection.main, { y: 'center' }) })
    }
  }

  const host: EditorHost = {
    open(path, text, opts = {}) {
      let file = files.get(path)
      if (!file) {
        file = { path, state: createState(path, text, opts), readOnly: opts.readOnly ?? false, indent: opts.indent, scroll: null, scrollTop: opts.view?.scrollTop ?? 0 }
        files.set(path, file)
        startLanguage(file)
      } else {
        const effects: StateEffect<unknown>[] = []
        if (opts.readOnly !== undefined && opts.readOnly !== file.readOnly) {
          file.readOnly = opts.readOnly
          effects.push(compartments.readOnly.reconfigure(readOnlyExtension(opts.readOnly)))
        }
        if (opts.indent !== undefined) {
          file.indent = opts.indent
          effects.push(compartments.indent.reconfigure(indentExtension(settings, opts.indent)))
        }
        if (effects.length) apply(file, { effects })
      }
      show(file)
      loadExtrasSoon()
    },

    replaceText(path, text) {
      const file = files.get(path)
      if (!file) return
      if (changePending === path) flushChanges()
      const spec = replaceTextSpec(current(file), text)
      if (spec) apply(file, spec)
    },

    close(path) {
      const file = files.get(path)
      if (!file) return
      if (changePending === path) flushChanges()
      if (viewPending === path) flushView()
      if (shown === file) show(null)
      files.delete(path)
    },

    text(path) {
      const file = files.get(path)
      return file ? current(file).sliceDoc() : null
    },

    viewState(path) {
      const file = files.get(path)
      if (!file) return null
      const { anchor, head } = current(file).selection.main
      return { anchor, head, scrollTop: file === shown ? scrollTop : file.scrollTop }
    },

    active() {
      return shown?.path ?? null
    },

    setSettings(next) {
      settings = next
      for (const file of files.values()) {
        apply(file, {
          effects: [
            compartments.theme.reconfigure(themeExtension(next)),
            compartments.fontSize.reconfigure(fontSizeExtension(next)),
            compartments.indent.reconfigure(indentExtension(next, file.indent)),
          ],
        })
      }
    },

    save(path) {
      const file = files.get(path)
      if (!file || file.readOnly) return
      const changes = saveRuleChanges(current(file), file.indent)
      if (changes.length) apply(file, { changes, userEvent: 'input.format' })
      flushChanges()
      // A file not shown has no view to report its change.
      if (changes.length && file !== shown) options.onChange(path, file.state.sliceDoc())
      options.onSave?.(path)
    },

    focus() {
      if (shown) view.focus()
    },

    gotoLine() {
      if (shown) void loadExtras().then((m) => shown && m.gotoLine(view))
    },

    find() {
      if (shown) void loadExtras().then((m) => shown && m.openSearchPanel(view))
    },

    reveal(line, column = 1, length = 0) {
      if (!shown) return
      const doc = view.state.doc
      const target = doc.line(Math.min(Math.max(Math.floor(line), 1), doc.lines))
      const from = target.from + Math.min(Math.max(Math.floor(column) - 1, 0), target.length)
      const to = Math.min(from + Math.max(length, 0), doc.length)
      view.dispatch({ selection: EditorSelection.single(from, to), effects: EditorView.scrollIntoView(EditorSelection.range(from, to), { y: 'center' }) })
      view.focus()
    },

    destroy() {
      flushChanges()
      flushView()
      clearTimeout(changeTimer)
      changeTimer = undefined
      view.scrollDOM.removeEventListener('scroll', onScroll)
      view.destroy()
      files.clear()
      shown = null
    },
  }
  return host
}
