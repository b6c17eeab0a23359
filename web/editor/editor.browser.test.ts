import { afterEach, expect, it, vi } from 'vitest'
import { page, userEvent } from 'vitest/browser'
import { resolveIndent } from '../../shared/editorconfig'
import { createDiffView, createEditorHost, loadLanguage, type EditorHost, type EditorHostOptions, type EditorSettings } from './index'

const settings: EditorSettings = { theme: 'light', fontSize: 14, tabSize: 2 }
const cleanups: Array<() => void> = []

afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup()
})

function mount(): HTMLElement {
  const parent = document.createElement('div')
  parent.style.height = '300px'
  document.body.append(parent)
  cleanups.push(() => parent.remove())
  return parent
}

function setup(options: Partial<EditorHostOptions> = {}): { host: EditorHost; changes: Array<[string, string]>; parent: HTMLElement } {
  const parent = mount()
  const changes: Array<[string, string]> = []
  const host = createEditorHost(parent, { settings, onChange: (path, text) => changes.push([path, text]), ...options })
  cleanups.push(() => host.destroy())
  return { host, changes, parent }
}

const editor = (path: string) => page.getByLabelText(`Edit ${path}`)

async function typeInto(path: string, keys: string) {
  await editor(path).click()
  await userEvent.keyboard(keys)
}

it('typing changes the text and reports it through onChange', async () => {
  const { host, changes } = setup()
  host.open('/workspace/README.md', '')
  await typeInto('/workspace/README.md', 'Hello')
  expect(host.text('/workspace/README.md')).toBe('Hello')
  await expect.poll(() => changes.at(-1)).toEqual(['/workspace/README.md', 'Hello'])
  expect(changes.length).toBeLessThan(5)
})

it('keeps each open file’s undo history and cursor when switching', async () => {
  const { host } = setup()
  host.open('/workspace/a.txt', 'a')
  await typeInto('/workspace/a.txt', '{End}1')
  host.open('/workspace/b.txt', 'b')
  await typeInto('/workspace/b.txt', '{End}2')
  const b = host.viewState('/workspace/b.txt')

  host.open('/workspace/a.txt', 'ignored')
  expect(host.active()).toBe('/workspace/a.txt')
  expect(host.text('/workspace/a.txt')).toBe('a1')
  host.focus()
  await userEvent.keyboard('{Control>}z{/Control}')
  expect(host.text('/workspace/a.txt')).toBe('a')
  expect(host.text('/workspace/b.txt')).toBe('b2')

  host.open('/workspace/b.txt', '')
  expect(host.viewState('/workspace/b.txt')).toEqual(b)
  host.focus()
  await userEvent.keyboard('{Control>}z{/Control}')
  expect(host.text('/workspace/b.txt')).toBe('b')
})

it('highlights a TypeScript file once its language has loaded', async () => {
  const { parent, host } = setup()
  host.open('/workspace/src/main.ts', 'const answer: number = 42\n')
  await expect
    .poll(() => {
      const keyword = [...parent.querySelectorAll('.cm-line span')].find((span) => span.textContent === 'const')
      const line = parent.querySelector('.cm-line')
      return keyword && line ? getComputedStyle(keyword).color !== getComputedStyle(line).color : false
    })
    .toBe(true)
})

it('highlights Markdown, and the code in its fenced blocks once that language has loaded', async () => {
  const { parent, host } = setup()
  host.open('/workspace/README.md', '# Title\n\nSome *emphasis*.\n\n```ts\nconst answer = 42\n```\n')
  const styled = (text: string) => {
    const span = [...parent.querySelectorAll('.cm-line span')].find((el) => el.textContent?.trim() === text)
    // A line without highlighting to compare with.
    const line = [...parent.querySelectorAll('.cm-line')].find((el) => el.textContent === 'Some *emphasis*.')?.firstChild?.parentElement
    return span && line ? getComputedStyle(span).color !== getComputedStyle(line).color || getComputedStyle(span).fontWeight !== getComputedStyle(line).fontWeight || getComputedStyle(span).fontStyle !== getComputedStyle(line).fontStyle : false
  }
  await expect.poll(() => styled('# Title') || styled('Title')).toBe(true)
  await expect.poll(() => styled('*emphasis*') || styled('emphasis')).toBe(true)
  await expect.poll(() => styled('const')).toBe(true)
})

it('loads a language for every supported kind of file, and none for unknown ones', async () => {
  for (const name of ['a.js', 'a.jsx', 'a.ts', 'a.tsx', 'a.json', 'a.css', 'a.html', 'a.md', 'a.py', 'a.yaml', 'a.yml', 'a.rs', 'a.go', 'a.sh', '.bashrc', 'A.PY']) {
    expect(await loadLanguage(`/workspace/${name}`), name).not.toBeNull()
  }
  expect(await loadLanguage('/workspace/data.bin')).toBeNull()
  expect(await loadLanguage('/workspace/Makefile')).toBeNull()
})

