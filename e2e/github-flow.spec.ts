import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { startGitHubStandIn, type GitHubStandIn } from '../standins/github'
import { connectBrowser } from './support/browser'
import { startEdgeServer, type EdgeServer } from './support/edge-server'
import { openFromTree } from './support/ide'

// The whole GitHub story on the real edge (wrangler dev) and the GitHub stand-in, whose git is the
// real `git http-backend`: sign in with GitHub, import a private repository through the edge's git
// proxy, commit on a new branch, push it, open a pull request, see its link. The stand-in then has
// the pull request with the right head and base, and the branch exists in the bare repository
// with the commit made in the tab (checked with native git). The token never reaches the page.
// Never execFileSync here: the stand-in answers from this process, so a blocked event loop deadlocks git.
const git = async (...args: string[]) => (await promisify(execFile)('git', args, { encoding: 'utf8' })).stdout
let browser: Browser
let github: GitHubStandIn
let edge: EdgeServer
const root = mkdtempSync(join(tmpdir(), 'coder-github-flow-'))
const ownerToken = 'ghp_e2e_owner_token_000000000000000000000'

beforeAll(async () => {
  ;[browser, github] = await Promise.all([
    connectBrowser(),
    startGitHubStandIn({
      users: [{ login: 'ada', name: 'Ada Lovelace', email: 'ada@example.com' }],
      repos: [{ owner: 'ada', name: 'secret', private: true, files: { 'README.md': '# secret\n', 'notes.txt': 'first\n' } }],
      tokens: [{ token: ownerToken, login: 'ada' }],
    }),
  ])
  edge = await startEdgeServer({
    vars: { GITHUB_WEB_URL: github.url, GITHUB_API_URL: github.apiUrl, GITHUB_CLIENT_ID: 'flow-client' },
    secrets: { GITHUB_CLIENT_SECRET: 'flow-secret', TOKEN_KEY: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64') },
  })
  github.state.addOAuthApp({ clientId: 'flow-client', clientSecret: 'flow-secret', name: 'Coder (flow)', redirectUri: `${edge.url}/api/auth/github/callback` })
}, 180_000)

afterAll(async () => {
  await edge?.stop()
  await github?.close()
  await browser?.close()
  rmSync(root, { recursive: true, force: true })
})

async function importRepo(page: Page, url: string) {
  await page.goto(edge.url)
  await page.getByLabel('Repository URL').fill(url)
  await page.getByRole('button', { name: 'Import' }).click()
}

describe('GitHub through the edge', () => {
  it('imports a private repository, pushes a branch and opens a pull request', { timeout: 240_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    await context.addInitScript(() => localStorage.setItem('coder.settings', JSON.stringify({ author: { name: 'Ada Lovelace', email: 'ada@example.com' } })))
    const responses: string[] = []
    context.on('response', (r) => void r.text().then((t) => responses.push(`${JSON.stringify(r.headers())}\n${t}`), () => undefined))
    const page = await context.newPage()
    const repoUrl = `${github.gitUrl}/ada/secret.git`

    // Signed out, the private repository cannot be read, and the message says what to do.
    await importRepo(page, repoUrl)
    await expect.poll(() => page.getByRole('alert').first().textContent(), { timeout: 60_000 }).toMatch(/sign in with GitHub/)

    // Sign in with GitHub (its consent page), then the import works through the edge.
    await page.locator('header.top').getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('dialog', { name: 'Sign in' }).getByRole('button', { name: 'Continue with GitHub' }).click()
    await page.getByRole('button', { name: 'Authorize Coder (flow)' }).click()
    await page.waitForURL(`${edge.url}/`)
    await expect.poll(() => page.locator('header.top').getByRole('button', { name: /ada/ }).count(), { timeout: 30_000 }).toBe(1)
    // The user's GitHub repositories are listed for import; the private one imports through the edge.
    await page.getByText('Your GitHub repositories').click()
    await page.getByRole('button', { name: 'Import ada/secret' }).click()
    await page.waitForURL(/\/p\/[\w-]+$/, { timeout: 60_000 })
    await expect.poll(() => page.locator('.project-name').textContent()).toBe('secret')
    expect(await page.locator('.origin').textContent()).toBe(repoUrl)

    // A branch, an edit, a commit.
    await page.getByRole('button', { name: 'Source control' }).click()
    await page.getByRole('button', { name: 'New branch…' }).click()
    await page.getByRole('dialog').getByRole('textbox').fill('coder/notes')
    await page.getByRole('dialog').getByRole('textbox').press('Enter')
    await expect.poll(() => page.getByLabel('Branch').inputValue()).toBe('coder/notes')
    await page.getByRole('button', { name: 'Explorer' }).click()
    await openFromTree(page, '/workspace/notes.txt')
    await page.locator('.editor-host .cm-content').click()
    await page.keyboard.press('Control+End')
    await page.keyboard.type('second line from the tab\n')
    await page.keyboard.press('Control+s')
    await expect.poll(() => page.locator('.tab .dirty').count()).toBe(0)
    await page.getByRole('button', { name: 'Source control' }).click()
    await page.getByRole('button', { name: 'Stage notes.txt' }).click()
    await page.getByLabel('Commit message').fill('Add a second line to the notes\n\nWritten in Coder.')
    await page.getByRole('button', { name: /^Commit/ }).click()
    await expect.poll(() => page.locator('.history li').first().textContent()).toContain('Add a second line to the notes')

    // Open the pull request: prefilled from the commit, pushed first, its link shown and kept.
    await page.getByRole('button', { name: 'Open pull request…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Open pull request' })
    await expect.poll(() => dialog.getByLabel('Title').inputValue()).toBe('Add a second line to the notes')
    expect(await dialog.getByLabel('Description').inputValue()).toBe('Written in Coder.')
    expect(await dialog.getByLabel('Base branch').inputValue()).toBe('main')
    await dialog.getByRole('button', { name: 'Push and open pull request' }).click()
    await expect.poll(() => dialog.getByRole('status').textContent(), { timeout: 60_000 }).toMatch(/Opened pull request #\d+/)
    const prUrl = await dialog.getByRole('link', { name: /pull request #/ }).getAttribute('href')
    await dialog.getByRole('button', { name: 'Close' }).click()
    await expect.poll(() => page.locator('.pull-link a').getAttribute('href')).toBe(prUrl)

    // GitHub (the stand-in) has it, from the branch pushed from the tab.
    const remote = await git('ls-remote', `http://x-access-token:${ownerToken}@${new URL(github.gitUrl).host}/ada/secret.git`, 'refs/heads/coder/notes')
    const pushedOid = remote.split('\t')[0]!
    expect(pushedOid).toMatch(/^[0-9a-f]{40}$/)
    const clone = join(root, 'check')
    await git('clone', '-q', '-b', 'coder/notes', `http://x-access-token:${ownerToken}@${new URL(github.gitUrl).host}/ada/secret.git`, clone)
    expect(await git('-C', clone, 'show', 'HEAD:notes.txt')).toBe('first\nsecond line from the tab\n')
    expect((await git('-C', clone, 'log', '-1', '--format=%an <%ae>%n%s')).trim()).toBe('Ada Lovelace <ada@example.com>\nAdd a second line to the notes')
    const pr = await (await fetch(`${github.apiUrl}/repos/ada/secret/pulls`, { headers: { authorization: `Bearer ${ownerToken}` } })).json() as Array<{ html_url: string; head: { ref: string; sha: string }; base: { ref: string }; title: string }>
    expect(pr).toHaveLength(1)
    expect(pr[0]).toMatchObject({ html_url: prUrl, head: { ref: 'coder/notes', sha: pushedOid }, base: { ref: 'main' }, title: 'Add a second line to the notes' })

    // The link is kept with the project.
    await page.reload()
    // The workbench comes back with the source control view open, as it was left.
    await expect.poll(() => page.getByRole('button', { name: 'Source control' }).getAttribute('aria-pressed'), { timeout: 30_000 }).toBe('true')
    await expect.poll(() => page.locator('.pull-link a').getAttribute('href'), { timeout: 30_000 }).toBe(prUrl)

    // No token ever reached the page.
    const issued = [...github.state.tokens.values()].filter((t) => t.clientId === 'flow-client').map((t) => t.token)
    expect(issued).toHaveLength(1)
    for (const body of responses) expect(body).not.toContain(issued[0])
    await context.close()
  })
})
