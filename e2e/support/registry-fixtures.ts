/**
 * @module The npm fixture packages e2e/support/registry.ts publishes (deterministic contents,
 * generated here), and fixture projects whose lockfiles native npm writes against a running
 * registry (lockfiles embed the registry URL in `resolved`, so they are made at setup time).
 */
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRandom } from './fixtures'
import { createTarball, nativeNpm, npmVersion, type Registry, type TarEntry } from './registry'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** A package version to publish: its files, package.json included. */
export interface FixturePackage {
  name: string
  version: string
  /** Path inside the package → content; `package.json` is always there. */
  files: Record<string, string>
  /**
   * `npm`: published from a folder with the real `npm publish`; `tarball`: packed here as npm pack
   * would and PUT by `publishTarball` (the dep-* graph: 60 npm runs would cost ~30 s of CPU).
   */
  via: 'npm' | 'tarball'
}

const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n'

function pkg(manifest: Record<string, unknown> & { name: string; version: string }, files: Record<string, string>, via: 'npm' | 'tarball' = 'npm'): FixturePackage {
  return { name: manifest.name, version: manifest.version, files: { 'package.json': json({ license: 'MIT', ...manifest }), ...files }, via }
}

function leftPad(version: string): FixturePackage {
  // 2.x pads with a string of any length; 1.x only with one character. Each says which version it is.
  const body =
    version.startsWith('1.')
      ? "  ch = ch === undefined ? ' ' : String(ch).charAt(0)\n  while (str.length < len) str = ch + str\n"
      : "  ch = ch === undefined ? ' ' : String(ch)\n  while (str.length < len) str = (ch + str).slice(-Math.max(len, str.length + 1))\n"
  return pkg(
    { name: 'left-pad-lite', version, description: 'Pads a string on the left (Coder fixture).', main: 'index.js' },
    {
      'index.js': `'use strict'\nfunction leftPad(str, len, ch) {\n  str = String(str)\n${body}  return str\n}\nleftPad.version = '${version}'\nmodule.exports = leftPad\n`,
      'README.md': `# left-pad-lite ${version}\n`,
    },
  )
}

function greet(version: string): FixturePackage {
  const fn = `function greet(name) {\n  return 'Hello, ' + name + '!'\n}\n`
  return pkg(
    {
      name: '@coder-fixtures/greet',
      version,
      description: 'Greets, as ESM or CommonJS (Coder fixture).',
      main: './index.cjs',
      exports: { '.': { import: './index.mjs', require: './index.cjs' } },
    },
    {
      'index.mjs': `export ${fn}export const version = '${version}'\nexport const format = 'esm'\n`,
      'index.cjs': `'use strict'\n${fn}module.exports = { greet, version: '${version}', format: 'cjs' }\n`,
    },
  )
}

/** bundles-pad@1.0.0: ships left-pad-lite 1.0.0 inside its tarball (`bundleDependencies`). */
function bundlesPad(): FixturePackage {
  const bundled = leftPad('1.0.0')
  const files: Record<string, string> = { 'index.js': "'use strict'\nmodule.exports = { padVersion: require('left-pad-lite').version }\n" }
  for (const [path, text] of Object.entries(bundled.files)) files[`node_modules/left-pad-lite/${path}`] = text
  return pkg(
    { name: 'bundles-pad', version: '1.0.0', description: 'Bundles left-pad-lite 1.0.0 (Coder fixture).', main: 'index.js', dependencies: { 'left-pad-lite': '1.0.0' }, bundleDependencies: ['left-pad-lite'] },
    files,
  )
}

