import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { connectBrowser } from './support/browser'
import { startAppServer } from './support/app-server'
import { makeRepo, wideRepoSpec } from './support/fixtures'
import { startGitServer, type GitServer } from '../standins/git-server'

// A 20,000-file repository (one folder of 10,000 files, 100 folders of 100) imported through the
// UI: the tree opens and scrolls, search and quick open find the one file. How long the page's
// main thread is held meanwhile is a benchmark (`npm run bench -- ui-freeze-20k`), not a timed test.
let browser: Browser
let app: { url: string; close: () => Promise<void> }
let git: GitServer
const root = mkdtempSync(join(tmpdir(), 'coder-wide-'))

beforeAll(async () => {
  await makeRepo(join(root, 'wide.git'), wideRepoSpec())
  ;[browser, app, git] = await Promise.all([connectBrowser(), startAppServer(), startGitServer({ root })])
}, 180_000)
afterAll(async () => {
  await app?.close()
  await git?.close()
  await browser?.close()
  rmSync(root, { recursive: true, force: true })
})

describe('a 20,000-file workspace', () => {
  it('imports with a progress bar, then the tree, search and quick open reach every file', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    await page.goto(app.url)
    await page.getByLabel('Repository URL').fill(`${git.url}/wide.git`)
    await page.getByRole('button', { name: 'Import' }).click()
    // The import shows its phase and a bar while it runs.
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 30_000 }).toMatch(/Importing .*wide\.git — \w+/)
    expect(await page.getByLabel('Import progress').count()).toBe(1)
    await page.screenshot({ path: join(process.cwd(), 'test-results', 'screenshots', 'import-progress.png') })
    await page.waitForURL(/\/p\/[\w-]+$/, { timeout: 120_000 })
    const tree = page.getByRole('navigation', { name: 'Files' })
    await expect.poll(() => tree.locator('[data-path="/workspace/big"]').count(), { timeout: 30_000 }).toBe(1)

    // 10,000 files in one folder: only the rows in view exist in the page, all of them reachable.
    await tree.locator('[data-path="/workspace/big"] > button').click()
    await expect.poll(() => tree.locator('[data-path="/workspace/big/file-00000.txt"]').count()).toBe(1)
    expect(await tree.locator('[role=treeitem]').count()).toBeLessThan(150)
    await tree.getByRole('tree').evaluate((el) => (el.scrollTop = el.scrollHeight))
    await expect.poll(() => tree.locator('[data-path="/workspace/pkg-099"]').count()).toBe(1)
    await tree.getByRole('tree').evaluate((el) => (el.scrollTop = 7777 * 22))
    await expect.poll(() => tree.locator('[data-path="/workspace/big/file-07777.txt"]').count()).toBe(1)
    await tree.locator('[data-path="/workspace/big/file-07777.txt"] > button').click()
    await expect.poll(() => page.locator('.editor-host .cm-content').innerText()).toContain('needle-in-a-haystack')

    // Search across all 20,000 files finds the one line.
    await page.keyboard.press('Control+Shift+f')
    await page.keyboard.type('needle-in-a-haystack')
    const search = page.getByRole('region', { name: 'Search' })
    await expect.poll(() => search.locator('.search-summary').textContent(), { timeout: 30_000 }).toContain('1 result in 1 file')
    expect(await search.locator('.search-file .name').textContent()).toBe('file-07777.txt')
    // A term in every big file: results stop at the limit and say so.
    await search.getByLabel('Search in files').fill('big file')
    await expect.poll(() => search.locator('.search-summary').textContent(), { timeout: 30_000 }).toContain('stopped at the limit')
    // The page holds the first 200 of its 2,000 results; the rest come a step at a time.
    expect(await search.locator('.match').count()).toBe(200)
    await search.getByRole('button', { name: 'Show 200 more (1,800 not shown)' }).click()
    await expect.poll(() => search.locator('.match').count()).toBe(400)
    expect(await search.locator('.search-file .name').nth(399).textContent()).toMatch(/^file-\d{5}\.txt$/)

    // Quick open over 20,000 names.
    await page.keyboard.press('Control+p')
    await page.getByLabel('Search files by name').fill('099mod042')
    await expect.poll(() => page.getByRole('dialog', { name: 'Quick open' }).locator('li').first().textContent()).toContain('pkg-099/mod-042.ts')
    await page.keyboard.press('Escape')
    await context.close()
  })
})
