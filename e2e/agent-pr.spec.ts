import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { startGitHubStandIn, type GitHubStandIn } from '../standins/github'
import { startModelStandIn, type ModelStandIn } from '../standins/models'
import { connectBrowser } from './support/browser'
import { signInWithGitHub } from './support/ide'
import { startEdgeServer, type EdgeServer } from './support/edge-server'

// MechaCoder end to end: a task on a GitHub repository (the stand-in) with a failing test becomes
// a tested commit on coder/<slug>, pushed through the edge's git proxy, a preview of its build
// served on its own origin, and a pull request whose body holds the test report, the preview's
// link and the run's cost. Native git sees the branch with the fix.
// Never execFileSync here: the stand-in answers from this process, so a blocked event loop deadlocks git.
const git = async (...args: string[]) => (await promisify(execFile)('git', args, { encoding: 'utf8' })).stdout
let browser: Browser
let github: GitHubStandIn
let models: ModelStandIn
let edge: EdgeServer
const root = mkdtempSync(join(tmpdir(), 'coder-agent-pr-'))
const ownerToken = 'ghp_e2e_agent_owner_token_00000000000000'

beforeAll(async () => {
  ;[browser, github, models] = await Promise.all([
    connectBrowser(),
    startGitHubStandIn({
      users: [{ login: 'ada', name: 'Ada Lovelace', email: 'ada@example.com' }],
      repos: [
        {
          owner: 'ada',
          name: 'calc',
          private: true,
          files: {
            'package.json': '{\n  "name": "calc",\n  "scripts": { "test": "node --test", "build": "node build.js" }\n}\n',
            'src/add.js': 'exports.add = (a, b) => a - b\n',
            // The site the preview publishes: built from the code, so it shows the fix.
            'build.js':
              "const fs = require('node:fs')\nconst { add } = require('./src/add.js')\nfs.mkdirSync('dist', { recursive: true })\nfs.writeFileSync('dist/index.html', `<!doctype html><title>calc</title><p>2 + 3 = ${add(2, 3)}</p>\\n`)\n",
            'test/add.test.js': "const test = require('node:test')\nconst assert = require('node:assert')\nconst { add } = require('../src/add.js')\n\ntest('adds', () => assert.strictEqual(add(2, 3), 5))\n",
          },
        },
      ],
      tokens: [{ token: ownerToken, login: 'ada' }],
    }),
    startModelStandIn({
      keys: ['sk-model-e2e'],
      scripts: [
        { name: 'read', match: { turn: 0 }, reply: { toolCalls: [{ name: 'read_file', arguments: { path: 'src/add.js' } }], usage: { output: 20 } } },
        { name: 'edit', match: { turn: 1 }, reply: { toolCalls: [{ name: 'edit_file', arguments: { path: 'src/add.js', search: 'a - b', replace: 'a + b' } }], usage: { output: 30 } } },
        { name: 'test', match: { turn: 2 }, reply: { toolCalls: [{ name: 'run_tests', arguments: {} }], usage: { output: 10 } } },
        { name: 'finish', match: { turn: 3 }, reply: { toolCalls: [{ name: 'finish', arguments: { summary: 'Fix add: it subtracted\n\nadd() now returns a + b.' } }], usage: { output: 20 } } },
      ],
    }),
  ])
  edge = await startEdgeServer({
    preview: true,
    vars: {
      GITHUB_WEB_URL: github.url,
      GITHUB_API_URL: github.apiUrl,
      GITHUB_CLIENT_ID: 'agent-client',
      STARTER_CREDITS: '5',
      MODEL_UPSTREAMS: JSON.stringify([{ name: 'e2e', format: 'openai', baseUrl: models.openaiBaseUrl, models: ['e2e-*'] }]),
      MODEL_PRICES: JSON.stringify({ 'e2e-model': { input: 2, output: 8 } }),
    },
    secrets: { GITHUB_CLIENT_SECRET: 'agent-secret', TOKEN_KEY: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64'), MODEL_KEYS: JSON.stringify({ e2e: 'sk-model-e2e' }) },
  })
  github.state.addOAuthApp({ clientId: 'agent-client', clientSecret: 'agent-secret', name: 'Coder (agent)', redirectUri: `${edge.url}/api/auth/github/callback` })
}, 180_000)

afterAll(async () => {
  await edge?.stop()
  await github?.close()
  await models?.close()
  await browser?.close()
  rmSync(root, { recursive: true, force: true })
})

describe('MechaCoder on GitHub', () => {
  it('turns a task into a tested commit on coder/<slug>, pushes it through the edge, deploys a preview of it and opens a pull request with the test report and the preview', { timeout: 300_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    await context.addInitScript(() => localStorage.setItem('coder.settings', JSON.stringify({ author: { name: 'Ada Lovelace', email: 'ada@example.com' } })))
    const page = await context.newPage()
    await signInWithGitHub(page, edge.url, 'Coder (agent)')
    await page.getByText('Your GitHub repositories').click()
    await page.getByRole('button', { name: 'Import ada/calc' }).click()
    await page.waitForURL(/\/p\/[\w-]+$/, { timeout: 60_000 })
    await expect.poll(() => page.locator('.project-name').textContent(), { timeout: 60_000 }).toBe('calc')

    await page.keyboard.press('Control+Shift+P')
    await page.getByLabel('Type a command').fill('>Agent: New Task')
    await page.getByRole('option', { name: /^Agent: New Task/ }).click()
    await expect.poll(() => page.getByRole('combobox', { name: 'Model', exact: true }).inputValue(), { timeout: 30_000 }).toBe('e2e-model')
    expect(await page.getByLabel('Push and open a pull request').isChecked()).toBe(true)
    // "Deploy a preview" is off until ticked; its build and folder come from package.json's build script.
    const deploy = page.getByLabel('Deploy a preview')
    expect(await deploy.isChecked()).toBe(false)
    await deploy.check()
    await page.locator('.agent-preview summary').click()
    await expect.poll(() => page.getByLabel('Build command').inputValue()).toBe('npm run build')
    expect(await page.getByLabel('Output folder').inputValue()).toBe('dist')
    await page.getByLabel('Task').fill('Make the failing test pass')
    await page.getByRole('button', { name: 'Start' }).click()

    const feed = page.getByRole('list', { name: 'Agent feed' })
    await expect.poll(() => feed.locator('.feed-stopped').getAttribute('data-reason'), { timeout: 180_000 }).toBe('finished')
    const prLink = feed.getByRole('link', { name: /^#\d+$/ })
    const prUrl = await prLink.getAttribute('href')
    const previewUrl = (await feed.locator('.feed-deploy').getByRole('link').getAttribute('href'))!
    const deploymentId = /^http:\/\/([\w-]+)\.localhost:\d+$/.exec(previewUrl)?.[1] ?? ''
    expect(previewUrl).toBe(edge.previewOrigin(deploymentId))
    expect(await feed.locator('.feed-commit').allTextContents()).toEqual([
      expect.stringMatching(/^Committed 1 file on coder\/make-the-failing-test-pass-[a-z0-9]{6} as [0-9a-f]{7}: Fix add: it subtracted$/),
      expect.stringMatching(/^Pushed coder\/make-the-failing-test-pass-[a-z0-9]{6} to /),
      `Preview deployed: ${previewUrl} (1 file, 1 uploaded)`,
      expect.stringMatching(/^Opened pull request #\d+$/),
    ])
    // The preview serves the build of the fixed code; the build's output is not among the run's changes.
    const served = await edge.previewFetch(deploymentId, '/')
    expect(served.status).toBe(200)
    expect(await served.text()).toContain('<p>2 + 3 = 5</p>')
    const review = page.getByRole('region', { name: 'Review changes' })
    await expect.poll(() => review.locator('.review-file summary').allTextContents()).toEqual([expect.stringContaining('src/add.js')])
    const branch = /coder\/make-the-failing-test-pass-[a-z0-9]{6}/.exec((await feed.locator('.feed-commit').first().textContent())!)![0]

    // Native git sees the branch with the fix, by the user's author name, with the run in the message.
    const remoteUrl = `http://x-access-token:${ownerToken}@${new URL(github.gitUrl).host}/ada/calc.git`
    const clone = join(root, 'check')
    await git('clone', '-q', '-b', branch, remoteUrl, clone)
    expect(await git('-C', clone, 'show', 'HEAD:src/add.js')).toBe('exports.add = (a, b) => a + b\n')
    const log = await git('-C', clone, 'log', '-1', '--format=%an <%ae>%n%B')
    expect(log).toMatch(/^Ada Lovelace <ada@example\.com>\nFix add: it subtracted\n\nadd\(\) now returns a \+ b\.\n\nTask: Make the failing test pass\nTests: 1 passed, 0 failed \(.+\)\nRun: [\w-]+\n/)
    expect((await git('-C', clone, 'log', '--format=%s', 'origin/main..HEAD')).trim()).toBe('Fix add: it subtracted')

    // The pull request: from the run's branch into main, its body with the task, the test report and the cost.
    const pulls = (await (await fetch(`${github.apiUrl}/repos/ada/calc/pulls`, { headers: { authorization: `Bearer ${ownerToken}` } })).json()) as Array<{ html_url: string; title: string; body: string; head: { ref: string }; base: { ref: string } }>
    expect(pulls).toHaveLength(1)
    expect(pulls[0]).toMatchObject({ html_url: prUrl, title: 'Fix add: it subtracted', head: { ref: branch }, base: { ref: 'main' } })
    expect(pulls[0]!.body).toContain('## Task\nMake the failing test pass')
    expect(pulls[0]!.body).toContain('## Changes (1 file)\n- `src/add.js`')
    expect(pulls[0]!.body).toMatch(/## Tests\n\*\*1 passed\*\*, 0 failed of 1 — `.+`/)
    expect(pulls[0]!.body).toContain(`## Preview\n**Preview:** ${previewUrl}\n`)
    const runLink = /## Run\n4 model calls, [\d,]+ tokens, 0\.\d{4} credits, \d+ s — run \[([\w-]+)\]\((http[^)]+)\)/.exec(pulls[0]!.body)
    expect(runLink?.[2]).toBe(`${edge.url}/runs/${runLink?.[1]}`)

    // The run's record at the edge, with its branch, pull request and artifacts (the patch applies with native git).
    const runId = runLink![1]!
    await expect
      .poll(async () => page.evaluate(async (id) => (await fetch(`/api/runs/${id}`)).json(), runId), { timeout: 30_000 })
      .toMatchObject({ status: 'succeeded', reason: 'finished', branch, pullRequest: prUrl })
    const run = (await page.evaluate(async (id) => (await fetch(`/api/runs/${id}`)).json(), runId)) as { artifacts: Array<{ name: string }> }
    expect(run.artifacts.map((a) => a.name).sort()).toEqual(expect.arrayContaining(['junit.xml', 'test-report.json', 'transcript.jsonl']))
    const events = await page.evaluate(async (id) => (await fetch(`/api/runs/${id}/events`)).text(), runId)
    expect(events.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { type: string })).toContainEqual({ type: 'deploy', id: deploymentId, url: previewUrl, files: 1, uploaded: 1, visibility: 'public' })
    const patchName = run.artifacts.find((a) => a.name.endsWith('.patch'))!.name
    const patch = await page.evaluate(async ([id, name]) => (await fetch(`/api/runs/${id}/artifacts/${name}`)).text(), [runId, patchName] as const)
    expect(patch).toContain('Subject: [PATCH] Fix add: it subtracted')
    expect(patch).toContain('-exports.add = (a, b) => a - b\n+exports.add = (a, b) => a + b')

    // The user's own workspace is untouched: still on main, add() as it was.
    expect(await page.locator('.status-bar').textContent()).toContain('main')
    await context.close()
  })
})
