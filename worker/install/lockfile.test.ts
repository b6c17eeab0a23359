import { describe, expect, it } from 'vitest'
import { AppError } from '../../shared/errors'
import { formatLockfile, lockfileDifferences, lockfileMatches, orderLikeNpm, planFromLockfile, type PlannedPackage } from '.'

const url = (name: string, version: string) => `http://127.0.0.1:4873/${name}/-/${name.split('/').pop()}-${version}.tgz`
const sri = 'sha512-AAAA'

/** Shaped like what npm 10 writes for a small monorepo. */
function lock(): Record<string, unknown> {
  return {
    name: 'app',
    version: '1.2.3',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': {
        name: 'app',
        version: '1.2.3',
        workspaces: ['packages/*'],
        dependencies: { '@acme/ui': '^2.0.0', left: '^1.0.0', fsevents: '^2.3.0' },
        devDependencies: { vitest: '^3.0.0' },
        optionalDependencies: { fsevents: '^2.3.0' },
      },
      'node_modules/@acme/ui': { version: '2.1.0', resolved: url('@acme/ui', '2.1.0'), integrity: sri, bin: { ui: 'cli.js' } },
      'node_modules/left': { version: '1.0.0', resolved: url('left', '1.0.0'), integrity: sri, dependencies: { right: '^1.0.0' } },
      'node_modules/left/node_modules/right': { version: '1.5.0', resolved: url('right', '1.5.0'), integrity: sri, hasInstallScript: true },
      'node_modules/right': { version: '2.0.0', resolved: url('right', '2.0.0'), integrity: sri },
      'node_modules/vitest': { version: '3.0.1', resolved: url('vitest', '3.0.1'), integrity: sri, dev: true, bin: { vitest: 'vitest.mjs' } },
      'node_modules/vitest/node_modules/@scope/inner': { version: '0.1.0', resolved: url('@scope/inner', '0.1.0'), integrity: sri, dev: true },
      'node_modules/fsevents': { version: '2.3.3', resolved: url('fsevents', '2.3.3'), integrity: sri, optional: true, os: ['darwin'], hasInstallScript: true },
      'node_modules/both': { version: '1.0.0', resolved: url('both', '1.0.0'), integrity: sri, devOptional: true },
      'node_modules/string-width-cjs': { name: 'string-width', version: '4.2.3', resolved: url('string-width', '4.2.3'), integrity: sri },
      'node_modules/bundler': { version: '1.0.0', resolved: url('bundler', '1.0.0'), integrity: sri, bundleDependencies: ['inside'] },
      'node_modules/bundler/node_modules/inside': { version: '3.0.0', inBundle: true },
      'node_modules/@app/shared': { resolved: 'packages/shared', link: true },
      'packages/shared': { name: '@app/shared', version: '0.0.1', bin: { shared: 'bin.js' }, dependencies: { right: '^1.0.0' } },
      'packages/shared/node_modules/right': { version: '1.0.0', resolved: url('right', '1.0.0'), integrity: sri },
    },
  }
}

const at = (packages: PlannedPackage[], path: string) => packages.find((p) => p.path === path)

function failure(fn: () => unknown): AppError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return error as AppError
  }
  throw new Error('expected a failure')
}

