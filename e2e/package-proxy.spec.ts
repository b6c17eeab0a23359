import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { startGitServer, type GitServer } from '../standins/git-server'
import { connectBrowser } from './support/browser'
import { startEdgeServer, type EdgeServer } from './support/edge-server'
import { makeRepo } from './support/fixtures'
import { importThroughUi, signInByEmail } from './support/ide'
import { createTarball, startRegistry, type Registry } from './support/registry'

// The edge's package proxy end to end: Verdaccio with a scope only a signed-in user may read; the
// real edge (wrangler dev) allows that registry and holds the reader's token as a secret; the IDE
// it serves runs `npm install` in the terminal. The install succeeds through the edge, the token
// never reaches the page or the workspace, and a registry the edge does not allow is refused with
// the edge's message.
let browser: Browser
let registry: Registry
let edge: EdgeServer
let git: GitServer
let token: string
const root = mkdtempSync(join(tmpdir(), 'coder-package-proxy-'))

/** Creates a registry user through Verdaccio's API (what `npm adduser` does) and resolves to its token. */
async function createReader(url: string): Promise<string> {
  const name = 'edge-reader'
  const res = await fetch(new URL(`-/user/org.couchdb.user:${name}`, url), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ _id: `org.couchdb.user:${name}`, name, password: 'edge-reader-password', type: 'user', roles: [] }),
  })
  const body = (await res.json()) as { token?: string }
  if (!res.ok || !body.token) throw new Error(`Verdaccio refused to create ${name} (${res.status}): ${JSON.stringify(body)}`)
  return body.token
}

beforeAll(async () => {
  ;[browser, registry, git] = await Promise.all([connectBrowser(), startRegistry({ privateScopes: ['@private'] }), startGitServer({ root: join(root, 'repos') })])
  const manifest = { name: '@private/pkg', version: '1.0.0', main: 'index.js', license: 'MIT' }
  await registry.publishTarball(
    manifest,
    createTarball([
      { path: 'package/package.json', content: JSON.stringify(manifest) },
      { path: 'package/index.js', content: "module.exports = 'hello from a private package'\n" },
    ]),
  )
  token = await createReader(registry.url)
  const upstream = new URL(registry.url).origin
  edge = await startEdgeServer({ vars: { PACKAGE_UPSTREAMS: upstream, EMAIL_DELIVERY: 'dev-mailbox' }, secrets: { PACKAGE_TOKENS: JSON.stringify({ [upstream]: token }) } })
  await makeRepo(join(root, 'repos', 'uses-private.git'), {
    files: [
      { path: 'package.json', content: `${JSON.stringify({ name: 'uses-private', version: '1.0.0', dependencies: { '@private/pkg': '1.0.0' } }, null, 2)}\n` },
      // The same registry under another origin, which the edge does not allow.
      { path: '.npmrc', content: `@elsewhere:registry=http://localhost:${new URL(registry.url).port}/\n` },
      { path: 'index.js', content: "console.log(require('@private/pkg'))\n" },
    ],
    commits: [],
  })
}, 180_000)
afterAll(async () => {
  await edge?.stop()
  await registry?.close()
  await git?.close()
  await browser?.close()
  rmSync(root, { recursive: true, force: true })
})

/** The visible terminal's text, wrapped rows joined again, white space collapsed. */
const terminalText = async (page: Page) =>
  (await page.locator('.terminal-view:visible .xterm-rows > div').allInnerTexts()).join('').replace(/\s+/g, ' ')

async function run(page: Page, line: string) {
  await page.keyboard.type(line)
  await page.keyboard.press('Enter')
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [path]
  })
}

