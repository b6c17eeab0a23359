/**
 * The resolver against native npm on the fixture registry: for the same package.json, our
 * lockfile plans the same tree as npm's, `npm ci` accepts it and installs what npm would, and an
 * added package is saved as `npm install <pkg>` saves it.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installedTree, nativeNpm, startFixtureRegistry, type Registry } from '../../e2e/support/registry'
import { makeFixtureProject, type FixtureProjectName } from '../../e2e/support/registry-fixtures'
import { planFromLockfile, resolveDependencies, type Packument } from '.'

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

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
const layout = (lock: unknown) => Object.fromEntries(planFromLockfile(lock).packages.map((p) => [p.path, `${p.name}@${p.version}`]))

describe.each<FixtureProjectName>(['basic', 'conflict', 'bench-50'])('fixture project %s', (name) => {
  it('resolves the tree native npm resolves, and npm ci installs it unchanged', async () => {
    const native = join(temp, `${name}-native`)
    await makeFixtureProject(registry, name, native)
    const pkg = readJson(join(native, 'package.json'))
    const nativeLock = readJson(join(native, 'package-lock.json'))

    const ours = await resolveDependencies(pkg, { fetchPackument })
    expect(ours.packageJson).toEqual(pkg)
    expect(layout(ours.lock)).toEqual(layout(nativeLock))
    // Same entries field by field, apart from how npm orders keys.
    expect(ours.lock).toEqual(nativeLock)

    const mine = join(temp, `${name}-ours`)
    cpSync(native, mine, { recursive: true })
    const lockText = `${JSON.stringify(ours.lock, null, 2)}\n`
    writeFileSync(join(mine, 'package-lock.json'), lockText)
    const ci = await nativeNpm(['ci', '--ignore-scripts'], mine, registry)
    expect(ci.code, ci.stderr).toBe(0)
    expect(readFileSync(join(mine, 'package-lock.json'), 'utf8')).toBe(lockText)
    const tree = installedTree(mine)
    expect(tree.map((p) => `${p.path} ${p.name}@${p.version}`)).toEqual(Object.entries(layout(nativeLock)).map(([path, id]) => `${path} ${id}`))
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
    const nativeLock = readJson(join(dir, 'package-lock.json'))

    const ours = await resolveDependencies(before, {
      fetchPackument,
      add: [
        { name: 'needs-old-pad', spec: '' },
        { name: 'app-lib', spec: '1.x' },
      ],
    })
    expect(ours.packageJson).toEqual(nativePkg)
    expect(JSON.stringify(Object.keys(ours.packageJson))).toBe(JSON.stringify(Object.keys(nativePkg)))
    expect(layout(ours.lock)).toEqual(layout(nativeLock))
    expect(ours.lock).toEqual(nativeLock)
  }, 60_000)
})
