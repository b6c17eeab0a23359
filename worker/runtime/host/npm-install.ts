import { AppError } from '../../../shared/errors'
import { joinPath } from '../../../shared/namespace'
import type { FsChange } from '../../../shared/protocol'
import {
  authFor,
  binLinks,
  bundledPackages,
  extractPackage,
  formatLockfile,
  installScriptsOf,
  integrityFromShasum,
  lockfileDifferences,
  matchWorkspaces,
  needsNativeBuild,
  parseNpmrc,
  planFromLockfile,
  registryFor,
  resolveDependencies,
  verifyIntegrity,
  workspacePatterns,
  type NpmConfig,
  type Packument,
  type PackumentVersion,
  type PlannedPackage,
  type WorkspacePackage,
} from '../../install'
import type { TaskProgress } from '../../../shared/runtime'
import type { PackageCache } from './package-cache'

/** What an install reads, writes and fetches through. */
export interface InstallDeps {
  /** A file of the workspace (absolute path), or null. */
  read(path: string): Promise<Uint8Array | null>
  /** Every folder below `dir` (relative paths, `packages/a`), node_modules and hidden folders left out. */
  folders(dir: string): Promise<string[]>
  /** Applies the install's changes as one batch: all of them land, or none. */
  commit(changes: FsChange[]): Promise<void>
  fetch: typeof fetch
  cache: PackageCache
}

/** Where an install's progress and messages go. */
export interface InstallIo {
  stdout(text: string): void
  stderr(text: string): void
  /** The install's progress for a progress bar; null once it ends, whichever way. */
  task?(task: TaskProgress | null): void
}

/** What an install did. */
export interface InstallReport {
  added: number
  /** Tarballs that came from the cache rather than the network. */
  cached: number
  bytes: number
  /** Packages with install scripts, which were not run. */
  scripts: Array<{ name: string; scripts: string[] }>
  /** Packages that build native addons, which cannot work on the embedded runtime. */
  native: string[]
  ms: number
}

const decoder = new TextDecoder()
const encoder = new TextEncoder()

async function readText(deps: InstallDeps, path: string): Promise<string | null> {
  const data = await deps.read(path)
  return data ? decoder.decode(data) : null
}

async function readJson(deps: InstallDeps, path: string): Promise<unknown | null> {
  const text = await readText(deps, path)
  if (text === null) return null
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new AppError('BAD_INPUT', `${path} is not valid JSON: ${(error as Error).message}`, { path })
  }
}

async function readNpmrc(deps: InstallDeps, dir: string): Promise<NpmConfig> {
  return parseNpmrc((await readText(deps, `${dir}/.npmrc`)) ?? '')
}

/**
 * The workspaces of the project in `dir`: the folders its package.json `workspaces` globs name
 * that hold a package.json, in npm's order. Empty when it has none.
 */
export async function readWorkspaces(dir: string, deps: InstallDeps, pkg: Record<string, unknown>): Promise<WorkspacePackage[]> {
  if (!workspacePatterns(pkg.workspaces).length) return []
  const out: WorkspacePackage[] = []
  for (const path of matchWorkspaces(pkg.workspaces, await deps.folders(dir))) {
    const json = await readJson(deps, `${dir}/${path}/package.json`)
    if (json && typeof json === 'object' && !Array.isArray(json)) out.push({ path, packageJson: json as Record<string, unknown> })
  }
  return out
}

/** A tarball to fetch: from the package cache when its integrity is there, else from `resolved`. */
interface TarballSource {
  name: string
  version: string
  resolved: string | null
  integrity: string | null
}