describe('packages through the edge', () => {
  it('installs a private package with the token the edge holds; the page never sees the token; a registry not allowed is refused', { timeout: 240_000 }, async () => {
    // Without the token the registry refuses the package: the edge's token is what lets it through.
    expect((await fetch(`${registry.url}@private%2fpkg`)).status).toBeGreaterThanOrEqual(400)
    expect((await fetch(`${registry.url}@private%2fpkg`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)

    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
    // The registry comes from Settings; "Fetch packages through the edge" is on by default.
    await context.addInitScript((url) => localStorage.setItem('coder.settings', JSON.stringify({ npmRegistry: url })), registry.url)
    const received: Array<Promise<{ url: string; text: string }>> = []
    context.on('response', (response) =>
      received.push(
        (async () => {
          const body = await response.body().then((b) => b.toString('latin1'), () => '')
          return { url: response.url(), text: `${response.status()} ${JSON.stringify(await response.allHeaders().catch(() => response.headers()))}\n${body}` }
        })(),
      ),
    )
    const page = await context.newPage()
    // The edge lends its registry token to signed-in users only.
    await page.goto(edge.url)
    const packument = `${edge.url}/api/packages/http/127.0.0.1:${new URL(registry.url).port}/@private%2fpkg`
    expect(await page.evaluate((url) => fetch(url).then(async (r) => `${r.status} ${((await r.json()) as { error: { message: string } }).error.message}`), packument)).toMatch(/^401 Sign in to install from/)
    await signInByEmail(page, edge.url, 'reader@example.com')
    await importThroughUi(page, edge.url, `${git.url}/uses-private.git`, 'uses-private')

    await page.keyboard.press('Control+j')
    await expect.poll(() => page.locator('.terminal-view .xterm').count(), { timeout: 30_000 }).toBe(1)
    await page.locator('.terminal-view:visible .xterm').click()
    await run(page, 'npm install')
    await expect.poll(() => terminalText(page), { timeout: 90_000 }).toMatch(/added 1 package|npm error|could not/)
    expect(await terminalText(page)).toMatch(/added 1 package/)
    await run(page, 'node index.js')
    await expect.poll(() => terminalText(page), { timeout: 30_000 }).toContain('hello from a private package')

    // A registry the edge does not allow: the edge's own message, and nothing changed.
    await run(page, 'npm install @elsewhere/thing')
    const port = new URL(registry.url).port
    await expect.poll(() => terminalText(page), { timeout: 30_000 }).toContain(
      `the edge answered 403: localhost:${port} is not an allowed package upstream: add http://localhost:${port} to PACKAGE_UPSTREAMS in the edge's configuration`,
    )

    // The install went through the edge: the packument and the tarball, by the registry's origin.
    const responses = await Promise.all(received)
    const proxied = `${edge.url}/api/packages/http/127.0.0.1:${port}/`
    expect(responses.map((r) => r.url)).toEqual(expect.arrayContaining([`${proxied}@private%2fpkg`, `${proxied}@private/pkg/-/pkg-1.0.0.tgz`]))
    // No response the page received carries the token, in its headers or its body.
    for (const r of responses) expect(r.text.includes(token), r.url).toBe(false)

    // Nor does the workspace; its lockfile names the registry, not the proxy.
    const downloading = page.waitForEvent('download')
    await page.getByRole('button', { name: 'Download .zip' }).click()
    const zip = join(root, 'uses-private.zip')
    await (await downloading).saveAs(zip)
    execFileSync('unzip', ['-q', zip, '-d', join(root, 'download')])
    const workspace = join(root, 'download', 'uses-private')
    const files = filesUnder(workspace)
    expect(files).toContain(join(workspace, 'node_modules/@private/pkg/index.js'))
    for (const file of files) expect(readFileSync(file, 'latin1').includes(token), file).toBe(false)
    const lock = JSON.parse(readFileSync(join(workspace, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> }
    expect(lock.packages['node_modules/@private/pkg']?.resolved).toBe(`${registry.url}@private/pkg/-/pkg-1.0.0.tgz`)
    expect(readFileSync(join(workspace, 'package.json'), 'utf8')).not.toContain('@elsewhere')
    await context.close()
  })
})
