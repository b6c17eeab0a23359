import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { TestReport } from '../shared/runtime'
import { connectBrowser } from './support/browser'
import { startDevServer } from './support/dev-server'
import { listRealProjects, parseAssertScript, readProjectFiles, runNative, type TestCounts } from './support/real-projects'

// Real small open-source projects: their tests run in the tab (the embedded runtime, from the bench page,
// through `npm test` / `python -m unittest` as a user types it) and natively on this machine, in
// the same test; the counts and exit codes must be identical.
let browser: Browser
let app: { url: string; close: () => Promise<void> }
let context: BrowserContext
let page: Page

beforeAll(async () => {
  ;[browser, app] = await Promise.all([connectBrowser(), startDevServer()])
  context = await browser.newContext()
  page = await context.newPage()
  await page.goto(`${app.url}/bench.html`)
  await page.waitForFunction(() => 'coderBench' in window, null, { timeout: 120_000 })
})
afterAll(async () => {
  await context?.close()
  await app?.close()
  await browser?.close()
})

const decoder = new TextDecoder()

function countsOf(reports: TestReport[]): TestCounts {
  const sum = { passed: 0, failed: 0, skipped: 0, todo: 0, total: 0 }
  for (const r of reports) for (const k of Object.keys(sum) as Array<keyof TestCounts>) sum[k] += r.counts[k]
  return sum
}

describe('real projects: the same results in the tab as natively', () => {
  const projects = listRealProjects()
  it('has fixtures of every kind the issue names', () => {
    const runners = new Set(projects.map((p) => p.runner))
    expect([...runners].sort()).toEqual(['assert-script', 'node-test', 'python-unittest', 'vitest'])
    expect(projects.length).toBeGreaterThanOrEqual(6)
  })

  for (const project of projects) {
    it(`${project.name} (${project.runner}): identical counts and exit code`, { timeout: 240_000 }, async () => {
      const files = readProjectFiles(project).map((f) => ({ path: f.path, text: decoder.decode(f.data) }))
      const line = project.runner === 'python-unittest' ? 'python -m unittest' : 'npm test'
      const [native, tab] = await Promise.all([
        runNative(project),
        page.evaluate(([f, l]) => (window as unknown as { coderBench: { runtimeCommand(f: unknown, l: string): Promise<{ code: number; output: string; reports: TestReport[] }> } }).coderBench.runtimeCommand(f, l), [files, line] as const),
      ])
      const counts = project.runner === 'assert-script' ? parseAssertScript(tab.output) : countsOf(tab.reports)
      expect({ counts, code: tab.code }, `in the tab:\n${tab.output}`).toEqual({ counts: native.counts, code: native.exitCode })
      expect(counts.total).toBeGreaterThan(0)
    })
  }
})
