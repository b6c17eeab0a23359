/**
 * @module Which files of a workspace folder a deployment publishes: every regular file under the
 * output folder, except what never belongs on a web server (version control, dependencies, the
 * project's own records and settings, dotfiles). The same walk serves the IDE (its workspace) and
 * the agent's worker (its overlay).
 */
import type { FileService } from '../namespace'
import type { DeploySource } from './upload'

/** Folder names never deployed, wherever they are. */
const SKIPPED_FOLDERS = new Set(['node_modules', '.git', '.coder', 'runs', '__pycache__'])

/** Why `folder` cannot be an output folder (it must be a workspace-relative path without `..`), or null. */
export function outputFolderProblem(folder: string): string | null {
  const clean = folder.trim().replace(/^\.?\/+/, '').replace(/\/+$/, '')
  if (clean.split('/').some((s) => s === '..')) return `"${folder}" leaves the project (no ".." in the output folder)`
  // eslint-disable-next-line no-control-regex
  if (/[\\\x00-\x1f]/.test(clean)) return `"${folder}" is not a folder path (use / between folders)`
  return null
}

/** `folder` as a workspace-relative path without leading or trailing slashes (`''` for the root). */
export function normalizeOutputFolder(folder: string): string {
  return folder.trim().replace(/^\.?\/+/, '').replace(/\/+$/, '').replace(/^\.$/, '')
}

/**
 * The files under `root` + `folder` (`root` an absolute path in `fs`, e.g. `/workspace` or `/`),
 * as deploy sources with paths relative to the folder, sorted. Skips SKIPPED_FOLDERS, dotfiles
 * and dot-folders (but keeps `.well-known`), and symlinks. Throws a clear error when the folder
 * does not exist or is not a folder.
 */
export async function collectOutput(fs: Pick<FileService, 'readdir' | 'lstat' | 'readFile'>, root: string, folder: string): Promise<DeploySource[]> {
  const problem = outputFolderProblem(folder)
  if (problem) throw new Error(problem)
  const rel = normalizeOutputFolder(folder)
  const base = `${root.replace(/\/+$/, '')}/${rel}`.replace(/\/+$/, '') || '/'
  const shown = rel || 'the project root'
  const stat = await fs.lstat(base).catch(() => null)
  if (!stat) throw new Error(`The output folder ${shown} does not exist${rel ? ' (did the build run?)' : ''}`)
  if (stat.type !== 'dir') throw new Error(`The output folder ${shown} is not a folder`)
  const sources: DeploySource[] = []
  const walk = async (dir: string, prefix: string) => {
    for (const name of (await fs.readdir(dir)).sort()) {
      if (name.startsWith('.') && name !== '.well-known') continue
      const path = `${dir === '/' ? '' : dir}/${name}`
      const entry = await fs.lstat(path)
      if (entry.type === 'dir') {
        if (!SKIPPED_FOLDERS.has(name)) await walk(path, `${prefix}${name}/`)
      } else if (entry.type === 'file') {
        sources.push({ path: `${prefix}${name}`, read: () => fs.readFile(path) })
      }
    }
  }
  await walk(base, '')
  return sources
}