/** The hand-written fixture packages, all published with the real `npm publish`. */
function namedPackages(): FixturePackage[] {
  return [
    leftPad('1.0.0'),
    leftPad('1.1.0'),
    leftPad('2.0.0'),
    greet('1.0.0'),
    greet('1.2.0'),
    pkg(
      { name: 'tiny-cli', version: '1.0.0', description: 'Prints its arguments (Coder fixture).', bin: { 'tiny-cli': 'bin/cli.js' } },
      { 'bin/cli.js': "#!/usr/bin/env node\n'use strict'\nconsole.log('tiny-cli: ' + process.argv.slice(2).join(' '))\n" },
    ),
    pkg(
      {
        name: 'has-install-script',
        version: '1.0.0',
        description: 'Writes INSTALLED when its postinstall runs (Coder fixture).',
        main: 'index.js',
        scripts: { postinstall: `node -e "require('fs').writeFileSync('INSTALLED','yes')"` },
      },
      { 'index.js': "'use strict'\nmodule.exports = require('fs').existsSync(__dirname + '/INSTALLED')\n" },
    ),
    pkg(
      { name: 'needs-old-pad', version: '1.0.0', description: 'Needs left-pad-lite 1.x (Coder fixture).', main: 'index.js', dependencies: { 'left-pad-lite': '^1.0.0' } },
      { 'index.js': "'use strict'\nconst pad = require('left-pad-lite')\nmodule.exports = { padVersion: pad.version, pad: (s) => pad(s, 5, '0') }\n" },
    ),
    pkg(
      { name: 'app-lib', version: '1.0.0', description: 'Needs left-pad-lite 2.x (Coder fixture).', main: 'index.js', dependencies: { 'left-pad-lite': '^2.0.0' } },
      { 'index.js': "'use strict'\nconst pad = require('left-pad-lite')\nmodule.exports = { padVersion: pad.version, pad: (s) => pad(s, 6, 'ab') }\n" },
    ),
    pkg(
      { name: 'pad-plugin', version: '1.0.0', description: 'A plugin of left-pad-lite 1.x, its peer (Coder fixture).', main: 'index.js', peerDependencies: { 'left-pad-lite': '^1.0.0' } },
      { 'index.js': "'use strict'\nmodule.exports = { hostVersion: require('left-pad-lite').version }\n" },
    ),
    bundlesPad(),
  ]
}

/** Number of packages in the dep-* graph. */
export const DEP_GRAPH_SIZE = 50

/**
 * The dep-000 … dep-049 graph (seeded, so the same everywhere): each depends on 0–3 packages with
 * a higher number through caret ranges; every tenth from dep-003 has 1.0.0 and 1.1.0, every tenth
 * from dep-007 1.0.0 and 2.0.0 (dependents pick a major, so some copies nest).
 */
export function depGraph(): FixturePackage[] {
  const r = createRandom(20_240_505)
  const name = (i: number) => `dep-${String(i).padStart(3, '0')}`
  const versionsOf = (i: number) => (i % 10 === 3 ? ['1.0.0', '1.1.0'] : i % 10 === 7 ? ['1.0.0', '2.0.0'] : ['1.0.0'])
  const out: FixturePackage[] = []
  for (let i = 0; i < DEP_GRAPH_SIZE; i++) {
    const dependencies: Record<string, string> = {}
    const count = Math.min(r.int(0, 3), DEP_GRAPH_SIZE - 1 - i)
    while (Object.keys(dependencies).length < count) {
      const j = r.int(i + 1, DEP_GRAPH_SIZE - 1)
      dependencies[name(j)] = versionsOf(j).includes('2.0.0') && r.next() < 0.5 ? '^2.0.0' : '^1.0.0'
    }
    const sorted = Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => (a < b ? -1 : 1)))
    for (const version of versionsOf(i)) {
      const requires = Object.keys(sorted).map((d) => `require('${d}')`)
      out.push(
        pkg(
          { name: name(i), version, description: `Node ${i} of the Coder install benchmark graph.`, main: 'index.js', ...(count ? { dependencies: sorted } : {}) },
          { 'index.js': `'use strict'\nmodule.exports = { name: '${name(i)}', version: '${version}', deps: [${requires.join(', ')}].map((d) => d.name + '@' + d.version) }\n` },
          'tarball',
        ),
      )
    }
  }
  return out
}

/** dep-* packages no other dep-* depends on, with the range a project should ask for. */
export function depGraphRoots(): Record<string, string> {
  const graph = depGraph()
  const wanted = new Set(graph.flatMap((p) => Object.keys((JSON.parse(p.files['package.json']!) as { dependencies?: object }).dependencies ?? {})))
  const roots: Record<string, string> = {}
  for (const p of graph) if (!wanted.has(p.name)) roots[p.name] = `^${p.version.split('.')[0]}.0.0`
  return roots
}

/** Every fixture package but evil-traversal (see `evilTraversalTarball`). */
export function fixturePackages(): FixturePackage[] {
  return [...namedPackages(), ...depGraph()]
}

