import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { connectBrowser } from './support/browser'
import { startDevServer } from './support/dev-server'
import { installedTree, nativeNpm, startFixtureRegistry, type InstalledPackage, type Registry } from './support/registry'
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
  // No hot reload: files others edit while the spec runs must not reload the bench page mid-install.
  await context.routeWebSocket(/\/(\?token=.*)?$/, () => {})
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

/**
 * The installed tree as a program in the tab sees it (Node's fs in the sandbox), walked as
 * `installedTree` walks the disk: through node_modules, scopes and nested node_modules, listing a
 * symlinked workspace and walking the node_modules of the folder it links to.
 */
const TREE_SCRIPT = `const fs = require('fs')
const path = require('path')
const out = []
const linked = new Set()
const root = fs.realpathSync('.')
const walk = (modules) => {
  if (!fs.existsSync(modules)) return
  for (const entry of fs.readdirSync(modules).sort()) {
    if (entry.startsWith('.')) continue
    const names = entry.startsWith('@') ? fs.readdirSync(modules + '/' + entry).sort().map((n) => entry + '/' + n) : [entry]
    for (const name of names) {
      const at = modules + '/' + name
      if (!fs.existsSync(at + '/package.json')) continue
      out.push({ path: at, name, version: JSON.parse(fs.readFileSync(at + '/package.json', 'utf8')).version ?? '' })
      if (!fs.lstatSync(at).isSymbolicLink()) walk(at + '/node_modules')
      else {
        const target = path.relative(root, fs.realpathSync(at))
        if (target && !target.startsWith('..') && !linked.has(target)) {
          linked.add(target)
          walk(target + '/node_modules')
        }
      }
    }
  }
}
walk('node_modules')
console.log(JSON.stringify(out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))))
`

/** The tab's installed tree, read by a program running in it (see TREE_SCRIPT). */
async function tabTree(projectId: string): Promise<InstalledPackage[]> {
  await bench('runtimeWrite', projectId, '.coder-tree.cjs', TREE_SCRIPT)
  const r = await bench('runtimeRun', projectId, 'node .coder-tree.cjs')
  expect(r.code, r.output).toBe(0)
  return JSON.parse(r.output) as InstalledPackage[]
}

/** A project's files for the tab without its lockfile, with an .npmrc naming the fixture registry. */
function withoutLock(files: Array<{ path: string; text: string }>): Array<{ path: string; text: string }> {
  return [...files.filter((f) => f.path !== 'package-lock.json'), { path: '.npmrc', text: `registry=${registry.url}\n` }]
}

