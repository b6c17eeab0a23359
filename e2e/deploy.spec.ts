import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { startGitServer, type GitServer } from '../standins/git-server'
import { connectBrowser } from './support/browser'
import { startEdgeServer, type EdgeServer } from './support/edge-server'
import { makeRepo } from './support/fixtures'
import { importThroughUi, openFromTree, signInByEmail } from './support/ide'

// Deploy preview from the IDE on the real edge and its preview worker (wrangler dev, two
// processes): a small app's `npm run build` runs on the embedded runtime, the output folder is
// published with only the bytes the edge lacks, the deploy is a run on the Runs page, the
// deployment opens at its own origin (in another browser context, and framed in the preview
// pane), and production moves by promote and roll back. A page of the preview origin reads
// nothing of the IDE's.
let browser: Browser
let edge: EdgeServer
let git: GitServer
let context: BrowserContext
let page: Page
const root = mkdtempSync(join(tmpdir(), 'coder-deploy-e2e-'))

const build = `const fs = require('fs')
const message = fs.readFileSync('message.txt', 'utf8').trim()
fs.mkdirSync('dist', { recursive: true })
fs.writeFileSync('dist/index.html', '<!doctype html><meta charset="utf-8"><title>Site</title><script src="app.js" defer></script><h1>' + message + '</h1><a href="about.html">About</a>\\n')
fs.writeFileSync('dist/app.js', "document.body.insertAdjacentHTML('beforeend', '<p id=\\"js\\">app.js ran</p>')\\n")
fs.writeFileSync('dist/about.html', '<!doctype html><meta charset="utf-8"><title>About</title><p>About this site</p>\\n')
console.log('built dist: 3 files')
`

