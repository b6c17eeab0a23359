import { AppError } from '../../../shared/errors'
import { joinPath } from '../../../shared/namespace'
import type { FsChange } from '../../../shared/protocol'
import { authFor, binLinks, extractPackage, installScriptsOf, lockfileMatches, needsNativeBuild, parseNpmrc, planFromLockfile, registryFor, resolveDependencies, verifyIntegrity, type Packument, type PlannedPackage } from '../../install'
import type { TaskProgress } from '../../../shared/runtime'
import type { PackageCache } from './package-cache'

/** What an install reads, writes and fetches through. */
export interface InstallDeps {
  /** A file of the workspace (absolute path), or null. */
  read(path: string): Promise<Uint8Array | null>
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

async function readJson(deps: InstallDeps, path: string): Promise<unknown | null> {
  const data = await deps.read(path)
  if (!data) return null
  try {
    return JSON.parse(decoder.decode(data)) as unknown
  } catch (error) {
    throw new AppError('BAD_INPUT', `${path} is not valid JSON: ${(error as Error).message}`, { path })
  }
}

/**
 * `npm ci` for the project in `dir`: exactly the versions its package-lock.json names, each
 * tarball's integrity checked before anything is written, from the package cache or the network.
 * The old `node_modules` is replaced in one batch only when every package is ready, so a failed
 * install leaves it untouched. Install scripts are listed, not run.
 */
export async function installFromLockfile(
  dir: string,
  deps: InstallDeps,
  io: InstallIo,
  signal: AbortSignal,
  options: { omitDev?: boolean; packageJson?: unknown; lock?: unknown; alsoWrite?: FsChange[] } = {},
): Promise<InstallReport> {
  const t0 = performance.now()
  const pkg = options.packageJson ?? (await readJson(deps, `${dir}/package.json`))
  if (!pkg) throw new AppError('NOT_FOUND', `npm error: no package.json in ${dir}`)
  const lock = options.lock ?? (await readJson(deps, `${dir}/package-lock.json`))
  if (!lock) throw new AppError('BAD_INPUT', 'npm error: `npm ci` needs a package-lock.json; `npm install` makes one')
  if (!lockfileMatches(lock, pkg)) throw new AppError('BAD_INPUT', 'npm error: package.json and package-lock.json are not in sync. Update the lock file with `npm install` where npm runs, then try again.')
  const plan = planFromLockfile(lock, { omitDev: options.omitDev })
  const npmrc = parseNpmrc(decoder.decode((await deps.read(`${dir}/.npmrc`)) ?? new Uint8Array()))

  const remote = plan.packages.filter((p) => !p.link && p.resolved)
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
      if (signal.aborted) throw new AppError('ABORTED', 'the install was cancelled; node_modules is unchanged')
      const p = remote[next++]!
      if (!p.integrity) throw new AppError('INTEGRITY', `${p.name}@${p.version} has no integrity in package-lock.json: refusing to install it unchecked`)
      let data = await deps.cache.get(p.integrity)
      if (data) cached++
      else {
        const url = p.resolved!
        const auth = authFor(url, npmrc)
        const response = await deps.fetch(url, { signal, headers: auth?.token ? { authorization: `Bearer ${auth.token}` } : auth?.basic ? { authorization: `Basic ${auth.basic}` } : {} }).catch((error: unknown) => {
          throw new AppError('NETWORK', `could not download ${p.name}@${p.version} from ${url} (${error instanceof Error ? error.message : String(error)}); it is not in the package cache either`)
        })
        if (!response.ok) throw new AppError('NETWORK', `could not download ${p.name}@${p.version}: ${url} answered ${response.status}`)
        data = new Uint8Array(await response.arrayBuffer())
        await verifyIntegrity(data, p.integrity, `${p.name}@${p.version}`)
        await deps.cache.put(p.integrity, data)
        fetched++
      }
      bytes += data.length
      tarballs.set(p, data)
      progress()
    }
  }
  await Promise.all(Array.from({ length: Math.min(8, remote.length) }, download))
  if (remote.length) io.stdout('\n')

  const changes: FsChange[] = [{ type: 'remove', path: `${dir}/node_modules` }]
  const report: InstallReport = { added: 0, cached, bytes, scripts: [], native: [], ms: 0 }
  const bins: Array<{ path: string; name: string; bin: Record<string, string> | string | undefined }> = []
  for (const p of plan.packages) {
    if (signal.aborted) throw new AppError('ABORTED', 'the install was cancelled; node_modules is unchanged')
    const root = joinPath(dir, p.path)
    if (p.link) {
      changes.push({ type: 'symlink', path: root, target: relativeTarget(p.path, p.link) })
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
  changes.push({ type: 'write', path: `${dir}/node_modules/.package-lock.json`, data: encoder.encode(`${JSON.stringify({ name: plan.root.name, version: plan.root.version, lockfileVersion: 3, requires: true, packages: Object.fromEntries(plan.packages.map((p) => [p.path, { version: p.version, resolved: p.resolved ?? undefined, integrity: p.integrity ?? undefined }])) }, null, 2)}\n`), mode: 0o100644 })
  if (signal.aborted) throw new AppError('ABORTED', 'the install was cancelled; node_modules is unchanged')
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
  /** The registry for packages `.npmrc` places nowhere (npm_config_registry, from settings); null: none configured. */
  registry: string | null
  omitDev?: boolean
}

/**
 * `npm install [pkg…]` / `npm uninstall pkg…`: resolves versions from the registry's package
 * documents (keeping the lock's versions that still satisfy), then installs as `npm ci` does and
 * writes package.json and package-lock.json in the same batch as node_modules.
 */
export async function installResolving(dir: string, deps: InstallDeps, io: InstallIo, signal: AbortSignal, request: InstallRequest): Promise<InstallReport> {
  const pkg = (await readJson(deps, `${dir}/package.json`)) as Record<string, unknown> | null
  if (!pkg) throw new AppError('NOT_FOUND', `npm error: no package.json in ${dir}`)
  const lock = await readJson(deps, `${dir}/package-lock.json`)
  const npmrc = parseNpmrc(decoder.decode((await deps.read(`${dir}/.npmrc`)) ?? new Uint8Array()))
  const fetched = new Map<string, Promise<Packument>>()
  const fetchPackument = (name: string): Promise<Packument> => {
    let hit = fetched.get(name)
    if (!hit) {
      hit = (async () => {
        const base = registryFor(name, npmrc, request.registry ?? '')
        if (!base) throw new AppError('BAD_INPUT', `npm error: no registry is configured for ${name}: set \`registry=\` in the project's .npmrc or the npm registry in Settings`)
        const url = `${base}${name.replace('/', '%2f')}`
        const auth = authFor(url, npmrc)
        const headers: Record<string, string> = { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8' }
        if (auth?.token) headers.authorization = `Bearer ${auth.token}`
        else if (auth?.basic) headers.authorization = `Basic ${auth.basic}`
        const response = await deps.fetch(url, { signal, headers }).catch((error: unknown) => {
          throw new AppError('NETWORK', `could not reach the registry for ${name} (${url}): ${error instanceof Error ? error.message : String(error)}`)
        })
        if (response.status === 404) throw new AppError('NOT_FOUND', `npm error 404: '${name}' is not in the registry (${base})`)
        if (!response.ok) throw new AppError('NETWORK', `the registry answered ${response.status} for ${name} (${url})`)
        return (await response.json()) as Packument
      })()
      fetched.set(name, hit)
    }
    return hit
  }
  io.stdout('Resolving dependencies…\n')
  const resolved = await resolveDependencies(pkg, {
    fetchPackument,
    add: request.add,
    remove: request.remove,
    lock: lock ?? undefined,
    onProgress: (p) => {
      io.stdout(`\r  resolved ${p.resolved} packages (${p.pending} to go)`)
      io.task?.({ title: 'npm install', phase: 'Resolving', done: p.resolved, total: p.resolved + p.pending, bytes: 0 })
    },
  })
  io.stdout('\n')
  const json = (value: unknown) => encoder.encode(`${JSON.stringify(value, null, 2)}\n`)
  return installFromLockfile(dir, deps, io, signal, {
    omitDev: request.omitDev,
    packageJson: resolved.packageJson,
    lock: resolved.lock,
    alsoWrite: [
      { type: 'write', path: `${dir}/package.json`, data: json(resolved.packageJson), mode: 0o100644 },
      { type: 'write', path: `${dir}/package-lock.json`, data: json(resolved.lock), mode: 0o100644 },
    ],
  })
}
