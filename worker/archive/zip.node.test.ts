import { execFileSync } from 'node:child_process'
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Tree, writeFileDeep } from '../namespace'
import { zipDirectory } from '.'

const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
const enc = (s: string) => new TextEncoder().encode(s)

describe('zip download of a workspace', () => {
  it('unzips with the system unzip: contents, executable bits, symlinks and UTF-8 names intact', async () => {
    const fs = Tree.memory()
    await writeFileDeep(fs, '/ws/README.md', enc('# Hi\n'))
    await writeFileDeep(fs, '/ws/bin/run.sh', enc('#!/bin/sh\necho ok\n'), { mode: 0o755 })
    await writeFileDeep(fs, '/ws/docs/naïve café.txt', enc('ünïcödé'))
    await writeFileDeep(fs, '/ws/.git/HEAD', enc('ref: refs/heads/main\n'))
    await writeFileDeep(fs, '/ws/empty.txt', new Uint8Array(0))
    await fs.symlink('README.md', '/ws/link.md')
    const progress: number[] = []
    const zip = await zipDirectory(fs, '/ws', 'project', { onProgress: (p) => progress.push(p.loaded) })
    expect(progress.at(-1)).toBe(6)

    const dir = mkdtempSync(join(tmpdir(), 'coder-zip-'))
    dirs.push(dir)
    writeFileSync(join(dir, 'p.zip'), zip)
    execFileSync('unzip', ['-q', 'p.zip'], { cwd: dir })
    const root = join(dir, 'project')
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toBe('# Hi\n')
    expect(readFileSync(join(root, '.git/HEAD'), 'utf8')).toBe('ref: refs/heads/main\n')
    expect(readFileSync(join(root, 'docs/naïve café.txt'), 'utf8')).toBe('ünïcödé')
    expect(readFileSync(join(root, 'empty.txt'), 'utf8')).toBe('')
    expect(lstatSync(join(root, 'bin/run.sh')).mode & 0o777).toBe(0o755)
    expect(readlinkSync(join(root, 'link.md'))).toBe('README.md')
    // `unzip -t` checks every CRC.
    expect(execFileSync('unzip', ['-t', 'p.zip'], { cwd: dir, encoding: 'utf8' })).toContain('No errors detected')
  })
})
