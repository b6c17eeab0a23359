/** @module The code editor core: CodeMirror editors for open files and diffs, languages loaded on demand; no UI framework. */
export type { EditorSettings } from './setup'
export type { IndentRules } from '../../shared/editorconfig'
export type { EditorHost, EditorHostOptions, OpenOptions, ViewState } from './host'
export { createEditorHost } from './host'
export type { DiffOptions, DiffView } from './diff'
export { createDiffView } from './diff'
export { loadLanguage } from './languages'