/** The tarball's bytes, integrity checked, and whether they came from the cache; new downloads are cached. */
async function loadTarball(p: TarballSource, deps: InstallDeps, npmrc: NpmConfig, signal: AbortSignal): Promise<{ data: Uint8Array; cached: boolean }> {
  if (!p.integrity) throw new AppError('INTEGRITY', `${p.name}@${p.version} has no integrity in package-lock.json: refusing to install it unchecked`)
  const hit = await deps.cache.get(p.integrity)
  if (hit) return { data: hit, cached: true }
  const url = p.resolved
  if (!url) throw new AppError('BAD_INPUT', `${p.name}@${p.version} has no "resolved" URL in package-lock.json`)
  const auth = authFor(url, npmrc)
  const response = await deps.fetch(url, { signal, headers: auth?.token ? { authorization: `Bearer ${auth.token}` } : auth?.basic ? { authorization: `Basic ${auth.basic}` } : {} }).catch((error: unknown) => {
    if (signal.aborted) throw cancelled()
    throw new AppError('NETWORK', `could not download ${p.name}@${p.version} from ${url} (${error instanceof Error ? error.message : String(error)}); it is not in the package cache either`)
  })
  if (!response.ok) throw new AppError('NETWORK', `could not download ${p.name}@${p.version}: ${url} answered ${response.status}`)
  const data = new Uint8Array(await response.arrayBuffer())
  await verifyIntegrity(data, p.integrity, `${p.name}@${p.version}`)
  await deps.cache.put(p.integrity, data)
  return { data, cached: false }
}

const cancelled = () => new AppError('ABORTED', 'the install was cancelled; node_modules is unchanged')

/**
 * `npm ci` for the project in `dir`: exactly the versions its package-lock.json names, each
 * tarball's integrity checked before anything is written, from the package cache or the network.
 * Workspaces are linked from node_modules (`node_modules/<name>` → `../packages/<dir>`), their
 * own node_modules filled as the lock says; bundled packages come out of their bundler's tarball.
 * The old node_modules folders are replaced in one batch only when every package is ready, so a
 * failed install leaves them untouched. Install scripts are listed, not run.
 */
