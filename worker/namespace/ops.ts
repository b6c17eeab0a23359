import { AppError } from '../../shared/errors'
import { dirname, mkdirp, type FileService } from '../../shared/namespace'

/** Removes `path` and everything below it; fine when it does not exist. */
export async function removeTree(fs: FileService, path: string): Promise<void> {
  let s
  try {
    s = await fs.lstat(path)
  } catch (error) {
    if (error instanceof AppError && error.code === 'ENOENT') return
    throw error
  }
  if (s.type !== 'dir') return fs.unlink(path)
  for (const name of await fs.readdir(path)) await removeTree(fs, path === '/' ? `/${name}` : `${path}/${name}`)
  if (path !== '/') await fs.rmdir(path)
}

/** Copies `from` in `src` (file, symlink or whole directory) to `to` in `dst`, keeping modes. */
export async function copyTree(src: FileService, from: string, dst: FileService, to: string): Promise<void> {
  const s = await src.lstat(from)
  if (s.type === 'dir') {
    await mkdirp(dst, to)
    for (const name of await src.readdir(from)) {
      await copyTree(src, from === '/' ? `/${name}` : `${from}/${name}`, dst, to === '/' ? `/${name}` : `${to}/${name}`)
    }
  } else if (s.type === 'symlink') {
    await dst.symlink(await src.readlink(from), to)
  } else {
    await dst.writeFile(to, await src.readFile(from), { mode: s.mode })
  }
}

/** True when `path` exists (without following a final symlink). */
export async function exists(fs: FileService, path: string): Promise<boolean> {
  try {
    await fs.lstat(path)
    return true
  } catch (error) {
    if (error instanceof AppError && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) return false
    throw error
  }
}

/** Writes a file, creating missing parent directories. */
export async function writeFileDeep(fs: FileService, path: string, data: Uint8Array, options?: { mode?: number }): Promise<void> {
  await mkdirp(fs, dirname(path))
  await fs.writeFile(path, data, options)
}