it('indents with what .editorconfig says', async () => {
  const files = [{ dir: '/workspace', text: 'root = true\n[*]\nindent_style = space\nindent_size = 4\n[Makefile]\nindent_style = tab\n' }]
  const { host } = setup()
  host.open('/workspace/a.txt', '', { indent: resolveIndent(files, '/workspace/a.txt') })
  await typeInto('/workspace/a.txt', '{Tab}x')
  expect(host.text('/workspace/a.txt')).toBe('    x')

  host.open('/workspace/Makefile', '', { indent: resolveIndent(files, '/workspace/Makefile') })
  await typeInto('/workspace/Makefile', '{Tab}x')
  expect(host.text('/workspace/Makefile')).toBe('\tx')

  host.open('/workspace/plain.txt', '')
  await typeInto('/workspace/plain.txt', '{Tab}x')
  expect(host.text('/workspace/plain.txt')).toBe('  x')
})

it('refuses typing into a read-only file', async () => {
  const { host, changes } = setup()
  host.open('/cap/readme', 'fixed', { readOnly: true })
  await editor('/cap/readme').click()
  await userEvent.keyboard('xyz{Backspace}')
  expect(host.text('/cap/readme')).toBe('fixed')
  expect(changes).toEqual([])
})

it('Mod-s saves: applies the save rules, reports the text, then calls onSave', async () => {
  const events: string[] = []
  const { host } = setup({ onChange: (path, text) => events.push(`change ${JSON.stringify(text)}`), onSave: (path) => events.push(`save ${path}`) })
  host.open('/workspace/a.txt', 'one  \ntwo\t', { indent: { trimTrailingWhitespace: true, insertFinalNewline: true } })
  await typeInto('/workspace/a.txt', '{Control>}{End}{/Control}!  {Control>}s{/Control}')
  expect(host.text('/workspace/a.txt')).toBe('one\ntwo\t!\n')
  expect(events.at(-2)).toBe('change "one\\ntwo\\t!\\n"')
  expect(events.at(-1)).toBe('save /workspace/a.txt')
})

it('replaces the text from disk as one undoable change, keeping the cursor on its text', async () => {
  const { host, changes } = setup()
  host.open('/workspace/a.txt', 'first\nsecond\nthird\n')
  host.reveal(3, 3)
  host.replaceText('/workspace/a.txt', 'zeroth\nfirst\nsecond\nthird\n')
  expect(host.text('/workspace/a.txt')).toBe('zeroth\nfirst\nsecond\nthird\n')
  expect(host.viewState('/workspace/a.txt')?.head).toBe('zeroth\nfirst\nsecond\nth'.length)
  await new Promise((resolve) => setTimeout(resolve, 50))
  expect(changes).toEqual([])
  await userEvent.keyboard('{Control>}z{/Control}')
  expect(host.text('/workspace/a.txt')).toBe('first\nsecond\nthird\n')
})

it('keeps CRLF line breaks', async () => {
  const { host } = setup()
  host.open('/workspace/win.txt', 'a\r\nb\r\n')
  host.reveal(1, 2)
  await userEvent.keyboard('{Enter}x')
  expect(host.text('/workspace/win.txt')).toBe('a\r\nx\r\nb\r\n')
  host.replaceText('/workspace/win.txt', 'a\nb\n')
  expect(host.text('/workspace/win.txt')).toBe('a\r\nb\r\n')
})

it('reveals a line and column, selecting the match', () => {
  const { host } = setup()
  host.open('/workspace/a.txt', 'alpha\nbeta gamma\n')
  host.reveal(2, 6, 5)
  const view = host.viewState('/workspace/a.txt')!
  expect(host.text('/workspace/a.txt')!.slice(view.anchor, view.head)).toBe('gamma')
  host.reveal(99, 99)
  expect(host.viewState('/workspace/a.txt')!.head).toBe('alpha\nbeta gamma\n'.length)
})

it('opens the find and go-to-line panels', async () => {
  const { host, parent } = setup()
  host.open('/workspace/a.txt', 'one\ntwo\n')
  host.find()
  // Search and go to line come with the editor's second wave, loaded once a file is shown.
  await expect.poll(() => parent.querySelector('.cm-search')).not.toBeNull()
  host.gotoLine()
  await expect.poll(() => parent.querySelector('.cm-panel input, .cm-dialog input')).not.toBeNull()
})