/** Native `npm install` (no lock, no node_modules) in the fixture's folder: it must succeed. */
async function nativeInstall(dir: string, flags: string[] = []): Promise<void> {
  rmSync(join(dir, 'package-lock.json'), { force: true })
  rmSync(join(dir, 'node_modules'), { recursive: true, force: true })
  const native = await nativeNpm(['install', '--ignore-scripts', ...flags], dir, registry)
  expect(native.code, native.stderr).toBe(0)
}

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

  it('installs a workspaces project as native npm install does: links, hoisting, nesting, bins; runs from inside a workspace', { timeout: 240_000 }, async () => {
    const { dir, files } = await fixture('workspaces')
    await nativeInstall(dir)
    const nativeLock = readFileSync(join(dir, 'package-lock.json'), 'utf8')
    const projectId = await bench('runtimeProject', withoutLock(files))
    const r = await bench('runtimeRun', projectId, 'npm install')
    expect(r.code, r.output).toBe(0)
    const tree = installedTree(dir)
    expect(tree.map((p) => p.path)).toContain('packages/b/node_modules/left-pad-lite')
    expect(await tabTree(projectId)).toEqual(tree)
    const lock = (await bench('runtimeRun', projectId, 'cat package-lock.json')).output
    expect(lock).toBe(nativeLock)
    // Native npm ci takes the tab's lock as it is.
    writeFileSync(join(dir, 'package-lock.json'), lock)
    const ci = await nativeNpm(['ci', '--ignore-scripts'], dir, registry)
    expect(ci.code, ci.stderr).toBe(0)
    expect(installedTree(dir)).toEqual(tree)

    // The loader follows the links: a sees its sibling workspace, which gets its own nested left-pad-lite.
    const run = await bench('runtimeRun', projectId, 'node packages/a/index.js && ws-b 7')
    expect(run.code, run.output).toBe(0)
    const native = spawnSync(process.execPath, ['packages/a/index.js'], { cwd: dir, encoding: 'utf8' })
    expect(native.stdout).toBe('Hello, workspace! a uses left-pad-lite 2.0.0, ws-b uses 1.1.0: 0007\nws-b is ../b/index.js, the same module as its file\n')
    expect(run.output).toContain(native.stdout)
    expect(run.output).toContain('ws-b: 0007')
    // From inside a workspace: the root's lock, node_modules and tree; the workspace's own scripts.
    const inside = await bench('runtimeRun', projectId, 'rm -rf node_modules packages/b/node_modules && cd packages/a && npm test')
    expect(inside.code, inside.output).toBe(0)
    expect(inside.output).toContain('node_modules is missing: installing the dependencies first.')
    expect(inside.output).toMatch(/pass 1/)
    expect(await tabTree(projectId)).toEqual(tree)
    expect((await bench('runtimeRun', projectId, 'cat package-lock.json')).output).toBe(nativeLock)
    const add = await bench('runtimeRun', projectId, 'cd packages/b && npm install needs-old-pad && cat package.json')
    expect(add.code, add.output).toBe(0)
    expect(add.output).toMatch(/"needs-old-pad": "\^1\.0\.0"/)
    expect((await bench('runtimeRun', projectId, 'cat package.json')).output).not.toContain('needs-old-pad')
  })

  it('applies overrides and writes the lock native npm writes, key for key', { timeout: 120_000 }, async () => {
    const { dir, files } = await fixture('overrides')
    const nativeText = readFileSync(join(dir, 'package-lock.json'), 'utf8')
    const projectId = await bench('runtimeProject', withoutLock(files))
    const r = await bench('runtimeRun', projectId, 'npm install && cat package-lock.json')
    expect(r.code, r.output).toBe(0)
    const text = (await bench('runtimeRun', projectId, 'cat package-lock.json')).output
    const [ours, native] = [JSON.parse(text), JSON.parse(nativeText)] as Array<{ packages: Record<string, Record<string, unknown>> }>
    expect(ours.packages['node_modules/needs-old-pad/node_modules/left-pad-lite']?.version).toBe('1.0.0')
    expect(ours).toEqual(native)
    // npm's key order in every entry (and the same text: there is no field npm adds that the tab cannot know here).
    for (const [path, entry] of Object.entries(native.packages)) expect(Object.keys(ours.packages[path]!), path).toEqual(Object.keys(entry))
    expect(text).toBe(nativeText)
  })

  it('refuses a peer dependency conflict as npm does (ERESOLVE), and accepts --legacy-peer-deps and --force', { timeout: 180_000 }, async () => {
    const { dir, files } = await fixture('peer-conflict')
    const refused = await nativeNpm(['install', '--ignore-scripts'], dir, registry)
    expect(refused.code).toBe(1)
    const projectId = await bench('runtimeProject', withoutLock(files))
    const r = await bench('runtimeRun', projectId, 'npm install')
    expect(r.code).toBe(1)
    expect(r.output).toContain('ERESOLVE unable to resolve dependency tree')
    expect(r.output).toContain('peer left-pad-lite@"^1.0.0" from pad-plugin@1.0.0')
    expect(r.output).toContain('pad-plugin@"^1.0.0" from the root project')
    expect(r.output).toContain('left-pad-lite@"^2.0.0" from the root project')
    expect(r.output).toContain('--legacy-peer-deps')
    expect(await tabTree(projectId)).toEqual([])
    for (const flag of ['--legacy-peer-deps', '--force']) {
      await nativeInstall(dir, [flag])
      const ok = await bench('runtimeRun', projectId, `rm -rf node_modules package-lock.json && npm install ${flag}`)
      expect(ok.code, ok.output).toBe(0)
      if (flag === '--force') expect(ok.output).toContain('ERESOLVE overriding peer dependency')
      expect(await tabTree(projectId)).toEqual(installedTree(dir))
      expect((await bench('runtimeRun', projectId, 'cat package-lock.json')).output).toBe(readFileSync(join(dir, 'package-lock.json'), 'utf8'))
    }
  })

  it('installs a package with bundled dependencies from its own tarball, without fetching or hoisting them', { timeout: 120_000 }, async () => {
    const { dir, files } = await fixture('bundled')
    const nativeText = readFileSync(join(dir, 'package-lock.json'), 'utf8')
    await nativeInstall(dir)
    const projectId = await bench('runtimeProject', withoutLock(files))
    const before = registry.requests.length
    const r = await bench('runtimeRun', projectId, 'npm install')
    expect(r.code, r.output).toBe(0)
    expect(registry.requests.slice(before)).not.toContain('/left-pad-lite/-/left-pad-lite-1.0.0.tgz')
    expect(await tabTree(projectId)).toEqual(installedTree(dir))
    const lock = JSON.parse((await bench('runtimeRun', projectId, 'cat package-lock.json')).output) as { packages: Record<string, Record<string, unknown>> }
    expect(lock.packages['node_modules/bundles-pad/node_modules/left-pad-lite']).toMatchObject({ version: '1.0.0', inBundle: true })
    expect(lock).toEqual(JSON.parse(nativeText))
    await bench('runtimeWrite', projectId, 'versions.cjs', "console.log(require('bundles-pad').padVersion, require('left-pad-lite').version)\n")
    const run = await bench('runtimeRun', projectId, 'node versions.cjs')
    expect(run.output.trim()).toBe('1.0.0 2.0.0')
  })

  it('resolves again offline from the package documents seen online, and says so when it has never seen one', { timeout: 120_000 }, async () => {
    const { files } = await fixture('conflict')
    const projectId = await bench('runtimeProject', withoutLock(files))
    const online = await bench('runtimeRun', projectId, 'npm install')
    expect(online.code, online.output).toBe(0)
    const tree = await tabTree(projectId)
    const lock = (await bench('runtimeRun', projectId, 'cat package-lock.json')).output
    const before = registry.requests.length
    await context.setOffline(true)
    try {
      const again = await bench('runtimeRun', projectId, 'rm -rf node_modules package-lock.json && npm install')
      expect(again.code, again.output).toBe(0)
      expect(again.output).toContain('using the package documents seen before')
      expect(await tabTree(projectId)).toEqual(tree)
      expect((await bench('runtimeRun', projectId, 'cat package-lock.json')).output).toBe(lock)
      const unseen = await bench('runtimeRun', projectId, 'npm install never-fetched-package')
      expect(unseen.code).toBe(1)
      expect(unseen.output).toMatch(/could not reach the registry for never-fetched-package[^]*not in the package cache/)
      expect(await tabTree(projectId)).toEqual(tree)
    } finally {
      await context.setOffline(false)
    }
    expect(registry.requests.slice(before)).toEqual([])
  })
})
