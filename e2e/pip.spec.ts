import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { startGitServer } from '../standins/git-server'
import { startAppServer } from './support/app-server'
import { connectBrowser } from './support/browser'
import { startDevServer } from './support/dev-server'
import { makeRepo } from './support/fixtures'
import { importThroughUi } from './support/ide'
import { startFixturePythonIndex, type PythonIndex } from './support/python-index'

// `pip install` in the tab (the embedded runtime, from the bench page) against a PEP 503 index on
// 127.0.0.1 serving wheels python3 built: versions and specifiers, dependencies and markers,
// hashes, the package cache making a second install work offline, and Python importing what
// pip installed; one page and one project throughout (pyodide loads once). Then, in the built IDE,
// the index set in Settings reaching pip in a terminal.
let browser: Browser
let app: { url: string; close: () => Promise<void> }
let index: PythonIndex
let context: BrowserContext
let page: Page
let projectId: string

type Bench = {
  runtimeProject(files: Array<{ path: string; text: string }>): Promise<string>
  runtimeRun(projectId: string, line: string): Promise<{ code: number; output: string; ms: number }>
  runtimeWrite(projectId: string, path: string, text: string): Promise<void>
}
const bench = <K extends keyof Bench>(method: K, ...args: Parameters<Bench[K]>) =>
  page.evaluate(([m, a]) => ((window as unknown as { coderBench: Record<string, (...x: unknown[]) => unknown> }).coderBench[m as string]!(...(a as unknown[])) as Promise<unknown>), [method, args] as const) as ReturnType<Bench[K]>
const run = (line: string) => bench('runtimeRun', projectId, line)

/** Every file of the environment with its size, as Python sees it: what must not change when an install fails. */
const LIST_VENV = `python -c "import os; print(sorted((os.path.join(d, f), os.path.getsize(os.path.join(d, f))) for d, _, fs in os.walk('.venv') for f in fs))"`

const PROJECT = [
  { path: 'app.py', text: 'import tool_kit\nprint(tool_kit.hello("tab"), tool_kit.GREET_VERSION)\n' },
  { path: 'requirements.txt', text: '# what the app needs\nTool_Kit==1.0  # brings greet>=1.5,<2\n' },
  {
    path: 'test_app.py',
    text: 'import unittest\nimport greet\nimport tool_kit\n\n\nclass AppTest(unittest.TestCase):\n    def test_greets(self):\n        self.assertEqual(tool_kit.hello("x"), "hello, x")\n\n    def test_greet_version(self):\n        self.assertEqual(greet.VERSION, "1.5.0")\n',
  },
]

beforeAll(async () => {
  ;[browser, app, index] = await Promise.all([connectBrowser(), startDevServer(), startFixturePythonIndex()])
  context = await browser.newContext()
  // The dev server's live reload would reload the page whenever a source file changes while the
  // spec runs, losing the shared runtime: its socket is answered here and told nothing.
  await context.routeWebSocket((url) => url.origin.replace(/^ws/, 'http') === app.url, () => undefined)
  page = await context.newPage()
  await page.goto(`${app.url}/bench.html`)
  await page.waitForFunction(() => 'coderBench' in window, null, { timeout: 120_000 })
  projectId = await bench('runtimeProject', PROJECT)
}, 180_000)
afterAll(async () => {
  await context?.close()
  await app?.close()
  await browser?.close()
  await index?.close()
})

