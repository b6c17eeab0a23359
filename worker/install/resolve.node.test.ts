/**
 * The resolver against native npm on the fixture registry: for the same package.json, our
 * lockfile is the text npm writes (same entries, same key order), `npm ci` accepts it and
 * installs what npm would, and an added package is saved as `npm install <pkg>` saves it.
 * Workspaces, overrides, peer conflicts (ERESOLVE, --force, --legacy-peer-deps) and bundled
 * dependencies included.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installedTree, nativeNpm, startFixtureRegistry, type Registry } from '../../e2e/support/registry'
import { makeFixtureProject, type FixtureProjectName } from '../../e2e/support/registry-fixtures'
import { AppError } from '../../shared/errors'
import { bundledPackages, extractPackage, formatLockfile, matchWorkspaces, planFromLockfile, resolveDependencies, type Packument, type PackumentVersion, type ResolveOptions, type WorkspacePackage } from '.'

let registry: Registry
let temp: string

beforeAll(async () => {
  registry = await startFixtureRegistry()
  temp = mkdtempSync(join(tmpdir(), 'coder-resolve-'))
}, 120_000)

afterAll(async () => {
  rmSync(temp, { recursive: true, force: true })
  await registry?.close()
})

const fetchPackument = async (name: string): Promise<Packument> => {
  const response = await fetch(`${registry.url}${encodeURIComponent(name)}`)
  if (!response.ok) throw new Error(`${name}: ${response.status}`)
  return (await response.json()) as Packument
}

/** What the tab's install does for bundleDependencies: the tarball's own node_modules. */
const readBundle = async (manifest: PackumentVersion) => {
  const response = await fetch(manifest.dist.tarball)
  return bundledPackages(await extractPackage(new Uint8Array(await response.arrayBuffer())))
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
const layout = (lock: unknown) => Object.fromEntries(planFromLockfile(lock).packages.map((p) => [p.path, `${p.name}@${p.version}`]))

/** The project's workspaces as the tab finds them: its folders matched against the globs. */
function workspacesOf(dir: string, pkg: Record<string, unknown>): WorkspacePackage[] {
  const folders: string[] = []
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const full = join(d, entry)
      if (entry === 'node_modules' || entry.startsWith('.') || !statSync(full).isDirectory()) continue
      folders.push(relative(dir, full))
      walk(full)
    }
  }
  walk(dir)
  return matchWorkspaces(pkg.workspaces, folders)
    .filter((path) => existsSync(join(dir, path, 'package.json')))
    .map((path) => ({ path, packageJson: readJson(join(dir, path, 'package.json')) }))
}

/**
 * Our lock for the native project in `dir`, checked against the text npm wrote: the same bytes
 * means npm ci accepts it as its own (install.spec.ts runs npm ci on locks the tab writes; `ci`
 * does it here too, in a copy).
 */
async function compareWithNative(dir: string, options: Partial<ResolveOptions> = {}, ci?: string[]): Promise<void> {
  const pkg = readJson(join(dir, 'package.json'))
  const nativeText = readFileSync(join(dir, 'package-lock.json'), 'utf8')
  const ours = await resolveDependencies(pkg, { fetchPackument, readBundle, workspaces: workspacesOf(dir, pkg), ...options })
  expect(ours.packageJson).toEqual(pkg)
  expect(layout(ours.lock)).toEqual(layout(JSON.parse(nativeText)))
  // The same text: the same entries, fields and key order (npm's json-stringify-nice order).
  expect(formatLockfile(ours.lock)).toBe(nativeText)
  if (!ci) return
  const mine = `${dir}-ours`
  cpSync(dir, mine, { recursive: true })
  writeFileSync(join(mine, 'package-lock.json'), formatLockfile(ours.lock))
  const result = await nativeNpm(['ci', '--ignore-scripts', ...ci], mine, registry)
  expect(result.code, result.stderr).toBe(0)
  expect(readFileSync(join(mine, 'package-lock.json'), 'utf8')).toBe(nativeText)
  expect(installedTree(mine).map((p) => `${p.path} ${p.name}@${p.version}`)).toEqual(Object.entries(layout(JSON.parse(nativeText))).map(([path, id]) => `${path} ${id}`))
}

describe.each<FixtureProjectName>(['basic', 'conflict', 'bench-50', 'workspaces', 'workspaces-object', 'overrides', 'overrides-simple', 'overrides-ref', 'peer', 'bundled'])('fixture project %s', (name) => {
  it('resolves the lock native npm writes, byte for byte, and npm ci installs it unchanged', async () => {
    const dir = join(temp, name)
    await makeFixtureProject(registry, name, dir)
    await compareWithNative(dir, {}, name === 'workspaces' || name === 'bundled' ? [] : undefined)
  }, 60_000)
})

