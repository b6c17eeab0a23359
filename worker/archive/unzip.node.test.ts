import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { AppError } from '../../shared/errors'
import { createZip, listZip, unzip } from '.'

const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
const temp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'coder-unzip-'))
  dirs.push(dir)
  return dir
}
const text = (data: Uint8Array) => new TextDecoder().decode(data)
const python = (script: string, cwd: string) => execFileSync('python3', ['-'], { cwd, input: script })

/** Files by path → text, for comparing. */
const byPath = (files: Array<{ path: string; data: Uint8Array }>) => Object.fromEntries(files.map((f) => [f.path, text(f.data)]).sort())

const rejection = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => null, (e: unknown) => e)
  expect(error).toBeInstanceOf(AppError)
  return error as AppError
}

describe('unzip', () => {
  it("reads what python's zipfile writes: deflated and stored entries, UTF-8 names, execute bits, zip64 fields", async () => {
    const dir = temp()
    const long = 'x'.repeat(200_000) + 'end\n'
    python(
      `
import zipfile, os
with zipfile.ZipFile('a.zip', 'w') as z:
    z.writestr(zipfile.ZipInfo('pkg/__init__.py'), 'VERSION = "1.0"\\n', compress_type=zipfile.ZIP_DEFLATED)
    z.writestr('pkg/stored.txt', 'stored as it is\\n', compress_type=zipfile.ZIP_STORED)
    z.writestr('pkg/empty.txt', '', compress_type=zipfile.ZIP_DEFLATED)
    z.writestr('pkg/naïve café.txt', 'ünïcödé', compress_type=zipfile.ZIP_DEFLATED)
    z.writestr('pkg/long.txt', ${JSON.stringify(long)}, compress_type=zipfile.ZIP_DEFLATED)
    z.writestr('pkg/sub/', '')
    info = zipfile.ZipInfo('bin/tool')
    info.external_attr = 0o100755 << 16
    info.create_system = 3
    z.writestr(info, '#!/bin/sh\\necho hi\\n', compress_type=zipfile.ZIP_DEFLATED)
    with z.open('pkg/big64.txt', 'w', force_zip64=True) as f:
        f.write(b'zip64 sizes\\n')
`,
      dir,
    )
    const zip = new Uint8Array(readFileSync(join(dir, 'a.zip')))
    const files = await unzip(zip)
    expect(byPath(files)).toEqual(
      byPath([
        { path: 'bin/tool', data: new TextEncoder().encode('#!/bin/sh\necho hi\n') },
        { path: 'pkg/__init__.py', data: new TextEncoder().encode('VERSION = "1.0"\n') },
        { path: 'pkg/big64.txt', data: new TextEncoder().encode('zip64 sizes\n') },
        { path: 'pkg/empty.txt', data: new Uint8Array() },
        { path: 'pkg/long.txt', data: new TextEncoder().encode(long) },
        { path: 'pkg/naïve café.txt', data: new TextEncoder().encode('ünïcödé') },
        { path: 'pkg/stored.txt', data: new TextEncoder().encode('stored as it is\n') },
      ]),
    )
    expect(files.find((f) => f.path === 'bin/tool')!.mode).toBe(0o755)
    expect(files.find((f) => f.path === 'pkg/stored.txt')!.mode).toBe(0o644)
  })

  it('reads what the zip CLI writes: folders implied, symlinks left out, modes kept', async () => {
    const dir = temp()
    mkdirSync(join(dir, 'tree/lib/deep'), { recursive: true })
    writeFileSync(join(dir, 'tree/lib/deep/a.py'), 'print("a")\n'.repeat(500))
    writeFileSync(join(dir, 'tree/run.sh'), '#!/bin/sh\n')
    chmodSync(join(dir, 'tree/run.sh'), 0o755)
    symlinkSync('lib/deep/a.py', join(dir, 'tree/link.py'))
    execFileSync('zip', ['-q', '-r', '-y', '../t.zip', '.'], { cwd: join(dir, 'tree') })
    const files = await unzip(new Uint8Array(readFileSync(join(dir, 't.zip'))))
    expect(files.map((f) => f.path).sort()).toEqual(['lib/deep/a.py', 'run.sh'])
    expect(text(files.find((f) => f.path === 'lib/deep/a.py')!.data)).toBe('print("a")\n'.repeat(500))
    expect(files.find((f) => f.path === 'run.sh')!.mode).toBe(0o755)
  })

  it('reads back what createZip writes', async () => {
    const enc = new TextEncoder()
    const zip = createZip([
      { path: 'a/b.txt', data: enc.encode('b'), mode: 0o100644, mtimeMs: Date.now() },
      { path: 'x.sh', data: enc.encode('x'), mode: 0o100755, mtimeMs: Date.now() },
    ])
    const files = await unzip(zip)
    expect(files.map((f) => [f.path, text(f.data), f.mode])).toEqual([
      ['a/b.txt', 'b', 0o644],
      ['x.sh', 'x', 0o755],
    ])
  })

  it('refuses an archive whose entries would land outside its root, naming the entry', async () => {
    const dir = temp()
    for (const [file, name] of [['up.zip', 'pkg/../../evil.txt'], ['abs.zip', '/etc/evil'], ['drive.zip', 'C:\\\\evil.txt'], ['back.zip', '..\\\\evil.txt']]) {
      python(`import zipfile\nwith zipfile.ZipFile('${file}', 'w') as z:\n    z.writestr('ok.txt', 'ok')\n    z.writestr(zipfile.ZipInfo('${name}'), 'evil')\n`, dir)
      const zip = new Uint8Array(readFileSync(join(dir, file)))
      const error = await rejection(unzip(zip))
      expect(error.code).toBe('UNSAFE_PACKAGE')
      expect(error.message).toContain('evil')
    }
  })

  it('refuses corrupt data, archives that are not zips, and archives larger than allowed', async () => {
    const dir = temp()
    python(`import zipfile\nwith zipfile.ZipFile('c.zip', 'w', zipfile.ZIP_DEFLATED) as z:\n    z.writestr('a.txt', 'hello hello hello hello')\n`, dir)
    const zip = new Uint8Array(readFileSync(join(dir, 'c.zip')))
    // Flip a byte of the compressed data (just after the 30-byte local header and the 5-byte name).
    const damaged = zip.slice()
    damaged[36] ^= 0xff
    expect((await rejection(unzip(damaged))).code).toBe('BAD_INPUT')
    expect((await rejection(unzip(zip.subarray(0, zip.length - 10)))).message).toMatch(/not a zip file, or truncated/)
    expect((await rejection(unzip(new TextEncoder().encode('just text, not an archive at all')))).code).toBe('BAD_INPUT')
    expect(() => listZip(zip, { maxBytes: 10 })).toThrow(/more than/)
  })
})