export async function installFromLockfile(
  dir: string,
  deps: InstallDeps,
  io: InstallIo,
  signal: AbortSignal,
  options: { omitDev?: boolean; packageJson?: unknown; lock?: unknown; workspaces?: WorkspacePackage[]; alsoWrite?: FsChange[] } = {},
): Promise<InstallReport> {
  const t0 = performance.now()
  const pkg = options.packageJson ?? (await readJson(deps, `${dir}/package.json`))
  if (!pkg || typeof pkg !== 'object') throw new AppError('NOT_FOUND', `npm error: no package.json in ${dir}`)
  const lock = options.lock ?? (await readJson(deps, `${dir}/package-lock.json`))
  if (!lock) throw new AppError('BAD_INPUT', 'npm error: `npm ci` needs a package-lock.json; `npm install` makes one')
  const workspaces = options.workspaces ?? (await readWorkspaces(dir, deps, pkg as Record<string, unknown>))
  const differences = lockfileDifferences(lock, pkg, workspaces)
  if (differences.length) {
    throw new AppError('BAD_INPUT', `npm error: package.json and package-lock.json are not in sync. Update the lock file with \`npm install\`, then try again.\n${differences.slice(0, 5).map((d) => `npm error   ${d}\n`).join('')}`, { differences })
  }
  const plan = planFromLockfile(lock, { omitDev: options.omitDev })
  const npmrc = await readNpmrc(deps, dir)

  const remote = plan.packages.filter((p) => !p.link && !p.inBundle && p.resolved)
  io.stdout(`Installing ${remote.length} packages from package-lock.json…\n`)
  let fetched = 0
  let cached = 0
  let bytes = 0
  const tarballs = new Map<PlannedPackage, Uint8Array>()
  const progress = () => {
    const done = fetched + cached
    io.stdout(`\r  ${textBar(done, remote.length)} ${done}/${remote.length} downloaded (${cached} from the cache, ${formatBytes(bytes)})`)
    io.task?.({ title: 'npm install', phase: 'Downloading', done, total: remote.length, bytes })
  }
  let next = 0
  const download = async () => {
    while (next < remote.length) {
      if (signal.aborted) throw cancelled()
      const p = remote[next++]!
      const got = await loadTarball(p, deps, npmrc, signal)
      if (got.cached) cached++
      else fetched++
      bytes += got.data.length
      tarballs.set(p, got.data)
      progress()
    }
  }
  await Promise.all(Array.from({ length: Math.min(8, remote.length) }, download))
  if (remote.length) io.stdout('\n')

  // Every node_modules the lock fills: the root's, and each linked workspace's.
  const folders = new Set(['', ...plan.packages.flatMap((p) => (p.link !== undefined ? [p.link] : []))])
  const changes: FsChange[] = [...folders].map((f) => ({ type: 'remove' as const, path: `${f ? joinPath(dir, f) : dir}/node_modules` }))
  const report: InstallReport = { added: 0, cached, bytes, scripts: [], native: [], ms: 0 }
  const bins: Array<{ path: string; name: string; bin: Record<string, string> | string | undefined }> = []
  for (const p of plan.packages) {
    if (signal.aborted) throw cancelled()
    const root = joinPath(dir, p.path)
    if (p.link !== undefined) {
      changes.push({ type: 'symlink', path: root, target: relativeTarget(p.path, p.link) })
      bins.push({ path: p.path, name: p.name, bin: p.bin })
      continue
    }
    if (p.inBundle) {
      // Its files came with its bundler's tarball.
      bins.push({ path: p.path, name: p.name, bin: p.bin })
      continue
    }
    const tgz = tarballs.get(p)
    if (!tgz) continue
    io.task?.({ title: 'npm install', phase: 'Extracting', done: report.added, total: tarballs.size, bytes })
    // A cached tarball is checked again: the cache is content-addressed, and must stay honest.
    await verifyIntegrity(tgz, p.integrity!, `${p.name}@${p.version}`)
    const files = await extractPackage(tgz)
    const manifest = files.find((f) => f.path === 'package.json')
    const json = manifest ? (JSON.parse(decoder.decode(manifest.data)) as Record<string, unknown>) : {}
    const scripts = installScriptsOf(json, files.map((f) => f.path))
    if (scripts.length) report.scripts.push({ name: `${p.name}@${p.version}`, scripts })
    if (needsNativeBuild(json, files.map((f) => f.path))) report.native.push(`${p.name}@${p.version}`)
    for (const f of files) changes.push({ type: 'write', path: `${root}/${f.path}`, data: f.data, mode: f.mode & 0o111 ? 0o100755 : 0o100644 })
    bins.push({ path: p.path, name: p.name, bin: json.bin as Record<string, string> | string | undefined })
    report.added++
  }
  for (const link of binLinks(bins)) changes.push({ type: 'symlink', path: joinPath(dir, link.link), target: link.target })
  const hidden = { name: plan.root.name, version: plan.root.version, lockfileVersion: 3, requires: true, packages: Object.fromEntries(plan.packages.map((p) => [p.path, p.link !== undefined ? { resolved: p.link, link: true } : { version: p.version, resolved: p.resolved ?? undefined, integrity: p.integrity ?? undefined, inBundle: p.inBundle || undefined }])) }
  changes.push({ type: 'write', path: `${dir}/node_modules/.package-lock.json`, data: encoder.encode(formatLockfile(hidden)), mode: 0o100644 })
  if (signal.aborted) throw cancelled()
  io.task?.({ title: 'npm install', phase: 'Writing node_modules', done: 0, total: 0, bytes })
  await deps.commit([...changes, ...(options.alsoWrite ?? [])])
  report.ms = performance.now() - t0

  io.stdout(`\nadded ${report.added} packages in ${(report.ms / 1000).toFixed(1)}s${cached ? ` (${cached} from the cache)` : ''}\n`)
  if (report.scripts.length) {
    io.stdout(`\n${report.scripts.length} package${report.scripts.length > 1 ? 's have' : ' has'} install scripts, which the embedded runtime does not run:\n${report.scripts.map((s) => `  ${s.name} (${s.scripts.join(', ')})\n`).join('')}`)
  }
  if (report.native.length) {
    io.stderr(`\nThese packages build native addons, which cannot run in the tab: ${report.native.join(', ')}. Switch on WebContainer mode in Settings to use them.\n`)
  }
  return report
}

/** A symlink target from `from` (a path in the project) to `to` (relative to the project root). */
function relativeTarget(from: string, to: string): string {
  const depth = from.split('/').length - 1
  return `${'../'.repeat(depth)}${to}`
}

