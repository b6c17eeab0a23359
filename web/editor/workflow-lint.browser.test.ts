import { CompletionContext } from '@codemirror/autocomplete'
import { EditorState, Text } from '@codemirror/state'
import { afterEach, expect, it } from 'vitest'
import { createEditorHost } from './index'
import { completeWorkflowKeys, problemRange } from './workflow-lint'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

/** The keys offered with the cursor at `|` in `text` (Ctrl-Space when `explicit`). */
function keysAt(text: string, explicit = false): string[] | null {
  const pos = text.indexOf('|')
  const state = EditorState.create({ doc: text.replace('|', '') })
  const result = completeWorkflowKeys(new CompletionContext(state, pos, explicit))
  return result ? result.options.map((o) => o.label).sort() : null
}

it('offers the top-level keys not written yet', () => {
  const keys = keysAt('name: Nightly\nst|')
  expect(keys).toContain('steps')
  expect(keys).toContain('on')
  expect(keys).not.toContain('name')
})

it('offers the trigger keys under `on:`', () => {
  expect(keysAt('name: x\non:\n  manual: true\n  s|')).toEqual(expect.arrayContaining(['schedule', 'issues', 'pull_request', 'webhook']))
  expect(keysAt('name: x\non:\n  manual: true\n  s|')).not.toContain('manual')
})

it('offers a step\'s keys inside a list item, and the keys of its kind below that', () => {
  const inStep = keysAt('steps:\n  - id: a\n    |', true)
  expect(inStep).toEqual(expect.arrayContaining(['agent', 'run', 'test', 'approval', 'name']))
  expect(inStep).not.toContain('id')
  expect(keysAt('steps:\n  - id: a\n  - |', true)).toContain('id')
  expect(keysAt('steps:\n  - agent:\n      ins|')).toEqual(['instructions', 'model', 'role'])
  expect(keysAt('on:\n  manual:\n    inputs:\n      target:\n        ty|')).toEqual(expect.arrayContaining(['type', 'required', 'default', 'options']))
})

it('offers nothing in a value or without a prefix unless asked', () => {
  expect(keysAt('name: Nigh|')).toBeNull()
  expect(keysAt('name: x\n|')).toBeNull()
})

it('places a problem over the word at its line and column', () => {
  const doc = Text.of(['name: x', '  colour: red'])
  expect(problemRange(doc, { file: 'f.yml', line: 2, column: 3, message: 'unknown field' })).toEqual({ from: 10, to: 16 })
  expect(problemRange(doc, { file: 'f.yml', line: 9, column: 1, message: 'past the end' })).toEqual({ from: 8, to: 21 })
})

it('marks a workflow file\'s problems in the editor, and leaves other YAML alone', async () => {
  const parent = document.createElement('div')
  parent.style.height = '300px'
  document.body.append(parent)
  const host = createEditorHost(parent, { settings: { theme: 'light', fontSize: 14, tabSize: 2 }, onChange: () => undefined })
  cleanups.push(() => (host.destroy(), parent.remove()))
  const broken = 'colour: red\nname: x\non:\n  manual: true\nsteps:\n  - run: npm test\n'
  host.open('/workspace/.coder/workflows/x.yml', broken)
  await expect.poll(() => parent.querySelector('.cm-lintRange-error')?.textContent, { timeout: 10_000 }).toBe('colour')
  host.open('/workspace/config/other.yml', broken)
  await new Promise((resolve) => setTimeout(resolve, 800))
  expect(parent.querySelector('.cm-lintRange-error')).toBeNull()
})
