import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { connectBrowser } from './support/browser'
import { startAppServer, type AppServer } from './support/app-server'
import { makeRepo, type FileSpec } from './support/fixtures'
import { startGitServer, type GitServer } from '../standins/git-server'

// The in-tab preview: the service worker serves a project's /workspace files at
// /preview/<id>/..., straight from the project's IndexedDB database, online and offline, while the
// project is open in the workspace worker; a save shows on the next reload.
let browser: Browser
let app: AppServer
let git: GitServer
let context: BrowserContext
let page: Page
let projectId: string
const root = mkdtempSync(join(tmpdir(), 'coder-preview-'))

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82])
/** Over the 32 KiB up to which a file is stored with its folder's other small files: it gets a record of its own. */
const BIG = 'a large file\n'.repeat(4_000)

const siteFiles: FileSpec[] = [
  { path: 'README.md', content: '# A site\n' },
  {
    path: 'site/index.html',
    content: `<!doctype html>
<html>
<head><meta charset="utf-8"><title>Site</title><link rel="stylesheet" href="style.css"><script src="app.js" defer></script></head>
<body><h1 id="title">Hello from the workspace</h1></body>
</html>
`,
  },
  { path: 'site/style.css', content: 'h1 { color: rgb(10, 20, 30); }\n' },
  { path: 'site/app.js', content: "document.body.insertAdjacentHTML('beforeend', '<p id=\"from-js\">Inserted by app.js</p>')\n" },
  { path: 'site/sub/index.html', content: '<!doctype html><meta charset="utf-8"><title>Sub</title><p>The sub page</p>\n' },
  { path: 'site/logo.png', content: PNG },
  { path: 'site/big.txt', content: BIG },
]

beforeAll(async () => {
  await makeRepo(join(root, 'site.git'), { files: siteFiles, commits: [], initialMessage: 'A static site' })
  ;[browser, app, git] = await Promise.all([connectBrowser(), startAppServer(), startGitServer({ root })])
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  page = await context.newPage()
  await page.goto(app.url)
  await page.getByLabel('Repository URL').fill(`${git.url}/site.git`)
  await page.getByRole('button', { name: 'Import' }).click()
  await page.waitForURL(/\/p\/[\w-]+$/, { timeout: 60_000 })
  projectId = new URL(page.url()).pathname.split('/').pop()!
  // The page registers the service worker a moment after it has loaded; the preview needs it.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 })
}, 180_000)
afterAll(async () => {
  await context?.close()
  await app?.close()
  await git?.close()
  await browser?.close()
  rmSync(root, { recursive: true, force: true })
})

interface Fetched {
  status: number
  url: string
  redirected: boolean
  headers: Record<string, string>
  text: string
  bytes: number[]
}

/** fetch() from the IDE's page (so through its service worker). */
function fetchInPage(path: string): Promise<Fetched> {
  return page.evaluate(async (p) => {
    const r = await fetch(p)
    const buffer = new Uint8Array(await r.arrayBuffer())
    const headers: Record<string, string> = {}
    r.headers.forEach((value, name) => (headers[name] = value))
    return {
      status: r.status,
      url: r.url,
      redirected: r.redirected,
      headers,
      text: new TextDecoder().decode(buffer),
      bytes: buffer.length <= 64 ? [...buffer] : [],
    }
  }, path)
}

const preview = (path: string) => `/preview/${projectId}${path}`

/** Shows `src` in an iframe of the IDE's page (as the preview pane does) and waits for it to load. */
async function showInFrame(src: string): Promise<void> {
  await page.evaluate(
    (url) =>
      new Promise<void>((resolve) => {
        document.querySelector('#preview-test')?.remove()
        const frame = document.createElement('iframe')
        frame.id = 'preview-test'
        frame.title = 'Preview'
        frame.src = url
        frame.addEventListener('load', () => resolve(), { once: true })
        document.body.append(frame)
      }),
    src,
  )
}

/** What the test iframe shows: its path, the page's text, and the title's colour (set by the stylesheet). */
function frameState(): Promise<{ path: string; text: string; color: string } | null> {
  return page.evaluate(() => {
    const frame = document.querySelector<HTMLIFrameElement>('#preview-test')
    const doc = frame?.contentDocument
    if (!doc?.body) return null
    const title = doc.querySelector('h1')
    return { path: doc.location.pathname, text: doc.body.innerText, color: title ? getComputedStyle(title).color : '' }
  })
}

function reloadFrame(): Promise<void> {
  return page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const frame = document.querySelector<HTMLIFrameElement>('#preview-test')!
        frame.addEventListener('load', () => resolve(), { once: true })
        frame.contentWindow!.location.reload()
      }),
  )
}

