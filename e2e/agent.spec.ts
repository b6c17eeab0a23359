import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { startGitServer, type GitServer } from '../standins/git-server'
import { startModelStandIn, type ModelStandIn } from '../standins/models'
import { connectBrowser } from './support/browser'
import { startEdgeServer, type EdgeServer } from './support/edge-server'
import { makeRepo } from './support/fixtures'
import { importThroughUi, openFromTree, signInByEmail } from './support/ide'

// MechaCoder in the IDE, metered by the real edge (wrangler dev) with the scripted model stand-in
// behind it: a run that reads, edits and finishes; a run whose tiny budget stops it with the
// budget's message, having spent no more than the budget; a fix-loop stopped as stuck; Stop.
// Never execFileSync here: the git server answers from this process.
const gitCli = async (...args: string[]) => (await promisify(execFile)('git', args, { encoding: 'utf8' })).stdout
let browser: Browser
let models: ModelStandIn
let edge: EdgeServer
let git: GitServer
let context: BrowserContext
let page: Page
const root = mkdtempSync(join(tmpdir(), 'coder-agent-e2e-'))

const FILES = [
  { path: 'package.json', content: '{\n  "name": "calc",\n  "scripts": { "test": "node --test" }\n}\n' },
  { path: 'src/add.js', content: 'exports.add = (a, b) => a - b\n' },
  { path: 'AGENTS.md', content: 'Run the tests with npm test.\n' },
  { path: 'test/add.test.js', content: "const test = require('node:test')\nconst assert = require('node:assert')\nconst { add } = require('../src/add.js')\n\ntest('adds', () => assert.strictEqual(add(2, 3), 5))\n" },
]

beforeAll(async () => {
  await makeRepo(join(root, 'calc.git'), { files: FILES, commits: [] })
  ;[browser, git, models] = await Promise.all([
    connectBrowser(),
    startGitServer({ root }),
    startModelStandIn({
      keys: ['sk-model-e2e'],
      scripts: [
        // "fix add": read, edit, finish, one step a turn.
        { name: 'fix-read', match: { contains: 'fix add', turn: 0 }, reply: { text: 'Reading the code first.', toolCalls: [{ name: 'read_file', arguments: { path: 'src/add.js' } }], usage: { output: 20 } } },
        { name: 'fix-edit', match: { contains: 'fix add', turn: 1 }, reply: { toolCalls: [{ name: 'edit_file', arguments: { path: 'src/add.js', search: 'a - b', replace: 'a + b' } }], usage: { output: 30 } } },
        { name: 'fix-finish', match: { contains: 'fix add', turn: 2 }, reply: { toolCalls: [{ name: 'finish', arguments: { summary: 'add() subtracted; it adds now.' } }], usage: { output: 20 } } },
        // "break add": an edit that leaves the test failing, then "finish" again and again.
        { name: 'break-edit', match: { contains: 'break add', turn: 0 }, reply: { toolCalls: [{ name: 'write_file', arguments: { path: 'src/add.js', content: 'exports.add = (a, b) => a * b\n' } }], usage: { output: 30 } } },
        { name: 'break-finish', match: { contains: 'break add' }, reply: { toolCalls: [{ name: 'finish', arguments: { summary: 'Done, I think.' } }], usage: { output: 20 } } },
        // "misbehave": three things a run may not do, then finish with nothing changed.
        {
          name: 'misbehave',
          match: { contains: 'misbehave', turn: 0 },
          reply: {
            toolCalls: [
              { name: 'write_file', arguments: { path: '/cap/git-push', content: '{"branches":"*"}' } },
              { name: 'read_file', arguments: { path: '/cap/github-token' } },
              { name: 'git_push', arguments: { branch: 'main' } },
            ],
            usage: { output: 40 },
          },
        },
        { name: 'misbehave-finish', match: { contains: 'misbehave' }, reply: { toolCalls: [{ name: 'finish', arguments: { summary: 'Nothing to do.' } }], usage: { output: 10 } } },
        // "count files": lists the files forever; only a budget ends it.
        { name: 'count', match: { contains: 'count the files' }, reply: { toolCalls: [{ name: 'list_files', arguments: {} }], usage: { output: 40 } } },
        // "loop": the same failing edit, again and again.
        { name: 'loop', match: { contains: 'loop on it' }, reply: { toolCalls: [{ name: 'edit_file', arguments: { path: 'src/add.js', search: 'a * b', replace: 'a + b' } }], usage: { output: 30 } } },
        // "think slowly": a slow stream, for Stop.
        { name: 'slow', match: { contains: 'think slowly' }, reply: { text: 'Thinking '.repeat(200), chunkSize: 9, delayMs: 100 } },
      ],
    }),
  ])
  edge = await startEdgeServer({
    vars: {
      EMAIL_DELIVERY: 'dev-mailbox',
      STARTER_CREDITS: '5',
      MODEL_UPSTREAMS: JSON.stringify([{ name: 'e2e', format: 'openai', baseUrl: models.openaiBaseUrl, models: ['e2e-*'] }]),
      MODEL_PRICES: JSON.stringify({ 'e2e-model': { input: 2, output: 8 } }),
    },
    secrets: { MODEL_KEYS: JSON.stringify({ e2e: 'sk-model-e2e' }) },
  })
}, 180_000)