describe('pip install in the tab', () => {
  it('says how to configure an index when none is', async () => {
    const r = await run('pip install greet')
    expect(r.code).toBe(1)
    expect(r.output).toContain('no Python package index is configured')
    expect(r.output).toContain('Settings')
    expect(r.output).toContain('pip.conf')
  })

  it('installs the highest final release from PIP_INDEX_URL, which Python then imports', async () => {
    const r = await run(`PIP_INDEX_URL=${index.url} pip install greet`)
    expect(r.code, r.output).toBe(0)
    expect(r.output).toContain(`Looking in indexes: ${index.url}`)
    expect(r.output).toContain('Downloading greet-2.0.0-py3-none-any.whl')
    expect(r.output).toContain('Successfully installed greet-2.0.0')
    const py = await run('python -c "import greet; print(greet.VERSION)"')
    expect(py.code, py.output).toBe(0)
    expect(py.output.trim()).toBe('2.0.0')
    // Asking again changes nothing and fetches nothing.
    const before = index.requests.length
    const again = await run(`PIP_INDEX_URL=${index.url} python -m pip install "greet>=2"`)
    expect(again.code, again.output).toBe(0)
    expect(again.output).toContain('Requirement already satisfied: greet')
    expect(index.requests.slice(before)).toEqual([])
  })

  it('installs requirements.txt with the index from pip.conf: the pinned version, its dependency, not its marker-excluded one', async () => {
    await bench('runtimeWrite', projectId, 'pip.conf', `[global]\nindex-url = ${index.url}\n`)
    const before = index.requests.length
    const r = await run('pip install -r requirements.txt')
    expect(r.code, r.output).toBe(0)
    // greet 2.0.0 does not satisfy tool_kit's greet>=1.5,<2: it is replaced by 1.5.0.
    expect(r.output).toContain('Found existing installation: greet 2.0.0')
    expect(r.output).toMatch(/Successfully installed greet-1\.5\.0 tool_kit-1\.0\n/)
    const fetched = index.requests.slice(before)
    expect(fetched).toContain('/simple/tool-kit/')
    expect(fetched.some((path) => path.includes('winonly'))).toBe(false)
    expect((await run('python app.py')).output.trim()).toBe('hello, tab 1.5.0')
    // The console script tool_kit declares runs from .venv/bin.
    expect((await run('toolkit there')).output.trim()).toBe('hello, there')
    expect((await run('pip freeze')).output).toBe('greet==1.5.0\ntool_kit==1.0\n')
    expect((await run('pip list')).output).toBe('Package  Version\n-------- -------\ngreet    1.5.0\ntool_kit 1.0\n')
    const tests = await run('python -m unittest -v')
    expect(tests.code, tests.output).toBe(0)
    expect(tests.output).toMatch(/Ran 2 tests[\s\S]*OK/)
  })

  it('refuses a wheel whose hash does not match the index, leaving .venv as it was', async () => {
    const venv = (await run(LIST_VENV)).output
    expect(venv).toContain('site-packages/greet/__init__.py')
    const r = await run('pip install badhash')
    expect(r.code).toBe(1)
    expect(r.output).toContain('badhash-1.0-py3-none-any.whl does not match the hash the package index gives for it')
    expect(r.output).toContain('Nothing was installed')
    expect((await run(LIST_VENV)).output).toBe(venv)
    expect((await run('pip freeze')).output).toBe('greet==1.5.0\ntool_kit==1.0\n')
  })

  it('explains what cannot be installed: a source-only project, conflicting requirements, a missing project', async () => {
    const sdist = await run('pip install sdistonly')
    expect(sdist.code).toBe(1)
    expect(sdist.output).toContain('Only wheels can be installed in the tab: sdistonly 1.0 publishes only a source distribution')
    const conflict = await run('pip install tool-kit needs-old-greet')
    expect(conflict.code).toBe(1)
    expect(conflict.output).toContain('conflicting dependencies')
    expect(conflict.output).toMatch(/tool.kit 1\.0 depends on greet>=1\.5,<2/)
    expect(conflict.output).toContain('needs-old-greet 1.0 depends on greet<1.5')
    const missing = await run('pip install no-such-project')
    expect(missing.code).toBe(1)
    expect(missing.output).toContain('No matching distribution found for no-such-project')
    expect((await run('pip freeze')).output).toBe('greet==1.5.0\ntool_kit==1.0\n')
  })

  it('installs again offline from the package cache, asking the index nothing', async () => {
    const venv = (await run(LIST_VENV)).output
    const before = index.requests.length
    await context.setOffline(true)
    try {
      const r = await run('rm -rf .venv && pip install -r requirements.txt')
      expect(r.code, r.output).toBe(0)
      expect(r.output).toContain('Using cached tool_kit-1.0-py3-none-any.whl')
      expect(r.output).toContain('Successfully installed greet-1.5.0 tool_kit-1.0')
      expect((await run(LIST_VENV)).output).toBe(venv)
      expect((await run('python -m unittest')).code).toBe(0)
      const nothing = await run('pip install never-fetched')
      expect(nothing.code).toBe(1)
      expect(nothing.output).toContain('could not reach the package index')
      expect(nothing.output).toContain('nothing is cached for never-fetched')
    } finally {
      await context.setOffline(false)
    }
    expect(index.requests.slice(before)).toEqual([])
  })

  it('uninstalls: files, console script and metadata go, Python no longer finds the package', async () => {
    const r = await run('pip uninstall -y tool-kit')
    expect(r.code, r.output).toBe(0)
    expect(r.output).toContain('Successfully uninstalled tool_kit-1.0')
    expect((await run('pip freeze')).output).toBe('greet==1.5.0\n')
    const venv = (await run(LIST_VENV)).output
    expect(venv).not.toContain('tool_kit')
    expect(venv).not.toContain('bin/toolkit')
    const py = await run('python -c "import tool_kit"')
    expect(py.code).toBe(1)
    expect(py.output).toContain("ModuleNotFoundError: No module named 'tool_kit'")
    expect((await run('pip uninstall -y tool-kit')).output).toContain('WARNING: Skipping tool-kit as it is not installed.')
  })
})

describe('pip in the IDE', () => {
  it('installs from the Python package index set in Settings, in a terminal', async () => {
    const root = mkdtempSync(join(tmpdir(), 'coder-pip-ui-'))
    await makeRepo(join(root, 'pyapp.git'), { files: [{ path: 'requirements.txt', content: 'greet<2\n' }], commits: [] })
    const [site, git] = await Promise.all([startAppServer(), startGitServer({ root })])
    const ide = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    try {
      const ui = await ide.newPage()
      await ui.goto(site.url)
      await ui.getByRole('button', { name: 'Settings' }).click()
      await ui.getByLabel(/Python package index/).fill(index.url)
      await ui.getByRole('button', { name: 'Save' }).click()
      await importThroughUi(ui, site.url, `${git.url}/pyapp.git`, 'pyapp')
      await ui.keyboard.press('Control+j')
      const screen = async () => (await ui.locator('.terminal-view:visible .xterm-rows > div').allInnerTexts()).map((r) => r.replace(/\s+$/, '')).join('\n')
      await expect.poll(screen, { timeout: 30_000 }).toContain('~ $')
      await ui.locator('.terminal-view:visible .xterm').click()
      await ui.keyboard.type('pip install -r requirements.txt && pip freeze')
      await ui.keyboard.press('Enter')
      await expect.poll(screen, { timeout: 60_000 }).toContain('greet==1.5.0')
      expect(await screen()).toContain(`Looking in indexes: ${index.url}`)
    } finally {
      await ide.close()
      await Promise.all([site.close(), git.close()])
      rmSync(root, { recursive: true, force: true })
    }
  })
})
