import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { startGitHubStandIn, type GitHubStandIn } from '../standins/github'
import { connectBrowser } from './support/browser'
import { startEdgeServer, type EdgeServer } from './support/edge-server'

// Signing in on the real edge (wrangler dev, local D1) serving the built IDE: with GitHub (the
// stand-in's OAuth pages, as a person clicks through them) and with an e-mailed link (the local
// stack's dev mailbox). Signed-in state, avatar and sign-out show in the header.
let browser: Browser
let github: GitHubStandIn
let edge: EdgeServer

beforeAll(async () => {
  ;[browser, github] = await Promise.all([
    connectBrowser(),
    startGitHubStandIn({ users: [{ login: 'ada', name: 'Ada Lovelace', email: 'ada@example.com' }], repos: [{ owner: 'ada', name: 'secret', private: true }] }),
  ])
  edge = await startEdgeServer({
    vars: { GITHUB_WEB_URL: github.url, GITHUB_API_URL: github.apiUrl, GITHUB_CLIENT_ID: 'e2e-client', EMAIL_DELIVERY: 'dev-mailbox', GIT_HOSTS: 'https://git.example.org' },
    secrets: { GITHUB_CLIENT_SECRET: 'e2e-secret', TOKEN_KEY: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64') },
  })
  github.state.addOAuthApp({ clientId: 'e2e-client', clientSecret: 'e2e-secret', name: 'Coder (e2e)', redirectUri: `${edge.url}/api/auth/github/callback` })
}, 180_000)

afterAll(async () => {
  await edge?.stop()
  await github?.close()
  await browser?.close()
})

const header = (page: Page) => page.locator('header.top')

describe('signing in', () => {
  it('signs in with GitHub through its consent page, shows who is signed in, and signs out', { timeout: 120_000 }, async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(edge.url)
    await header(page).getByRole('button', { name: 'Sign in' }).click()
    const dialog = page.getByRole('dialog', { name: 'Sign in' })
    await dialog.getByRole('button', { name: 'Continue with GitHub' }).click()
    await page.waitForURL(`${github.url}/login/oauth/authorize?**`)
    await page.getByRole('button', { name: 'Authorize Coder (e2e)' }).click()
    await page.waitForURL(`${edge.url}/`)
    const account = header(page).getByRole('button', { name: /ada/ })
    await expect.poll(() => account.count(), { timeout: 30_000 }).toBe(1)
    expect(await account.getAttribute('title')).toBe('Signed in as Ada Lovelace')
    // GitHub's avatar, loaded under the page's cross-origin isolation.
    await expect.poll(() => account.locator('img.avatar').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true)
    // The GitHub token stayed at the edge: nothing the page can read holds it.
    const cookies = await context.cookies()
    expect(cookies.map((c) => c.name)).toEqual(['coder_session'])
    expect(cookies[0]!.httpOnly).toBe(true)
    expect(await page.evaluate(() => document.cookie)).toBe('')
    const token = [...github.state.tokens.keys()].find((t) => github.state.tokens.get(t)!.user.login === 'ada' && github.state.tokens.get(t)!.clientId === 'e2e-client')
    expect(token).toBeTruthy()
    expect(await page.content()).not.toContain(token!)

    // A token for another git host is saved at the edge (and can be forgotten); the page never gets it back.
    await account.click()
    await page.getByRole('menuitem', { name: 'Git host tokens…' }).click()
    const tokens = page.getByRole('dialog', { name: 'Git host tokens' })
    await expect.poll(() => tokens.locator('.host-token').textContent()).toContain('https://git.example.org no token')
    await tokens.getByLabel('Token for git.example.org').fill('glpat-secret-token-value')
    await tokens.getByRole('button', { name: 'Save' }).click()
    await expect.poll(() => tokens.getByRole('status').textContent()).toBe('Saved the token for git.example.org.')
    await expect.poll(() => tokens.locator('.host-token').textContent()).toContain('token saved')
    const hosts = await page.evaluate(() => fetch('/api/git/hosts').then((r) => r.text()))
    expect(hosts).toContain('"credentials":true')
    expect(hosts).not.toContain('glpat-secret-token-value')
    await tokens.getByRole('button', { name: 'Forget' }).click()
    await expect.poll(() => tokens.locator('.host-token').textContent()).toContain('no token')
    await tokens.getByRole('button', { name: 'Close' }).click()

    // Another tab of the same browser is signed in too; signing out here signs that one out on its next look.
    const other = await context.newPage()
    await other.goto(edge.url)
    await expect.poll(() => header(other).getByRole('button', { name: /ada/ }).count(), { timeout: 30_000 }).toBe(1)
    await account.click()
    await page.getByRole('menuitem', { name: 'Sign out', exact: true }).click()
    await expect.poll(() => header(page).getByRole('button', { name: 'Sign in' }).count()).toBe(1)
    await other.bringToFront()
    await expect.poll(() => header(other).getByRole('button', { name: 'Sign in' }).count(), { timeout: 10_000 }).toBe(1)
    await context.close()
  })

  it('signs in with an e-mailed one-time link from the dev mailbox', { timeout: 120_000 }, async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(edge.url)
    await header(page).getByRole('button', { name: 'Sign in' }).click()
    const dialog = page.getByRole('dialog', { name: 'Sign in' })
    await dialog.getByLabel('E-mail').fill('not-an-address')
    await dialog.getByLabel('E-mail').press('Enter')
    // The browser's own check stops it first; a syntactically valid but bad address gets the edge's message.
    await dialog.getByLabel('E-mail').fill('grace@example')
    await dialog.getByRole('button', { name: 'Email me a link' }).click()
    await expect.poll(() => dialog.getByRole('alert').textContent()).toMatch(/valid e-mail/)
    await dialog.getByLabel('E-mail').fill('grace@example.com')
    await dialog.getByRole('button', { name: 'Email me a link' }).click()
    await expect.poll(() => dialog.getByRole('status').textContent()).toContain('We sent a sign-in link to grace@example.com')
    // The worker's log reaches us through wrangler's pipe, possibly after the page has its answer.
    await expect.poll(() => edge.output()).toContain('[dev-mailbox] To: grace@example.com')

    const mailbox = await context.newPage()
    await mailbox.goto(`${edge.url}/api/dev/mailbox`)
    const link = mailbox.getByRole('link', { name: /\/api\/auth\/email\/verify\?token=/ })
    const href = (await link.getAttribute('href'))!
    await link.click()
    await mailbox.getByRole('button', { name: 'Sign in' }).click()
    await mailbox.waitForURL(`${edge.url}/`)
    await expect.poll(() => header(mailbox).getByRole('button', { name: /grace@example\.com/ }).count(), { timeout: 30_000 }).toBe(1)

    // The link is spent.
    await mailbox.goto(href)
    await mailbox.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(() => mailbox.getByRole('alert').textContent()).toContain('already used')
    await context.close()
  })
})
