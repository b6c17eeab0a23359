import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { connectBrowser } from './support/browser'
import { startAppServer } from './support/app-server'
import { activeTab, importThroughUi, openFromTree } from './support/ide'
import { makeRepo, type FileSpec } from './support/fixtures'
import { startGitServer, type GitServer } from '../standins/git-server'

// The runtime in the IDE, in real Chromium against the built app: terminals running shell lines
// (cwd kept, Ctrl-C, independent tabs), the Run button, and the Testing view (live results,
// failure message and diff, jump to the failing line, re-run on save).
let browser: Browser
let app: { url: string; close: () => Promise<void> }
let git: GitServer
const root = mkdtempSync(join(tmpdir(), 'coder-runtime-ui-'))
const screenshots = join(process.cwd(), 'test-results', 'screenshots')

const FILES: FileSpec[] = [
  { path: 'package.json', content: '{\n  "name": "calc",\n  "scripts": { "test": "node --test" }\n}\n' },
  { path: 'math.js', content: 'exports.add = (a, b) => a + b\nexports.mul = (a, b) => a * b\n' },
  { path: 'hello.js', content: "console.log('hi from ' + require('./math.js').add(1, 2))\n" },
  {
    path: 'test/math.test.js',
    content: [
      "const test = require('node:test')",
      "const assert = require('node:assert')",
      "const { add, mul } = require('../math.js')",
      '',
      "test('adds', () => {",
      '  assert.strictEqual(add(2, 3), 5)',
      '})',
      '',
      "test('multiplies', () => {",
      '  assert.strictEqual(mul(2, 3), 5)',
      '})',
      '',
    ].join('\n'),
  },
]

beforeAll(async () => {
  mkdirSync(screenshots, { recursive: true })
  await makeRepo(join(root, 'calc.git'), { files: FILES, commits: [] })
  ;[browser, app, git] = await Promise.all([connectBrowser(), startAppServer(), startGitServer({ root })])
})
afterAll(async () => {
  await app?.close()
  await git?.close()
  await browser?.close()
  rmSync(root, { recursive: true, force: true })
})

async function withCalc(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  await importThroughUi(page, app.url, `${git.url}/calc.git`, 'calc')
  return { context, page }
}

const dirtyTabs = (page: Page) => page.locator('.tab .dirty').count()
/** The visible terminal's screen, one string per row, trailing spaces dropped. */
const screen = async (page: Page) => (await page.locator('.terminal-view:visible .xterm-rows > div').allInnerTexts()).map((r) => r.replace(/\s+$/, ''))
const lastLine = async (page: Page) => (await screen(page)).filter(Boolean).at(-1) ?? ''

/** Types a line in the focused terminal and presses Enter. */
async function run(page: Page, line: string) {
  await page.keyboard.type(line)
  await page.keyboard.press('Enter')
}

