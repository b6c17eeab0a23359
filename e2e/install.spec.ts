import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { connectBrowser } from './support/browser'
import { startDevServer } from './support/dev-server'
import { installedTree, nativeNpm, startFixtureRegistry, type Registry } from './support/registry'
import { evilTraversalTarball, makeFixtureProject, projectFiles, type FixtureProjectName } from './support/registry-fixtures'

// `npm ci` in the tab (the embedded runtime, from the bench page) against a real registry
// (Verdaccio on 127.0.0.1), compared with native npm on the same lockfiles: the same packages at
// the same paths; integrity checked; the package cache makes a second install work offline.
let browser: Browser
let app: { url: string; close: () => Promise<void> }
let registry: Registry
let context: BrowserContext
let page: Page
const root = mkdtempSync(join(tmpdir(), 'coder-install-'))

beforeAll(async () => {
  ;[browser, app, registry] = await Promise.all([connectBrowser(), startDevServer(), startFixtureRegistry()])
  context = await browser.newContext()
  page = await context.newPage()
  await page.goto(`${app.url}/bench.html`)
  await page.waitForFunction(() => 'coderBench' in window, null, { timeout: 120_000 })
}, 180_000)
afterAll(async () => {
  await context?.close()
  await app?.close()
  await browser?.close()
  rmSync(root, { recursive: true, force: true })
})

type Bench = {
  runtimeProject(files: Array<{ path: string; text: string }>): Promise<string>
  runtimeRun(projectId: string, line: string): Promise<{ code: number; output: string; ms: number }>
  runtimeTree(projectId: string): Promise<Array<{ path: string; name: string; version: string }>>
  runtimeWrite(projectId: string, path: string, text: string): Promise<void>
}
const bench = <K extends keyof Bench>(method: K, ...args: Parameters<Bench[K]>) =>
  page.evaluate(([m, a]) => ((window as unknown as { coderBench: Record<string, (...x: unknown[]) => unknown> }).coderBench[m as string]!(...(a as unknown[])) as Promise<unknown>), [method, args] as const) as ReturnType<Bench[K]>

/** A fixture project on disk (its lockfile made by native npm against the registry) and its files. */
async function fixture(name: FixtureProjectName): Promise<{ dir: string; files: Array<{ path: string; text: string }> }> {
  const dir = join(root, name)
  await makeFixtureProject(registry, name, dir)
  const files = projectFiles(dir)
  return { dir, files }
}