/** The malicious entry paths inside evil-traversal's tarball, in archive order. */
export const EVIL_ENTRIES = {
  traversal: 'package/../../escape.txt',
  absolute: '/tmp/coder-evil-traversal-absolute.txt',
  /** A symlink pointing out of the package, then a file written through it. */
  symlink: 'package/escape-link',
  throughSymlink: 'package/escape-link/through-link.txt',
} as const

/** evil-traversal@1.0.0: a normal package.json and index.js, then every entry of `EVIL_ENTRIES`. */
export function evilTraversalTarball(): { manifest: { name: string; version: string; [k: string]: unknown }; tgz: Uint8Array } {
  const manifest = { name: 'evil-traversal', version: '1.0.0', description: 'A tarball whose entries try to escape (Coder fixture).', main: 'index.js', license: 'MIT' }
  const entries: TarEntry[] = [
    { path: 'package/package.json', content: json(manifest) },
    { path: 'package/index.js', content: "module.exports = 'evil'\n" },
    { path: EVIL_ENTRIES.traversal, content: 'escaped the package folder\n' },
    { path: EVIL_ENTRIES.absolute, content: 'written to an absolute path\n' },
    { path: EVIL_ENTRIES.symlink, type: 'symlink', target: '../../../../../../../../tmp' },
    { path: EVIL_ENTRIES.throughSymlink, content: 'written through a symlink\n' },
  ]
  return { manifest, tgz: createTarball(entries) }
}

/**
 * A hash of everything `publishFixturePackages` publishes and of what publishes it (Verdaccio's
 * and npm's versions): a registry storage filled by an equal key holds the same packages.
 */
export function fixtureKey(): string {
  const hash = createHash('sha256')
  hash.update(JSON.stringify(fixturePackages()))
  hash.update(evilTraversalTarball().tgz)
  for (const manifest of ['verdaccio/package.json', '@verdaccio/config/package.json']) hash.update(readFileSync(join(repoRoot, 'node_modules', manifest)))
  hash.update(npmVersion())
  return hash.digest('hex').slice(0, 16)
}

/** `files` packed as npm pack would: under `package/`, sorted, mode 0644. */
export function packFiles(files: Record<string, string>): Uint8Array {
  return createTarball(
    Object.keys(files)
      .sort()
      .map((path) => ({ path: `package/${path}`, content: files[path]! })),
  )
}

/** Writes `files` below `dir`. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
}

/**
 * Publishes every fixture package and evil-traversal to `registry`: versions of one package in
 * order, at most two `npm publish` runs at a time (a 2-core machine).
 */
export async function publishFixturePackages(registry: Registry): Promise<void> {
  const temp = mkdtempSync(join(tmpdir(), 'coder-registry-fixtures-'))
  try {
    const packages = fixturePackages()
    const byName = new Map<string, FixturePackage[]>()
    for (const p of packages.filter((p) => p.via === 'npm')) byName.set(p.name, [...(byName.get(p.name) ?? []), p])
    const queue = [...byName.values()]
    const worker = async () => {
      for (let versions = queue.shift(); versions; versions = queue.shift()) {
        for (const p of versions) {
          const dir = join(temp, `${p.name.replace('/', '__')}-${p.version}`)
          writeFiles(dir, p.files)
          await registry.publish(dir)
        }
      }
    }
    const tarballs = async () => {
      for (const p of packages.filter((p) => p.via === 'tarball')) {
        await registry.publishTarball(JSON.parse(p.files['package.json']!) as { name: string; version: string }, packFiles(p.files))
      }
      const evil = evilTraversalTarball()
      await registry.publishTarball(evil.manifest, evil.tgz)
    }
    await Promise.all([worker(), worker(), tarballs()])
  } finally {
    rmSync(temp, { recursive: true, force: true })
  }
}

/** The fixture projects `makeFixtureProject` can write. */
export type FixtureProjectName =
  | 'basic'
  | 'conflict'
  | 'bench-50'
  | 'bad-integrity'
  | 'with-scripts'
  | 'workspaces'
  | 'workspaces-object'
  | 'overrides'
  | 'overrides-simple'
  | 'overrides-ref'
  | 'peer'
  | 'peer-conflict'
  | 'bundled'