/** A progress bar for a terminal line: `[######······]`. */
export function textBar(done: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0
  return `[${'#'.repeat(filled)}${'·'.repeat(width - filled)}]`
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.round(n / 1024)} kB`
}

/** What `npm install` changes before installing: packages to add (`npm install x@^1 -D`) or remove. */
export interface InstallRequest {
  add?: Array<{ name: string; spec: string; dev?: boolean }>
  remove?: string[]
  /** The workspace folder (relative to the project) `add`/`remove` change, as npm run from that folder does; '' or absent: the root. */
  target?: string
  /** The registry for packages `.npmrc` places nowhere (npm_config_registry, from settings); null: none configured. */
  registry: string | null
  omitDev?: boolean
  /** `--legacy-peer-deps` (also `legacy-peer-deps=true` in .npmrc). */
  legacyPeerDeps?: boolean
  /** `--force`: peer conflicts are warnings. */
  force?: boolean
}

/**
 * `npm install [pkg…]` / `npm uninstall pkg…`: resolves versions from the registry's package
 * documents (keeping the lock's versions that still satisfy), then installs as `npm ci` does and
 * writes package.json (when packages were added or removed: the root's, or the target
 * workspace's, keeping its indentation) and package-lock.json (in npm's key order) in the same
 * batch as node_modules. Package documents are kept in the package cache; when the registry
 * cannot be reached, the ones seen before are used, so a project resolved once resolves again
 * offline.
 */
export async function installResolving(dir: string, deps: InstallDeps, io: InstallIo, signal: AbortSignal, request: InstallRequest): Promise<InstallReport> {
  const pkgText = await readText(deps, `${dir}/package.json`)
  if (pkgText === null) throw new AppError('NOT_FOUND', `npm error: no package.json in ${dir}`)
  const pkg = (await readJson(deps, `${dir}/package.json`)) as Record<string, unknown>
  const lock = await readJson(deps, `${dir}/package-lock.json`)
  const npmrc = await readNpmrc(deps, dir)
  const workspaces = await readWorkspaces(dir, deps, pkg)
  let offline = false
  const fetched = new Map<string, Promise<Packument>>()
  const fetchPackument = (name: string): Promise<Packument> => {
    let hit = fetched.get(name)
    if (!hit) {
      hit = (async () => {
        const base = registryFor(name, npmrc, request.registry ?? '')
        if (!base) throw new AppError('BAD_INPUT', `npm error: no registry is configured for ${name}: set \`registry=\` in the project's .npmrc or the npm registry in Settings`)
        const url = `${base}${name.replace('/', '%2f')}`
        const auth = authFor(url, npmrc)
        // The full document: lockfiles carry fields (license, funding) the abbreviated one leaves out.
        const headers: Record<string, string> = { accept: 'application/json' }
        if (auth?.token) headers.authorization = `Bearer ${auth.token}`
        else if (auth?.basic) headers.authorization = `Basic ${auth.basic}`
        const fromCache = async (why: string): Promise<Packument> => {
          const saved = await deps.cache.getDocument(url)
          if (!saved) throw new AppError('NETWORK', `could not reach the registry for ${name} (${url}): ${why}; it has not been fetched before, so it is not in the package cache either`)
          if (!offline) io.stdout(`\n  the registry cannot be reached (${why}): using the package documents seen before\n`)
          offline = true
          return JSON.parse(saved.body) as Packument
        }
        let response: Response
        try {
          response = await deps.fetch(url, { signal, headers })
        } catch (error) {
          if (signal.aborted) throw cancelled()
          return fromCache(error instanceof Error ? error.message : String(error))
        }
        if (response.status === 404) throw new AppError('NOT_FOUND', `npm error 404: '${name}' is not in the registry (${base})`)
        if (response.status >= 500) return fromCache(`it answered ${response.status}`)
        if (!response.ok) throw new AppError('NETWORK', `the registry answered ${response.status} for ${name} (${url})`)
        const body = await response.text()
        const doc = JSON.parse(body) as Packument
        await deps.cache.putDocument(url, { body, contentType: response.headers.get('content-type') ?? 'application/json', savedAt: Date.now() })
        return doc
      })()
      fetched.set(name, hit)
    }
    return hit
  }
  const readBundle = async (manifest: PackumentVersion) => {
    const source = { name: manifest.name, version: manifest.version, resolved: manifest.dist.tarball, integrity: manifest.dist.integrity ?? integrityFromShasum(manifest.dist.shasum) }
    const { data } = await loadTarball(source, deps, npmrc, signal)
    return bundledPackages(await extractPackage(data))
  }
  io.stdout('Resolving dependencies…\n')
  const resolved = await resolveDependencies(pkg, {
    fetchPackument,
    readBundle,
    add: request.add,
    remove: request.remove,
    target: request.target,
    workspaces,
    lock: lock ?? undefined,
    legacyPeerDeps: request.legacyPeerDeps || npmrc.legacyPeerDeps,
    force: request.force,
    onProgress: (p) => {
      io.stdout(`\r  resolved ${p.resolved} packages (${p.pending} to go)`)
      io.task?.({ title: 'npm install', phase: 'Resolving', done: p.resolved, total: p.resolved + p.pending, bytes: 0 })
    },
  })
  io.stdout('\n')
  if (resolved.warnings.length) io.stderr(`${resolved.warnings.join('\n')}\n`)
  const writes: FsChange[] = [{ type: 'write', path: `${dir}/package-lock.json`, data: encoder.encode(formatLockfile(resolved.lock)), mode: 0o100644 }]
  if (request.add?.length || request.remove?.length) {
    const target = request.target ?? ''
    const path = target ? `${dir}/${target}/package.json` : `${dir}/package.json`
    const json = target ? resolved.workspaces.find((w) => w.path === target)!.packageJson : resolved.packageJson
    writes.push({ type: 'write', path, data: encoder.encode(jsonLike(json, (await readText(deps, path)) ?? '')), mode: 0o100644 })
  }
  return installFromLockfile(dir, deps, io, signal, { omitDev: request.omitDev, packageJson: resolved.packageJson, lock: resolved.lock, workspaces: resolved.workspaces, alsoWrite: writes })
}

