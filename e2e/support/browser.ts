/**
 * @module Playwright access to the shared test Chromium: the one `npm test` started
 * (CODER_BROWSER_WS), or a private one when a spec is run on its own.
 */
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core'
import { chromiumArgs, findChromium } from '../../scripts/find-browser.mjs'

/**
 * Connects to the browser server named by CODER_BROWSER_WS, else launches a headless Chromium
 * from findChromium() with the standard flags. Throws when neither is possible. Close it when done
 * (closing a connected browser only disconnects; the server belongs to `npm test`).
 */
export async function connectBrowser(): Promise<Browser> {
  const wsEndpoint = process.env.CODER_BROWSER_WS
  if (wsEndpoint) return chromium.connect(wsEndpoint)
  const executablePath = findChromium()
  if (!executablePath) throw new Error('No Chromium found: run `npm test` (it installs one) or set CHROMIUM_PATH')
  return chromium.launch({ executablePath, args: [...chromiumArgs], headless: true })
}

/** Opens a page in a new, isolated context (fresh storage); closing the page's context is the caller's job. */
export async function newPage(browser: Browser, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext(options)
  return context.newPage()
}
