import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { startGitHubStandIn, type GitHubStandIn } from '../standins/github'
import { connectBrowser } from './support/browser'
import { signInWithGitHub } from './support/ide'
import { startEdgeServer, type EdgeServer } from './support/edge-server'

// The workflows UI on the real edge (wrangler dev) with the GitHub stand-in: a GitHub project's
// `.coder/workflows/*` listed with their triggers and next scheduled time, the workflow linter in
// the editor, a template, connecting the repository, "Run now" with inputs and the run view (steps,
// approval, cancel), secrets, and runner tokens in Settings. Jobs are claimed here through the
// edge's runner API with the user's own session; the runners themselves have their own specs.
let browser: Browser
let github: GitHubStandIn
let edge: EdgeServer
let context: BrowserContext
let page: Page
let projectUrl = ''

const NIGHTLY = '.coder/workflows/nightly.yml'
const nightly = `name: Nightly check
on:
  schedule:
    - cron: "0 3 * * *"
  manual:
    inputs:
      target:
        type: string
        required: true
        description: What to check
      level:
        type: choice
        options: [quick, full]
        default: quick
      dry_run:
        type: boolean
        default: true
steps:
  - id: gate
    approval: Check the target first
  - id: check
    run: npm test
`

beforeAll(async () => {
  ;[browser, github] = await Promise.all([
    connectBrowser(),
    startGitHubStandIn({
      users: [{ login: 'ada', name: 'Ada Lovelace', email: 'ada@example.com' }],
      repos: [{ owner: 'ada', name: 'flows', files: { 'README.md': '# flows\n', [NIGHTLY]: nightly } }],
    }),
  ])
  edge = await startEdgeServer({
    vars: { GITHUB_WEB_URL: github.url, GITHUB_API_URL: github.apiUrl, GITHUB_CLIENT_ID: 'flows-client' },
    secrets: { GITHUB_CLIENT_SECRET: 'flows-secret', TOKEN_KEY: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64') },
  })
  github.state.addOAuthApp({ clientId: 'flows-client', clientSecret: 'flows-secret', name: 'Coder (flows)', redirectUri: `${edge.url}/api/auth/github/callback` })

  context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  await context.addInitScript(() => localStorage.setItem('coder.settings', JSON.stringify({ author: { name: 'Ada Lovelace', email: 'ada@example.com' } })))
  page = await context.newPage()
  page.on('pageerror', (e) => console.log('[pageerror]', e.message))
  // Sign in with GitHub and import the repository from the list of the user's repositories.
  await signInWithGitHub(page, edge.url, 'Coder (flows)')
  await page.getByText('Your GitHub repositories').click()
  await page.getByRole('button', { name: 'Import ada/flows' }).click()
  await page.waitForURL(/\/p\/[\w-]+$/, { timeout: 60_000 })
  await page.locator('.project-name').filter({ hasText: /^flows$/ }).waitFor({ timeout: 60_000 })
  projectUrl = page.url()
}, 240_000)

afterAll(async () => {
  await context?.close()
  await edge?.stop()
  await github?.close()
  await browser?.close()
})

afterEach(async (test) => {
  if (test.task.result?.state === 'fail' && page) await page.screenshot({ path: join(process.cwd(), 'test-results', `workflows-ui-${test.task.name.slice(0, 30).replace(/\W+/g, '-')}.png`) }).catch(() => undefined)
})

/** Runs a palette command in the open project. */
async function command(title: string) {
  await page.keyboard.press('Control+Shift+P')
  await page.getByLabel('Type a command').fill(`>${title}`)
  await page.getByRole('option', { name: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) }).click()
}

const row = (path: string) => page.getByRole('table', { name: 'Workflows' }).locator(`tr[data-path="${path}"]`)
const editorOf = (path: string) => page.locator(`.editor-host .cm-content[aria-label="Edit /workspace/${path}"]`)

/** Opens the Workflows page from the project. */
async function openWorkflows() {
  await command('Workflows: Open')
  await page.waitForURL(/\/workflows\?project=/)
  await expect.poll(() => row(NIGHTLY).count(), { timeout: 30_000 }).toBe(1)
}

/** The next 03:00 UTC after now. */
function nextThreeUtc(now = new Date()): string {
  const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 3, 0, 0, 0))
  if (at.getTime() <= now.getTime()) at.setUTCDate(at.getUTCDate() + 1)
  return at.toISOString()
}