/** `value` as JSON indented like `original` (two spaces when it says nothing), ending as it ends. */
function jsonLike(value: unknown, original: string): string {
  const indent = /^[{[][ \t]*\r?\n([ \t]+)\S/.exec(original)?.[1] ?? '  '
  const newline = original.includes('\r\n') ? '\r\n' : '\n'
  const text = JSON.stringify(value, null, indent).replace(/\n/g, newline)
  return original === '' || /\r?\n$/.test(original) ? `${text}${newline}` : text
}

/** `npm ci` or `npm install [pkg…]` / `npm uninstall pkg…`, as the command line asks. */
export interface InstallCommand extends InstallRequest {
  /** `ci`: exactly the lockfile; `install`: the lockfile when it matches package.json and its workspaces, else resolve (always, with add/remove). */
  kind: 'ci' | 'install'
}

/**
 * Runs an install command for the project in `dir` (the workspace root when run from inside a
 * workspace): `ci` installs the lockfile or fails; `install` installs the lockfile when it is in
 * sync with package.json and the workspaces' package.json files, and resolves otherwise.
 */
export async function runInstall(dir: string, deps: InstallDeps, io: InstallIo, signal: AbortSignal, command: InstallCommand): Promise<InstallReport> {
  if (command.kind === 'ci') return installFromLockfile(dir, deps, io, signal, { omitDev: command.omitDev })
  if (!command.add?.length && !command.remove?.length) {
    const [pkg, lock] = await Promise.all([readJson(deps, `${dir}/package.json`), readJson(deps, `${dir}/package-lock.json`)])
    if (!pkg || typeof pkg !== 'object') throw new AppError('NOT_FOUND', `npm error: no package.json in ${dir}`)
    if (lock) {
      const workspaces = await readWorkspaces(dir, deps, pkg as Record<string, unknown>)
      if (lockfileDifferences(lock, pkg, workspaces).length === 0) return installFromLockfile(dir, deps, io, signal, { omitDev: command.omitDev, packageJson: pkg, lock, workspaces })
    }
  }
  return installResolving(dir, deps, io, signal, command)
}
