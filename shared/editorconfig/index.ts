/** @module `.editorconfig` parsing and the per-file indent rules it yields (pure; the caller reads the files). */
export type { EditorconfigFile, EditorconfigSection, IndentRules } from './editorconfig'
export { parseEditorconfig, resolveIndent, listEditorconfigPaths } from './editorconfig'