describe('npm ci in the tab', () => {
  it('installs exactly what native npm ci installs, with bin links, and runs the tests', { timeout: 180_000 }, async () => {
    for (const name of ['basic', 'conflict'] as const) {
      const { dir, files } = await fixture(name)
      const native = await nativeNpm(['ci', '--ignore-scripts'], dir, registry)
      expect(native.code, native.stderr).toBe(0)
      const projectId = await bench('runtimeProject', files)
      const r = await bench('runtimeRun', projectId, 'npm ci')
      expect(r.code, r.output).toBe(0)
      expect(r.output).toMatch(/added \d+ packages/)
      expect(await bench('runtimeTree', projectId)).toEqual(installedTree(dir))
      if (name === 'basic') {
        const test = await bench('runtimeRun', projectId, 'npm test')
        expect(test.code, test.output).toBe(0)
        expect(test.output).toMatch(/pass 4/)
        const hello = await bench('runtimeRun', projectId, 'npm run hello')
        expect(hello.output).toContain('tiny-cli: hi')
      }
    }
  })

  it('installs before npm test when node_modules is missing, and again offline from the package cache', { timeout: 180_000 }, async () => {
    const { files } = await fixture('basic')
    const projectId = await bench('runtimeProject', files)
    const first = await bench('runtimeRun', projectId, 'npm test')
    expect(first.code, first.output).toBe(0)
    expect(first.output).toContain('node_modules is missing: installing the dependencies first.')
    const tree = await bench('runtimeTree', projectId)
    const before = registry.requests.length
    await context.setOffline(true)
    try {
      const again = await bench('runtimeRun', projectId, 'rm -rf node_modules && npm ci && npm test')
      expect(again.code, again.output).toBe(0)
      expect(again.output).toMatch(/from the cache/)
      expect(await bench('runtimeTree', projectId)).toEqual(tree)
    } finally {
      await context.setOffline(false)
    }
    expect(registry.requests.slice(before)).toEqual([])
  })

  it('refuses a tarball whose integrity does not match the lock, leaving node_modules as it was', { timeout: 120_000 }, async () => {
    const good = await fixture('basic')
    const bad = await fixture('bad-integrity')
    const projectId = await bench('runtimeProject', good.files)
    expect((await bench('runtimeRun', projectId, 'npm ci')).code).toBe(0)
    const tree = await bench('runtimeTree', projectId)
    await bench('runtimeWrite', projectId, 'package-lock.json', bad.files.find((f) => f.path === 'package-lock.json')!.text)
    const failed = await bench('runtimeRun', projectId, 'npm ci')
    expect(failed.code).toBe(1)
    expect(failed.output).toMatch(/integrity/i)
    expect(failed.output).toContain('left-pad-lite')
    expect(await bench('runtimeTree', projectId)).toEqual(tree)
  })

  it('refuses a package whose tarball entries try to leave its folder, writing nothing', { timeout: 120_000 }, async () => {
    const { tgz } = evilTraversalTarball()
    const integrity = `sha512-${createHash('sha512').update(tgz).digest('base64')}`
    const pkg = { name: 'uses-evil', version: '1.0.0', dependencies: { 'evil-traversal': '^1.0.0' } }
    const lock = {
      name: 'uses-evil',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'uses-evil', version: '1.0.0', dependencies: { 'evil-traversal': '^1.0.0' } },
        'node_modules/evil-traversal': { version: '1.0.0', resolved: `${registry.url}evil-traversal/-/evil-traversal-1.0.0.tgz`, integrity },
      },
    }
    const projectId = await bench('runtimeProject', [
      { path: 'package.json', text: JSON.stringify(pkg, null, 2) },
      { path: 'package-lock.json', text: JSON.stringify(lock, null, 2) },
    ])
    const r = await bench('runtimeRun', projectId, 'npm ci')
    expect(r.code).toBe(1)
    expect(r.output).toMatch(/escape\.txt|outside|unsafe/i)
    expect(await bench('runtimeTree', projectId)).toEqual([])
    expect((await bench('runtimeRun', projectId, 'ls /workspace')).output).not.toContain('escape.txt')
  })

  it('resolves without a lockfile as native npm install does, adds and removes packages, and writes a lock npm accepts', { timeout: 240_000 }, async () => {
    const { dir, files } = await fixture('conflict')
    const withoutLock = files.filter((f) => f.path !== 'package-lock.json')
    const npmrc = { path: '.npmrc', text: `registry=${registry.url}\n` }
    // Native npm on the same package.json, no lock.
    rmSync(join(dir, 'package-lock.json'), { force: true })
    rmSync(join(dir, 'node_modules'), { recursive: true, force: true })
    const native = await nativeNpm(['install', '--ignore-scripts'], dir, registry)
    expect(native.code, native.stderr).toBe(0)
    const projectId = await bench('runtimeProject', [...withoutLock, npmrc])
    const r = await bench('runtimeRun', projectId, 'npm install')
    expect(r.code, r.output).toBe(0)
    expect(await bench('runtimeTree', projectId)).toEqual(installedTree(dir))
    // The lock the tab wrote installs natively, unchanged.
    const lock = (await bench('runtimeRun', projectId, 'cat package-lock.json')).output
    writeFileSync(join(dir, 'package-lock.json'), lock)
    const ci = await nativeNpm(['ci', '--ignore-scripts'], dir, registry)
    expect(ci.code, ci.stderr).toBe(0)
    expect(installedTree(dir)).toEqual(await bench('runtimeTree', projectId))

    // npm install <pkg> and npm uninstall <pkg>, as native npm changes package.json.
    const add = await bench('runtimeRun', projectId, 'npm install tiny-cli && cat package.json')
    expect(add.code, add.output).toBe(0)
    expect(add.output).toMatch(/"tiny-cli": "\^1\.0\.0"/)
    expect((await bench('runtimeTree', projectId)).map((p) => p.path)).toContain('node_modules/tiny-cli')
    const remove = await bench('runtimeRun', projectId, 'npm uninstall tiny-cli && cat package.json')
    expect(remove.code, remove.output).toBe(0)
    expect(remove.output).not.toContain('tiny-cli')
    expect((await bench('runtimeTree', projectId)).map((p) => p.path)).not.toContain('node_modules/tiny-cli')
    const missing = await bench('runtimeRun', projectId, 'npm install no-such-package-anywhere')
    expect(missing.code).toBe(1)
    expect(missing.output).toMatch(/404.*no-such-package-anywhere/)
  })

  it('lists install scripts instead of running them', { timeout: 120_000 }, async () => {
    const { files } = await fixture('with-scripts')
    const projectId = await bench('runtimeProject', files)
    const r = await bench('runtimeRun', projectId, 'npm ci && ls node_modules/has-install-script')
    expect(r.code, r.output).toBe(0)
    expect(r.output).toMatch(/has-install-script@1\.0\.0 \(postinstall\)/)
    expect(r.output).not.toContain('INSTALLED')
  })
})
