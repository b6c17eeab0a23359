/** @module Writes a namespace directory to a real one, as a user exporting a repository would. */
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { walkFiles, type FileService } from '../../shared/namespace'

/** Copies every file, symlink and executable bit below `from` into a new temp directory (returned). */
export async function exportToDisk(fs: FileService, from = '/workspace'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'coder-export-'))
  for (const path of await walkFiles(fs, from)) {
    const target = join(dir, path.slice(from.length + 1))
    mkdirSync(join(target, '..'), { recursive: true })
    const s = await fs.lstat(path)
    if (s.type === 'symlink') symlinkSync(await fs.readlink(path), target)
    else {
      writeFileSync(target, await fs.readFile(path))
      if (s.mode === 0o100755) chmodSync(target, 0o755)
    }
  }
  return dir
}
