import { describe, expect, it } from 'vitest'
import { AppError } from '../../shared/errors'
import { planFromLockfile, resolveDependencies, type Packument, type PackumentVersion } from '.'

type Extra = Partial<Omit<PackumentVersion, 'name' | 'version' | 'dist'>>

/** An in-memory registry: `{ name: { version: extra manifest fields } }`, `latest` the highest non-prerelease unless given. */
function registry(spec: Record<string, Record<string, Extra>>, tags: Record<string, Record<string, string>> = {}) {
  const docs = new Map<string, Packument>()
  for (const [name, versions] of Object.entries(spec)) {
    const list = Object.keys(versions)
    const stable = list.filter((v) => !v.includes('-'))
    docs.set(name, {
      name,
      'dist-tags': { latest: stable[stable.length - 1] ?? list[list.length - 1]!, ...tags[name] },
      versions: Object.fromEntries(
        list.map((version) => [
          version,
          { name, version, ...versions[version], dist: { tarball: `https://r.test/${name}/-/${name.split('/').pop()}-${version}.tgz`, shasum: '0123456789abcdef0123456789abcdef01234567' } },
        ]),
      ),
    })
  }
  const fetched: string[] = []
  return {
    fetched,
    fetchPackument: async (name: string): Promise<Packument> => {
      fetched.push(name)
      const doc = docs.get(name)
      if (!doc) throw new AppError('NOT_FOUND', `npm error 404: '${name}' is not in the registry`)
      return doc
    },
  }
}

const layout = (lock: unknown) => Object.fromEntries(planFromLockfile(lock).packages.map((p) => [p.path, `${p.name}@${p.version}`]))
const entries = (lock: Record<string, unknown>) => lock.packages as Record<string, Record<string, unknown>>
const project = (extra: Record<string, unknown>) => ({ name: 'app', version: '1.0.0', ...extra })