it('applies settings to every open file, and .editorconfig over the tab size', async () => {
  const { host, parent } = setup()
  host.open('/workspace/styled.txt', '')
  host.open('/workspace/ruled.txt', '', { indent: { indentStyle: 'space', indentSize: 3 } })
  host.setSettings({ theme: 'dark', fontSize: 20, tabSize: 8 })
  const look = () => {
    const style = getComputedStyle(parent.querySelector('.cm-editor')!)
    return [style.backgroundColor, style.fontSize]
  }
  expect(look()).toEqual(['rgb(40, 44, 52)', '20px'])
  await typeInto('/workspace/ruled.txt', '{Tab}')
  expect(host.text('/workspace/ruled.txt')).toBe('   ')
  host.open('/workspace/styled.txt', '')
  expect(look()).toEqual(['rgb(40, 44, 52)', '20px'])
  await typeInto('/workspace/styled.txt', '{Tab}')
  expect(host.text('/workspace/styled.txt')).toBe(' '.repeat(8))
})

it('restores the scroll position when switching back, and a saved view state on first open', async () => {
  const { host, parent } = setup()
  const text = Array.from({ length: 2000 }, (_, i) => `line ${i + 1}`).join('\n')
  host.open('/workspace/long.txt', text)
  host.reveal(1500)
  await expect.poll(() => host.viewState('/workspace/long.txt')!.scrollTop).toBeGreaterThan(1000)
  const saved = host.viewState('/workspace/long.txt')!
  host.open('/workspace/other.txt', 'other')
  host.open('/workspace/long.txt', '')
  await expect.poll(() => [...parent.querySelectorAll('.cm-line')].some((line) => line.textContent === 'line 1500')).toBe(true)
  expect(host.viewState('/workspace/long.txt')!.head).toBe(saved.head)

  host.open('/workspace/again.txt', text, { view: { anchor: 10, head: 12, scrollTop: saved.scrollTop } })
  expect(host.viewState('/workspace/again.txt')).toMatchObject({ anchor: 10, head: 12 })
  await expect.poll(() => [...parent.querySelectorAll('.cm-line')].some((line) => line.textContent === 'line 1500')).toBe(true)
})

it('reports view changes once they settle', async () => {
  const onViewChange = vi.fn()
  const { host } = setup({ onViewChange })
  host.open('/workspace/a.txt', 'abc\n')
  host.reveal(1, 3)
  await expect.poll(() => onViewChange.mock.calls.at(-1)).toEqual(['/workspace/a.txt', { anchor: 2, head: 2, scrollTop: 0 }])
})

it('opens a 5 MB file and types into it without freezing the page', async () => {
  const { host, changes } = setup()
  const line = 'const value = "a fairly ordinary line of source code";\n'
  const text = line.repeat(Math.ceil((5 * 1024 * 1024) / line.length))
  // Generous bounds for a loaded machine (about 100 ms and 400 ms on an idle one): a freeze is seconds.
  const opened = performance.now()
  host.open('/workspace/big.js', text)
  expect(performance.now() - opened).toBeLessThan(2000)
  await editor('/workspace/big.js').click()
  const typed = performance.now()
  await userEvent.keyboard('abcdefghij')
  expect(performance.now() - typed).toBeLessThan(5000)
  expect(host.text('/workspace/big.js')!.length).toBe(text.length + 10)
  await expect.poll(() => changes.at(-1)?.[1].length).toBe(text.length + 10)
  expect(changes.length).toBeLessThan(10)
})

it('shows the changed lines of a diff side by side and unified', async () => {
  const parent = mount()
  const diff = createDiffView(parent, { path: '/workspace/a.ts', original: 'one\ntwo\nthree\n', modified: 'one\n2\nthree\nfour\n', settings })
  cleanups.push(() => diff.destroy())
  await diff.ready
  await expect.element(page.getByLabelText('Original /workspace/a.ts')).toBeVisible()
  const changed = () => [...parent.querySelectorAll('.cm-changedLine')].map((line) => line.textContent)
  await expect.poll(changed).toEqual(['two', '2', 'four'])

  const unifiedParent = mount()
  const unified = createDiffView(unifiedParent, { path: '/workspace/a.ts', original: 'one\ntwo\n', modified: 'one\n2\n', settings, layout: 'unified' })
  cleanups.push(() => unified.destroy())
  await unified.ready
  await expect.poll(() => unifiedParent.querySelector('.cm-deletedChunk')?.textContent).toContain('two')
  expect(unifiedParent.querySelector('.cm-changedLine')?.textContent).toBe('2')
})

it('destroying a diff before its code has loaded leaves nothing behind', async () => {
  const parent = mount()
  const diff = createDiffView(parent, { path: '/workspace/a.ts', original: 'a', modified: 'b', settings })
  diff.destroy()
  await diff.ready
  expect(parent.childElementCount).toBe(0)
})