beforeAll(async () => {
  await makeRepo(join(root, 'site.git'), {
    files: [
      { path: 'package.json', content: `${JSON.stringify({ name: 'site', private: true, scripts: { build: 'node build.js' } }, null, 2)}\n` },
      { path: 'build.js', content: build },
      { path: 'message.txt', content: 'Hello from the first deploy\n' },
    ],
    commits: [],
  })
  ;[browser, git, edge] = await Promise.all([connectBrowser(), startGitServer({ root }), startEdgeServer({ preview: true, vars: { EMAIL_DELIVERY: 'dev-mailbox' }, secrets: { DEPLOY_LINK_KEY: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64') } })])
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: edge.url })
  page = await context.newPage()
  page.on('pageerror', (e) => console.log('[pageerror]', e.message))
}, 240_000)

afterAll(async () => {
  await context?.close()
  await edge?.stop()
  await git?.close()
  await browser?.close()
  rmSync(root, { recursive: true, force: true })
})

afterEach(async (test) => {
  if (test.task.result?.state === 'fail' && page) await page.screenshot({ path: join(process.cwd(), 'test-results', `deploy-${test.task.name.slice(0, 30).replace(/\W+/g, '-')}.png`) }).catch(() => undefined)
})

const dialog = () => page.getByRole('dialog', { name: 'Deploy preview' })
const view = () => page.getByRole('region', { name: 'Deployments', exact: true })
const list = () => page.getByRole('list', { name: 'Deployments', exact: true })
const item = (id: string) => list().getByRole('listitem', { name: `Deployment ${id.slice(0, 8)}` })

/** Deploys through the dialog (opened from the Deployments view, or the palette) with its defaults; resolves to the new deployment's id and what the dialog said. */
async function deploy(options: { palette?: boolean; private?: boolean } = {}): Promise<{ id: string; said: string }> {
  if (options.palette) {
    await page.keyboard.press('Control+Shift+P')
    await page.getByLabel('Type a command').fill('>Deploy: Deploy preview')
    await page.getByRole('option', { name: /^Deploy: Deploy preview/ }).click()
  } else {
    await view().getByRole('button', { name: 'Deploy preview…' }).click()
  }
  // The defaults come from package.json's build script.
  await expect.poll(() => dialog().getByLabel('Build command').inputValue()).toBe('npm run build')
  expect(await dialog().getByLabel('Output folder').inputValue()).toBe('dist')
  if (options.private) await dialog().getByLabel('Private: only through signed links').check()
  await dialog().getByRole('button', { name: /^Deploy( again)?$/ }).click()
  const done = dialog().locator('.deploy-outcome')
  await expect.poll(() => done.textContent(), { timeout: 60_000 }).toMatch(/is ready|failed|cancelled|refused/)
  const said = (await done.textContent()) ?? ''
  expect(said).toContain('is ready')
  expect(await dialog().locator('.deploy-stage.done').allTextContents()).toEqual(['Build', 'Collect files', 'Upload'])
  expect(await dialog().getByLabel('Deploy log').textContent()).toContain('built dist: 3 files')
  const url = await done.getByRole('link').getAttribute('href')
  const id = /^http:\/\/([0-9a-f-]{36})\.localhost:\d+\/?$/.exec(url ?? '')?.[1]
  expect(id, `the deployment's link: ${url}`).toBeTruthy()
  await dialog().getByRole('button', { name: 'Close' }).click()
  return { id: id!, said }
}

describe('deploy preview', () => {
  let first = ''
  let second = ''

  it('builds and publishes the app, shows it in the list, and records the deploy as a run', async () => {
    // (Signing in polls, which only a test may do.)
    await signInByEmail(page, edge.url, 'deployer@example.com')
    await importThroughUi(page, edge.url, `${git.url}/site.git`, 'site')
    await page.getByRole('button', { name: 'Deployments', exact: true }).click()
    await expect.poll(() => view().getByText('No deployments yet').count()).toBe(1)
    ;({ id: first } = await deploy())
    await expect.poll(() => item(first).textContent()).toContain('Ready')
    expect(await item(first).textContent()).toMatch(/main · @ [0-9a-f]{7} · 3 files, .* · deployer@example.com · just now/)

    // Anyone with the link sees it: another browser context, with nothing of the IDE's.
    const stranger = await browser.newContext()
    try {
      const visitor = await stranger.newPage()
      await visitor.goto(edge.previewOrigin(first))
      await expect.poll(() => visitor.locator('h1').textContent()).toBe('Hello from the first deploy')
      await expect.poll(() => visitor.locator('#js').textContent()).toBe('app.js ran')
      await visitor.getByRole('link', { name: 'About' }).click()
      await expect.poll(() => visitor.locator('p').textContent()).toBe('About this site')
    } finally {
      await stranger.close()
    }

    // The deploy is a run of kind deploy, with its build log and manifest.
    // The record's end is sent after the dialog has said it.
    const deployRun = () => page.evaluate(async () => ((await (await fetch('/api/runs?project=site')).json()) as { runs: Array<{ id: string; kind: string; title: string; status: string }> }).runs.find((r) => r.kind === 'deploy'))
    await expect.poll(deployRun).toMatchObject({ title: 'Deploy preview of site', status: 'succeeded' })
    const run = await deployRun()
    const artifacts = await page.evaluate(async (id) => ((await (await fetch(`/api/runs/${id}`)).json()) as { artifacts: Array<{ name: string }> }).artifacts.map((a) => a.name), run!.id)
    expect(artifacts.sort()).toEqual(['build.log', 'manifest.json'])
    // Its page on the Runs page tells the deploy step by step.
    const record = await context.newPage()
    try {
      await record.goto(`${edge.url}/runs/${run!.id}`)
      const lines = record.getByRole('list', { name: 'Run events' }).getByRole('listitem')
      await expect.poll(() => lines.allTextContents()).toContainEqual(expect.stringMatching(/Deploy uploaded — .*uploadedFiles: 3, totalFiles: 3/))
      expect(await lines.allTextContents()).toContainEqual(expect.stringMatching(/Deploy finished — status: succeeded/))
    } finally {
      await record.close()
    }
  })

  it('a page of the preview origin reads nothing of the IDE, and the preview pane frames the deployment', async () => {
    // In the signed-in browser itself: the IDE's session cookie and storage are there, on another origin.
    const preview = await context.newPage()
    await preview.goto(edge.previewOrigin(first))
    await expect.poll(() => preview.locator('h1').textContent()).toBe('Hello from the first deploy')
    const seen = await preview.evaluate(async (ide) => ({
      cookie: document.cookie,
      storage: Object.keys(localStorage),
      me: await fetch(`${ide}/api/auth/me`, { credentials: 'include' }).then(
        async (res) => `answered ${res.status}: ${await res.text()}`,
        (e: Error) => `refused: ${e.name}`,
      ),
    }), edge.url)
    await preview.close()
    expect(seen.cookie).not.toContain('coder_session')
    expect(seen.storage).toEqual([])
    expect(seen.me).toBe('refused: TypeError')
    expect(await page.evaluate(() => Object.keys(localStorage).some((k) => k.startsWith('coder.')))).toBe(true)

    // The preview pane: In-tab by default; the deployment, framed from its origin.
    await page.keyboard.press('Control+j')
    await page.getByRole('tab', { name: 'Preview' }).click()
    const source = page.getByLabel('Preview source')
    await expect.poll(() => source.inputValue()).toBe('tab')
    await source.selectOption(`deployment:${first}`)
    await expect.poll(() => source.inputValue()).toBe(`deployment:${first}`)
    const frame = page.frameLocator(`iframe[title="Deployment ${first.slice(0, 8)}"]`)
    await expect.poll(() => frame.locator('h1').textContent(), { timeout: 20_000 }).toBe('Hello from the first deploy')
    await source.selectOption('tab')
    await expect.poll(() => page.getByLabel('Preview address').inputValue()).toBe('/')
    expect(await page.locator(`iframe[title="Deployment ${first.slice(0, 8)}"]`).count()).toBe(0)
  })

  it('a second deploy after one change uploads only that file; promote, promote, roll back', async () => {
    await page.getByRole('button', { name: 'Explorer' }).click()
    await openFromTree(page, '/workspace/message.txt')
    await page.getByLabel('Edit /workspace/message.txt').fill('Hello from the second deploy\n')
    await page.keyboard.press('Control+s')
    await expect.poll(() => page.locator('.tab .dirty').count()).toBe(0)
    await page.getByRole('button', { name: 'Deployments', exact: true }).click()
    const again = await deploy({ palette: true })
    second = again.id
    expect(again.said).toContain('1 of 3 files uploaded, the rest unchanged')
    await expect.poll(() => list().getByRole('listitem').count()).toBe(2)

    // Production is served under the project's id (its own, unlike its name).
    const projectId = /\/p\/([\w-]+)/.exec(new URL(page.url()).pathname)![1]!
    const production = page.getByRole('region', { name: 'Production' })
    const current = production.getByTestId('production-deployment')
    await item(first).getByRole('button', { name: 'Promote to production' }).click()
    await expect.poll(() => current.textContent()).toBe(first.slice(0, 8))
    await expect.poll(async () => (await edge.previewFetch(projectId)).text()).toContain('Hello from the first deploy')
    await item(second).getByRole('button', { name: 'Promote to production' }).click()
    await expect.poll(() => current.textContent()).toBe(second.slice(0, 8))
    await expect.poll(async () => (await edge.previewFetch(projectId)).text()).toContain('Hello from the second deploy')

    // Production cannot be deleted: the edge says why.
    await item(second).getByRole('button', { name: 'Delete' }).click()
    await page.getByRole('dialog', { name: 'Delete deployment' }).getByRole('button', { name: 'Delete' }).click()
    await expect.poll(() => view().getByRole('alert').textContent()).toContain('is its project\'s production deployment')

    await production.getByRole('button', { name: 'Roll back' }).click()
    await expect.poll(() => current.textContent()).toBe(first.slice(0, 8))
    await expect.poll(async () => (await edge.previewFetch(projectId)).text()).toContain('Hello from the first deploy')
    const history = production.getByRole('list', { name: 'Promotion history' }).getByRole('listitem')
    expect(await history.allTextContents()).toEqual([
      expect.stringMatching(new RegExp(`^deployer@example.com rolled back ${second.slice(0, 8)} → ${first.slice(0, 8)}, `)),
      expect.stringMatching(new RegExp(`^deployer@example.com promoted ${first.slice(0, 8)} → ${second.slice(0, 8)}, `)),
      expect.stringMatching(new RegExp(`^deployer@example.com promoted nothing → ${first.slice(0, 8)}, `)),
    ])
  })

  it('a private deployment opens only through a signed link', async () => {
    const { id, said } = await deploy({ private: true })
    // The same files as the second deploy: nothing to upload.
    expect(said).toContain('0 of 3 files uploaded, the rest unchanged')
    await expect.poll(() => item(id).textContent()).toContain('Private')
    expect(await item(id).getByRole('button', { name: 'Copy link' }).count()).toBe(0)
    await item(id).getByRole('button', { name: 'Share private link' }).click()
    const notice = view().getByRole('status').filter({ hasText: 'Private link (valid for a day) copied' })
    await expect.poll(() => notice.count()).toBe(1)
    const link = /copied: (\S+)$/.exec((await notice.textContent()) ?? '')?.[1] ?? ''
    expect(link).toMatch(new RegExp(`^${edge.previewOrigin(id).replace(/[.]/g, '\\.')}/\\?token=`))
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link)

    const stranger = await browser.newContext()
    try {
      const visitor = await stranger.newPage()
      await visitor.goto(edge.previewOrigin(id))
      await expect.poll(() => visitor.locator('h1').textContent()).toBe('This preview is private')
      await visitor.goto(link)
      await expect.poll(() => visitor.locator('h1').textContent()).toBe('Hello from the second deploy')
      expect(visitor.url()).toBe(`${edge.previewOrigin(id)}/`)
    } finally {
      await stranger.close()
    }

    // The preview pane frames it through a signed link of its own; the token stays out of the address.
    await page.getByRole('tab', { name: 'Preview' }).click()
    await page.getByLabel('Preview source').selectOption(`deployment:${id}`)
    const frame = page.frameLocator(`iframe[title="Deployment ${id.slice(0, 8)}"]`)
    await expect.poll(() => frame.locator('h1').textContent(), { timeout: 20_000 }).toBe('Hello from the second deploy')
    expect(await page.getByLabel('Preview address').inputValue()).toBe(edge.previewOrigin(id))
    await page.getByLabel('Preview source').selectOption('tab')
  })

  it('says why a deploy failed (the build, a missing folder) or was cancelled, and records it so', async () => {
    await view().getByRole('button', { name: 'Deploy preview…' }).click()
    await dialog().getByLabel('Build command').fill(`node -e "console.error('the build broke'); process.exit(3)"`)
    await dialog().getByRole('button', { name: 'Deploy' }).click()
    const failure = dialog().locator('.deploy-outcome')
    await expect.poll(() => failure.textContent(), { timeout: 30_000 }).toContain('exited with code 3')
    expect(await dialog().getByLabel('Deploy log').textContent()).toContain('the build broke')

    // No build, and a folder that is not there; a path leaving the project is refused as it is typed.
    await dialog().getByLabel('Build command').fill('')
    await dialog().getByLabel('Output folder').fill('../elsewhere')
    await expect.poll(() => dialog().getByRole('alert').filter({ hasText: 'leaves the project' }).count()).toBe(1)
    expect(await dialog().getByRole('button', { name: 'Deploy again' }).isDisabled()).toBe(true)
    await dialog().getByLabel('Output folder').fill('public')
    await dialog().getByRole('button', { name: 'Deploy again' }).click()
    await expect.poll(() => failure.textContent()).toContain('The output folder public does not exist')

    // A build that would take long, cancelled.
    await dialog().getByLabel('Build command').fill(`node -e "console.log('working'); setTimeout(() => {}, 60000)"`)
    await dialog().getByRole('button', { name: 'Deploy again' }).click()
    await expect.poll(() => dialog().getByLabel('Deploy log').textContent(), { timeout: 30_000 }).toContain('working')
    await dialog().getByRole('button', { name: 'Cancel deploy' }).click()
    await expect.poll(() => failure.textContent()).toBe('Deploy cancelled.')
    await dialog().getByRole('button', { name: 'Close' }).click()
    expect(await list().getByRole('listitem').count()).toBe(3)

    // The record's end is sent after the dialog has said it.
    const deployRuns = () =>
      page.evaluate(async () => ((await (await fetch('/api/runs?project=site')).json()) as { runs: Array<{ kind: string; status: string; reason: string | null }> }).runs.filter((r) => r.kind === 'deploy').map((r) => `${r.status} ${r.reason}`))
    await expect.poll(deployRuns).toEqual(['cancelled user', 'failed no_output', 'failed build_failed', 'succeeded finished', 'succeeded finished', 'succeeded finished'])
  })
})