describe('peer dependency conflicts', () => {
  it('are refused as npm refuses them (ERESOLVE), naming the peer and both requirers', async () => {
    const dir = join(temp, 'peer-conflict')
    await makeFixtureProject(registry, 'peer-conflict', dir)
    const native = await nativeNpm(['install', '--package-lock-only', '--ignore-scripts'], dir, registry)
    expect(native.code).toBe(1)
    expect(native.stderr).toContain('ERESOLVE')
    const error = await resolveDependencies(readJson(join(dir, 'package.json')), { fetchPackument }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AppError)
    const message = (error as AppError).message
    expect((error as AppError).data).toMatchObject({ code: 'ERESOLVE', peer: 'left-pad-lite', dependent: 'pad-plugin@1.0.0' })
    // npm's own report, line for line, up to where npm points to its log files.
    const nativeReport = native.stderr.slice(0, native.stderr.indexOf('npm error\nnpm error\nnpm error For a full report')).trim()
    expect(message).toBe(nativeReport)
  }, 60_000)

  it.each([['--force'], ['--legacy-peer-deps']])('are accepted with %s, as npm accepts them', async (flag) => {
    const dir = join(temp, `peer-conflict${flag}`)
    await makeFixtureProject(registry, 'peer-conflict', dir)
    const native = await nativeNpm(['install', '--package-lock-only', '--ignore-scripts', flag], dir, registry)
    expect(native.code, native.stderr).toBe(0)
    const force = flag === '--force'
    await compareWithNative(dir, force ? { force: true } : { legacyPeerDeps: true })
    const ours = await resolveDependencies(readJson(join(dir, 'package.json')), { fetchPackument, force, legacyPeerDeps: !force })
    if (force) expect(ours.warnings.join('\n')).toMatch(/ERESOLVE overriding peer dependency[^]*peer left-pad-lite@"\^1\.0\.0" from pad-plugin@1\.0\.0/)
    else expect(ours.warnings).toEqual([])
  }, 60_000)

  it('--legacy-peer-deps leaves peers out, as npm does', async () => {
    const dir = join(temp, 'peer-legacy')
    await makeFixtureProject(registry, 'peer', dir)
    rmSync(join(dir, 'package-lock.json'))
    const native = await nativeNpm(['install', '--package-lock-only', '--ignore-scripts', '--legacy-peer-deps'], dir, registry)
    expect(native.code, native.stderr).toBe(0)
    await compareWithNative(dir, { legacyPeerDeps: true })
    expect(Object.keys(layout(readJson(join(dir, 'package-lock.json'))))).toEqual(['node_modules/pad-plugin'])
  }, 60_000)
})

describe('npm install <pkg>', () => {
  it('saves added packages (a tag and a range) as native npm install --package-lock-only does', async () => {
    const dir = join(temp, 'add-native')
    await makeFixtureProject(registry, 'basic', dir)
    const before = readJson(join(dir, 'package.json'))
    const npm = await nativeNpm(['install', 'needs-old-pad', 'app-lib@1.x', '--package-lock-only', '--ignore-scripts'], dir, registry)
    expect(npm.code, npm.stderr).toBe(0)
    const nativePkg = readJson(join(dir, 'package.json'))
    const nativeText = readFileSync(join(dir, 'package-lock.json'), 'utf8')

    const ours = await resolveDependencies(before, {
      fetchPackument,
      add: [
        { name: 'needs-old-pad', spec: '' },
        { name: 'app-lib', spec: '1.x' },
      ],
    })
    expect(ours.packageJson).toEqual(nativePkg)
    expect(JSON.stringify(Object.keys(ours.packageJson))).toBe(JSON.stringify(Object.keys(nativePkg)))
    expect(formatLockfile(ours.lock)).toBe(nativeText)
  }, 60_000)

  it('into a workspace, from its folder, as native npm does', async () => {
    const dir = join(temp, 'add-workspace')
    await makeFixtureProject(registry, 'workspaces', dir)
    const pkg = readJson(join(dir, 'package.json'))
    const workspaces = workspacesOf(dir, pkg)
    const npm = await nativeNpm(['install', 'needs-old-pad', '--ignore-scripts', '--package-lock-only'], join(dir, 'packages/b'), registry)
    expect(npm.code, npm.stderr).toBe(0)
    const ours = await resolveDependencies(pkg, { fetchPackument, workspaces, target: 'packages/b', add: [{ name: 'needs-old-pad', spec: '' }] })
    expect(ours.packageJson).toEqual(readJson(join(dir, 'package.json')))
    expect(ours.workspaces.find((w) => w.path === 'packages/b')!.packageJson).toEqual(readJson(join(dir, 'packages/b/package.json')))
    expect(formatLockfile(ours.lock)).toBe(readFileSync(join(dir, 'package-lock.json'), 'utf8'))
  }, 60_000)
})
