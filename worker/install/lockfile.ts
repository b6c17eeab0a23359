import { AppError } from '../../shared/errors'
import { matchWorkspaces } from './workspaces'

/** One entry of an install plan: a package to put at `path`, or a link to a folder of the project. */
export interface PlannedPackage {
  /** Where it goes, relative to the project root: `node_modules/a`, `node_modules/a/node_modules/@s/b`, `packages/w/node_modules/c`. */
  path: string
  /** The package's own name (differs from the folder for aliases like `"x": "npm:y@1"`). */
  name: string
  /** Empty for a link whose target the lockfile does not describe. */
  version: string
  /** The tarball URL (or git/file spec) npm recorded; null for links and bundled packages. */
  resolved: string | null
  integrity: string | null
  /** Only needed for development: left out by `omitDev`. */
  dev: boolean
  /** Only needed by optional dependencies: left out by `omitOptional`. */
  optional: boolean
  /** Needed only by dev dependencies *and* optional ones: left out only when both are omitted. */
  devOptional: boolean
  /** Shipped inside its parent's tarball (`bundleDependencies`): nothing to download. */
  inBundle: boolean
  bin: Record<string, string>
  hasInstallScript: boolean
  os?: string[]
  cpu?: string[]
  libc?: string[]
  /** For a link (workspace or `file:` folder): the target folder, relative to the project root. */
  link?: string
}

/** What `npm ci` would put on disk, read from a lockfile. */
export interface InstallPlan {
  root: { name: string; version: string }
  /** Sorted by path, so parents come before their children. */
  packages: PlannedPackage[]
}

/** Options of `planFromLockfile`, as npm's `--omit=dev` / `--omit=optional`. */
export interface PlanOptions {
  omitDev?: boolean
  omitOptional?: boolean
}

type Json = Record<string, unknown>

/**
 * The packages a `package-lock.json` (v2 or v3; `npm-shrinkwrap.json` is the same format) says to
 * install, with the omitted kinds left out. Workspace and `file:` folders themselves are not in the
 * plan (they are the project's own code), their links and their nested `node_modules` are.
 * Throws BAD_INPUT saying where the lockfile is malformed, for a v1 lockfile (regenerate it with
 * npm 7 or later), and for any path that is not under a `node_modules` or climbs with `..`.
 */
export function planFromLockfile(lock: unknown, options: PlanOptions = {}): InstallPlan {
  const packages = readPackages(lock)
  const rootEntry = packages['']
  const root = isObject(rootEntry) ? rootEntry : {}
  const rootName = optionalString(root, 'name', '""') ?? optionalString(lock as Json, 'name', 'the lockfile') ?? ''
  const rootVersion = optionalString(root, 'version', '""') ?? optionalString(lock as Json, 'version', 'the lockfile') ?? ''

  // Link targets are the folders (workspaces, file: deps) allowed outside node_modules.
  const folders = new Set<string>()
  for (const [path, entry] of Object.entries(packages)) {
    if (path === '' || !isObject(entry) || entry.link !== true) continue
    folders.add(checkFolder(entry.resolved, path))
  }

  const planned: PlannedPackage[] = []
  for (const [path, value] of Object.entries(packages)) {
    if (path === '') continue
    const where = `packages["${path}"]`
    if (!isObject(value)) throw bad(`${where} is not an object`)
    const name = checkPath(path, folders, where)
    // A folder of the project (a link target): its files are already there.
    if (name === null) continue
    const link = value.link === true ? checkFolder(value.resolved, path) : undefined
    const target = link !== undefined && isObject(packages[link]) ? (packages[link] as Json) : undefined
    const entry = target ?? value
    const version = optionalString(entry, 'version', where) ?? ''
    if (!link && !version) throw bad(`${where} has no version`)
    const pkg: PlannedPackage = {
      path,
      name: optionalString(entry, 'name', where) ?? name,
      version,
      resolved: link ? null : (optionalString(value, 'resolved', where) ?? null),
      integrity: link ? null : (optionalString(value, 'integrity', where) ?? null),
      dev: value.dev === true,
      optional: value.optional === true,
      devOptional: value.devOptional === true,
      inBundle: value.inBundle === true,
      bin: readBin(entry.bin, where),
      hasInstallScript: entry.hasInstallScript === true,
    }
    const os = stringList(entry.os, `${where}.os`)
    const cpu = stringList(entry.cpu, `${where}.cpu`)
    const libc = stringList(entry.libc, `${where}.libc`)
    if (os) pkg.os = os
    if (cpu) pkg.cpu = cpu
    if (libc) pkg.libc = libc
    if (link !== undefined) pkg.link = link
    if (omitted(pkg, options)) continue
    planned.push(pkg)
  }
  planned.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return { root: { name: rootName, version: rootVersion }, packages: planned }
}

