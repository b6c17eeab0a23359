import { compileGlob, matchGlob } from '../glob'

/** One `[glob]` section: its glob as written and its properties, names lowercased. */
export interface EditorconfigSection {
  glob: string
  properties: Readonly<Record<string, string>>
}

/** A parsed `.editorconfig` file. */
export interface EditorconfigFile {
  /** `root = true` in the preamble: files in directories above this one do not apply. */
  root: boolean
  sections: EditorconfigSection[]
}

/** The whitespace rules an editor applies to one file; absent fields are left to the editor's settings. */
export interface IndentRules {
  indentStyle?: 'tab' | 'space'
  /** Columns per indentation level. */
  indentSize?: number
  /** Columns a tab character occupies. */
  tabWidth?: number
  insertFinalNewline?: boolean
  trimTrailingWhitespace?: boolean
}

/** Properties whose values the spec makes case-insensitive. */
const KNOWN = new Set(['indent_style', 'indent_size', 'tab_width', 'end_of_line', 'charset', 'trim_trailing_whitespace', 'insert_final_newline', 'root'])

/**
 * Parses `.editorconfig` text. Never throws: lines that are neither a section, a `key = value`
 * pair nor a `#`/`;` comment are ignored, as editors do. Property names are lowercased, and so
 * are the values of the properties the spec defines.
 */
export function parseEditorconfig(text: string): EditorconfigFile {
  const file: EditorconfigFile = { root: false, sections: [] }
  let section: { glob: string; properties: Record<string, string> } | null = null
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n|\r/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    if (line.startsWith('[') && line.endsWith(']')) {
      section = { glob: line.slice(1, -1).trim(), properties: {} }
      file.sections.push(section)
      continue
    }
    const eq = line.indexOf('=')
    if (eq <= 0) continue
    const key = line.slice(0, eq).trim().toLowerCase()
    const rawValue = line.slice(eq + 1).trim()
    const value = KNOWN.has(key) ? rawValue.toLowerCase() : rawValue
    if (section) section.properties[key] = value
    else if (key === 'root') file.root = value === 'true'
  }
  return file
}

/**
 * The `.editorconfig` files that can apply to `path`, nearest first: one per ancestor directory,
 * up to `/`. A caller reads those that exist and hands them to `resolveIndent`.
 */
export function listEditorconfigPaths(path: string): string[] {
  const out: string[] = []
  let dir = path.slice(0, Math.max(path.lastIndexOf('/'), 0))
  for (;;) {
    out.push(dir + '/.editorconfig')
    if (dir === '') return out
    dir = dir.slice(0, dir.lastIndexOf('/'))
  }
}

/**
 * The indent rules for `path` (absolute, normalised) from the `.editorconfig` files found in its
 * ancestor directories, given in any order as `{ dir, text }`. Files nearer to `path` win over
 * farther ones, later sections over earlier ones; the nearest `root = true` file hides everything
 * above it; `unset` clears a property. `indent_style = tab` implies `indent_size = tab`, which
 * means the tab width; `tab_width` defaults to a numeric `indent_size`. Invalid values are ignored.
 */
export function resolveIndent(files: ReadonlyArray<{ dir: string; text: string }>, path: string): IndentRules {
  const applicable = files
    .map((f) => ({ dir: trimSlash(f.dir), file: parseEditorconfig(f.text) }))
    .filter((f) => f.dir === '' || path.startsWith(f.dir + '/'))
    .sort((a, b) => depth(a.dir) - depth(b.dir))
  let start = 0
  applicable.forEach((f, i) => {
    if (f.file.root) start = i
  })
  const props = new Map<string, string>()
  for (const { dir, file } of applicable.slice(start)) {
    for (const section of file.sections) {
      if (!matchGlob(compileGlob(dir, section.glob), path)) continue
      for (const [key, value] of Object.entries(section.properties)) {
        if (value === 'unset') props.delete(key)
        else props.set(key, value)
      }
    }
  }
  return toIndentRules(props)
}

function toIndentRules(props: Map<string, string>): IndentRules {
  const rules: IndentRules = {}
  const style = props.get('indent_style')
  if (style === 'tab' || style === 'space') rules.indentStyle = style
  const tabWidth = positiveInteger(props.get('tab_width'))
  let size: number | 'tab' | undefined = props.get('indent_size') === 'tab' ? 'tab' : positiveInteger(props.get('indent_size'))
  if (size === undefined && style === 'tab') size = 'tab'
  if (tabWidth !== undefined) rules.tabWidth = tabWidth
  else if (typeof size === 'number') rules.tabWidth = size
  if (typeof size === 'number') rules.indentSize = size
  else if (size === 'tab' && tabWidth !== undefined) rules.indentSize = tabWidth
  const final = bool(props.get('insert_final_newline'))
  if (final !== undefined) rules.insertFinalNewline = final
  const trim = bool(props.get('trim_trailing_whitespace'))
  if (trim !== undefined) rules.trimTrailingWhitespace = trim
  return rules
}

function positiveInteger(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined
  const n = Number(value)
  return n > 0 ? n : undefined
}

function bool(value: string | undefined): boolean | undefined {
  return value === 'true' ? true : value === 'false' ? false : undefined
}

function trimSlash(dir: string): string {
  return dir.replace(/\/+$/, '')
}

function depth(dir: string): number {
  return dir === '' ? 0 : dir.split('/').length
}
