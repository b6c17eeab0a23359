import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { extractPackage, integrityOf, shasumOf, verifyIntegrity, type PackageFile, type SkippedEntry } from '.'

const NPM = '/usr/lib/node_modules/npm'
const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'coder-install-'))
  dirs.push(d)
  return d
}

const LONG = `lib/${'deep-folder-name/'.repeat(7)}${'a-rather-long-file-name-'.repeat(3)}.js`

/** A package folder with what npm pack must carry: bins, exec bits, long and non-ASCII names, binary data. */
function fixturePackage(dir: string): void {
  const write = (path: string, data: string | Uint8Array, mode = 0o644) => {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), data)
    chmodSync(join(dir, path), mode)
  }
  write('package.json', JSON.stringify({ name: '@acme/fixture', version: '1.2.3', bin: { fixture: './bin/cli.js' }, files: ['bin', 'lib', 'scripts', 'README.md', 'data.bin'] }, null, 2))
  write('bin/cli.js', '#!/usr/bin/env node\nconsole.log("hi")\n')
  write('scripts/run.sh', '#!/bin/sh\necho run\n', 0o755)
  write('lib/index.js', 'module.exports = 42\n')
  write('lib/naïve-café.js', 'module.exports = "ünïcödé"\n')
  write(LONG, '// long\n')
  write('lib/empty.js', '')
  write('README.md', '# fixture\n')
  const random = new Uint8Array(150_000)
  for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24
  write('data.bin', random)
}

function walk(root: string, dir = root): Map<string, { data: Buffer; mode: number }> {
  const out = new Map<string, { data: Buffer; mode: number }>()
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, name.name)
    if (name.isDirectory()) for (const [k, v] of walk(root, path)) out.set(k, v)
    else if (name.isFile()) out.set(relative(root, path), { data: readFileSync(path), mode: statSync(path).mode & 0o777 })
  }
  return out
}

const asMap = (files: PackageFile[]) => new Map(files.map((f) => [f.path, { data: Buffer.from(f.data), mode: f.mode }]))

describe('against npm pack and npm’s own extraction', () => {
  let tgz: Uint8Array
  let packed: { integrity: string; shasum: string; files: Array<{ path: string; mode: number }> }
  let source: string

  beforeAll(() => {
    source = temp()
    fixturePackage(source)
    const out = execFileSync(process.execPath, [`${NPM}/bin/npm-cli.js`, 'pack', '--json', '--offline', '--pack-destination', source], { cwd: source, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    packed = JSON.parse(out)[0]
    tgz = new Uint8Array(readFileSync(join(source, 'acme-fixture-1.2.3.tgz')))
  })

  it('computes the integrity and shasum npm computed, and rejects a flipped byte', async () => {
    expect(await integrityOf(tgz)).toBe(packed.integrity)
    expect(await shasumOf(tgz)).toBe(packed.shasum)
    await verifyIntegrity(tgz, packed.integrity)
    const bad = tgz.slice()
    bad[bad.length >> 1] ^= 1
    await expect(verifyIntegrity(bad, packed.integrity)).rejects.toMatchObject({ code: 'INTEGRITY', data: { expected: packed.integrity } })
  })

  it('unpacks exactly the files npm packed, with their contents', async () => {
    const files = asMap(await extractPackage(tgz))
    expect([...files.keys()].sort()).toEqual(packed.files.map((f) => f.path).sort())
    expect(files.has(LONG)).toBe(true)
    const original = walk(source)
    for (const [path, file] of files) expect(file.data.equals(original.get(path)!.data), path).toBe(true)
  })

  it('gives the same files and modes as pacote (what npm install uses)', async () => {
    const require = createRequire(`${NPM}/package.json`)
    const pacote = require('pacote') as { extract(spec: string, dest: string, opts: Record<string, unknown>): Promise<unknown> }
    const dest = temp()
    const tarball = join(source, 'acme-fixture-1.2.3.tgz')
    await pacote.extract(`file:${tarball}`, dest, { cache: join(temp(), 'cache'), umask: 0o022 })
    const theirs = walk(dest)
    const mine = asMap(await extractPackage(tgz))
    expect([...mine.keys()].sort()).toEqual([...theirs.keys()].sort())
    for (const [path, file] of mine) {
      expect(file.mode, path).toBe(theirs.get(path)!.mode)
      expect(file.data.equals(theirs.get(path)!.data), path).toBe(true)
    }
    expect(mine.get('bin/cli.js')!.mode).toBe(0o755)
    expect(mine.get('scripts/run.sh')!.mode).toBe(0o755)
    expect(mine.get('lib/index.js')!.mode).toBe(0o644)
  })
})

describe('archives written by GNU tar', () => {
  for (const format of ['gnu', 'pax', 'ustar', 'v7'] as const) {
    it(`reads --format=${format}`, async () => {
      const dir = temp()
      const name = format === 'v7' ? 'lib/short-name.js' : LONG
      mkdirSync(join(dir, 'pkg', name, '..'), { recursive: true })
      writeFileSync(join(dir, 'pkg', name), 'long\n')
      writeFileSync(join(dir, 'pkg/package.json'), '{"name":"x","version":"1.0.0"}')
      writeFileSync(join(dir, 'pkg/tool.sh'), 'x')
      chmodSync(join(dir, 'pkg/tool.sh'), 0o755)
      symlinkSync('package.json', join(dir, 'pkg/link.json'))
      execFileSync('tar', ['-czf', 'out.tgz', `--format=${format}`, 'pkg'], { cwd: dir })
      const skipped: SkippedEntry[] = []
      const files = asMap(await extractPackage(new Uint8Array(readFileSync(join(dir, 'out.tgz'))), { onSkip: (e) => skipped.push(e) }))
      expect([...files.keys()].sort()).toEqual([name, 'package.json', 'tool.sh'].sort())
      expect(files.get(name)!.data.toString()).toBe('long\n')
      expect(files.get('tool.sh')!.mode).toBe(0o755)
      expect(skipped).toEqual([{ path: 'pkg/link.json', type: 'symlink' }])
    })
  }

  it('refuses entries GNU tar wrote with -P (.. and absolute paths)', async () => {
    const dir = temp()
    mkdirSync(join(dir, 'a/b'), { recursive: true })
    writeFileSync(join(dir, 'evil.js'), 'pwned')
    execFileSync('tar', ['-czPf', '../../climb.tgz', '../../evil.js'], { cwd: join(dir, 'a/b') })
    execFileSync('tar', ['-czPf', 'abs.tgz', join(dir, 'evil.js')], { cwd: dir })
    execFileSync('tar', ['-czPf', 'inner.tgz', 'a/b/../../evil.js'], { cwd: dir })
    for (const file of ['climb.tgz', 'abs.tgz', 'inner.tgz']) {
      await expect(extractPackage(new Uint8Array(readFileSync(join(dir, file)))), file).rejects.toMatchObject({ code: 'UNSAFE_PACKAGE', message: expect.stringContaining('evil.js') })
    }
  })
})