/** npm's rule: each flag says which omissions remove the package. */
function omitted(pkg: PlannedPackage, options: PlanOptions): boolean {
  const dev = !!options.omitDev
  const optional = !!options.omitOptional
  return (pkg.dev && dev) || (pkg.optional && optional) || (pkg.devOptional && dev && optional)
}

const DEP_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const

/** A workspace of the project: its folder (relative to the root, e.g. `packages/a`) and its package.json. */
export interface WorkspacePackage {
  path: string
  packageJson: Record<string, unknown>
}

/**
 * How the lockfile disagrees with `packageJson` about the declared dependencies (each of
 * dependencies, devDependencies, optionalDependencies, peerDependencies, and the workspaces
 * globs), one line per difference, empty when they agree: what `npm ci` refuses to install
 * over. With `workspaces` (the folders the globs name now), each workspace's entry
 * (`packages["packages/a"]`) is compared with its package.json the same way, and a workspace the
 * lockfile links that is gone counts too. Throws as `planFromLockfile` does for a lockfile it
 * cannot read.
 */
export function lockfileDifferences(lock: unknown, packageJson: unknown, workspaces?: readonly WorkspacePackage[]): string[] {
  const packages = readPackages(lock)
  const root = isObject(packages['']) ? (packages[''] as Json) : {}
  const pkg = isObject(packageJson) ? packageJson : {}
  const out = dependencyDifferences(pkg, root, '')
  const wsA = workspaceGlobs(pkg.workspaces)
  const wsB = workspaceGlobs(root.workspaces)
  if (wsA.join('\n') !== wsB.join('\n')) out.push(`workspaces: package.json has [${wsA.join(', ')}], package-lock.json has [${wsB.join(', ')}]`)
  if (workspaces) {
    for (const ws of workspaces) {
      const entry = packages[ws.path]
      if (!isObject(entry)) out.push(`${ws.path}: a workspace package-lock.json does not have`)
      else out.push(...dependencyDifferences(ws.packageJson, entry, `${ws.path}/`))
    }
    const linked = new Set<string>()
    for (const [path, entry] of Object.entries(packages)) {
      if (path !== '' && isObject(entry) && entry.link === true && typeof entry.resolved === 'string' && !entry.resolved.startsWith('../')) linked.add(entry.resolved.replace(/^file:/, ''))
    }
    // A link to a folder the globs name is a workspace; other links are `file:` dependencies.
    for (const path of linked) {
      if (!workspaces.some((ws) => ws.path === path) && matchWorkspaces(pkg.workspaces ?? [], [path]).length) out.push(`${path}: package-lock.json links a workspace that is not there`)
    }
  }
  return out
}

function dependencyDifferences(pkg: Json, entry: Json, prefix: string): string[] {
  const pkgDeps = declared(pkg)
  const lockDeps = declared(entry)
  const out: string[] = []
  for (const field of DEP_FIELDS) {
    const a = pkgDeps[field]
    const b = lockDeps[field]
    for (const name of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (a[name] === b[name]) continue
      const where = `${prefix}${field}.${name}`
      if (b[name] === undefined) out.push(`${where}: package.json has ${a[name]}, package-lock.json does not have it`)
      else if (a[name] === undefined) out.push(`${where}: package-lock.json has ${b[name]}, package.json does not have it`)
      else out.push(`${where}: package.json has ${a[name]}, package-lock.json has ${b[name]}`)
    }
  }
  return out
}

/** Whether the lockfile was written for this package.json's dependencies (see `lockfileDifferences`). */
export function lockfileMatches(lock: unknown, packageJson: unknown, workspaces?: readonly WorkspacePackage[]): boolean {
  return lockfileDifferences(lock, packageJson, workspaces).length === 0
}

/** Dependency maps as npm normalises them: a name in optionalDependencies is dropped from dependencies. */
function declared(pkg: Json): Record<(typeof DEP_FIELDS)[number], Record<string, string>> {
  const read = (field: string): Record<string, string> => {
    const value = pkg[field]
    if (!isObject(value)) return {}
    const out: Record<string, string> = {}
    for (const [k, v] of Object.entries(value)) out[k] = typeof v === 'string' ? v : JSON.stringify(v)
    return out
  }
  const optional = read('optionalDependencies')
  const dependencies = read('dependencies')
  for (const name of Object.keys(optional)) delete dependencies[name]
  return { dependencies, devDependencies: read('devDependencies'), optionalDependencies: optional, peerDependencies: read('peerDependencies') }
}

function workspaceGlobs(value: unknown): string[] {
  const list = isObject(value) ? value.packages : value
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string').sort() : []
}

