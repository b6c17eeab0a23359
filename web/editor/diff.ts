import { EditorState, type Extension } from '@codemirror/state'
import { EditorView } from '@codemirror/view'
import { loadLanguage } from './languages'
import { createCompartments, fillParent, fontSizeExtension, lineSeparatorExtension, themeExtension, viewingExtensions, type EditorSettings } from './setup'

/** What to compare. */
export interface DiffOptions {
  path: string
  /** The text before (HEAD or the index). */
  original: string
  /** The text after (the working tree). */
  modified: string
  settings: EditorSettings
  /** Two editors side by side (default), or one with the removed lines shown above the added ones. */
  layout?: 'split' | 'unified'
}

/** A read-only diff in the page. */
export interface DiffView {
  /** Resolves once the diff is on the page (its code loads on first use); rejects if that code cannot load. */
  ready: Promise<void>
  setSettings(settings: EditorSettings): void
  /** Removes the diff; safe before `ready` settles and more than once. */
  destroy(): void
}

// Diffs past this many milliseconds fall back to CodeMirror's coarse diff rather than block the page.
const DIFF_CONFIG = { scanLimit: 500, timeout: 300 }

/**
 * Shows `original` against `modified` in `parent` (which should give it a height), read-only,
 * highlighted for `path`'s language, with long unchanged stretches collapsed. The editors are
 * labelled `Original <path>` and `Modified <path>` (unified: `Changes in <path>`).
 * `@codemirror/merge` is imported on first use, so it never weighs on the initial page.
 */
export function createDiffView(parent: HTMLElement, options: DiffOptions): DiffView {
  const compartments = createCompartments()
  let views: EditorView[] = []
  let dispose: (() => void) | null = null
  let destroyed = false

  const side = (label: string, text: string, language: Extension | null, extras: Extension): Extension => [
    lineSeparatorExtension(text),
    viewingExtensions(),
    extras,
    compartments.theme.of(themeExtension(options.settings)),
    compartments.fontSize.of(fontSizeExtension(options.settings)),
    language ?? [],
    EditorView.contentAttributes.of({ 'aria-label': label }),
  ]

  const ready = Promise.all([
    import('@codemirror/merge'),
    // Missing highlighting must not cost the diff.
    loadLanguage(options.path).catch(() => null),
    import('./extras').then((m) => m.viewingExtras()),
  ]).then(([merge, language, extras]) => {
    if (destroyed) return
    const { path, original, modified } = options
    if (options.layout === 'unified') {
      const view = new EditorView({
        parent,
        state: EditorState.create({
          doc: modified,
          extensions: [
            side(`Changes in ${path}`, modified, language, extras),
            fillParent,
            merge.unifiedMergeView({ original, mergeControls: false, gutter: true, collapseUnchanged: {}, diffConfig: DIFF_CONFIG }),
          ],
        }),
      })
      views = [view]
      dispose = () => view.destroy()
    } else {
      const merged = new merge.MergeView({
        a: { doc: original, extensions: side(`Original ${path}`, original, language, extras) },
        b: { doc: modified, extensions: side(`Modified ${path}`, modified, language, extras) },
        parent,
        gutter: true,
        collapseUnchanged: {},
        diffConfig: DIFF_CONFIG,
      })
      merged.dom.style.height = '100%'
      merged.dom.style.overflow = 'auto'
      views = [merged.a, merged.b]
      dispose = () => merged.destroy()
    }
  })

  return {
    ready,
    setSettings(settings) {
      options = { ...options, settings }
      for (const view of views) {
        view.dispatch({ effects: [compartments.theme.reconfigure(themeExtension(settings)), compartments.fontSize.reconfigure(fontSizeExtension(settings))] })
      }
    },
    destroy() {
      destroyed = true
      dispose?.()
      dispose = null
      views = []
    },
  }
}