describe('planFromLockfile', () => {
  it('plans every locked package at its path, parents first, with names from paths', () => {
    const plan = planFromLockfile(lock())
    expect(plan.root).toEqual({ name: 'app', version: '1.2.3' })
    const paths = plan.packages.map((p) => p.path)
    expect(paths).toEqual([...paths].sort())
    expect(paths).not.toContain('packages/shared')
    expect(paths.indexOf('node_modules/left')).toBeLessThan(paths.indexOf('node_modules/left/node_modules/right'))
    expect(at(plan.packages, 'node_modules/@acme/ui')).toMatchObject({ name: '@acme/ui', version: '2.1.0', resolved: url('@acme/ui', '2.1.0'), integrity: sri, bin: { ui: 'cli.js' } })
    expect(at(plan.packages, 'node_modules/left/node_modules/right')).toMatchObject({ name: 'right', version: '1.5.0', hasInstallScript: true })
    expect(at(plan.packages, 'node_modules/right')?.version).toBe('2.0.0')
    expect(at(plan.packages, 'node_modules/vitest/node_modules/@scope/inner')?.name).toBe('@scope/inner')
    // An alias: the folder is string-width-cjs, the package is string-width.
    expect(at(plan.packages, 'node_modules/string-width-cjs')?.name).toBe('string-width')
    expect(at(plan.packages, 'node_modules/fsevents')).toMatchObject({ optional: true, os: ['darwin'] })
    expect(at(plan.packages, 'node_modules/bundler/node_modules/inside')).toMatchObject({ inBundle: true, resolved: null, integrity: null })
  })

  it('plans workspace links and the workspace folders’ own node_modules', () => {
    const plan = planFromLockfile(lock())
    expect(at(plan.packages, 'node_modules/@app/shared')).toMatchObject({ name: '@app/shared', version: '0.0.1', link: 'packages/shared', resolved: null, integrity: null, bin: { shared: 'bin.js' } })
    expect(at(plan.packages, 'packages/shared/node_modules/right')).toMatchObject({ name: 'right', version: '1.0.0' })
  })

  it('omits dev and optional packages as npm --omit does', () => {
    const all = planFromLockfile(lock()).packages.map((p) => p.path)
    const noDev = planFromLockfile(lock(), { omitDev: true }).packages.map((p) => p.path)
    expect(all).toContain('node_modules/vitest')
    expect(noDev).not.toContain('node_modules/vitest')
    expect(noDev).not.toContain('node_modules/vitest/node_modules/@scope/inner')
    expect(noDev).toContain('node_modules/fsevents')
    expect(noDev).toContain('node_modules/both')
    const noOptional = planFromLockfile(lock(), { omitOptional: true }).packages.map((p) => p.path)
    expect(noOptional).not.toContain('node_modules/fsevents')
    expect(noOptional).toContain('node_modules/both')
    expect(noOptional).toContain('node_modules/vitest')
    const neither = planFromLockfile(lock(), { omitDev: true, omitOptional: true }).packages.map((p) => p.path)
    expect(neither).not.toContain('node_modules/both')
    expect(neither).toContain('node_modules/left')
  })

  it('refuses a v1 lockfile, telling the user to regenerate it', () => {
    const error = failure(() => planFromLockfile({ name: 'app', lockfileVersion: 1, dependencies: { left: { version: '1.0.0' } } }))
    expect(error.code).toBe('BAD_INPUT')
    expect(error.message).toMatch(/version 1/)
    expect(error.message).toMatch(/npm 7/)
    expect(failure(() => lockfileMatches({ lockfileVersion: 1, dependencies: {} }, {})).message).toMatch(/npm 7/)
  })

  it('refuses paths that climb, leave node_modules or are malformed, saying where', () => {
    const broken: Array<[string, unknown]> = [
      ['node_modules/../../etc', { version: '1.0.0' }],
      ['node_modules/..', { version: '1.0.0' }],
      ['node_modules/@x/..', { version: '1.0.0' }],
      ['node_modules/a/../../x', { version: '1.0.0' }],
      ['lib/evil', { version: '1.0.0' }],
      ['/abs/node_modules/a', { version: '1.0.0' }],
      ['node_modules/a/node_modules', { version: '1.0.0' }],
      ['node_modules/@scope', { version: '1.0.0' }],
      ['node_modules/a\\..\\b', { version: '1.0.0' }],
      ['elsewhere/node_modules/a', { version: '1.0.0' }],
      ['node_modules/noversion', { resolved: 'x' }],
      ['node_modules/badbin', { version: '1.0.0', bin: { x: 1 } }],
      ['node_modules/badlink', { link: true, resolved: '../outside' }],
      ['node_modules/badlink2', { link: true, resolved: '/abs' }],
      ['node_modules/notobject', 'x'],
    ]
    for (const [path, entry] of broken) {
      const l = lock()
      ;(l.packages as Record<string, unknown>)[path] = entry
      const error = failure(() => planFromLockfile(l))
      expect(error.code, path).toBe('BAD_INPUT')
      expect(error.message, path).toContain(path)
    }
    for (const bad of [null, [], 'x', { lockfileVersion: 3 }, { lockfileVersion: '3', packages: {} }]) {
      expect(failure(() => planFromLockfile(bad)).code).toBe('BAD_INPUT')
    }
  })
})

