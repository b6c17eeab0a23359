import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { connectBrowser } from './support/browser'
import { startAppServer } from './support/app-server'

// The IDE in real Chromium: import from a real git http-backend, edit, commit, delete.
const gitServer = inject('gitServerUrl')
let browser: Browser
let app: { url: string; close: () => Promise<void> }

beforeAll(async () => {
  ;[browser, app] = await Promise.all([connectBrowser(), startAppServer()])
})
afterAll(async () => {
  await app?.close()
  await browser?.close()
})

async function freshPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext()
  const page = await context.newPage()
  page.on('dialog', (d) => void d.accept())
  await page.goto(app.url)
  return { context, page }
}

describe('importing and working on a repository in the IDE', () => {
  it('is cross-origin isolated, imports by URL, edits, commits and deletes', async () => {
    const { context, page } = await freshPage()
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true)

    await page.getByRole('button', { name: 'Settings' }).click()
    await page.locator('input[name=author-name]').fill('Grace Hopper')
    await page.locator('input[name=author-email]').fill('grace@example.com')
    await page.getByRole('button', { name: 'Save' }).click()

    await page.getByLabel('Repository URL').fill(`${gitServer}/small.git`)
    await page.getByRole('button', { name: 'Import' }).click()
    await page.waitForURL(/\/p\/[\w-]+$/, { timeout: 60_000 })
    await expect.poll(() => page.locator('.project-name').textContent()).toBe('small')

    // The namespace's mounts are all visible, /cap marked read-only, /workspace expanded.
    const tree = page.getByRole('navigation', { name: 'Files' })
    for (const mount of ['workspace', 'task', 'logs', 'runs', 'cap', 'tmp']) await expect.poll(() => tree.locator(`[data-path="/${mount}"]`).count()).toBe(1)
    expect(await tree.locator('[data-path="/cap"] .badge').textContent()).toBe('read-only')
    await tree.locator('[data-path="/workspace/README.md"] > button').click()
    const editor = page.getByLabel('Edit /workspace/README.md')
    await expect.poll(() => editor.innerText()).toContain('## Usage')

    await editor.fill('# small\n\nEdited in Coder.\n')
    await expect.poll(() => page.locator('.tab .dirty').count()).toBe(1)
    await page.keyboard.press('Control+s')
    await expect.poll(() => page.locator('.tab .dirty').count()).toBe(0)
    await page.getByRole('button', { name: 'Source control' }).click()
    const changes = page.locator('.changes.unstaged')
    await expect.poll(() => changes.locator('li').allTextContents()).toEqual([expect.stringContaining('README.md')])
    await page.getByRole('button', { name: 'Explorer' }).click()
    await expect.poll(() => tree.locator('[data-path="/workspace/README.md"] > button').getAttribute('class')).toContain('modified')
    await page.getByRole('button', { name: 'Source control' }).click()

    await page.getByRole('button', { name: 'Stage README.md' }).click()
    await expect.poll(() => page.locator('.changes.staged li').count()).toBe(1)
    await page.getByLabel('Commit message').fill('Edit README in the browser')
    await page.getByRole('button', { name: /^Commit/ }).click()
    await expect.poll(() => page.locator('.history li').first().textContent()).toContain('Edit README in the browser')
    await expect.poll(() => page.locator('.changes li').count()).toBe(0)

    // A reload keeps everything: the edit and the commit came from IndexedDB, not memory.
    await page.reload()
    await expect.poll(() => page.locator('.history li').first().textContent(), { timeout: 30_000 }).toContain('Edit README in the browser')
    await page.locator('.history li').first().locator('.commit-row').click()
    await expect.poll(() => page.locator('.commit-details').textContent()).toContain('Grace Hopper <grace@example.com>')

    await page.getByRole('button', { name: '← Projects' }).click()
    const row = page.locator('tr.project')
    await expect.poll(() => row.locator('.branch').textContent()).toBe('main')
    expect(await row.locator('.origin').textContent()).toBe(`${gitServer}/small.git`)
    // Hot exit remembered the project's open tab; deleting the project forgets it too.
    const rememberedTabs = () =>
      page.evaluate(
        () =>
          new Promise<number>((resolve) => {
            const open = indexedDB.open('coder-hot-exit')
            open.onsuccess = () => {
              const all = open.result.transaction('sessions').objectStore('sessions').getAll()
              all.onsuccess = () => resolve(all.result.length)
            }
          }),
      )
    expect(await rememberedTabs()).toBe(1)
    await page.getByRole('button', { name: 'Delete small' }).click()
    await expect.poll(() => row.count()).toBe(0)
    await expect.poll(() => page.locator('.empty').textContent()).toContain('No projects yet')
    await expect.poll(rememberedTabs).toBe(0)
    await context.close()
  })

  it('shows a clear error for a repository that does not exist, and keeps nothing', async () => {
    const { context, page } = await freshPage()
    await page.getByLabel('Repository URL').fill(`${gitServer}/missing.git`)
    await page.getByRole('button', { name: 'Import' }).click()
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 30_000 }).toMatch(/HTTP 404|no repository/)
    expect(await page.locator('tr.project').count()).toBe(0)
    // The URL stays in the box so the user can fix it.
    expect(await page.getByLabel('Repository URL').inputValue()).toBe(`${gitServer}/missing.git`)
    await context.close()
  })

  it('imports a local folder as a new repository with an initial commit', async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'coder-folder-')), 'my-site')
    mkdirSync(join(folder, 'css'), { recursive: true })
    writeFileSync(join(folder, 'index.html'), '<h1>Hello</h1>\n')
    writeFileSync(join(folder, 'css', 'site.css'), 'h1 { color: teal }\n')
    const { context, page } = await freshPage()
    await page.locator('input[type=file]').setInputFiles(folder)
    await page.waitForURL(/\/p\/[\w-]+$/, { timeout: 60_000 })
    await expect.poll(() => page.locator('.project-name').textContent()).toBe('my-site')
    const tree = page.getByRole('navigation', { name: 'Files' })
    await expect.poll(() => tree.locator('[data-path="/workspace/index.html"]').count()).toBe(1)
    await expect.poll(() => tree.locator('[data-path="/workspace/css"]').count()).toBe(1)
    await page.getByRole('button', { name: 'Source control' }).click()
    await expect.poll(() => page.locator('.history li').allTextContents()).toEqual([expect.stringContaining('Initial import')])
    expect(await page.locator('.changes li').count()).toBe(0)
    await context.close()
    rmSync(join(folder, '..'), { recursive: true, force: true })
  })

})
