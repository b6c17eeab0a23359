import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { chromium, type BrowserContext } from 'playwright-core'
import { chromiumArgs, findChromium } from '../scripts/find-browser.mjs'
import { startAppServer } from './support/app-server'

// A killed browser keeps every save that had resolved. This spec needs its own browser on a
// profile directory it can kill with SIGKILL, so it does not use the shared one.
const gitServer = inject('gitServerUrl')
let app: { url: string; close: () => Promise<void> }
const profile = mkdtempSync(join(tmpdir(), 'coder-profile-'))

beforeAll(async () => {
  app = await startAppServer()
})
afterAll(async () => {
  await app?.close()
  rmSync(profile, { recursive: true, force: true })
})

function launch(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, { executablePath: findChromium()!, args: [...chromiumArgs], headless: true })
}

describe('durability', () => {
  it('keeps a saved edit when the browser is killed', async () => {
    let context = await launch()
    let page = context.pages()[0] ?? (await context.newPage())
    await page.goto(app.url)
    await page.getByLabel('Repository URL').fill(`${gitServer}/small.git`)
    await page.getByRole('button', { name: 'Import' }).click()
    await page.waitForURL(/\/p\/[\w-]+$/, { timeout: 60_000 })
    const projectUrl = page.url()
    const tree = page.getByRole('navigation', { name: 'Files' })
    await tree.locator('[data-path="/workspace/README.md"] > button').click()
    const editor = page.getByLabel('Edit /workspace/README.md')
    await expect.poll(() => editor.innerText()).toContain('# small')
    await editor.fill('# survived a kill\n')
    await page.keyboard.press('Control+s')
    await expect.poll(() => page.locator('.tab .dirty').count()).toBe(0)

    // No orderly shutdown: every process of this profile dies at once.
    execFileSync('pkill', ['-KILL', '-f', profile])
    await context.close().catch(() => undefined)

    context = await launch()
    page = context.pages()[0] ?? (await context.newPage())
    await page.goto(projectUrl)
    await page.getByRole('navigation', { name: 'Files' }).locator('[data-path="/workspace/README.md"] > button').click()
    await expect.poll(() => page.getByLabel('Edit /workspace/README.md').innerText(), { timeout: 30_000 }).toContain('# survived a kill')
    expect(await page.getByLabel('Edit /workspace/README.md').innerText()).not.toContain('# small')
    await page.getByRole('button', { name: 'Source control' }).click()
    await expect.poll(() => page.locator('.changes.unstaged li').allTextContents()).toEqual([expect.stringContaining('README.md')])
    await context.close()
  })
})
