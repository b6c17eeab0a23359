/** How a project is deployed: guessed from its package.json the first time, then remembered per project. */
import type { DeploymentVisibility } from '../../shared/deploy'

export interface DeploySettings {
  /** A shell line run on the project's runtime before publishing; empty for none. */
  buildCommand: string
  /** Workspace-relative folder published (`dist`); empty for the project root. */
  outputFolder: string
  /** Unknown pages answered with index.html. */
  spa: boolean
  visibility: DeploymentVisibility
}

const key = (projectId: string) => `coder.deploy.${projectId}`

/**
 * The settings for a project with `packageJson` (its text, or null when there is none): `npm run
 * build` into `dist` when it has a build script, else no build and the project root. A vite,
 * react-scripts or other well-known build names its own folder.
 */
export function guessDeploySettings(packageJson: string | null): DeploySettings {
  let scripts: Record<string, unknown> = {}
  try {
    const pkg = packageJson ? (JSON.parse(packageJson) as { scripts?: unknown }) : null
    if (pkg && typeof pkg.scripts === 'object' && pkg.scripts) scripts = pkg.scripts as Record<string, unknown>
  } catch {
    // A package.json that does not parse: no build guessed.
  }
  const build = typeof scripts.build === 'string' ? scripts.build : null
  if (build === null) return { buildCommand: '', outputFolder: '', spa: false, visibility: 'public' }
  const outDir = /--out-?dir[= ](\S+)/.exec(build)?.[1]
  const folder = outDir ?? (/\breact-scripts\b/.test(build) ? 'build' : /\bnext\b.*\bexport\b/.test(build) ? 'out' : 'dist')
  return { buildCommand: 'npm run build', outputFolder: folder.replace(/^\.\//, ''), spa: false, visibility: 'public' }
}

/** The settings last used for `projectId` in this browser, or null. */
export function rememberedDeploySettings(projectId: string): DeploySettings | null {
  try {
    const s = JSON.parse(localStorage.getItem(key(projectId)) ?? 'null') as Partial<DeploySettings> | null
    if (!s || typeof s.buildCommand !== 'string' || typeof s.outputFolder !== 'string') return null
    return { buildCommand: s.buildCommand, outputFolder: s.outputFolder, spa: s.spa === true, visibility: s.visibility === 'private' ? 'private' : 'public' }
  } catch {
    return null
  }
}

export function rememberDeploySettings(projectId: string, settings: DeploySettings): void {
  try {
    localStorage.setItem(key(projectId), JSON.stringify(settings))
  } catch {
    // Storage full or refused: the next deploy guesses again.
  }
}
