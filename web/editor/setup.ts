import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands'
import { bracketMatching, defaultHighlightStyle, foldGutter, foldKeymap, indentOnInput, indentUnit, syntaxHighlighting } from '@codemirror/language'
import { Compartment, EditorState, type Extension } from '@codemirror/state'
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
  /** The second wave (extras.ts): empty until it has loaded. */
  extras: Compartment
}

export function createCompartments(): Compartments {
  return { theme: new Compartment(), fontSize: new Compartment(), indent: new Compartment(), readOnly: new Compartment(), language: new Compartment(), extras: new Compartment() }
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

/** What every editable editor has at once: gutters, history, bracket matching, folding and the core keymap (extras.ts adds the rest). */
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
    rectangularSelection(),
    crosshairCursor(),
    highlightActiveLine(),
    keymap.of([...defaultKeymap, ...historyKeymap, ...foldKeymap, indentWithTab]),
  ]
}

/** What a read-only diff side has: the look, nothing that edits (extras.ts adds search). */
export function viewingExtensions(): Extension {
  return [font, lineNumbers(), highlightSpecialChars(), drawSelection(), syntaxHighlighting(defaultHighlightStyle, { fallback: true }), keymap.of(defaultKeymap), readOnlyExtension(true)]
}

/** The line separator `text` uses, so that a CRLF file is saved back with CRLF. */
export function lineSeparatorExtension(text: string): Extension {
  const newline = text.indexOf('\n')
  return newline > 0 && text[newline - 1] === '\r' ? EditorState.lineSeparator.of('\r\n') : []
}
