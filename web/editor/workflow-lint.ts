/**
 * The editor's help with workflow files (`.coder/workflows/*.yml|yaml|json`): the workflow parser's
 * problems as inline diagnostics at their line and column, and, in YAML, completion of the keys the
 * file format allows where the cursor is (from the format's JSON Schema).
 */
import type { CompletionContext, CompletionResult } from '@codemirror/autocomplete'
import { lintGutter, lintKeymap, linter, type Diagnostic } from '@codemirror/lint'
import { EditorState, type Extension, type Text } from '@codemirror/state'
import { keymap } from '@codemirror/view'
import { parseWorkflow, workflowJsonSchema, type WorkflowProblem } from '../../shared/workflow'

/** How long typing pauses before the file is checked again. */
const LINT_DELAY_MS = 300

/** A problem's range in `doc`: from its line and column to its end when given, else over the word there (or to the line's end). */
export function problemRange(doc: Text, p: WorkflowProblem): { from: number; to: number } {
  const lineAt = (n: number) => doc.line(Math.min(Math.max(Math.floor(n) || 1, 1), doc.lines))
  const line = lineAt(p.line)
  const from = line.from + Math.min(Math.max((p.column || 1) - 1, 0), line.length)
  if (p.endLine !== undefined && p.endColumn !== undefined) {
    const end = lineAt(p.endLine)
    const to = end.from + Math.min(Math.max(p.endColumn - 1, 0), end.length)
    if (to > from) return { from, to }
  }
  const word = /^[^\s:,[\]{}]+/.exec(doc.sliceString(from, line.to))
  return { from, to: word ? from + word[0].length : line.to }
}

/** The workflow linter, the lint gutter and keys (Mod-Shift-m lists the problems), and YAML key completion for the workflow file `file` (repository-relative). */
export function workflowExtensions(file: string): Extension {
  const lint = linter(
    (view) => {
      const result = parseWorkflow(view.state.doc.toString(), file)
      if (result.ok) return []
      return result.problems.map((p): Diagnostic => ({ ...problemRange(view.state.doc, p), severity: 'error', source: 'workflow', message: p.path ? `${p.message} (${p.path})` : p.message }))
    },
    { delay: LINT_DELAY_MS },
  )
  const extensions: Extension[] = [lint, lintGutter(), keymap.of(lintKeymap)]
  if (!file.endsWith('.json')) extensions.push(EditorState.languageData.of(() => [{ autocomplete: completeWorkflowKeys }]))
  return extensions
}

// ---- Key completion from the JSON Schema ------------------------------------------------------

interface SchemaNode {
  type?: string | string[]
  description?: string
  properties?: Record<string, SchemaNode>
  items?: SchemaNode | SchemaNode[]
  additionalProperties?: boolean | SchemaNode
  anyOf?: SchemaNode[]
  oneOf?: SchemaNode[]
  allOf?: SchemaNode[]
  $ref?: string
}

const ROOT = workflowJsonSchema as SchemaNode

/** Follows a local `$ref` (`#/$defs/step`, `#/definitions/step`). */
function deref(node: SchemaNode | undefined, depth = 0): SchemaNode | undefined {
  if (!node?.$ref || depth > 20 || !node.$ref.startsWith('#')) return node
  let at: unknown = ROOT
  for (const part of node.$ref.slice(2).split('/').filter(Boolean)) at = (at as Record<string, unknown> | undefined)?.[decodeURIComponent(part.replace(/~1/g, '/').replace(/~0/g, '~'))]
  return deref(at as SchemaNode | undefined, depth + 1)
}

/** Every alternative a node stands for (anyOf/oneOf/allOf flattened, refs followed). */
function variants(node: SchemaNode | undefined, depth = 0): SchemaNode[] {
  const n = deref(node)
  if (!n || depth > 10) return []
  const nested = [...(n.anyOf ?? []), ...(n.oneOf ?? []), ...(n.allOf ?? [])]
  return [n, ...nested.flatMap((v) => variants(v, depth + 1))]
}

/** The schema nodes at `path` (`key` steps into a property, `[]` into an array's items). */
function nodesAt(path: string[]): SchemaNode[] {
  let nodes = variants(ROOT)
  for (const step of path) {
    nodes = nodes.flatMap((n) => {
      if (step === '[]') return Array.isArray(n.items) ? n.items.flatMap((i) => variants(i)) : variants(n.items)
      const child = n.properties?.[step] ?? (typeof n.additionalProperties === 'object' ? n.additionalProperties : undefined)
      return variants(child)
    })
  }
  return nodes
}

