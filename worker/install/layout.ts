import { AppError } from '../../shared/errors'

/** A package whose bins to link: its install path, its name, and its package.json `bin`. */
export interface BinSource {
  /** As in the plan: `node_modules/a`, `node_modules/a/node_modules/@s/b`… */
  path: string
  name: string
  bin: Record<string, string> | string | undefined
}

/** One bin symlink to create. */
export interface BinLink {
  /** Relative to the project root, e.g. `node_modules/.bin/vitest`. */
  link: string
  /** The symlink's target, relative to the link's folder, e.g. `../vitest/vitest.mjs`. */
  target: string
}

/**
 * The bin symlinks npm makes for installed packages: a package at `…/node_modules/<name>` links
 * into that same `…/node_modules/.bin` (top-level ones into `node_modules/.bin`, nested ones into
 * their parent's). A string `bin` is named after the package without its scope; `./` prefixes are
 * dropped; entries whose value is not a non-empty string are ignored, as npm ignores them. When
 * two packages in one folder claim a name, the package of that name wins, else the first by path.
 * Throws UNSAFE_PACKAGE for a bin name that is not a plain file name or a target that is absolute
 * or climbs out of its package with `..` (backslashes count as separators).
 */
export function binLinks(packages: readonly BinSource[]): BinLink[] {
  const chosen = new Map<string, { link: BinLink; exact: boolean }>()
  const sorted = [...packages].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  for (const pkg of sorted) {
    const at = pkg.path.lastIndexOf('node_modules/')
    if (at < 0 || (at > 0 && pkg.path[at - 1] !== '/')) throw new AppError('BAD_INPUT', `cannot link bins of ${pkg.name}: "${pkg.path}" is not inside a node_modules folder`)
    const binDir = `${pkg.path.slice(0, at)}node_modules/.bin`
    const folder = pkg.path.slice(at + 'node_modules/'.length)
    for (const [name, file] of Object.entries(normalizeBin(pkg.name, pkg.bin))) {
      const link: BinLink = { link: `${binDir}/${name}`, target: `../${folder}/${file}` }
      const exact = name === unscoped(pkg.name)
      const previous = chosen.get(link.link)
      if (previous && (previous.exact || !exact)) continue
      chosen.set(link.link, { link, exact })
    }
  }
  return [...chosen.values()].map((c) => c.link).sort((a, b) => (a.link < b.link ? -1 : a.link > b.link ? 1 : 0))
}

function normalizeBin(pkgName: string, bin: Record<string, string> | string | undefined): Record<string, string> {
  const map: Record<string, unknown> = typeof bin === 'string' ? { [unscoped(pkgName)]: bin } : bin && typeof bin === 'object' ? bin : {}
  const out: Record<string, string> = {}
  for (const [name, target] of Object.entries(map)) {
    if (typeof target !== 'string' || !target) continue
    if (!name || name === '.' || name === '..' || /[/\\:\0]/.test(name)) throw unsafeBin(pkgName, name, 'the name is not a plain file name')
    const slashed = target.replace(/\\/g, '/')
    if (slashed.startsWith('/') || /^[a-zA-Z]:/.test(slashed) || slashed.includes('\0')) throw unsafeBin(pkgName, name, `its target "${target}" is absolute`)
    const parts = slashed.split('/').filter((p) => p !== '' && p !== '.')
    if (parts.includes('..')) throw unsafeBin(pkgName, name, `its target "${target}" climbs out of the package`)
    if (!parts.length) continue
    out[name] = parts.join('/')
  }
  return out
}

function unscoped(name: string): string {
  return name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name
}

function unsafeBin(pkg: string, name: string, why: string): AppError {
  return new AppError('UNSAFE_PACKAGE', `refusing the bin "${name}" of ${pkg}: ${why}`, { package: pkg, bin: name })
}

const LIFECYCLE = ['preinstall', 'install', 'postinstall'] as const

/**
 * Which of preinstall/install/postinstall `pkgJson` would run on install, in that order. A
 * `binding.gyp` at the package root (in `files`, paths relative to the package) with no
 * preinstall or install script means npm runs `node-gyp rebuild` as `install` (unless
 * `"gypfile": false`).
 */
export function installScriptsOf(pkgJson: unknown, files: readonly string[] = []): string[] {
  const scripts = scriptsOf(pkgJson)
  const out: string[] = []
  for (const name of LIFECYCLE) {
    if (scripts[name]) out.push(name)
    else if (name === 'install' && impliedGyp(pkgJson, scripts, files)) out.push(name)
  }
  return out
}

const NATIVE_TOOLS = /\b(node-gyp|node-gyp-build|prebuild-install|node-pre-gyp|cmake-js|napi-build)\b/

/**
 * Whether the package needs a native addon, which the embedded runtime cannot load: it builds one
 * (`binding.gyp`, `"gypfile": true`, or an install script running node-gyp, prebuild-install,
 * node-pre-gyp or cmake-js) or ships a prebuilt `.node` file.
 */
export function needsNativeBuild(pkgJson: unknown, files: readonly string[]): boolean {
  const scripts = scriptsOf(pkgJson)
  if (files.includes('binding.gyp') && (pkgJson as { gypfile?: unknown } | null)?.gypfile !== false) return true
  if ((pkgJson as { gypfile?: unknown } | null)?.gypfile === true) return true
  if (LIFECYCLE.some((name) => NATIVE_TOOLS.test(scripts[name] ?? ''))) return true
  return files.some((f) => f.endsWith('.node'))
}

function impliedGyp(pkgJson: unknown, scripts: Record<string, string>, files: readonly string[]): boolean {
  return files.includes('binding.gyp') && !scripts.install && !scripts.preinstall && (pkgJson as { gypfile?: unknown } | null)?.gypfile !== false
}

function scriptsOf(pkgJson: unknown): Record<string, string> {
  const scripts = typeof pkgJson === 'object' && pkgJson !== null ? (pkgJson as { scripts?: unknown }).scripts : undefined
  const out: Record<string, string> = {}
  if (typeof scripts === 'object' && scripts !== null) {
    for (const [k, v] of Object.entries(scripts)) if (typeof v === 'string' && v.trim()) out[k] = v
  }
  return out
}