describe('resolveDependencies', () => {
  it('picks latest when it matches, else the highest non-deprecated match; dist-tags by name', async () => {
    const r = registry(
      {
        a: { '1.0.0': {}, '1.2.0': {}, '1.3.0': { deprecated: 'broken' }, '2.0.0': {} },
        b: { '1.0.0': {}, '1.1.0-beta.1': {}, '1.1.0': {} },
        c: { '1.0.0': {}, '2.0.0-rc.1': {} },
      },
      { c: { next: '2.0.0-rc.1' } },
    )
    const { lock } = await resolveDependencies(project({ dependencies: { a: '^1.0.0', b: '~1.0.0 || >=1.1.0-beta.0 <1.1.0', c: 'next' } }), r)
    expect(layout(lock)).toEqual({ 'node_modules/a': 'a@1.2.0', 'node_modules/b': 'b@1.1.0-beta.1', 'node_modules/c': 'c@2.0.0-rc.1' })
    const a = entries(lock)['node_modules/a']!
    expect(a.resolved).toBe('https://r.test/a/-/a-1.2.0.tgz')
    expect(a.integrity).toBe('sha1-ASNFZ4mrze8BI0VniavN7wEjRWc=')
    expect(lock).toMatchObject({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true })
    expect(entries(lock)['']).toEqual({ name: 'app', version: '1.0.0', dependencies: { a: '^1.0.0', b: '~1.0.0 || >=1.1.0-beta.0 <1.1.0', c: 'next' } })
  })

  it('dedupes at the root and nests conflicting versions under their dependent', async () => {
    const r = registry({
      x: { '1.0.0': { dependencies: { shared: '^1.0.0', leaf: '^1.0.0' } } },
      y: { '1.0.0': { dependencies: { shared: '^2.0.0', leaf: '^1.0.0' } } },
      shared: { '1.0.0': {}, '2.0.0': { dependencies: { leaf: '^2.0.0' } } },
      leaf: { '1.0.0': {}, '2.0.0': {} },
    })
    const { lock } = await resolveDependencies(project({ dependencies: { y: '^1.0.0', x: '^1.0.0' } }), r)
    expect(layout(lock)).toEqual({
      'node_modules/leaf': 'leaf@1.0.0',
      'node_modules/shared': 'shared@1.0.0',
      'node_modules/x': 'x@1.0.0',
      'node_modules/y': 'y@1.0.0',
      'node_modules/y/node_modules/shared': 'shared@2.0.0',
      // Not beside shared under y: y itself needs leaf ^1, which that copy would shadow.
      'node_modules/y/node_modules/shared/node_modules/leaf': 'leaf@2.0.0',
    })
    expect(Object.keys(entries(lock))).toEqual(['', 'node_modules/leaf', 'node_modules/shared', 'node_modules/x', 'node_modules/y', 'node_modules/y/node_modules/shared', 'node_modules/y/node_modules/shared/node_modules/leaf'])
  })

  it('flags dev, optional and devOptional packages as npm does, and skips optional ones that cannot resolve', async () => {
    const r = registry({
      prod: { '1.0.0': { dependencies: { both: '^1.0.0' } } },
      tool: { '1.0.0': { dependencies: { both: '^1.0.0', devonly: '^1.0.0', devopt: '^1.0.0' } } },
      opt: { '1.0.0': { dependencies: { devopt: '^1.0.0' }, os: ['darwin'], cpu: ['arm64'] } },
      both: { '1.0.0': {} },
      devonly: { '1.0.0': {} },
      devopt: { '1.0.0': {} },
    })
    const { lock } = await resolveDependencies(
      project({ dependencies: { prod: '^1.0.0' }, devDependencies: { tool: '^1.0.0' }, optionalDependencies: { opt: '^1.0.0', missing: '^1.0.0', gone: '^9.0.0', prod: '^1.0.0' } }),
      r,
    )
    const e = entries(lock)
    expect(e['']!.dependencies).toBeUndefined()
    expect(e['']!.optionalDependencies).toEqual({ gone: '^9.0.0', missing: '^1.0.0', opt: '^1.0.0', prod: '^1.0.0' })
    const flags = (p: string) => ({ dev: e[p]!.dev, optional: e[p]!.optional, devOptional: e[p]!.devOptional })
    expect(flags('node_modules/prod')).toEqual({ dev: undefined, optional: true, devOptional: undefined })
    expect(flags('node_modules/both')).toEqual({ dev: undefined, optional: undefined, devOptional: true })
    expect(flags('node_modules/tool')).toEqual({ dev: true, optional: undefined, devOptional: undefined })
    expect(flags('node_modules/devonly')).toEqual({ dev: true, optional: undefined, devOptional: undefined })
    expect(flags('node_modules/devopt')).toEqual({ dev: undefined, optional: undefined, devOptional: true })
    expect(flags('node_modules/opt')).toEqual({ dev: undefined, optional: true, devOptional: undefined })
    expect(e['node_modules/opt']).toMatchObject({ os: ['darwin'], cpu: ['arm64'] })
    expect(e['node_modules/missing']).toBeUndefined()
    expect(e['node_modules/gone']).toBeUndefined()
  })

  it('installs peer dependencies beside their dependent (flagged peer), but not optional ones', async () => {
    const r = registry({
      plugin: { '1.0.0': { peerDependencies: { host: '^2.0.0', extra: '^1.0.0' }, peerDependenciesMeta: { extra: { optional: true } } } },
      host: { '1.0.0': {}, '2.0.0': {}, '2.1.0': {} },
      extra: { '1.0.0': {} },
    })
    const { lock } = await resolveDependencies(project({ dependencies: { plugin: '^1.0.0' } }), r)
    expect(layout(lock)).toEqual({ 'node_modules/host': 'host@2.1.0', 'node_modules/plugin': 'plugin@1.0.0' })
    expect(entries(lock)['node_modules/host']!.peer).toBe(true)
    expect(entries(lock)['node_modules/plugin']!.peer).toBeUndefined()
    expect(entries(lock)['node_modules/plugin']!.peerDependenciesMeta).toEqual({ extra: { optional: true } })
  })

  it('follows npm: aliases, and records the real name of the package', async () => {
    const r = registry({ real: { '1.0.0': {}, '1.5.0': { bin: 'cli.js' } } })
    const { lock } = await resolveDependencies(project({ dependencies: { alias: 'npm:real@^1.0.0' } }), r)
    expect(entries(lock)['node_modules/alias']).toMatchObject({ name: 'real', version: '1.5.0', bin: { real: 'cli.js' } })
    expect(layout(lock)).toEqual({ 'node_modules/alias': 'real@1.5.0' })
  })

  it('adds packages as npm install does: ^version, the range when narrower, dev ones to devDependencies, sorted', async () => {
    const r = registry({ a: { '1.0.0': {}, '1.4.2': {} }, b: { '2.0.0': {}, '2.1.0': {} }, c: { '1.2.0': {}, '1.3.0': {} }, d: { '3.0.0': {} }, z: { '1.0.0': {} } })
    const pkg = { name: 'app', version: '1.0.0', scripts: { test: 'x' }, dependencies: { z: '^1.0.0' }, private: true }
    const { packageJson, lock } = await resolveDependencies(pkg, {
      fetchPackument: r.fetchPackument,
      add: [
        { name: 'b', spec: '' },
        { name: 'a', spec: 'latest' },
        { name: 'c', spec: '>=1.2.0 <1.3.0' },
        { name: 'd', spec: '3.0.0', dev: true },
      ],
    })
    expect(packageJson).toEqual({ name: 'app', version: '1.0.0', scripts: { test: 'x' }, dependencies: { a: '^1.4.2', b: '^2.1.0', c: '>=1.2.0 <1.3.0', z: '^1.0.0' }, private: true, devDependencies: { d: '^3.0.0' } })
    expect(Object.keys(packageJson)).toEqual(['name', 'version', 'scripts', 'dependencies', 'private', 'devDependencies'])
    expect(Object.keys(packageJson.dependencies as object)).toEqual(['a', 'b', 'c', 'z'])
    expect(pkg.dependencies).toEqual({ z: '^1.0.0' })
    expect(layout(lock)).toMatchObject({ 'node_modules/c': 'c@1.2.0', 'node_modules/d': 'd@3.0.0' })
    expect(entries(lock)['node_modules/d']!.dev).toBe(true)
  })

  it('removes packages from package.json and the lockfile, with what only they needed', async () => {
    const r = registry({ a: { '1.0.0': { dependencies: { sub: '^1.0.0' } } }, b: { '1.0.0': {} }, sub: { '1.0.0': {} } })
    const { packageJson, lock } = await resolveDependencies(project({ dependencies: { a: '^1.0.0', b: '^1.0.0' }, devDependencies: { a: '^1.0.0' } }), { ...r, remove: ['a'] })
    expect(packageJson.dependencies).toEqual({ b: '^1.0.0' })
    expect(packageJson.devDependencies).toEqual({})
    expect(layout(lock)).toEqual({ 'node_modules/b': 'b@1.0.0' })
  })

  it('keeps locked versions that still satisfy, but not for a package being added', async () => {
    const r = registry({ a: { '1.0.0': {}, '1.1.0': {} }, b: { '1.0.0': {}, '1.1.0': {} }, c: { '1.0.0': {}, '2.0.0': {} } })
    const pkg = project({ dependencies: { a: '^1.0.0', b: '^1.0.0', c: '^2.0.0' } })
    const old = { lockfileVersion: 3, packages: { '': {}, 'node_modules/a': { version: '1.0.0' }, 'node_modules/b': { version: '1.0.0' }, 'node_modules/c': { version: '1.0.0' } } }
    const { lock } = await resolveDependencies(pkg, { ...r, lock: old, add: [{ name: 'b', spec: '' }] })
    expect(layout(lock)).toEqual({ 'node_modules/a': 'a@1.0.0', 'node_modules/b': 'b@1.1.0', 'node_modules/c': 'c@2.0.0' })
  })

  it('reports progress', async () => {
    const r = registry({ a: { '1.0.0': { dependencies: { b: '1' } } }, b: { '1.0.0': {} } })
    const seen: Array<{ resolved: number; pending: number }> = []
    await resolveDependencies(project({ dependencies: { a: '1' } }), { ...r, onProgress: (p) => seen.push(p) })
    expect(seen.at(-1)).toEqual({ resolved: 2, pending: 0 })
  })

  it('throws NOT_FOUND naming the package and range, for missing packages and versions', async () => {
    const r = registry({ a: { '1.0.0': { dependencies: { b: '^5.0.0' } } }, b: { '1.0.0': {} } })
    const err = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as AppError)
    const missing = await err(resolveDependencies(project({ dependencies: { nope: '^1.0.0' } }), r))
    expect(missing).toBeInstanceOf(AppError)
    expect(missing?.code).toBe('NOT_FOUND')
    expect(missing?.message).toContain('nope')
    const noVersion = await err(resolveDependencies(project({ dependencies: { a: '^1.0.0' } }), r))
    expect(noVersion?.code).toBe('NOT_FOUND')
    expect(noVersion?.message).toContain('b@^5.0.0')
    expect(noVersion?.message).toContain('a@1.0.0')
    const noTag = await err(resolveDependencies(project({ dependencies: { b: 'beta' } }), r))
    expect(noTag?.message).toContain('b@beta')
  })

  it('refuses file:, git and URL specs with a clear BAD_INPUT', async () => {
    const r = registry({})
    for (const spec of ['file:../lib', 'git+https://github.com/a/b.git', 'github:a/b', 'a/b', 'https://x.test/a.tgz', 'link:../x']) {
      const error = await resolveDependencies(project({ dependencies: { lib: spec } }), r).then(() => undefined, (e: unknown) => e as AppError)
      expect(error?.code, spec).toBe('BAD_INPUT')
      expect(error?.message, spec).toContain('not supported in the tab')
    }
    const added = await resolveDependencies(project({}), { ...r, add: [{ name: 'lib', spec: 'file:./x' }] }).then(() => undefined, (e: unknown) => e as AppError)
    expect(added?.code).toBe('BAD_INPUT')
  })

  it('refuses an override of a direct dependency that differs from it, and a $reference to nothing, as npm does', async () => {
    const r = registry({ a: { '1.0.0': { dependencies: { b: '^1.0.0' } } }, b: { '1.0.0': {}, '2.0.0': {} } })
    const err = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as AppError)
    const direct = await err(resolveDependencies(project({ dependencies: { b: '^1.0.0' }, overrides: { b: '2.0.0' } }), r))
    expect(direct?.message).toContain('EOVERRIDE')
    expect(direct?.message).toContain('Override for b@^1.0.0 conflicts with direct dependency')
    const dangling = await err(resolveDependencies(project({ dependencies: { a: '1.0.0' }, overrides: { b: '$c' } }), r))
    expect(dangling?.code).toBe('BAD_INPUT')
    expect(dangling?.message).toContain('Unable to resolve reference $c')
    // The same spec is allowed, and a key range limits an override to the edges it intersects.
    const same = await resolveDependencies(project({ dependencies: { a: '1.0.0', b: '^1.0.0' }, overrides: { b: '^1.0.0' } }), r)
    expect(layout(same.lock)).toEqual({ 'node_modules/a': 'a@1.0.0', 'node_modules/b': 'b@1.0.0' })
    const ranged = await resolveDependencies(project({ dependencies: { a: '1.0.0' }, overrides: { 'b@^3': '2.0.0' } }), r)
    expect(layout(ranged.lock)).toEqual({ 'node_modules/a': 'a@1.0.0', 'node_modules/b': 'b@1.0.0' })
  })

  it('nests a workspace’s conflicting dependency in its own node_modules and links the workspace', async () => {
    const r = registry({ left: { '1.0.0': {}, '2.0.0': {} } })
    const workspaces = [
      { path: 'packages/a', packageJson: { name: 'a', version: '1.0.0', dependencies: { left: '^2.0.0', b: '*' } } },
      { path: 'packages/b', packageJson: { name: 'b', version: '1.0.0', dependencies: { left: '^1.0.0' } } },
    ]
    const { lock } = await resolveDependencies(project({ workspaces: ['packages/*'] }), { ...r, workspaces })
    expect(layout(lock)).toEqual({ 'node_modules/a': 'a@1.0.0', 'node_modules/b': 'b@1.0.0', 'node_modules/left': 'left@2.0.0', 'packages/b/node_modules/left': 'left@1.0.0' })
    expect(entries(lock)['node_modules/a']).toEqual({ resolved: 'packages/a', link: true })
    const dup = await resolveDependencies(project({}), { ...r, workspaces: [workspaces[0]!, { ...workspaces[1]!, packageJson: { ...workspaces[1]!.packageJson, name: 'a' } }] }).then(() => undefined, (e: unknown) => e as AppError)
    expect(dup?.message).toContain('EDUPLICATEWORKSPACE')
  })
})
