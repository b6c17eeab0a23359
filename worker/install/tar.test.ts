import { describe, expect, it } from 'vitest'
import { AppError } from '../../shared/errors'
import { extractPackage, type PackageFile, type SkippedEntry } from '.'
import { makeTar, type TarEntry } from './__fixtures__/make-tar'

const text = (f: PackageFile | undefined) => new TextDecoder().decode(f?.data)
const byPath = (files: PackageFile[]) => new Map(files.map((f) => [f.path, f]))

async function failure(entries: TarEntry[], maxBytes?: number): Promise<AppError> {
  try {
    await extractPackage(await makeTar(entries, { gzip: true }), { maxBytes })
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return error as AppError
  }
  throw new Error('expected the archive to be refused')
}

describe('extractPackage', () => {
  it('unpacks a gzipped package, stripping the top folder and keeping exec bits', async () => {
    const tgz = await makeTar(
      [
        { name: 'package/', type: '5' },
        { name: 'package/package.json', data: '{"name":"a","version":"1.0.0"}' },
        { name: 'package/lib/index.js', data: 'module.exports = 1\n' },
        { name: 'package/bin/run.sh', data: '#!/bin/sh\n', mode: 0o755 },
        { name: 'package/owner-only-x', data: 'x', mode: 0o700 },
        { name: 'package/empty.txt', data: '' },
      ],
      { gzip: true },
    )
    expect(tgz[0]).toBe(0x1f)
    const files = byPath(await extractPackage(tgz))
    expect([...files.keys()].sort()).toEqual(['bin/run.sh', 'empty.txt', 'lib/index.js', 'owner-only-x', 'package.json'])
    expect(text(files.get('lib/index.js'))).toBe('module.exports = 1\n')
    expect(files.get('bin/run.sh')?.mode).toBe(0o755)
    expect(files.get('owner-only-x')?.mode).toBe(0o755)
    expect(files.get('lib/index.js')?.mode).toBe(0o644)
    expect(files.get('empty.txt')?.data.length).toBe(0)
  })

  it('strips whatever the top folder is called, and reads plain tar too', async () => {
    const tar = await makeTar([{ name: 'node/index.js', data: 'x' }, { name: 'stray-root-file', data: 'dropped' }])
    const files = await extractPackage(tar)
    expect(files.map((f) => f.path)).toEqual(['index.js'])
  })

  it('reads long names from the ustar prefix, PAX headers and GNU LongLink', async () => {
    const deep = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(90)}.js`
    const files = byPath(
      await extractPackage(
        await makeTar(
          [
            { name: `${'f'.repeat(90)}.js`, prefix: `package/${'d'.repeat(60)}/${'e'.repeat(60)}`, data: 'prefix' },
            { name: 'package/short', pax: { path: `package/pax/${'p'.repeat(150)}.js`, mtime: '1.5' }, data: 'pax' },
            { name: 'package/ignored-name', longName: `package/gnu/${'g'.repeat(150)}.js`, data: 'gnu' },
            { name: 'package/after.js', data: 'after' },
          ],
          { gzip: true },
        ),
      ),
    )
    expect(text(files.get(deep))).toBe('prefix')
    expect(text(files.get(`pax/${'p'.repeat(150)}.js`))).toBe('pax')
    expect(text(files.get(`gnu/${'g'.repeat(150)}.js`))).toBe('gnu')
    // Extended headers apply to one entry only.
    expect(text(files.get('after.js'))).toBe('after')
    expect(files.size).toBe(4)
  })

  it('takes the size from a PAX header over the ustar field', async () => {
    const tar = await makeTar([{ name: 'package/big.bin', data: 'abc', pax: { size: '3' } }])
    // Make the ustar size field lie (0) and fix its checksum: the PAX size must win.
    const h = tar.subarray(1024) // the entry's own header, after the PAX header and its body
    h.set(new TextEncoder().encode('00000000000\0'), 124)
    h.fill(0x20, 148, 156)
    let sum = 0
    for (let i = 0; i < 512; i++) sum += h[i]
    h.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, '0')}\0 `), 148)
    expect(text((await extractPackage(tar))[0])).toBe('abc')
  })

  it('drops links and devices, reporting them', async () => {
    const skipped: SkippedEntry[] = []
    const files = await extractPackage(
      await makeTar(
        [
          { name: 'package/index.js', data: 'ok' },
          { name: 'package/evil-link', type: '2', linkname: '/etc/passwd' },
          { name: 'package/hard', type: '1', linkname: 'package/index.js' },
          { name: 'package/dev', type: '3' },
          { name: 'package/fifo', type: '6' },
        ],
        { gzip: true },
      ),
      { onSkip: (e) => skipped.push(e) },
    )
    expect(files.map((f) => f.path)).toEqual(['index.js'])
    expect(skipped).toEqual([
      { path: 'package/evil-link', type: 'symlink' },
      { path: 'package/hard', type: 'hardlink' },
      { path: 'package/dev', type: 'device' },
      { path: 'package/fifo', type: 'fifo' },
    ])
  })

  it('refuses entries that would land outside the package', async () => {
    const cases: TarEntry[] = [
      { name: 'package/../../evil.js', data: 'x' },
      { name: 'package/lib/../../../evil.js', data: 'x' },
      { name: '../evil.js', data: 'x' },
      { name: '/etc/passwd', data: 'x' },
      { name: 'C:/Windows/evil.dll', data: 'x' },
      { name: 'package\\..\\..\\evil.js', data: 'x' },
      { name: 'package/innocent', pax: { path: 'package/../../evil.js' }, data: 'x' },
      { name: 'package/innocent', longName: 'package/../../../evil.js', data: 'x' },
      { name: 'package/innocent', pax: { path: 'package/a\0b' }, data: 'x' },
    ]
    for (const entry of cases) {
      const error = await failure([{ name: 'package/ok.js', data: 'ok' }, entry])
      expect(error.code, entry.name).toBe('UNSAFE_PACKAGE')
      expect(error.message).toContain(entry.pax?.path ?? entry.longName ?? entry.name)
    }
  })

  it('allows .. that stays inside the package', async () => {
    const files = await extractPackage(await makeTar([{ name: 'package/lib/../index.js', data: 'x' }, { name: 'package/./a//b.js', data: 'y' }]))
    expect(files.map((f) => f.path).sort()).toEqual(['a/b.js', 'index.js'])
  })

  it('enforces maxBytes on the unpacked size', async () => {
    const big = new Uint8Array(10_000)
    expect((await failure([{ name: 'package/big', data: big }], 8_000)).code).toBe('UNSAFE_PACKAGE')
    const files = await extractPackage(await makeTar([{ name: 'package/big', data: big }], { gzip: true }), { maxBytes: 20_000 })
    expect(files[0].data.length).toBe(10_000)
  })

  it('renames .gitignore to .npmignore, lets later entries win, and makes bins executable', async () => {
    const files = byPath(
      await extractPackage(
        await makeTar([
          { name: 'package/package.json', data: JSON.stringify({ name: 'tool', bin: { tool: './cli.js', other: 'lib\\other.js' } }) },
          { name: 'package/cli.js', data: '#!/usr/bin/env node\n' },
          { name: 'package/lib/other.js', data: '' },
          { name: 'package/.gitignore', data: 'node_modules\n' },
          { name: 'package/sub/.npmignore', data: 'keep' },
          { name: 'package/sub/.gitignore', data: 'dropped' },
          { name: 'package/dup.txt', data: 'first' },
          { name: 'package/dup.txt', data: 'second' },
        ]),
      ),
    )
    expect(files.get('cli.js')?.mode).toBe(0o755)
    expect(files.get('lib/other.js')?.mode).toBe(0o755)
    expect(text(files.get('.npmignore'))).toBe('node_modules\n')
    expect(files.has('.gitignore')).toBe(false)
    expect(text(files.get('sub/.npmignore'))).toBe('keep')
    expect(text(files.get('dup.txt'))).toBe('second')
  })

  it('rejects corrupt archives with BAD_INPUT', async () => {
    expect((await failure([{ name: 'package/a', data: 'x', badChecksum: true }])).code).toBe('BAD_INPUT')
    const tgz = await makeTar([{ name: 'package/a', data: 'x'.repeat(5000) }], { gzip: true })
    await expect(extractPackage(tgz.subarray(0, tgz.length - 20))).rejects.toMatchObject({ code: 'BAD_INPUT' })
    const tar = await makeTar([{ name: 'package/a', data: 'x'.repeat(5000) }], { endMarker: false })
    await expect(extractPackage(tar.subarray(0, 2048))).rejects.toMatchObject({ code: 'BAD_INPUT' })
    await expect(extractPackage(new Uint8Array([0x1f, 0x8b, 1, 2, 3]))).rejects.toMatchObject({ code: 'BAD_INPUT' })
  })
})