describe('the in-tab preview', () => {
  it('serves a folder as its index.html, with the right types and the headers an isolated page can embed', async () => {
    const html = await fetchInPage(preview('/site/'))
    expect(html.status).toBe(200)
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(html.headers['cross-origin-embedder-policy']).toBe('require-corp')
    expect(html.headers['cross-origin-resource-policy']).toBe('same-origin')
    expect(html.headers['cache-control']).toBe('no-store')
    expect(html.text).toContain('Hello from the workspace')

    // A folder without its slash redirects to it, so that relative URLs resolve inside it.
    const redirected = await fetchInPage(preview('/site/sub'))
    expect([redirected.status, redirected.redirected, new URL(redirected.url).pathname]).toEqual([200, true, preview('/site/sub/')])
    expect(redirected.text).toContain('The sub page')
    const rootRedirect = await fetchInPage(`/preview/${projectId}`)
    expect([rootRedirect.redirected, new URL(rootRedirect.url).pathname]).toEqual([true, preview('/')])

    const types = {
      '/site/style.css': 'text/css; charset=utf-8',
      '/site/app.js': 'text/javascript; charset=utf-8',
      '/README.md': 'text/markdown; charset=utf-8',
      '/site/logo.png': 'image/png',
      '/site/big.txt': 'text/plain; charset=utf-8',
    }
    for (const [path, type] of Object.entries(types)) {
      const r = await fetchInPage(preview(path))
      expect([path, r.status, r.headers['content-type']]).toEqual([path, 200, type])
    }
    expect((await fetchInPage(preview('/site/logo.png'))).bytes).toEqual([...PNG])
    expect((await fetchInPage(preview('/site/big.txt'))).text).toBe(BIG)
  })

  it('shows the site in an iframe of the IDE, its stylesheet and script loaded, and a saved edit on reload', async () => {
    await showInFrame(preview('/site/'))
    await expect.poll(frameState).toEqual({ path: preview('/site/'), text: expect.stringContaining('Inserted by app.js'), color: 'rgb(10, 20, 30)' })
    expect((await frameState())!.text).toContain('Hello from the workspace')

    // Edit site/index.html in the workspace and save it; a reload of the preview shows it.
    const tree = page.getByRole('navigation', { name: 'Files' })
    await tree.locator('[data-path="/workspace/site"] > button').click()
    await tree.locator('[data-path="/workspace/site/index.html"] > button').click()
    const editor = page.getByLabel('Edit /workspace/site/index.html')
    await expect.poll(() => editor.innerText(), { timeout: 30_000 }).toContain('Hello from the workspace')
    await editor.fill(
      '<!doctype html>\n<html>\n<head><meta charset="utf-8"><link rel="stylesheet" href="style.css"><script src="app.js" defer></script></head>\n<body><h1>Edited in Coder</h1></body>\n</html>\n',
    )
    await page.keyboard.press('Control+s')
    await expect.poll(() => page.locator('.tab .dirty').count()).toBe(0)
    await reloadFrame()
    await expect.poll(frameState).toEqual({ path: preview('/site/'), text: expect.stringContaining('Edited in Coder'), color: 'rgb(10, 20, 30)' })
    expect((await frameState())!.text).toContain('Inserted by app.js')
    expect((await frameState())!.text).not.toContain('Hello from the workspace')
  })

  it('never leaves /workspace, never serves .git, and answers 404 pages naming what is missing', async () => {
    // The URL parser resolves literal and encoded dot segments before the request is made; what
    // still reaches the service worker encoded (slashes, backslashes, dots) is refused.
    const refused = [
      '/..%2fREADME.md',
      '/site/..%2f..%2f..%2fREADME.md',
      '/site/%2e%2e%2fREADME.md',
      '/site/%2E%2E%2F%2E%2E%2Fcoder-projects',
      '/site/..%5cREADME.md',
      '/site/%5c..%5c..%5cREADME.md',
      '/site/%00index.html',
      '/site/%E0%A4%A',
      '/.git/config',
      '/.git/',
      '/.git',
      '/%2egit/config',
      '/.GIT/config',
      '/site/%2e%2e/.git/HEAD',
      '/site/index.html/',
    ]
    for (const path of refused) {
      const r = await fetchInPage(preview(path))
      expect([path, r.status, r.headers['content-type'], r.headers['cross-origin-embedder-policy']]).toEqual([path, 404, 'text/html; charset=utf-8', 'require-corp'])
    }
    // Literal backslashes are slashes to the URL parser: this one lands outside the project.
    expect((await fetchInPage(`/preview/${projectId}/site\\..\\..\\README.md`)).status).toBe(404)

    const missing = await fetchInPage(preview('/site/missing.html'))
    expect(missing.status).toBe(404)
    expect(missing.text).toContain('/site/missing.html')
    // A folder without index.html.
    expect((await fetchInPage(preview('/'))).text).toContain('/index.html')

    // An unknown project is a 404, and looking for it creates no database.
    const unknown = '00000000-0000-4000-8000-000000000000'
    const r = await fetchInPage(`/preview/${unknown}/`)
    expect(r.status).toBe(404)
    expect(r.text).toContain(unknown)
    const databases = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))
    expect(databases).toContain(`coder-project-${projectId}`)
    expect(databases).not.toContain(`coder-project-${unknown}`)

    // Nothing of the preview is ever cached.
    const cached = await page.evaluate(async () => {
      const urls: string[] = []
      for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) urls.push(request.url)
      return urls
    })
    expect(cached.filter((url) => url.includes('/preview/'))).toEqual([])
  })

  it('works with the browser offline', async () => {
    await context.setOffline(true)
    try {
      const served = app.requests.length
      await reloadFrame()
      await expect.poll(frameState).toEqual({ path: preview('/site/'), text: expect.stringContaining('Inserted by app.js'), color: 'rgb(10, 20, 30)' })
      expect((await frameState())!.text).toContain('Edited in Coder')
      await showInFrame(preview('/site/sub'))
      await expect.poll(frameState).toEqual({ path: preview('/site/sub/'), text: expect.stringContaining('The sub page'), color: '' })
      expect((await fetchInPage(preview('/site/app.js'))).status).toBe(200)
      // All of it came from the service worker (but the browser's own checks for a new /sw.js).
      expect(app.requests.slice(served).filter((r) => r.dest !== 'serviceworker')).toEqual([])
    } finally {
      await context.setOffline(false)
    }
  })
})