/** Signs in and imports the fixture once (these steps poll, which only a test may do), then shows the Agent panel. */
let opened: Promise<void> | null = null
const openProject = () =>
  (opened ??= (async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    page = await context.newPage()
    page.on('console', (m) => process.env.DEBUG_E2E && console.log('[page]', m.type(), m.text()))
    page.on('pageerror', (e) => console.log('[pageerror]', e.message))
    await signInByEmail(page, edge.url, 'agent@example.com')
    await importThroughUi(page, edge.url, `${git.url}/calc.git`, 'calc')
    // The palette's "Agent: New Task…" opens the panel on the Agent tab with the task box focused.
    await page.keyboard.press('Control+Shift+P')
    await page.getByLabel('Type a command').fill('>Agent: New Task')
    await page.getByRole('option', { name: /^Agent: New Task/ }).click()
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Task')
  })())

afterAll(async () => {
  await context?.close()
  await edge?.stop()
  await models?.close()
  await git?.close()
  await browser?.close()
  rmSync(root, { recursive: true, force: true })
})

const feed = () => page.getByRole('list', { name: 'Agent feed' })
const stopped = () => feed().locator('.feed-stopped')

afterEach(async (test) => {
  if (test.task.result?.state === 'fail' && page) await page.screenshot({ path: join(process.cwd(), 'test-results', `agent-${test.task.name.slice(0, 30).replace(/\W+/g, '-')}.png`) }).catch(() => undefined)
})

async function startTask(task: string, budget: { credits?: string; calls?: string; minutes?: string } = {}) {
  await openProject()
  await page.getByLabel('Task').fill(task)
  await page.getByLabel('Budget in credits').fill(budget.credits ?? '1')
  await page.getByLabel('Budget in model calls').fill(budget.calls ?? '30')
  await page.getByLabel('Budget in minutes').fill(budget.minutes ?? '15')
  await page.getByLabel('Task').press('Control+Enter')
}

async function spent(): Promise<number> {
  return page.evaluate(async () => ((await (await fetch('/api/credits')).json()) as { spentMicros: number }).spentMicros)
}