describe('the runtime in the IDE', () => {
  it('runs shell lines in terminals: output, cd, Ctrl-C, a second independent terminal, the Run button', async () => {
    const { context, page } = await withCalc()
    await page.keyboard.press('Control+j')
    await expect.poll(() => page.locator('.terminal-view .xterm').count(), { timeout: 30_000 }).toBe(1)
    await expect.poll(() => lastLine(page)).toBe('~ $')
    await page.locator('.terminal-view:visible .xterm').click()

    await run(page, 'echo hello')
    await expect.poll(() => screen(page), { timeout: 60_000 }).toContain('hello')
    await expect.poll(() => lastLine(page)).toBe('~ $')

    await run(page, 'cd test')
    await expect.poll(() => lastLine(page)).toBe('~/test $')
    await run(page, 'pwd')
    await expect.poll(() => screen(page)).toContain('/workspace/test')

    // Line editing: Home, then a typo fixed with Delete; history brings back `pwd`.
    await page.keyboard.type('xecho edited')
    await page.keyboard.press('Home')
    await page.keyboard.press('Delete')
    await page.keyboard.press('Enter')
    await expect.poll(() => screen(page)).toContain('edited')
    await page.keyboard.press('ArrowUp')
    await page.keyboard.press('ArrowUp')
    await expect.poll(() => lastLine(page)).toBe('~/test $ pwd')
    await page.keyboard.press('Control+u')
    await expect.poll(() => lastLine(page)).toBe('~/test $')

    // A process that never ends stops with Ctrl-C, and the prompt comes back.
    await run(page, 'node -e "setInterval(() => {}, 1000)"')
    await expect.poll(() => page.locator('.terminal-tab.active [role=tab]').textContent()).toBe('1: node')
    await page.waitForTimeout(300)
    await page.keyboard.press('Control+c')
    await expect.poll(() => screen(page)).toContain('^C')
    await expect.poll(() => lastLine(page), { timeout: 20_000 }).toBe('~/test $')
    await expect.poll(() => page.locator('.terminal-tab.active [role=tab]').textContent()).toBe('1: sh')
    await page.screenshot({ path: join(screenshots, 'terminal.png') })

    // A second terminal has its own directory and screen.
    await page.getByRole('button', { name: 'New terminal' }).click()
    await expect.poll(() => page.locator('.terminal-tab').count()).toBe(2)
    await expect.poll(() => lastLine(page)).toBe('~ $')
    await run(page, 'pwd')
    await expect.poll(() => screen(page)).toContain('/workspace')
    expect(await screen(page)).not.toContain('hello')
    await page.locator('.terminal-tab').first().getByRole('tab').click()
    await expect.poll(() => screen(page)).toContain('hello')
    await expect.poll(() => lastLine(page)).toBe('~/test $')

    // Run (F5) runs the active file in a free terminal.
    await openFromTree(page, '/workspace/hello.js')
    await page.keyboard.press('F5')
    await expect.poll(() => screen(page), { timeout: 30_000 }).toContain('hi from 3')
    await context.close()
  })

  it('runs the tests in the Testing view, opens a failure at its line, and re-runs on save', async () => {
    const { context, page } = await withCalc()
    await page.getByRole('button', { name: 'Testing' }).click()
    const testing = page.getByRole('region', { name: 'Testing' })
    await testing.getByRole('button', { name: 'Run all tests' }).click()
    const summary = testing.locator('.tests-summary')
    await expect.poll(() => summary.textContent(), { timeout: 60_000 }).toContain('1 passed · 1 failed')
    await expect.poll(() => page.locator('.status-bar .tests').textContent()).toBe('✓ 1 ✗ 1')
    const failed = testing.locator('.test-node.failed[data-name="multiplies"]')
    expect(await testing.locator('.test-file').getAttribute('data-file')).toBe('test/math.test.js')
    await expect.poll(() => failed.locator('.test-message').textContent()).toMatch(/strictly equal|6 !== 5/)
    await expect.poll(() => failed.locator('.test-diff .diff-line').allTextContents()).toEqual(['- 5', '+ 6'])
    expect(await testing.locator('.test-node.passed[data-name="adds"]').count()).toBe(1)
    await page.screenshot({ path: join(screenshots, 'testing.png') })

    await failed.locator('.test-name').click()
    await expect.poll(() => activeTab(page)).toBe('math.test.js')
    await expect.poll(() => page.locator('.editor-host .cm-activeLine').textContent()).toContain('mul(2, 3), 5')

    await testing.getByLabel('Re-run on save').check()
    await page.locator('.editor-host .cm-activeLine').click()
    await page.keyboard.press('End')
    await page.keyboard.press('Backspace')
    await page.keyboard.press('Backspace')
    await page.keyboard.type('6)')
    await page.keyboard.press('Control+s')
    await expect.poll(() => dirtyTabs(page)).toBe(0)
    await expect.poll(() => summary.textContent(), { timeout: 60_000 }).toContain('2 passed')
    expect(await summary.textContent()).not.toContain('failed')
    await expect.poll(() => page.locator('.status-bar .tests').textContent()).toBe('✓ 2 ✗ 0')

    // One test alone.
    await testing.locator('.test-node[data-name="adds"] .test-row').hover()
    await testing.getByRole('button', { name: 'Run test adds' }).click()
    await expect.poll(() => summary.textContent(), { timeout: 60_000 }).toMatch(/^1 passed/)
    await context.close()
  })
})
