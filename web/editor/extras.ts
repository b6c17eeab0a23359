/**
 * The editor's second wave, loaded once the first file is on screen: completion, auto-closed
 * brackets, find/replace and go to line (@codemirror/autocomplete and @codemirror/search), so the
 * first file shows without waiting for them.
 */
import { autocompletion, closeBrackets, closeBracketsKeymap, completeAnyWord, completionKeymap } from '@codemirror/autocomplete'
import { gotoLine, highlightSelectionMatches, openSearchPanel, search, searchKeymap } from '@codemirror/search'
import { EditorState, Prec, type Extension } from '@codemirror/state'
import { keymap, type Command } from '@codemirror/view'

export { gotoLine, openSearchPanel }

/** Opens the search panel with the replace field focused (Ctrl-H). */
const openReplacePanel: Command = (view) => {
  openSearchPanel(view)
  view.dom.querySelector<HTMLInputElement>('.cm-search input[name=replace]')?.focus()
  return true
}

/** Completion (words of the document besides the language's own), brackets, search and their keys. */
export function editingExtras(): Extension {
  return [
    closeBrackets(),
    autocompletion(),
    // Added to whatever the language offers, not instead of it.
    EditorState.languageData.of(() => [{ autocomplete: completeAnyWord }]),
    highlightSelectionMatches(),
    search({ top: true }),
    // Ahead of searchKeymap, which gives Mod-g to "find next" (F3 still does that).
    Prec.high(
      keymap.of([
        { key: 'Mod-g', run: gotoLine, preventDefault: true },
        { key: 'Mod-h', run: openReplacePanel, scope: 'editor search-panel', preventDefault: true },
      ]),
    ),
    keymap.of([...closeBracketsKeymap, ...searchKeymap, ...completionKeymap]),
  ]
}

/** What a read-only diff side adds: search and matching selections. */
export function viewingExtras(): Extension {
  return [highlightSelectionMatches(), search({ top: true }), keymap.of(searchKeymap)]
}
