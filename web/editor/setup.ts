import { autocompletion, closeBrackets, closeBracketsKeymap, completeAnyWord, completionKeymap } from '@codemirror/autocomplete'
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands'
import { bracketMatching, defaultHighlightStyle, foldGutter, foldKeymap, indentOnInput, indentUnit, syntaxHighlighting } from '@codemirror/language'
import { gotoLine, highlightSelectionMatches, openSearchPanel, search, searchKeymap } from '@codemirror/search'
import { Compartment, EditorState, Prec, type Extension } from '@codemirror/state'
import { oneDark } from '@codemirror/theme-one-dark'
import {
  crosshairCursor,
  drawSelection,
  dropCursor,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  rectangularSelection,
  type Command,
} from '@codemirror/view'
import type { IndentRules } from '../../shared/editorconfig'

/** What the user chooses for every editor. */
export interface EditorSettings {
  theme: 'light' | 'dark'
  /** Pixels. */
  fontSize: number
  /** Columns per tab character and per indentation level, unless a file's `.editorconfig` says otherwise. */
  tabSize: number
}

/** The parts of an editor state that change after it is created; one set per host or diff view. */
export interface Compartments {
  theme: Compartment
  fontSize: Compartment
  indent: Compartment
  readOnly: Compartment
  language: Compartment
}

export function createCompartments(): Compartments {
  return { theme: new Compartment(), fontSize: new Compartment(), indent: new Compartment(), readOnly: new Compartment(), language: new Compartment() }
}

const font = EditorView.theme({
  '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace', lineHeight: '1.5' },
})

/** Makes an editor fill its parent's height and scroll inside it. */
export const fillParent: Extension = EditorView.theme({ '&': { height: '100%' } })

/** The light theme is CodeMirror's default look; the dark one is One Dark (with its own highlight style). */
export function themeExtension(settings: EditorSettings): Extension {
  return settings.theme === 'dark' ? oneDark : []
}

export function fontSizeExtension(settings: EditorSettings): Extension {
  return EditorView.theme({ '&': { fontSize: `${settings.fontSize}px` } })
}

/** Tab width and indent unit: the file's `.editorconfig` rules first, then the settings' tab size, indenting with spaces. */
export function indentExtension(settings: EditorSettings, rules: IndentRules | undefined): Extension {
  const tabWidth = rules?.tabWidth ?? rules?.indentSize ?? settings.tabSize
  const unit = rules?.indentStyle === 'tab' ? '\t' : ' '.repeat(rules?.indentSize ?? settings.tabSize)
  return [EditorState.tabSize.of(tabWidth), indentUnit.of(unit)]
}

export function readOnlyExtension(readOnly: boolean): Extension {
  return readOnly ? [EditorState.readOnly.of(true), EditorView.editable.of(false)] : []
}

/** Opens the search panel with the replace field focused (Ctrl-H). */
const openReplacePanel: Command = (view) => {
  openSearchPanel(view)
  view.dom.querySelector<HTMLInputElement>('.cm-search input[name=replace]')?.focus()
  return true
}

/** What every editable editor has: gutters, history, brackets, folding, search, completion and the keymap. */
export function editingExtensions(): Extension {
  return [
    font,
    fillParent,
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    history(),
    foldGutter(),
    drawSelection(),
    dropCursor(),
    EditorState.allowMultipleSelections.of(true),
    indentOnInput(),
    syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
    bracketMatching(),
    closeBrackets(),
    autocompletion(),
    // Added to whatever the language offers, not instead of it.
    EditorState.languageData.of(() => [{ autocomplete: completeAnyWord }]),
    rectangularSelection(),
    crosshairCursor(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    search({ top: true }),
    // Ahead of searchKeymap, which gives Mod-g to "find next" (F3 still does that).
    Prec.high(
      keymap.of([
        { key: 'Mod-g', run: gotoLine, preventDefault: true },
        { key: 'Mod-h', run: openReplacePanel, scope: 'editor search-panel', preventDefault: true },
      ]),
    ),
    keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap, ...foldKeymap, ...completionKeymap, indentWithTab]),
  ]
}

/** What a read-only diff side has: the look and search, nothing that edits. */
export function viewingExtensions(): Extension {
  return [
    font,
    lineNumbers(),
    highlightSpecialChars(),
    drawSelection(),
    syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
    highlightSelectionMatches(),
    search({ top: true }),
    keymap.of([...defaultKeymap, ...searchKeymap]),
    readOnlyExtension(true),
  ]
}

/** The line separator `text` uses, so that a CRLF file is saved back with CRLF. */
export function lineSeparatorExtension(text: string): Extension {
  const newline = text.indexOf('\n')
  return newline > 0 && text[newline - 1] === '\r' ? EditorState.lineSeparator.of('\r\n') : []
}