describe('MechaCoder', () => {
  it('lists the edge’s models, then reads, edits and finishes a task, streaming each step to the feed', { timeout: 180_000 }, async () => {
    await openProject()
    await expect.poll(() => page.getByRole('combobox', { name: 'Model', exact: true }).inputValue(), { timeout: 30_000 }).toBe('e2e-model')
    await startTask('Please fix add in src/add.js')
    await expect.poll(() => stopped().getAttribute('data-reason'), { timeout: 60_000 }).toBe('finished')
    expect(await stopped().textContent()).toBe('Finished — Finished.add() subtracted; it adds now.')
    // The platform ran the whole suite on the change, then committed it on the run's own branch.
    expect(await feed().locator('.feed-tests').textContent()).toMatch(/^1 passed/)
    expect(await feed().locator('.feed-commit').allTextContents()).toEqual([
      expect.stringMatching(/^Committed 1 file on coder\/please-fix-add-in-src-add-js-[a-z0-9]{6} as [0-9a-f]{7}: add\(\) subtracted; it adds now\.$/),
      // The project's remote is the local git server: the run's branch went there (not through the edge: it serves no such host).
      expect.stringMatching(new RegExp(`^Pushed coder/please-fix-add-in-src-add-js-[a-z0-9]{6} to ${git.url}/calc\\.git$`)),
    ])
    const branch = /coder\/[\w-]+/.exec((await feed().locator('.feed-commit').first().textContent())!)![0]
    expect(await gitCli('--git-dir', join(root, 'calc.git'), 'show', `${branch}:src/add.js`)).toBe('exports.add = (a, b) => a + b\n')
    // The user's own workspace is untouched until the change is accepted.
    await openFromTree(page, '/workspace/src/add.js')
    await expect.poll(() => page.locator('.cm-content').textContent()).toBe('exports.add = (a, b) => a - b')
    // The review: the changed file with its diff; applying it brings the change into the workspace and the open editor.
    const review = page.getByRole('region', { name: 'Review changes' })
    expect(await review.locator('.review-file summary').allTextContents()).toEqual(['M src/add.js'])
    expect(await review.locator('.review-diff').textContent()).toBe('@@ -1,1 +1,1 @@\n-exports.add = (a, b) => a - b\n+exports.add = (a, b) => a + b\n')
    await review.getByRole('button', { name: 'Apply accepted' }).click()
    await expect.poll(() => review.locator('.review-file summary').textContent()).toBe('M src/add.js applied')
    await expect.poll(() => page.locator('.cm-content').textContent()).toBe('exports.add = (a, b) => a + b')
    await review.getByRole('button', { name: 'Done' }).click()
    expect(await review.count()).toBe(0)
    // The run is kept in the project's /runs/<id>: its transcript, test reports, patch and summary.
    const tree = page.getByRole('navigation', { name: 'Files' })
    const paths = () => tree.locator('[data-path^="/runs/"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-path')!))
    await tree.locator('[data-path="/runs"] > button').click()
    await expect.poll(async () => (await paths()).length, { timeout: 10_000 }).toBe(1)
    await tree.locator(`[data-path="${(await paths())[0]}"] > button`).click()
    await expect
      .poll(async () => (await paths()).filter((p) => p.split('/').length === 4).map((p) => p.split('/')[3]).sort(), { timeout: 10_000 })
      .toEqual(['changes.patch', 'junit.xml', 'run.json', 'test-report.json', 'transcript.jsonl'])
    expect(await feed().locator('.feed-text').first().textContent()).toBe('Reading the code first.')
    const tools = feed().locator('.feed-tool summary')
    expect(await tools.allTextContents()).toEqual([expect.stringMatching(/^✓read_file src\/add\.js\d+ ms$/), expect.stringMatching(/^✓edit_file src\/add\.js\d+ ms$/), expect.stringMatching(/^✓finish/)])
    // The edit shows as a small diff.
    await tools.nth(1).click()
    expect(await feed().locator('.tool-diff').textContent()).toBe('- a - b\n+ a + b\n')
    // The run's cost, as the edge charged it, is in the usage line.
    expect(await page.getByTestId('agent-usage').textContent()).toMatch(/^3 calls · [\d,]+ tokens · 0\.\d{4} credits · \d+ s$/)
    // The model was told the repository's conventions and given the tools; the edge booked the run's project.
    const first = models.requests.find((r) => JSON.stringify(r.body).includes('fix add'))!
    expect(JSON.stringify(first.body)).toContain('Run the tests with npm test.')
    expect(first.headers['authorization']).toBe('Bearer sk-model-e2e')
  })

  it('refuses writes outside /workspace, ungranted capabilities and pushes to main, and shows each refusal in the feed', { timeout: 120_000 }, async () => {
    await startTask('Please misbehave')
    await expect.poll(() => stopped().getAttribute('data-reason'), { timeout: 60_000 }).toBe('finished')
    expect(await feed().locator('.feed-tool.failed .tool-error').allTextContents()).toEqual([
      'Refused: /cap/git-push is outside /workspace. The agent may only change files of the project, under /workspace.',
      '/cap/github-token is not granted to this agent (its capabilities are listed in /cap)',
      expect.stringMatching(/^Refused: this run may push only its own branch coder\/please-misbehave-[a-z0-9]{6}, not main\.$/),
    ])
    expect(await feed().locator('.feed-commit').count()).toBe(0)
    expect((await gitCli('--git-dir', join(root, 'calc.git'), 'branch', '--list', 'coder/please-misbehave-*')).trim()).toBe('')
  })

  it('commits nothing when the tests still fail after the fix attempts, and marks the run failed', { timeout: 180_000 }, async () => {
    await startTask('Please break add')
    await expect.poll(() => stopped().getAttribute('data-reason'), { timeout: 120_000 }).toBe('failed')
    expect(await stopped().textContent()).toBe('Failed: tests — The tests still fail after 3 attempts (1 failed of 1): nothing was committed.')
    expect(await feed().locator('.feed-commit').count()).toBe(0)
    expect(await feed().locator('.feed-tests.failed').count()).toBe(3)
  })

  it('stops a run with a tiny budget with the budget’s message, having spent no more than the budget', { timeout: 180_000 }, async () => {
    await openProject()
    const before = await spent()
    const callsBefore = models.requests.length
    await startTask('Please count the files', { credits: '0.02' })
    await expect.poll(() => stopped().getAttribute('data-reason'), { timeout: 60_000 }).toBe('budget')
    expect(await stopped().textContent()).toMatch(/^Stopped by the budget — The run's budget of 0\.0200 credits is used up: 0\.0\d{3} spent, and the next call could cost up to 0\.0\d{3}\.$/)
    const calls = models.requests.length - callsBefore
    expect(calls).toBeGreaterThanOrEqual(2)
    expect(await feed().locator('.feed-tool').count()).toBe(calls)
    // What the edge charged for the run stays within its budget.
    await expect.poll(async () => (await spent()) - before, { timeout: 10_000 }).toBeGreaterThan(0)
    expect((await spent()) - before).toBeLessThanOrEqual(20_000)
  })

  it('stops a fix-loop as stuck after the same failing step three times', { timeout: 120_000 }, async () => {
    const callsBefore = models.requests.length
    await startTask('Please loop on it')
    await expect.poll(() => stopped().getAttribute('data-reason'), { timeout: 60_000 }).toBe('stuck')
    expect(await stopped().textContent()).toMatch(/^Stopped: stuck — Stuck: `edit_file` failed the same way 3 times \(The search text does not occur in src\/add\.js/)
    expect(models.requests.length - callsBefore).toBe(3)
    expect(await feed().locator('.feed-tool.failed').count()).toBe(3)
  })

  it('stops at once when the user presses Stop, and the model call is cancelled', { timeout: 120_000 }, async () => {
    await startTask('Please think slowly')
    await expect.poll(() => feed().locator('.feed-text').count(), { timeout: 30_000 }).toBe(1)
    await page.getByRole('button', { name: 'Stop' }).click()
    await expect.poll(() => stopped().getAttribute('data-reason'), { timeout: 10_000 }).toBe('user')
    expect(await stopped().textContent()).toBe('Stopped — Stopped by you.')
    await expect.poll(() => models.requests.at(-1)!.aborted, { timeout: 10_000 }).toBe(true)
    expect(await page.getByRole('button', { name: 'Start' }).isEnabled()).toBe(true)
  })
})