const basicTest = `'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')

test('left-pad-lite 2.x pads with a string', () => {
  const leftPad = require('left-pad-lite')
  assert.equal(leftPad.version.split('.')[0], '2')
  assert.equal(leftPad('7', 3, '0'), '007')
})

test('@coder-fixtures/greet resolves to CommonJS through require', () => {
  const { greet, format } = require('@coder-fixtures/greet')
  assert.equal(format, 'cjs')
  assert.equal(greet('tab'), 'Hello, tab!')
})

test('@coder-fixtures/greet resolves to ESM through import', async () => {
  const { greet, format } = await import('@coder-fixtures/greet')
  assert.equal(format, 'esm')
  assert.equal(greet('tab'), 'Hello, tab!')
})

test('tiny-cli declares its bin', () => {
  assert.deepEqual(require('tiny-cli/package.json').bin, { 'tiny-cli': 'bin/cli.js' })
})
`

function fixtureProjectFiles(name: FixtureProjectName): Record<string, string> {
  const manifest = (dependencies: Record<string, string>, extra: Record<string, unknown> = {}) =>
    json({ name: `fixture-${name}`, version: '1.0.0', private: true, ...extra, dependencies })
  switch (name) {
    case 'basic':
    case 'bad-integrity':
      return {
        'package.json': manifest(
          { '@coder-fixtures/greet': '^1.0.0', 'left-pad-lite': '^2.0.0', 'tiny-cli': '^1.0.0' },
          { scripts: { test: 'node --test', hello: 'tiny-cli hi' } },
        ),
        'test/basic.test.js': basicTest,
      }
    case 'conflict':
      return { 'package.json': manifest({ 'app-lib': '^1.0.0', 'left-pad-lite': '^2.0.0', 'needs-old-pad': '^1.0.0' }) }
    case 'bench-50':
      return { 'package.json': manifest(depGraphRoots()) }
    case 'with-scripts':
      return { 'package.json': manifest({ 'has-install-script': '^1.0.0' }) }
    case 'workspaces':
    case 'workspaces-object': {
      const patterns = ['packages/*']
      return {
        'package.json': json({ name: `fixture-${name}`, version: '1.0.0', private: true, workspaces: name === 'workspaces' ? patterns : { packages: patterns }, devDependencies: { 'tiny-cli': '^1.0.0' } }),
        'packages/a/package.json': json({ name: '@ws/a', version: '1.0.0', main: 'index.js', scripts: { test: 'node --test' }, dependencies: { '@coder-fixtures/greet': '^1.0.0', 'left-pad-lite': '^2.0.0', 'ws-b': '^1.0.0' } }),
        'packages/a/index.js': workspaceA,
        'packages/a/test/a.test.js': workspaceATest,
        'packages/b/package.json': json({ name: 'ws-b', version: '1.0.0', main: 'index.js', bin: { 'ws-b': 'cli.js' }, dependencies: { 'left-pad-lite': '^1.0.0' } }),
        'packages/b/index.js': "'use strict'\nconst pad = require('left-pad-lite')\nmodule.exports = { padVersion: pad.version, pad: (s) => pad(s, 4, '0') }\n",
        'packages/b/cli.js': "#!/usr/bin/env node\n'use strict'\nconsole.log('ws-b: ' + require('./index.js').pad(process.argv[2] || ''))\n",
      }
    }
    case 'overrides':
      return { 'package.json': manifest({ 'app-lib': '^1.0.0', 'left-pad-lite': '^2.0.0', 'needs-old-pad': '^1.0.0' }, { overrides: { 'needs-old-pad': { 'left-pad-lite': '1.0.0' } } }) }
    case 'overrides-simple':
      return { 'package.json': manifest({ 'app-lib': '^1.0.0', 'needs-old-pad': '^1.0.0' }, { overrides: { 'left-pad-lite': '1.0.0' } }) }
    case 'overrides-ref':
      return { 'package.json': manifest({ 'left-pad-lite': '^2.0.0', 'needs-old-pad': '^1.0.0' }, { overrides: { 'left-pad-lite': '$left-pad-lite' } }) }
    case 'peer':
      return { 'package.json': manifest({ 'pad-plugin': '^1.0.0' }) }
    case 'peer-conflict':
      return { 'package.json': manifest({ 'left-pad-lite': '^2.0.0', 'pad-plugin': '^1.0.0' }) }
    case 'bundled':
      return { 'package.json': manifest({ 'bundles-pad': '^1.0.0', 'left-pad-lite': '^2.0.0' }) }
  }
}