/** Calls the edge from the page, with the user's session (as a runner in this tab would). */
/** The edge's JSON answers, as the assertions read them. */
type Json = { [key: string]: any }
async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  return page.evaluate(
    async ([method, path, body]) => {
      const res = await fetch(path as string, { method: method as string, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
      return { status: res.status, body: res.status === 204 ? null : await res.json().catch(() => null) }
    },
    [method, path, body] as const,
  )
}

describe('Workflows in the IDE', () => {
  it('lists the project\'s workflow with its triggers and next scheduled time, and offers to connect the repository', async () => {
    await openWorkflows()
    const nightlyRow = row(NIGHTLY)
    expect(await nightlyRow.locator('.workflow-name strong').textContent()).toBe('Nightly check')
    expect(await nightlyRow.locator('.trigger').allTextContents()).toEqual(['Schedule: every day at 03:00 UTC (0 3 * * *)', 'Manual (3 inputs)'])
    expect(await nightlyRow.locator('.workflow-next time').getAttribute('datetime')).toBe(nextThreeUtc())
    // Not connected yet: the page says so and offers it; Run now waits for it.
    const connection = page.locator('.workflow-connection')
    await expect.poll(() => connection.textContent(), { timeout: 30_000 }).toContain('ada/flows is not connected for workflows')
    expect(await page.getByRole('button', { name: 'Connect ada/flows for workflows' }).isVisible()).toBe(true)
    expect(await nightlyRow.getByRole('button', { name: 'Run Nightly check now' }).isDisabled()).toBe(true)
  })

  it('shows a broken key inline in the YAML editor and on the list, which opens the file at the problem', async () => {
    await row(NIGHTLY).getByRole('button', { name: `Edit ${NIGHTLY}` }).click()
    await page.waitForURL(/\/p\/[\w-]+\?open=/)
    await expect.poll(() => editorOf(NIGHTLY).count(), { timeout: 30_000 }).toBe(1)
    expect(await page.locator('.cm-lintRange-error').count()).toBe(0)

    await editorOf(NIGHTLY).click()
    await page.keyboard.press('Control+Home')
    await page.keyboard.type('colour: red\n')
    const mark = page.locator('.cm-lintRange-error')
    await expect.poll(() => mark.count()).toBeGreaterThan(0)
    expect(await mark.first().textContent()).toBe('colour')
    await mark.first().hover()
    await expect.poll(() => page.locator('.cm-tooltip-lint').textContent()).toContain('unknown field `colour`')

    // Saved, the list shows the problem at its line and column, and opens the file there.
    await page.keyboard.press('Control+s')
    await expect.poll(() => page.locator('.tab .dirty').count()).toBe(0)
    await openWorkflows()
    const problem = row(NIGHTLY).locator('.workflow-problem')
    expect(await problem.textContent()).toMatch(/^1:1: unknown field `colour`/)
    await problem.getByRole('button', { name: 'Open at 1:1' }).click()
    await page.waitForURL(/line=1&column=1/)
    await expect.poll(() => editorOf(NIGHTLY).count(), { timeout: 30_000 }).toBe(1)

    // Fixed: the diagnostic goes.
    await editorOf(NIGHTLY).click()
    await page.keyboard.press('Control+Home')
    await page.keyboard.press('Shift+ArrowDown')
    await page.keyboard.press('Delete')
    await expect.poll(() => page.locator('.cm-lintRange-error').count()).toBe(0)
    await page.keyboard.press('Control+s')
    await expect.poll(() => page.locator('.tab .dirty').count()).toBe(0)
  })

  it('creates a workflow from a template, which validates, and refuses to overwrite it', async () => {
    await command('Workflows: New from Template…')
    const dialog = page.getByRole('dialog', { name: 'New workflow from template' })
    await dialog.getByRole('button', { name: 'Create Fix labeled issues' }).click()
    const path = '.coder/workflows/fix-labeled-issues.yml'
    await expect.poll(() => editorOf(path).count(), { timeout: 30_000 }).toBe(1)
    expect(await editorOf(path).textContent()).toContain('name: Fix labeled issues')
    // The linter has run on it (it marks the gutter when it finds something): nothing to mark.
    await page.waitForTimeout(1500)
    expect(await page.locator('.cm-lintRange-error').count()).toBe(0)

    await openWorkflows()
    const created = row(path)
    expect(await created.locator('.workflow-problem').count()).toBe(0)
    expect(await created.locator('.trigger').allTextContents()).toEqual(['Issue labeled (coder)'])

    await page.getByRole('button', { name: 'New from template…' }).click()
    await page.getByRole('dialog', { name: 'New workflow from template' }).getByRole('button', { name: 'Create Fix labeled issues' }).click()
    await expect.poll(() => page.getByRole('dialog', { name: 'New workflow from template' }).getByRole('alert').textContent()).toContain(`${path} already exists`)
    await page.getByRole('dialog', { name: 'New workflow from template' }).getByRole('button', { name: 'Close' }).click()
  })

  it('connects the repository: the edge\'s state joins the list (enabled, next run), and a workflow can be switched off', async () => {
    await page.getByRole('button', { name: 'Connect ada/flows for workflows' }).click()
    const connection = page.locator('.workflow-connection')
    await expect.poll(() => connection.textContent(), { timeout: 30_000 }).toContain('ada/flows is connected for workflows')
    expect(await connection.textContent()).toContain('Members: Ada Lovelace')
    const enabled = row(NIGHTLY).getByRole('checkbox', { name: 'Nightly check enabled' })
    await expect.poll(() => enabled.count()).toBe(1)
    expect(await enabled.isChecked()).toBe(true)
    expect(await row(NIGHTLY).locator('.workflow-next time').getAttribute('datetime')).toBe(nextThreeUtc())

    await enabled.uncheck()
    await expect.poll(() => row(NIGHTLY).locator('.workflow-next').textContent()).toBe('off')
    const listed = await api('GET', '/api/workflows/repos/ada/flows/workflows')
    expect(listed.body.workflows.find((w: { path: string }) => w.path === NIGHTLY).enabled).toBe(false)
    await enabled.check()
    await expect.poll(() => row(NIGHTLY).locator('.workflow-next time').getAttribute('datetime')).toBe(nextThreeUtc())
    expect(await row(NIGHTLY).getByRole('button', { name: 'Run Nightly check now' }).isEnabled()).toBe(true)
  })

  it('runs a workflow now with inputs; the run view shows its steps, takes an approval and cancels', async () => {
    await row(NIGHTLY).getByRole('button', { name: 'Run Nightly check now' }).click()
    const dialog = page.getByRole('dialog', { name: 'Run Nightly check' })
    // A required input left empty is named before anything is sent.
    await dialog.getByRole('button', { name: 'Run', exact: true }).click()
    await expect.poll(() => dialog.getByRole('alert').textContent()).toMatch(/target/)
    expect(await dialog.getByLabel('level').inputValue()).toBe('quick')
    expect(await dialog.getByLabel('dry_run').isChecked()).toBe(true)
    await dialog.getByLabel('target').fill('api')
    await dialog.getByLabel('level').selectOption('full')
    await dialog.getByRole('button', { name: 'Run', exact: true }).click()
    await page.waitForURL(/\/workflows\/runs\/[\w-]+$/)
    const runId = page.url().split('/').pop()!

    const status = page.getByTestId('workflow-run-status')
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toBe('Queued')
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Nightly check')
    const steps = page.getByRole('list', { name: 'Steps' }).locator('li.step')
    expect(await steps.evaluateAll((items) => items.map((li) => `${(li as HTMLElement).dataset.step}:${(li as HTMLElement).dataset.status}`))).toEqual(['gate:pending', 'check:pending'])
    expect(await page.locator('.wf-meta').textContent()).toContain('target = "api"')
    expect(await page.locator('.wf-meta').textContent()).toContain('level = "full"')

    // A runner (here: the edge's runner API with the user's session) claims it and reaches the approval step.
    const claimed = await api('POST', '/api/workflows/claim', { runner: 'spec-runner', repos: ['ada/flows'] })
    expect(claimed.status).toBe(200)
    expect(claimed.body.run.id).toBe(runId)
    const started = await api('POST', `/api/workflows/runs/${runId}/steps/0/start`, { leaseToken: claimed.body.leaseToken })
    expect(started.body.waiting).toBe(true)
    const approval = page.getByRole('group', { name: /^Approve / })
    await expect.poll(() => approval.count(), { timeout: 15_000 }).toBe(1)
    expect(await status.textContent()).toBe('Waiting')
    await approval.getByLabel('Note (optional)').fill('target checked')
    await approval.getByRole('button', { name: 'Approve' }).click()
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toBe('Queued')
    const gate = page.locator('li.step[data-step="gate"]')
    expect(await gate.getAttribute('data-status')).toBe('succeeded')
    await gate.locator('.step-head').click()
    expect(await gate.locator('.step-artifacts').textContent()).toMatch(/Approved by .*: “target checked”/)
    // The run is read again every 1.5 s while it is not over: the open step stays open.
    await page.waitForTimeout(2000)
    expect(await gate.locator('.step-head').getAttribute('aria-expanded')).toBe('true')
    await page.getByText(/^Trace \(\d+ events\)$/).click()
    expect(await page.getByRole('list', { name: 'Trace' }).locator('li').evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.type))).toEqual(expect.arrayContaining(['queued', 'claimed', 'approval-requested', 'approved']))

    await page.getByRole('button', { name: 'Cancel run' }).click()
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toBe('Cancelled')
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0)
    expect(await page.locator('li.step[data-step="check"]').getAttribute('data-status')).toMatch(/cancelled|pending/)
  })

  it('keeps the repository\'s secrets: add, replace, delete', async () => {
    await page.goto(projectUrl)
    await expect.poll(() => page.locator('.project-name').textContent(), { timeout: 30_000 }).toBe('flows')
    await openWorkflows()
    const secrets = page.getByRole('region', { name: 'Secrets' })
    await expect.poll(() => secrets.textContent(), { timeout: 15_000 }).toContain('No secrets yet.')
    await secrets.getByLabel('Secret name').fill('NPM_TOKEN')
    await secrets.getByLabel('Secret value').fill('npm_secret_value_1')
    expect(await secrets.getByLabel('Secret value').getAttribute('type')).toBe('password')
    await secrets.getByRole('button', { name: 'Save secret' }).click()
    await expect.poll(() => secrets.locator('li[data-secret]').allTextContents()).toEqual([expect.stringContaining('NPM_TOKEN')])
    expect(await secrets.textContent()).not.toContain('npm_secret_value_1')
    await secrets.getByLabel('Secret name').fill('NPM_TOKEN')
    await secrets.getByLabel('Secret value').fill('npm_secret_value_2')
    await secrets.getByRole('button', { name: 'Save secret' }).click()
    await expect.poll(() => secrets.getByRole('status').textContent()).toBe('Replaced NPM_TOKEN.')
    await secrets.getByRole('button', { name: 'Delete secret NPM_TOKEN' }).click()
    await expect.poll(() => secrets.locator('li[data-secret]').count()).toBe(0)
    // A bad name is refused before it is sent.
    await secrets.getByLabel('Secret name').fill('1-bad')
    await secrets.getByLabel('Secret value').fill('x')
    await secrets.getByRole('button', { name: 'Save secret' }).click()
    await expect.poll(() => secrets.getByRole('alert').textContent()).toContain('letters, digits and _')
  })

  it('creates, lists and revokes runner tokens in Settings', async () => {
    await page.goto(edge.url)
    await page.locator('header.top').getByRole('button', { name: 'Settings' }).click()
    const runners = page.getByRole('group', { name: 'Workflow runners' })
    await expect.poll(() => runners.textContent(), { timeout: 15_000 }).toContain('No runner tokens yet.')
    await runners.getByLabel('Runner name').fill('build-box')
    await runners.getByLabel('Runner name').press('Enter')
    const token = (await runners.getByTestId('runner-token').textContent({ timeout: 15_000 }))!
    expect(token).toMatch(/^coder_runner_\S+$/)
    expect(await runners.getByTestId('runner-command').textContent()).toBe(`npx coder-runner --edge ${edge.url} --token ${token}`)
    await expect.poll(() => runners.getByRole('list', { name: 'Runner tokens' }).locator('li').allTextContents()).toEqual([expect.stringMatching(/^build-box .*never used/)])
    // Settings is still open: Enter in the name field creates, it does not submit the dialog.
    expect(await page.getByRole('dialog', { name: 'Settings' }).count()).toBe(1)

    // The token opens a runner session; revoked, it does not any more.
    const session = () => fetch(`${edge.url}/api/runners/session`, { method: 'POST', headers: { authorization: `Bearer ${token}`, origin: edge.url } })
    expect((await session()).status).toBe(200)
    await runners.getByRole('button', { name: 'Revoke build-box' }).click()
    await expect.poll(() => runners.locator('li.revoked').textContent()).toMatch(/revoked/)
    expect((await session()).status).toBe(401)
  })
})
