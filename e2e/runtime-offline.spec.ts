import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { connectBrowser } from './support/browser'
import { startAppServer, type AppServer } from './support/app-server'
import { importThroughUi } from './support/ide'
import { makeRepo, type FileSpec } from './support/fixtures'
import { startGitServer, type GitServer } from '../standins/git-server'

// Everything the runtime offers, in the built IDE with the browser offline (network disabled in
// the context, after one online visit): node --test, vitest-style TypeScript, Python unittest, a
// WASI binary, the Testing view and the in-tab preview — served by the service worker, run in the tab.
let browser: Browser
let app: AppServer
let git: GitServer
const root = mkdtempSync(join(tmpdir(), 'coder-runtime-offline-'))
const screenshots = join(process.cwd(), 'test-results', 'screenshots')
const echoWasm = readFileSync(join(process.cwd(), 'worker/runtime/sandbox/__fixtures__/wasi/echo.wasm'))

const FILES: FileSpec[] = [
  { path: 'package.json', content: '{ "name": "polyglot", "scripts": { "test": "node --test" } }\n' },
  { path: 'math.js', content: 'exports.add = (a, b) => a + b\n' },
  { path: 'test/math.test.js', content: "const test = require('node:test')\nconst assert = require('node:assert')\nconst { add } = require('../math.js')\ntest('adds', () => assert.strictEqual(add(2, 3), 5))\n" },
  { path: 'src/shout.ts', content: 'export const shout = (s: string): string => s.toUpperCase() + "!"\n' },
  { path: 'src/shout.spec.ts', content: "import { expect, it } from 'vitest'\nimport { shout } from './shout'\nit('shouts', () => expect(shout('hi')).toBe('HI!'))\n" },
  { path: 'calc.py', content: 'def double(n):\n    return n * 2\n' },
  { path: 'test_calc.py', content: 'import unittest\nfrom calc import double\n\nclass DoubleTest(unittest.TestCase):\n    def test_double(self):\n        self.assertEqual(double(21), 42)\n' },
  { path: 'bin/echo.wasm', content: echoWasm },
  { path: 'site/index.html', content: '<!doctype html><title>Site</title><script src="app.js"></script><body></body>\n' },
  { path: 'site/app.js', content: "addEventListener('DOMContentLoaded', () => (document.body.textContent = 'served from the workspace'))\n" },
]

beforeAll(async () => {
  mkdirSync(screenshots, { recursive: true })
  await makeRepo(join(root, 'polyglot.git'), { files: FILES, commits: [] })
  ;[browser, app, git] = await Promise.all([connectBrowser(), startAppServer(), startGitServer({ root })])
})
afterAll(async () => {
  await app?.close()
  await git?.close()
  await browser?.close()
  rmSync(root, { recursive: true, force: true })
})

/** The visible terminal's screen, one string per row. */
const screen = async (page: Page) => (await page.locator('.terminal-view:visible .xterm-rows > div').allInnerTexts()).map((r) => r.replace(/\s+$/, '')).join('\n')
const lastLine = async (page: Page) => (await page.locator('.terminal-view:visible .xterm-rows > div').allInnerTexts()).map((r) => r.replace(/\s+$/, '')).filter(Boolean).at(-1) ?? ''

async function run(page: Page, line: string, expected: RegExp) {
  await page.keyboard.type(line)
  await page.keyboard.press('Enter')
  await expect.poll(() => screen(page), { timeout: 90_000 }).toMatch(expected)
  await expect.poll(() => lastLine(page), { timeout: 30_000 }).toMatch(/\$$/)
}

describe('the runtime offline', () => {
  it('runs node, vitest-style TypeScript, Python and WASI, tests and the preview with the network off', { timeout: 300_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    await importThroughUi(page, app.url, `${git.url}/polyglot.git`, 'polyglot')
    const projectUrl = page.url()
    // The service worker takes the whole build, esbuild's and pyodide's files included.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 })
    const cached = () => page.evaluate(async () => (await (await caches.open('coder-assets')).keys()).map((r) => new URL(r.url).pathname))
    await expect.poll(async () => {
      const paths = await cached()
      return [paths.some((p) => /esbuild.*\.wasm$/.test(p)), paths.some((p) => /pyodide-[^/]+\/pyodide\.asm\.wasm$/.test(p)), paths.some((p) => /pyodide-[^/]+\/python_stdlib\.zip$/.test(p))]
    }, { timeout: 120_000 }).toEqual([true, true, true])

    await context.setOffline(true)
    await page.goto(projectUrl)
    await expect.poll(() => page.locator('.project-name').textContent(), { timeout: 30_000 }).toBe('polyglot')

    await page.keyboard.press('Control+j')
    await expect.poll(() => page.locator('.terminal-view .xterm').count(), { timeout: 30_000 }).toBe(1)
    await expect.poll(() => lastLine(page)).toMatch(/\$$/)
    await page.locator('.terminal-view:visible .xterm').click()
    await run(page, 'npm test', /ℹ pass 1/)
    await run(page, 'npx vitest run src', /Tests\s+1 passed/)
    await run(page, 'python -m unittest', /Ran 1 test[\s\S]*OK/)
    await run(page, 'echo from wasi | bin/echo.wasm', /^from wasi$/m)
    await page.screenshot({ path: join(screenshots, 'runtime-offline-terminal.png') })

    // The Testing view runs the project's tests (node --test, from package.json).
    await page.getByRole('button', { name: 'Testing' }).click()
    const testing = page.getByRole('region', { name: 'Testing' })
    await testing.getByRole('button', { name: 'Run all tests' }).click()
    await expect.poll(() => testing.locator('.tests-summary').textContent(), { timeout: 60_000 }).toContain('1 passed')

    // The preview pane shows the static site from the workspace, through the service worker.
    await page.getByRole('tab', { name: 'Preview' }).click()
    const address = page.locator('.preview-bar input')
    await address.fill('/site/')
    await address.press('Enter')
    const frame = page.frameLocator('iframe[title="Preview"]')
    await expect.poll(() => frame.locator('body').textContent(), { timeout: 30_000 }).toBe('served from the workspace')
    await page.screenshot({ path: join(screenshots, 'runtime-offline-preview.png') })
    await context.close()
  })
})