/** A block-YAML line as the completion reads it: indentation, a list dash, a `key:` and whether a value follows on the line. */
interface YamlLine {
  indent: number
  /** Length of `- ` (0 when the line starts no list item). */
  dash: number
  /** Column of the line's content (after the dash). */
  content: number
  key: string | null
  hasValue: boolean
}

function readLine(text: string): YamlLine | null {
  if (!text.trim() || text.trimStart().startsWith('#')) return null
  const m = /^(\s*)(-\s+)?(?:([A-Za-z_][\w-]*)\s*:(?=\s|$)(.*))?/.exec(text)!
  const indent = m[1]!.length
  const dash = m[2]?.length ?? 0
  return { indent, dash, content: indent + dash, key: m[3] ?? null, hasValue: Boolean(m[4]?.trim()) }
}

/**
 * Where a key at column `indent + dash` of line `lineNo` sits in a block-YAML document: the keys
 * (and `[]` for list items) from the root down to its mapping. `dash`: the line itself starts a
 * list item. Indentation only; flow style is not followed.
 */
export function yamlPathAt(doc: Text, lineNo: number, indent: number, dash: number): string[] {
  const path: string[] = []
  // The column of what we stand in: our key, or (inside a list item) the item's dash.
  let col = indent
  let item = dash > 0
  for (let n = lineNo - 1; n >= 1; n--) {
    const line = readLine(doc.line(n).text)
    if (!line) continue
    if (item) {
      // Looking for the list's key: other items of the list and their content are passed over.
      if ((line.dash && line.indent === col) || line.indent > col) continue
      if (!line.key || line.hasValue) break
      path.unshift(line.key, '[]')
      col = line.dash ? line.indent : line.content
      item = line.dash > 0
      continue
    }
    if (line.content > col) continue
    if (line.content === col) {
      // A sibling key; a dash here starts the list item we are in.
      if (line.dash) {
        item = true
        col = line.indent
      }
      continue
    }
    if (!line.key || line.hasValue) break
    path.unshift(line.key)
    col = line.dash ? line.indent : line.content
    item = line.dash > 0
  }
  return path
}

/** Completes a YAML key: the properties the schema allows at the cursor's place, those already there left out. */
export function completeWorkflowKeys(context: CompletionContext): CompletionResult | null {
  const line = context.state.doc.lineAt(context.pos)
  const before = line.text.slice(0, context.pos - line.from)
  const m = /^(\s*)(-\s+)?([\w-]*)$/.exec(before)
  if (!m) return null
  if (!m[3] && !context.explicit) return null
  const indent = m[1]!.length
  const dash = m[2]?.length ?? 0
  const path = yamlPathAt(context.state.doc, line.number, indent, dash)
  const present = siblingKeys(context.state.doc, line.number, indent + dash, dash > 0)
  const options = new Map<string, string | undefined>()
  for (const node of nodesAt(path)) for (const [name, prop] of Object.entries(node.properties ?? {})) if (!options.has(name) && !present.has(name)) options.set(name, deref(prop)?.description)
  if (!options.size) return null
  return {
    from: context.pos - m[3]!.length,
    options: [...options].map(([label, info]) => ({ label, type: 'property', apply: `${label}: `, ...(info ? { info } : {}) })),
    validFor: /^[\w-]*$/,
  }
}

/** Keys already written at `column` in the same mapping as line `lineNo` (`startsItem`: that line opens a list item). */
function siblingKeys(doc: Text, lineNo: number, column: number, startsItem: boolean): Set<string> {
  const keys = new Set<string>()
  const scan = (from: number, step: 1 | -1) => {
    for (let n = from; n >= 1 && n <= doc.lines; n += step) {
      const line = readLine(doc.line(n).text)
      if (!line || line.content > column) continue
      if (line.content < column) break
      // Another list item's first key: going down, the next item; going up, the start of ours (its key counts).
      if (line.dash && step === 1) break
      if (line.key) keys.add(line.key)
      if (line.dash) break
    }
  }
  if (!startsItem) scan(lineNo - 1, -1)
  scan(lineNo + 1, 1)
  return keys
}