/** The `packages` map of a v2/v3 lockfile, or a BAD_INPUT that says what is wrong. */
function readPackages(lock: unknown): Json {
  if (!isObject(lock)) throw bad('it is not a JSON object')
  const version = lock.lockfileVersion
  if (version === 1 || (version === undefined && isObject(lock.dependencies) && !('packages' in lock))) {
    throw bad('it is a version 1 lockfile (written by npm 6 or older), which is not supported: regenerate it with npm 7 or later (`npm install --package-lock-only`) and commit the new package-lock.json')
  }
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw bad('lockfileVersion is missing or not a number')
  if (!isObject(lock.packages)) throw bad(`lockfileVersion is ${version} but there is no "packages" object`)
  return lock.packages
}

/**
 * Checks a lockfile path; resolves to the package name its last `node_modules/<name>` gives, or
 * null when it is a link target folder of the project itself.
 */
function checkPath(path: string, folders: Set<string>, where: string): string | null {
  if (folders.has(path)) return null
  const parts = path.split('/')
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0'))) throw bad(`${where}: the path is not a clean relative path`)
  const first = parts.indexOf('node_modules')
  if (first < 0) throw bad(`${where}: the path is not inside a node_modules folder nor a linked workspace folder`)
  if (first > 0 && !folders.has(parts.slice(0, first).join('/'))) throw bad(`${where}: the path is not inside node_modules, and "${parts.slice(0, first).join('/')}" is not a linked workspace folder`)
  // The rest alternates: node_modules, name (or @scope, name), node_modules, name…
  let name = ''
  let i = first
  while (i < parts.length) {
    if (parts[i] !== 'node_modules' || i + 1 >= parts.length) throw bad(`${where}: the path does not end in node_modules/<name>`)
    const scoped = parts[i + 1].startsWith('@')
    if (scoped && i + 2 >= parts.length) throw bad(`${where}: the scoped name has no package part`)
    name = scoped ? `${parts[i + 1]}/${parts[i + 2]}` : parts[i + 1]
    i += scoped ? 3 : 2
  }
  return name
}

/** A link target: a relative folder of the project without `..`. */
function checkFolder(resolved: unknown, path: string): string {
  if (typeof resolved !== 'string' || !resolved) throw bad(`packages["${path}"] is a link without a "resolved" folder`)
  const parts = resolved.replace(/^file:/, '').split('/')
  if (resolved.startsWith('/') || /^[a-zA-Z]:/.test(resolved) || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\'))) {
    throw bad(`packages["${path}"] links to "${resolved}", which is not a folder inside the project`)
  }
  return parts.join('/')
}

function readBin(value: unknown, where: string): Record<string, string> {
  if (value === undefined) return {}
  if (!isObject(value)) throw bad(`${where}.bin is not an object`)
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw bad(`${where}.bin["${k}"] is not a string`)
    out[k] = v
  }
  return out
}

function stringList(value: unknown, where: string): string[] | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'string') return [value]
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw bad(`${where} is not a list of strings`)
  return value as string[]
}

function optionalString(entry: Json, key: string, where: string): string | undefined {
  const value = entry[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw bad(`${where}.${key} is not a string`)
  return value
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function bad(why: string): AppError {
  return new AppError('BAD_INPUT', `package-lock.json cannot be used: ${why}`)
}

/** npm's preferred key order in lockfiles (arborist's swKeyOrder); every other key sorts by name. */
const LOCK_KEY_ORDER = ['name', 'version', 'lockfileVersion', 'resolved', 'integrity', 'requires', 'packages', 'dependencies']

/**
 * `lock` with every object's keys in the order npm writes package-lock.json (json-stringify-nice
 * with arborist's key list): values that are not objects (strings, booleans, arrays) before
 * objects; within each group `name`, `version`, `lockfileVersion`, `resolved`, `integrity`,
 * `requires`, `packages`, `dependencies` first, then the rest by `localeCompare(…, 'en')`.
 * Arrays keep their order. Returns a new value; never changes its input.
 */
export function orderLikeNpm<T>(lock: T): T {
  const seen = new Map<object, unknown>()
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(visit)
    if (!isObject(value)) return value
    const hit = seen.get(value)
    if (hit) return hit
    const out: Json = {}
    seen.set(value, out)
    const entries = Object.entries(value).sort(([ak, av], [bk, bv]) => {
      const [ao, bo] = [isObject(av), isObject(bv)]
      if (ao !== bo) return ao ? 1 : -1
      const [ai, bi] = [LOCK_KEY_ORDER.indexOf(ak), LOCK_KEY_ORDER.indexOf(bk)]
      if (ai >= 0 || bi >= 0) return ai < 0 ? 1 : bi < 0 ? -1 : ai - bi
      return ak.localeCompare(bk, 'en')
    })
    for (const [k, v] of entries) out[k] = visit(v)
    return out
  }
  return visit(lock) as T
}

/** package-lock.json text as npm writes it: keys in npm's order (`orderLikeNpm`), two-space indent, a final newline. */
export function formatLockfile(lock: unknown): string {
  return `${JSON.stringify(orderLikeNpm(lock), null, 2)}\n`
}
