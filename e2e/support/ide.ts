/** @module Steps the end-to-end specs take in the IDE's UI, shared so each reads as the user's story. */
import { expect } from 'vitest'
import type { Page } from 'playwright-core'

/** Imports `repoUrl` through the projects page at `appUrl` and waits for the workbench of project `name`. */
export async function importThroughUi(page: Page, appUrl: string, repoUrl: string, name: string): Promise<void> {
  await page.goto(appUrl)
  await page.getByLabel('Repository URL').fill(repoUrl)
  await page.getByRole('button', { name: 'Import' }).click()
  await page.waitForURL(/\/p\/[\w-]+$/, { timeout: 60_000 })
  await expect.poll(() => page.locator('.project-name').textContent()).toBe(name)
}

/** The file tree. */
export const fileTree = (page: Page) => page.getByRole('navigation', { name: 'Files' })

/** The active editor tab's name. */
export const activeTab = (page: Page) => page.locator('.tab.active .tab-name').textContent()

/** Opens `path` (`/workspace/...`) by clicking through the file tree, and waits until its editor shows. */
export async function openFromTree(page: Page, path: string): Promise<void> {
  const parts = path.split('/').slice(2)
  let at = '/workspace'
  for (const dir of parts.slice(0, -1)) {
    at += `/${dir}`
    const row = fileTree(page).locator(`[data-path="${at}"]`)
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.locator('> button').click()
  }
  await fileTree(page).locator(`[data-path="${path}"] > button`).click()
  await expect.poll(() => activeTab(page)).toBe(path.split('/').pop())
  await expect.poll(() => page.locator('.editor-host .cm-content').getAttribute('aria-label')).toBe(`Edit ${path}`)
}

/** Signs in on the edge at `appUrl` with an e-mailed link, read from the local stack's dev mailbox, and comes back to `appUrl`. */
/** Signs in with GitHub (the stand-in's consent page for the OAuth app named `appName`) from the IDE's header; resolves back on the projects page. */
export async function signInWithGitHub(page: Page, appUrl: string, appName: string): Promise<void> {
  await page.goto(appUrl)
  await page.locator('header.top').getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('dialog', { name: 'Sign in' }).getByRole('button', { name: 'Continue with GitHub' }).click()
  await page.getByRole('button', { name: `Authorize ${appName}` }).click()
  await page.waitForURL(`${appUrl}/`)
}

export async function signInByEmail(page: Page, appUrl: string, email: string): Promise<void> {
  await page.goto(appUrl)
  await page.locator('header.top').getByRole('button', { name: 'Sign in' }).click()
  const dialog = page.getByRole('dialog', { name: 'Sign in' })
  await dialog.getByLabel('E-mail').fill(email)
  await dialog.getByRole('button', { name: 'Email me a link' }).click()
  await expect.poll(() => dialog.getByRole('status').textContent()).toContain(`We sent a sign-in link to ${email}`)
  await page.goto(`${appUrl}/api/dev/mailbox`)
  await page.getByRole('link', { name: /\/api\/auth\/email\/verify\?token=/ }).first().click()
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL(`${appUrl}/`)
  await expect.poll(() => page.locator('header.top').getByRole('button', { name: new RegExp(email.replace(/[.]/g, '\\.')) }).count(), { timeout: 30_000 }).toBe(1)
}
