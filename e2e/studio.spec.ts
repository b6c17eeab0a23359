import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { connectBrowser } from './support/browser'
import { startAppServer } from './support/app-server'
import { activeTab, fileTree, importThroughUi, openFromTree } from './support/ide'

// The Studio in real Chromium against the built app: editor, tabs, hot exit, quick open, search,
// command palette, git panel, file operations, two tabs on one project, open-in-Coder links.
const gitServer = inject('gitServerUrl')
let browser: Browser
let app: { url: string; close: () => Promise<void> }
const cleanup: string[] = []
const screenshots = join(process.cwd(), 'test-results', 'screenshots')

beforeAll(async () => {
  mkdirSync(screenshots, { recursive: true })
  ;[browser, app] = await Promise.all([connectBrowser(), startAppServer()])
})
afterAll(async () => {
  await app?.close()
  await browser?.close()
  for (const d of cleanup) rmSync(d, { recursive: true, force: true })
})

async function freshContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true })
  await context.addInitScript(() => {
    localStorage.setItem('coder.settings', JSON.stringify({ author: { name: 'Grace Hopper', email: 'grace@example.com' } }))
  })
  return context
}

/** Imports small.git through the projects page and waits for the workbench. */
async function importSmall(page: Page): Promise<string> {
  await importThroughUi(page, app.url, `${gitServer}/small.git`, 'small')
  return page.url()
}

/** A fresh context with small.git imported in its first page. */
async function withSmall(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await freshContext()
  const page = await context.newPage()
  await importSmall(page)
  return { context, page }
}

const tree = fileTree
const editorText = (page: Page) => page.locator('.editor-host .cm-content').innerText()
const dirtyTabs = (page: Page) => page.locator('.tab .dirty').count()


