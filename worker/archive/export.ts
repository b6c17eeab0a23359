import { throwIfAborted } from '../../shared/errors'
import { relativeTo, walkFiles, type FileService } from '../../shared/namespace'
import type { Progress } from '../../shared/protocol'
import { createZip, type ZipEntry } from './zip'

/**
 * Every file, symlink and executable bit under `dir` (the `.git` folder included, so the download
 * is a working repository) as a zip whose paths are relative to `dir`, under a folder `name`.
 */
export async function zipDirectory(fs: FileService, dir: string, name: string, options: { signal?: AbortSignal; onProgress?: (p: Progress) => void } = {}): Promise<Uint8Array> {
  const paths = await walkFiles(fs, dir)
  const entries: ZipEntry[] = []
  for (const path of paths) {
    throwIfAborted(options.signal)
    const s = await fs.lstat(path)
    const data = s.type === 'symlink' ? new TextEncoder().encode(await fs.readlink(path)) : await fs.readFile(path)
    entries.push({ path: `${name}${relativeTo(path, dir)}`, data, mode: s.mode, mtimeMs: s.mtimeMs })
    if (entries.length % 200 === 0) options.onProgress?.({ phase: 'Packing files', loaded: entries.length, total: paths.length })
  }
  options.onProgress?.({ phase: 'Packing files', loaded: paths.length, total: paths.length })
  return createZip(entries)
}
