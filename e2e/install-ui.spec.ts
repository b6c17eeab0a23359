import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { connectBrowser } from './support/browser'
import { startAppServer, type AppServer } from './support/app-server'
import { makeRepo, type FileSpec } from './support/fixtures'
import { startGitServer, type GitServer } from '../standins/git-server'
import { importThroughUi } from './support/ide'
import { nativeNpm, startFixtureRegistry, type Registry } from './support/registry'
import { makeFixtureProject, projectFiles } from './support/registry-fixtures'

// A real repository with dependencies (no node_modules committed), imported into the built IDE:
// Run all tests in the Testing view installs the dependencies from the registry first, then the
// tests pass with the same counts as natively.
let browser: Browser
let app: AppServer
let git: GitServer
let registry: Registry
const root = mkdtempSync(join(tmpdir(), 'coder-install-ui-'))

beforeAll(async () => {
  ;[browser, app, git, registry] = await Promise.all([connectBrowser(), startAppServer(), startGitServer({ root: join(root, 'repos') }), startFixtureRegistry()])
}, 120_000)
afterAll(async () => {
  await app?.close()
  await git?.close()
  await browser?.close()
  rmSync(root, { recursive: true, force: true })
})

const filesOf = (dir: string): FileSpec[] => projectFiles(dir).map((f) => ({ path: f.path, content: f.text }))

describe('dependencies in the IDE', () => {
  it('installs a repository’s dependencies when its tests are run, then passes them as natively', { timeout: 240_000 }, async () => {
    const project = join(root, 'with-deps')
    await makeFixtureProject(registry, 'basic', project)
    await makeRepo(join(root, 'repos', 'with-deps.git'), { files: filesOf(project), commits: [] })
    const native = await nativeNpm(['ci', '--ignore-scripts'], project, registry)
    expect(native.code, native.stderr).toBe(0)
    const nativeTest = await nativeNpm(['test'], project, registry)
    expect(nativeTest.stdout).toMatch(/# pass 4/)

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    await importThroughUi(page, app.url, `${git.url}/with-deps.git`, 'with-deps')
    // Every state the status bar's progress bar goes through, however briefly it is shown.
    await page.evaluate(() => {
      const seen: string[] = ((window as unknown as { seenTasks: string[] }).seenTasks = [])
      new MutationObserver(() => {
        for (const task of Array.from(document.querySelectorAll('.status-bar .task'))) {
          const bar = task.querySelector('progress')
          seen.push(`${task.textContent?.trim()}${bar ? ` <${bar.value}/${bar.max}>` : ''}`)
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true })
    })
    await page.getByRole('button', { name: 'Testing' }).click()
    const testing = page.getByRole('region', { name: 'Testing' })
    await testing.getByRole('button', { name: 'Run all tests' }).click()
    await expect.poll(() => testing.locator('.tests-summary').textContent(), { timeout: 120_000 }).toMatch(/^4 passed/)
    await testing.locator('.tests-output summary').click()
    const output = await testing.locator('.tests-output pre').textContent()
    expect(output).toContain('node_modules is missing: installing the dependencies first.')
    expect(output).toMatch(/added 3 packages/)
    expect(output).toMatch(/\[#{20}\] 3\/3 downloaded/)
    // The status bar showed the install's progress bar through to the end, then took it away.
    const seen = await page.evaluate(() => (window as unknown as { seenTasks: string[] }).seenTasks)
    expect(seen.some((s) => /npm install: Downloading 3\/3 · [\d.]+ K?B.*<3\/3>/.test(s)), seen.join('\n')).toBe(true)
    expect(seen.some((s) => /npm install: Extracting \d\/3 .*<\d\/3>/.test(s)), seen.join('\n')).toBe(true)
    await expect.poll(() => page.locator('.status-bar .task').count()).toBe(0)
    await context.close()
  })
})