describe('the Studio', () => {
  it('edits with CodeMirror, saves with Ctrl+S, and keeps unsaved work across a reload (hot exit)', async () => {
    const { context, page } = await withSmall()
    // Every mount is visible, read-only ones marked; /workspace is expanded.
    for (const mount of ['workspace', 'task', 'logs', 'runs', 'cap', 'tmp']) await expect.poll(() => tree(page).locator(`[data-path="/${mount}"]`).count()).toBe(1)
    expect(await tree(page).locator('[data-path="/cap"] .badge').textContent()).toBe('read-only')

    await openFromTree(page, '/workspace/README.md')
    await expect.poll(() => editorText(page)).toContain('## Usage')
    // Markdown is highlighted once its language pack has loaded.
    await expect.poll(() => page.locator('.editor-host .cm-line span[class]').count()).toBeGreaterThan(0)
    await page.locator('.editor-host .cm-content').click()
    await page.keyboard.press('Control+End')
    await page.keyboard.type('\nSaved from Coder.')
    await expect.poll(() => dirtyTabs(page)).toBe(1)
    await page.keyboard.press('Control+s')
    await expect.poll(() => dirtyTabs(page)).toBe(0)
    await expect.poll(() => tree(page).locator('[data-path="/workspace/README.md"] > button').getAttribute('class')).toContain('modified')
    await page.screenshot({ path: join(screenshots, 'editor.png') })

    // Unsaved: type more, reload; the buffer comes back marked dirty with the text.
    await page.keyboard.type('\nNot saved yet.')
    await expect.poll(() => dirtyTabs(page)).toBe(1)
    await page.waitForTimeout(400) // hot exit writes ~150 ms after the last keystroke
    await page.reload()
    await expect.poll(() => activeTab(page), { timeout: 30_000 }).toBe('README.md')
    await expect.poll(() => editorText(page)).toContain('Not saved yet.')
    expect(await editorText(page)).toContain('Saved from Coder.')
    await expect.poll(() => dirtyTabs(page)).toBe(1)

    // The saved part is in storage; discarding the unsaved part by closing the tab leaves exactly that.
    await page.getByRole('button', { name: 'Close README.md' }).click()
    await page.getByRole('dialog', { name: 'Unsaved changes' }).getByRole('button', { name: "Don't save" }).click()
    await expect.poll(() => page.locator('.tab').count()).toBe(0)
    await openFromTree(page, '/workspace/README.md')
    await expect.poll(() => editorText(page)).toContain('Saved from Coder.')
    expect(await editorText(page)).not.toContain('Not saved yet.')
    await context.close()
  })

  it('finds files with Ctrl+P, text with Ctrl+Shift+F (regex, case), and runs commands from Ctrl+Shift+P', async () => {
    const { context, page } = await withSmall()

    await page.keyboard.press('Control+p')
    const quickOpen = page.getByRole('dialog', { name: 'Quick open' })
    await quickOpen.getByLabel('Search files by name').fill('ops')
    await expect.poll(() => quickOpen.locator('li').first().textContent()).toContain('src/math/ops.ts')
    await page.screenshot({ path: join(screenshots, 'quick-open.png') })
    await page.keyboard.press('Enter')
    await expect.poll(() => activeTab(page)).toBe('ops.ts')
    await expect.poll(() => editorText(page)).toContain('export const sub')

    await page.keyboard.press('Control+Shift+f')
    const search = page.getByRole('region', { name: 'Search' })
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Search in files')
    await page.keyboard.type('toUpperCase')
    await expect.poll(() => search.locator('.search-file').count()).toBe(1)
    expect(await search.locator('.search-file .name').textContent()).toBe('case.ts')
    await expect.poll(() => search.locator('.search-summary').textContent()).toContain('1 result in 1 file')
    await search.locator('.match').first().click()
    await expect.poll(() => activeTab(page)).toBe('case.ts')
    await expect.poll(() => page.locator('.editor-host .cm-activeLine').textContent()).toContain('toUpperCase')

    // Regex: both helpers in case.ts and nothing else; case-sensitive 'Usage' finds only the README heading.
    await search.getByLabel('Search in files').fill('to(Upper|Lower)Case')
    await search.getByRole('button', { name: 'Use regular expression' }).click()
    await expect.poll(() => search.locator('.match').count()).toBe(2)
    await search.getByRole('button', { name: 'Use regular expression' }).click()
    await search.getByLabel('Search in files').fill('usage')
    await search.getByRole('button', { name: 'Match case' }).click()
    await expect.poll(() => search.locator('.search-summary').textContent()).toContain('No results')
    await search.getByLabel('Search in files').fill('Usage')
    await expect.poll(() => search.locator('.match').allTextContents()).toEqual([expect.stringContaining('## Usage')])
    await page.screenshot({ path: join(screenshots, 'search.png') })

    // The palette lists every command with its keys; running one works; Ctrl+B toggles the sidebar back.
    await page.keyboard.press('Control+Shift+p')
    const palette = page.getByRole('dialog', { name: 'Command palette' })
    expect(await palette.locator('li').count()).toBeGreaterThan(12)
    await palette.getByLabel('Type a command').fill('>toggle sidebar')
    await expect.poll(() => palette.locator('li').first().textContent()).toContain('Ctrl+B')
    await page.screenshot({ path: join(screenshots, 'command-palette.png') })
    await page.keyboard.press('Enter')
    await expect.poll(() => page.locator('.sidebar').count()).toBe(0)
    await page.keyboard.press('Control+b')
    await expect.poll(() => page.locator('.sidebar').count()).toBe(1)
    // Ctrl+W closes the active tab.
    const before = await page.locator('.tab').count()
    await page.keyboard.press('Control+w')
    await expect.poll(() => page.locator('.tab').count()).toBe(before - 1)
    await context.close()
  })

  it('stages, diffs, commits, branches and shows history; native git agrees on the downloaded repository', async () => {
    const { context, page } = await withSmall()
    await openFromTree(page, '/workspace/src/index.ts')
    await page.locator('.editor-host .cm-content').click()
    await page.keyboard.press('Control+End')
    await page.keyboard.type("export const version = '2.0.0'\n")
    await page.keyboard.press('Control+s')
    await expect.poll(() => dirtyTabs(page)).toBe(0)

    await page.getByRole('button', { name: 'Source control' }).click()
    const git = page.getByRole('region', { name: 'Source control' })
    await expect.poll(() => git.locator('.changes.unstaged li').allTextContents()).toEqual([expect.stringContaining('src/index.ts')])
    await git.locator('.changes.unstaged li .file').click()
    await expect.poll(() => activeTab(page)).toBe('index.ts (changes)')
    await expect.poll(() => page.locator('.diff-host').innerText()).toContain("export const version = '2.0.0'")
    await expect.poll(() => page.locator('.diff-host .cm-changedLine, .diff-host .cm-insertedLine').count()).toBeGreaterThan(0)
    await page.screenshot({ path: join(screenshots, 'diff.png') })

    await git.getByRole('button', { name: 'Stage src/index.ts' }).click()
    await expect.poll(() => git.locator('.changes.staged li').count()).toBe(1)
    await git.getByLabel('Commit message').fill('Add a version constant')
    await page.keyboard.press('Control+Enter')
    await expect.poll(() => git.locator('.history li').first().textContent()).toContain('Add a version constant')
    await expect.poll(() => git.locator('.changes li').count()).toBe(0)
    await git.locator('.history li').first().locator('.commit-row').click()
    await expect.poll(() => git.locator('.commit-files li').allTextContents()).toEqual([expect.stringContaining('src/index.ts')])
    expect(await git.locator('.commit-details').textContent()).toContain('Grace Hopper <grace@example.com>')

    await git.getByRole('button', { name: 'New branch…' }).click()
    const dialog = page.getByRole('dialog', { name: 'New branch' })
    await dialog.locator('input').fill('bad name')
    await dialog.getByRole('button', { name: 'OK' }).click()
    await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('not a valid branch name')
    await dialog.locator('input').fill('studio/work')
    await dialog.getByRole('button', { name: 'OK' }).click()
    await expect.poll(() => page.locator('.status-bar .branch').textContent()).toContain('studio/work')
    await expect.poll(() => git.getByLabel('Branch').inputValue()).toBe('studio/work')
    await page.screenshot({ path: join(screenshots, 'git-panel.png') })

    // Switching to `feature` checks out its files (with the progress in the status bar).
    await git.getByLabel('Branch').selectOption('feature')
    await expect.poll(() => page.locator('.status-bar .branch').textContent(), { timeout: 30_000 }).toMatch(/ feature$/)
    await page.getByRole('button', { name: 'Explorer' }).click()
    await tree(page).locator('[data-path="/workspace/src/util"] > button').click()
    await expect.poll(() => tree(page).locator('[data-path="/workspace/src/util/farewell.ts"]').count()).toBe(1)
    await page.getByRole('button', { name: 'Source control' }).click()
    await git.getByLabel('Branch').selectOption('studio/work')
    await expect.poll(() => page.locator('.status-bar .branch').textContent(), { timeout: 30_000 }).toMatch(/ studio\/work$/)
    await page.getByRole('button', { name: 'Explorer' }).click()
    await expect.poll(() => tree(page).locator('[data-path="/workspace/src/util/farewell.ts"]').count()).toBe(0)

    const downloading = page.waitForEvent('download')
    await page.getByRole('button', { name: 'Download .zip' }).click()
    const download = await downloading
    expect(download.suggestedFilename()).toBe('small.zip')
    const dir = mkdtempSync(join(tmpdir(), 'coder-download-'))
    cleanup.push(dir)
    await download.saveAs(join(dir, 'small.zip'))
    execFileSync('unzip', ['-q', 'small.zip'], { cwd: dir })
    const repo = join(dir, 'small')
    const gitIn = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' })
    gitIn('fsck', '--strict')
    expect(gitIn('log', '-3', '--format=%an <%ae> %s').trim().split('\n')).toEqual([
      'Grace Hopper <grace@example.com> Add a version constant',
      expect.stringContaining('Release 1.1.0'),
      expect.stringContaining('Replace strings helper'),
    ])
    expect(gitIn('branch', '--show-current').trim()).toBe('studio/work')
    expect(gitIn('status', '--porcelain')).toBe('')
    await context.close()
  })

  it('creates, renames, moves and deletes files in the tree, with git status colours', async () => {
    const { context, page } = await withSmall()
    await tree(page).getByRole('button', { name: 'New file' }).click()
    const create = page.getByRole('dialog', { name: 'New file' })
    await create.locator('input').fill('notes.md')
    await create.getByRole('button', { name: 'OK' }).click()
    await expect.poll(() => activeTab(page)).toBe('notes.md')
    await expect.poll(() => tree(page).locator('[data-path="/workspace/notes.md"] > button').getAttribute('class')).toContain('untracked')
    // The name must be new.
    await tree(page).getByRole('button', { name: 'New file' }).click()
    await create.locator('input').fill('README.md')
    await create.getByRole('button', { name: 'OK' }).click()
    await expect.poll(() => create.getByRole('alert').textContent()).toContain('already exists')
    await create.getByRole('button', { name: 'Cancel' }).click()

    // Rename with F2 (the open tab follows).
    await tree(page).locator('[data-path="/workspace/notes.md"] > button').click()
    await tree(page).getByRole('tree').press('F2')
    const rename = page.getByRole('dialog', { name: 'Rename file' })
    await rename.locator('input').fill('journal.md')
    await rename.getByRole('button', { name: 'OK' }).click()
    await expect.poll(() => tree(page).locator('[data-path="/workspace/journal.md"]').count()).toBe(1)
    expect(await tree(page).locator('[data-path="/workspace/notes.md"]').count()).toBe(0)
    await expect.poll(() => activeTab(page)).toBe('journal.md')

    // Drag into a folder.
    await tree(page).locator('[data-path="/workspace/journal.md"]').dragTo(tree(page).locator('[data-path="/workspace/docs"]'))
    await tree(page).locator('[data-path="/workspace/docs"] > button').click()
    await expect.poll(() => tree(page).locator('[data-path="/workspace/docs/journal.md"]').count()).toBe(1)
    await expect.poll(() => page.locator('.tab.active').getAttribute('title')).toBe('/workspace/docs/journal.md')

    // Delete from the context menu, after confirming.
    await tree(page).locator('[data-path="/workspace/docs/journal.md"]').click({ button: 'right' })
    await page.getByRole('menuitem', { name: /Delete/ }).click()
    await page.getByRole('dialog', { name: 'Delete' }).getByRole('button', { name: 'Delete' }).click()
    await expect.poll(() => tree(page).locator('[data-path="/workspace/docs/journal.md"]').count()).toBe(0)
    await expect.poll(() => page.locator('.tab.deleted').count()).toBe(1)
    await page.screenshot({ path: join(screenshots, 'file-tree.png') })
    await context.close()
  })

  it("shows two pages of one project each other's saves, and asks before overwriting", async () => {
    const context = await freshContext()
    const a = await context.newPage()
    const url = await importSmall(a)
    const b = await context.newPage()
    await b.goto(url)
    for (const page of [a, b]) await openFromTree(page, '/workspace/src/util/case.ts')

    // A saves; B (no unsaved changes) shows the new text at once.
    await a.locator('.editor-host .cm-content').click()
    await a.keyboard.press('Control+Home')
    await a.keyboard.type('// edited in A\n')
    await a.keyboard.press('Control+s')
    await expect.poll(() => editorText(b)).toContain('// edited in A')
    expect(await dirtyTabs(b)).toBe(0)

    // Both edit; A saves first; B's save asks instead of overwriting.
    await b.locator('.editor-host .cm-content').click()
    await b.keyboard.press('Control+End')
    await b.keyboard.type('// from B\n')
    await a.keyboard.press('Control+End')
    await a.keyboard.type('// from A again\n')
    await a.keyboard.press('Control+s')
    await expect.poll(() => b.locator('.tab.conflict').count()).toBe(1)
    await b.keyboard.press('Control+s')
    const ask = b.getByRole('dialog', { name: 'File changed elsewhere' })
    await expect.poll(() => ask.count()).toBe(1)
    await b.screenshot({ path: join(screenshots, 'save-conflict.png') })
    await ask.getByRole('button', { name: 'Overwrite' }).click()
    await expect.poll(() => dirtyTabs(b)).toBe(0)
    // A had no unsaved changes left, so it now shows B's version.
    await expect.poll(() => editorText(a)).toContain('// from B')
    expect(await editorText(a)).not.toContain('// from A again')
    await context.close()
  })

  it('opens "Open in Coder" links: imports the repository once, then opens the existing project', async () => {
    const context = await freshContext()
    const page = await context.newPage()
    await page.goto(`${app.url}/?import=${encodeURIComponent(`${gitServer}/small.git`)}&branch=feature`)
    await page.waitForURL(/\/p\/[\w-]+$/, { timeout: 60_000 })
    const first = page.url()
    await expect.poll(() => page.locator('.status-bar .branch').textContent()).toContain('feature')
    await expect.poll(() => tree(page).locator('[data-path="/workspace/src"]').count()).toBe(1)
    await page.goto(`${app.url}/?import=${encodeURIComponent(`${gitServer}/small.git`)}&branch=feature`)
    await page.waitForURL(/\/p\/[\w-]+$/, { timeout: 30_000 })
    expect(page.url()).toBe(first)
    await page.goto(app.url)
    await expect.poll(() => page.locator('tr.project').count()).toBe(1)
    await context.close()
  })

  it('follows the settings: dark theme, font size, tab size', async () => {
    const { context, page } = await withSmall()
    await openFromTree(page, '/workspace/README.md')
    await page.keyboard.press('Control+,')
    const settings = page.getByRole('dialog', { name: 'Settings' })
    await settings.getByLabel('Theme').selectOption('dark')
    await settings.getByLabel('Editor font size').fill('18')
    await settings.getByRole('button', { name: 'Save' }).click()
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark')
    await expect.poll(() => page.locator('.editor-host .cm-content').evaluate((el) => getComputedStyle(el).fontSize)).toBe('18px')
    const background = await page.locator('.editor-host .cm-editor').evaluate((el) => getComputedStyle(el).backgroundColor)
    expect(background).not.toBe('rgb(255, 255, 255)')
    await page.screenshot({ path: join(screenshots, 'dark-theme.png') })

    // A binary file opens as a notice, not as text.
    await tree(page).locator('[data-path="/workspace/assets"] > button').click()
    await tree(page).locator('[data-path="/workspace/assets/logo.png"] > button').click()
    await expect.poll(() => activeTab(page)).toBe('logo.png')
    await expect.poll(() => page.locator('.notice').textContent()).toContain('Binary file (256 bytes)')
    expect(await page.locator('.editor-host').isVisible()).toBe(false)

    // The sidebar's width is dragged wider and remembered for this project.
    const sidebar = page.locator('.sidebar')
    const before = (await sidebar.boundingBox())!.width
    const handle = (await page.getByRole('separator', { name: 'Resize sidebar' }).boundingBox())!
    await page.mouse.move(handle.x + 2, handle.y + 100)
    await page.mouse.down()
    await page.mouse.move(handle.x + 122, handle.y + 100, { steps: 6 })
    await page.mouse.up()
    await expect.poll(async () => (await sidebar.boundingBox())!.width).toBeGreaterThan(before + 100)
    await page.reload()
    await expect.poll(async () => (await page.locator('.sidebar').boundingBox())?.width ?? 0).toBeGreaterThan(before + 100)
    await context.close()
  })
})
