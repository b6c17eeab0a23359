import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { connectBrowser } from './support/browser'
import { distDir, startAppServer, type AppServer } from './support/app-server'
import { buildApp } from './support/build-app'

// The UI is being reworked: every selector this spec depends on is here.
const ui = {
  repositoryUrl: (page: Page) => page.getByLabel('Repository URL'),
  importButton: (page: Page) => page.getByRole('button', { name: 'Import' }),
  projectLink: (page: Page, name: string) => page.getByRole('link', { name, exact: true }),
  fileRow: (page: Page, path: string) => page.getByRole('navigation', { name: 'Files' }).locator(`[data-path="${path}"]`),
  updateNotice: (page: Page) => page.getByRole('status').filter({ hasText: 'new version' }),
  /** The open file's text: CodeMirror's content element, or the plain editor's textarea. */
  editorText: (page: Page) =>
    page.evaluate(() => {
      const cm = document.querySelector<HTMLElement>('.cm-content[contenteditable=true]')
      return cm ? cm.innerText : document.querySelector<HTMLTextAreaElement>('textarea[aria-label^="Edit "]')?.value ?? null
    }),
}

// The built IDE, served with the real headers, after one online visit: the service worker keeps
// it working offline, and a new deployment is picked up on a reload.
const gitServer = inject('gitServerUrl')
let browser: Browser
let app: AppServer
const secondBuild = join(mkdtempSync(join(tmpdir(), 'coder-build-')), 'dist')

beforeAll(async () => {
  ;[browser, app] = await Promise.all([connectBrowser(), startAppServer(), buildApp({ outDir: secondBuild, marker: 'second' })])
})
afterAll(async () => {
  await app?.close()
  await browser?.close()
  rmSync(join(secondBuild, '..'), { recursive: true, force: true })
})

/** Resolves once a service worker controls the page (its shell is cached by then). */
async function controlled(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 })
}

/** The `__coderBuildMarker` of the build the page runs (see buildApp). */
function buildMarker(page: Page): Promise<string | undefined> {
  return page.evaluate(() => (globalThis as { __coderBuildMarker?: string }).__coderBuildMarker)
}

/** The path of the page's entry script. */
function entryScript(page: Page): Promise<string> {
  return page.evaluate(() => new URL(document.querySelector<HTMLScriptElement>('script[type=module][src]')!.src).pathname)
}

/** Paths in the service worker's asset cache. */
function cachedAssets(page: Page): Promise<string[]> {
  return page.evaluate(async () => (await (await caches.open('coder-assets')).keys()).map((r) => new URL(r.url).pathname))
}

async function openReadme(page: Page): Promise<void> {
  await ui.fileRow(page, '/workspace/README.md').click({ timeout: 30_000 })
  await expect.poll(() => ui.editorText(page), { timeout: 30_000 }).toContain('# small')
}

describe('offline', () => {
  it('opens the projects page and a project offline, cross-origin isolated, and edits and commits there, after one online visit', async () => {
    const context = await browser.newContext()
    await context.addInitScript(() => localStorage.setItem('coder.settings', JSON.stringify({ author: { name: 'Offline Olive', email: 'olive@example.com' } })))
    const page = await context.newPage()
    await page.goto(app.url)
    await controlled(page)
    await ui.repositoryUrl(page).fill(`${gitServer}/small.git`)
    await ui.importButton(page).click()
    await page.waitForURL(/\/p\/[\w-]+$/, { timeout: 60_000 })
    const projectUrl = page.url()
    await openReadme(page)
    // Once idle, the whole build is cached, lazy chunks never loaded so far (and pyodide) included.
    const buildFiles = readdirSync(join(distDir, 'assets'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length
    await expect.poll(() => cachedAssets(page).then((a) => a.length), { timeout: 30_000 }).toBe(buildFiles)

    await context.setOffline(true)
    const served = app.requests.length
    await page.reload()
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true)
    await openReadme(page)
    await expect.poll(() => page.locator('.status-bar .network').textContent()).toContain('Offline')

    // Editing, saving and committing need no network.
    await page.locator('.editor-host .cm-content').click()
    await page.keyboard.press('Control+End')
    await page.keyboard.type('\nEdited offline.')
    await page.keyboard.press('Control+s')
    await expect.poll(() => page.locator('.tab .dirty').count()).toBe(0)
    await page.getByRole('button', { name: 'Source control' }).click()
    await page.getByRole('button', { name: 'Stage README.md' }).click()
    await page.getByLabel('Commit message').fill('Committed offline')
    await page.getByRole('button', { name: /^Commit/ }).click()
    await expect.poll(() => page.locator('.history li').first().textContent()).toContain('Committed offline')
    await page.getByRole('button', { name: 'Explorer' }).click()

    // Any SPA route opens from the cache; the projects page lists the project and opens it.
    for (const route of ['/github.com/owner/repo', '/']) {
      const response = await page.goto(`${app.url}${route}`)
      expect(response?.fromServiceWorker()).toBe(true)
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true)
    }
    await ui.projectLink(page, 'small').click({ timeout: 30_000 })
    await page.waitForURL(projectUrl)
    await expect.poll(() => ui.fileRow(page, '/workspace/README.md').count(), { timeout: 30_000 }).toBe(1)
    await expect.poll(() => ui.fileRow(page, '/workspace/package.json').count()).toBe(1)

    // /api/ is never answered from the cache, and nothing above reached the server but two things
    // Playwright's offline mode does not stop: the browser's own check for a new /sw.js, and the
    // account's sign-in check from a page whose fresh renderer (each reload of a cross-origin
    // isolated page starts one) is not told it is offline, passed on by the service worker, whose
    // own fetches the emulation does not cover. Really offline that check fails, and nothing needs it.
    expect(await page.evaluate(() => fetch('/api/health').then((r) => r.status, () => 'network error'))).toBe('network error')
    expect(app.requests.slice(served).filter((r) => r.dest !== 'serviceworker' && r.path !== '/api/auth/me')).toEqual([])
    await context.close()
  })

  it('installs a new deployment in the background, reports it, and runs it from the next reload on', async () => {
    const server = await startAppServer()
    const context = await browser.newContext()
    try {
      let page = await context.newPage()
      await page.goto(server.url)
      await controlled(page)
      const firstEntry = await entryScript(page)
      expect(await buildMarker(page)).toBeUndefined()

      // A new deployment on the same origin; the open tab looks for it (as it does hourly and when back online).
      server.setRoot(secondBuild)
      await page.evaluate(async () => void (await (await navigator.serviceWorker.getRegistration())?.update()))
      await expect.poll(() => ui.updateNotice(page).count(), { timeout: 30_000 }).toBe(1)
      expect(await buildMarker(page)).toBeUndefined()

      // The next reload runs it, even offline: it is fully cached.
      await context.setOffline(true)
      await page.reload()
      expect(await buildMarker(page)).toBe('second')
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true)
      await context.setOffline(false)
      await page.reload()
      expect(await buildMarker(page)).toBe('second')
      // A page running the new version is not told about it.
      await page.waitForLoadState('load')
      await page.waitForTimeout(1_000)
      expect(await ui.updateNotice(page).count()).toBe(0)

      // Once no tab runs the old version, the new worker takes over and drops the old version's files.
      await page.close()
      page = await context.newPage()
      await page.goto(server.url)
      await controlled(page)
      await expect.poll(() => cachedAssets(page), { timeout: 30_000 }).not.toContain(firstEntry)
      expect(await cachedAssets(page)).toContain(await entryScript(page))
    } finally {
      await context.close()
      await server.close()
    }
  })
})