describe('lockfileMatches', () => {
  const pkg = {
    name: 'app',
    version: '1.2.3',
    workspaces: ['packages/*'],
    // npm drops a name listed in optionalDependencies from dependencies before writing the lock.
    dependencies: { left: '^1.0.0', '@acme/ui': '^2.0.0', fsevents: '^2.3.0' },
    devDependencies: { vitest: '^3.0.0' },
    optionalDependencies: { fsevents: '^2.3.0' },
  }

  it('accepts a package.json the lock was written for', () => {
    expect(lockfileMatches(lock(), pkg)).toBe(true)
    expect(lockfileMatches(lock(), { ...pkg, dependencies: { left: '^1.0.0', '@acme/ui': '^2.0.0' } })).toBe(true)
    expect(lockfileMatches({ lockfileVersion: 3, packages: { '': { name: 'x' } } }, { name: 'x', dependencies: {} })).toBe(true)
  })

  it('rejects changed, added and removed dependencies, naming them', () => {
    expect(lockfileMatches(lock(), { ...pkg, dependencies: { ...pkg.dependencies, left: '^1.1.0' } })).toBe(false)
    expect(lockfileDifferences(lock(), { ...pkg, dependencies: { ...pkg.dependencies, left: '^1.1.0' } })).toEqual(['dependencies.left: package.json has ^1.1.0, package-lock.json has ^1.0.0'])
    expect(lockfileDifferences(lock(), { ...pkg, devDependencies: { vitest: '^3.0.0', tsx: '^4.0.0' } })).toEqual(['devDependencies.tsx: package.json has ^4.0.0, package-lock.json does not have it'])
    expect(lockfileDifferences(lock(), { ...pkg, devDependencies: {} })).toEqual(['devDependencies.vitest: package-lock.json has ^3.0.0, package.json does not have it'])
    expect(lockfileMatches(lock(), { ...pkg, peerDependencies: { react: '*' } })).toBe(false)
    expect(lockfileMatches(lock(), { ...pkg, workspaces: ['packages/*', 'apps/*'] })).toBe(false)
  })

  it('compares each workspace with its entry, and notices a linked workspace that is gone', () => {
    const shared = { path: 'packages/shared', packageJson: { name: '@app/shared', version: '0.0.1', dependencies: { right: '^1.0.0' } } }
    expect(lockfileDifferences(lock(), pkg, [shared])).toEqual([])
    expect(lockfileDifferences(lock(), pkg, [{ ...shared, packageJson: { ...shared.packageJson, dependencies: { right: '^2.0.0' } } }])).toEqual(['packages/shared/dependencies.right: package.json has ^2.0.0, package-lock.json has ^1.0.0'])
    expect(lockfileDifferences(lock(), pkg, [shared, { path: 'packages/new', packageJson: { name: 'new' } }])).toEqual(['packages/new: a workspace package-lock.json does not have'])
    expect(lockfileDifferences(lock(), pkg, [])).toEqual(['packages/shared: package-lock.json links a workspace that is not there'])
  })
})

describe('formatLockfile', () => {
  it('orders keys as npm writes them: scalars before objects, npm’s preferred keys first, then by name', () => {
    const entry = { dependencies: { b: '1', a: '2' }, license: 'MIT', bin: { x: 'x.js' }, dev: true, integrity: 'sha512-x', os: ['linux'], resolved: 'http://r/x.tgz', version: '1.0.0', engines: { node: '>=18' }, name: 'real' }
    const ordered = orderLikeNpm({ packages: { 'node_modules/x': entry, '': { version: '1.0.0', name: 'app' } }, requires: true, lockfileVersion: 3, name: 'app' })
    expect(Object.keys(ordered)).toEqual(['name', 'lockfileVersion', 'requires', 'packages'])
    expect(Object.keys(ordered.packages)).toEqual(['', 'node_modules/x'])
    expect(Object.keys(ordered.packages['node_modules/x'])).toEqual(['name', 'version', 'resolved', 'integrity', 'dev', 'license', 'os', 'dependencies', 'bin', 'engines'])
    expect(Object.keys(ordered.packages['node_modules/x'].dependencies)).toEqual(['a', 'b'])
    expect(formatLockfile({ b: 1, a: { c: 2 } })).toBe('{\n  "b": 1,\n  "a": {\n    "c": 2\n  }\n}\n')
  })
})
