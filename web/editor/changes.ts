import { isolateHistory } from '@codemirror/commands'
import { Annotation, EditorSelection, Text, type ChangeSpec, type EditorState, type SelectionRange, type TransactionSpec } from '@codemirror/state'
import type { IndentRules } from '../../shared/editorconfig'

/** Marks a change that came from outside the editor (the file changed on disk), so onChange skips it. */
export const external = Annotation.define<boolean>()

/**
 * The transaction that turns `state`'s document into `text` as one undoable change: only the
 * span between the common prefix and suffix is replaced, so a cursor outside it stays on its
 * text, and one inside keeps its line and column. Null when the text is the same.
 */
export function replaceTextSpec(state: EditorState, text: string): TransactionSpec | null {
  // A CRLF document splits only on CRLF; new text that no longer uses it still breaks at every line end.
  const next = state.lineBreak === '\n' || text.includes(state.lineBreak) ? state.toText(text) : Text.of(text.split(/\r\n?|\n/))
  if (next.eq(state.doc)) return null
  // Text positions count every line break as one character, as these joined strings do.
  const a = state.doc.toString()
  const b = next.toString()
  let start = 0
  const max = Math.min(a.length, b.length)
  while (start < max && a.charCodeAt(start) === b.charCodeAt(start)) start++
  let endA = a.length
  let endB = b.length
  while (endA > start && endB > start && a.charCodeAt(endA - 1) === b.charCodeAt(endB - 1)) {
    endA--
    endB--
  }
  const map = (pos: number): number => {
    if (pos <= start) return pos
    if (pos >= endA) return pos - endA + endB
    const line = state.doc.lineAt(pos)
    if (line.number > next.lines) return next.length
    const target = next.line(line.number)
    return Math.min(target.from + (pos - line.from), target.to)
  }
  const ranges = state.selection.ranges.map((r: SelectionRange) => EditorSelection.range(map(r.anchor), map(r.head)))
  return {
    changes: { from: start, to: endA, insert: next.slice(start, endB) },
    selection: EditorSelection.create(ranges, state.selection.mainIndex),
    annotations: [external.of(true), isolateHistory.of('full')],
  }
}

/**
 * The edits `.editorconfig` asks for on save: trailing spaces and tabs removed from every line
 * (`trimTrailingWhitespace`), a line break added at the end when missing (`insertFinalNewline`;
 * `false` removes nothing). Empty when there is nothing to do. One pass over the document.
 */
export function saveRuleChanges(state: EditorState, rules: IndentRules | undefined): ChangeSpec[] {
  const changes: ChangeSpec[] = []
  const doc = state.doc
  if (rules?.trimTrailingWhitespace) {
    let pos = 0
    for (const iter = doc.iterLines(); !iter.next().done; ) {
      const line = iter.value
      let end = line.length
      while (end > 0 && (line.charCodeAt(end - 1) === 32 || line.charCodeAt(end - 1) === 9)) end--
      if (end < line.length) changes.push({ from: pos + end, to: pos + line.length })
      pos += line.length + 1
    }
  }
  if (rules?.insertFinalNewline && doc.length > 0 && doc.line(doc.lines).length > 0) {
    changes.push({ from: doc.length, insert: state.lineBreak })
  }
  return changes
}