const workspaceA = `'use strict'
const path = require('path')
const pad = require('left-pad-lite')
const b = require('ws-b')
const { greet } = require('@coder-fixtures/greet')
console.log(greet('workspace'), 'a uses left-pad-lite ' + pad.version + ', ws-b uses ' + b.padVersion + ': ' + b.pad('7'))
// Node loads a linked package from its real folder.
console.log('ws-b is ' + path.relative(__dirname, require.resolve('ws-b')) + ', the same module as ' + (require('../b/index.js') === b ? 'its file' : 'nothing'))
`

const workspaceATest = `'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')

test('a sees left-pad-lite 2.x and its sibling workspace, which sees its own 1.x', () => {
  assert.equal(require('left-pad-lite').version.split('.')[0], '2')
  assert.equal(require('ws-b').padVersion.split('.')[0], '1')
})
`

/**
 * Writes fixture project `name` into `dir` (created if missing) with a package-lock.json that
 * native `npm install --package-lock-only` resolved against `registry` (no node_modules; none at
 * all for `peer-conflict`, which npm refuses):
 * - `basic`: left-pad-lite ^2, @coder-fixtures/greet ^1, tiny-cli ^1; `npm test` runs
 *   test/basic.test.js (node:test, 4 tests), `npm run hello` runs the tiny-cli bin;
 * - `conflict`: needs-old-pad, app-lib and left-pad-lite ^2, so left-pad-lite 1.1.0 nests at
 *   node_modules/needs-old-pad/node_modules/left-pad-lite;
 * - `bench-50`: the roots of the dep-* graph, ≥ 50 packages installed;
 * - `bad-integrity`: basic, with left-pad-lite's lock `integrity` replaced by a wrong sha512;
 * - `with-scripts`: has-install-script (a postinstall script);
 * - `workspaces` (`"workspaces": ["packages/*"]`) and `workspaces-object` (`{ packages: [...] }`):
 *   packages/a (`@ws/a`: greet, left-pad-lite ^2 and the workspace ws-b; `npm test` runs its
 *   test) and packages/b (`ws-b`: left-pad-lite ^1, nested under packages/b; a `ws-b` bin); the
 *   root has tiny-cli as a dev dependency;
 * - `overrides`: conflict with `{ "needs-old-pad": { "left-pad-lite": "1.0.0" } }` (the nested
 *   copy is 1.0.0); `overrides-simple`: app-lib and needs-old-pad with `{ "left-pad-lite": "1.0.0" }`
 *   (one copy, 1.0.0, for both); `overrides-ref`: left-pad-lite ^2 and needs-old-pad with
 *   `{ "left-pad-lite": "$left-pad-lite" }` (one copy, 2.0.0);
 * - `peer`: pad-plugin, whose peer left-pad-lite 1.x is installed beside it; `peer-conflict`: also
 *   left-pad-lite ^2, which npm refuses (ERESOLVE) unless `--force` or `--legacy-peer-deps`;
 * - `bundled`: bundles-pad (left-pad-lite 1.0.0 inside its tarball) and left-pad-lite ^2.
 * Rejects with npm's output when npm fails.
 */
export async function makeFixtureProject(registry: Registry, name: FixtureProjectName, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true })
  writeFiles(dir, fixtureProjectFiles(name))
  if (name === 'peer-conflict') return
  const result = await nativeNpm(['install', '--package-lock-only', '--ignore-scripts'], dir, registry)
  if (result.code !== 0) throw new Error(`npm install --package-lock-only for ${name} exited ${result.code}:\n${result.stderr}`)
  if (name === 'bad-integrity') {
    const lockPath = join(dir, 'package-lock.json')
    const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as { packages: Record<string, { integrity?: string }> }
    const entry = lock.packages['node_modules/left-pad-lite']
    if (!entry?.integrity) throw new Error('bad-integrity: the lock has no integrity for node_modules/left-pad-lite')
    entry.integrity = `sha512-${createHash('sha512').update('not the left-pad-lite tarball').digest('base64')}`
    writeFileSync(lockPath, json(lock))
  }
}

/** A project folder's files (node_modules left out) as workspace-relative paths and text, sorted. */
export function projectFiles(dir: string): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = []
  const walk = (d: string) => {
    for (const entry of readdirSync(d).sort()) {
      const full = join(d, entry)
      if (entry === 'node_modules') continue
      if (statSync(full).isDirectory()) walk(full)
      else out.push({ path: relative(dir, full), text: readFileSync(full, 'utf8') })
    }
  }
  walk(dir)
  return out
}
