import type { TaskProgress } from '../../../shared/runtime'
import { AppError } from '../../../shared/errors'
import { dirname, joinPath, normalizePath } from '../../../shared/namespace'
import type { FsChange } from '../../../shared/protocol'
import { listZip, readZipItem, unzip } from '../../archive'
import { integrityOf, verifyIntegrity } from '../../install'
import {
  availableFrom,
  fileIntegrity,
  formatMarker,
  formatRequirement,
  formatVersion,
  layoutWheel,
  normalizeName,
  parseMetadata,
  parsePipArgs,
  parsePipConf,
  parseProjectPage,
  parseRequirement,
  parseRequirementsFile,
  PIP_USAGE,
  PYODIDE_TARGET,
  recordedFiles,
  requirementApplies,
  resolve,
  SIMPLE_ACCEPT,
  SIMPLE_JSON,
  tryParseVersion,
  type Candidate,
  type DistMetadata,
  type IndexFile,
  type InstallOptions,
  type PythonTarget,
  type ResolveSource,
  type RootRequirement,
  type Version,
} from '../../install/python'
import type { PackageCache } from './package-cache'

/** What pip reads, writes and fetches through. */
export interface PipDeps {
  /** A file of the workspace (absolute path), or null. */
  read(path: string): Promise<Uint8Array | null>
  /** Every file under the folder `dir` (absolute paths). */
  files(dir: string): string[]
  /** Applies changes as one batch: all of them land, or none. */
  commit(changes: FsChange[]): Promise<void>
  fetch: typeof fetch
  cache: PackageCache
}

/** Where pip's output goes. */
export interface PipIo {
  stdout(text: string): void
  stderr(text: string): void
  /** Progress for a progress bar (the caller ends it). */
  task?(task: TaskProgress | null): void
}

/** The command's surroundings. */
export interface PipContext {
  cwd: string
  env: Record<string, string>
  signal: AbortSignal
}

/** A distribution installed in the environment. */
interface InstalledDist {
  key: string
  name: string
  version: Version
  versionText: string
  distInfo: string
  metadata: DistMetadata
}

/** A configured index: its base URL (ending in `/`, without credentials), the Authorization it needs, how to show it. */
interface Index {
  base: string
  origin: string
  authorization: string | null
  shown: string
}

const decoder = new TextDecoder()
const encoder = new TextEncoder()

/**
 * Runs `pip <args>` against the project's virtual environment (`/workspace/.venv`): install (from
 * the command line or requirements files, resolving from the configured index, wheels checked and
 * cached), uninstall, list, freeze, show, --version. Never throws: prints what happened and
 * resolves to pip's exit status (0, 1 on failure, 2 for a usage error, 130 when cancelled).
 * An install changes the environment in one batch, or not at all.
 */
export async function runPip(args: string[], ctx: PipContext, deps: PipDeps, io: PipIo): Promise<number> {
  const target = PYODIDE_TARGET
  try {
    const command = parsePipArgs(args)
    switch (command.type) {
      case 'version':
        io.stdout(`pip (Coder, in the tab) from ${target.sitePackages} (python ${target.markers.python_version})\n`)
        return 0
      case 'help':
        io.stdout(PIP_USAGE)
        return 0
      case 'install':
        return await install(command, ctx, deps, io, target)
      case 'uninstall':
        return await uninstall(command.names, command.files, ctx, deps, io, target)
      case 'list':
      case 'freeze': {
        const dists = [...(await readInstalled(deps, target)).values()].sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1))
        const format = command.type === 'freeze' ? 'freeze' : command.format
        if (format === 'freeze') io.stdout(dists.map((d) => `${d.name}==${d.versionText}\n`).join(''))
        else if (format === 'json') io.stdout(`${JSON.stringify(dists.map((d) => ({ name: d.name, version: d.versionText })))}\n`)
        else io.stdout(table([['Package', 'Version'], ...dists.map((d) => [d.name, d.versionText])]))
        return 0
      }
      case 'show':
        return await show(command.names, deps, io, target)
      default:
        return unreachable(command)
    }
  } catch (error) {
    if (ctx.signal.aborted || (error instanceof AppError && error.code === 'ABORTED')) {
      io.stderr('ERROR: Operation cancelled by user; the environment is unchanged.\n')
      return 130
    }
    const message = error instanceof Error ? error.message : String(error)
    io.stderr(`${message.startsWith('ERROR:') ? message : `ERROR: ${message}`}\n`)
    return error instanceof AppError && error.data.usage ? 2 : 1
  }
}

async function install(o: InstallOptions, ctx: PipContext, deps: PipDeps, io: PipIo, target: PythonTarget): Promise<number> {
  const say = (text: string) => void (o.quiet ? undefined : io.stdout(text))
  const readText = async (path: string) => {
    const data = await deps.read(path)
    return data ? decoder.decode(data) : null
  }
  const roots: RootRequirement[] = o.requirements.map((text) => ({ requirement: parseRequirement(text) }))
  const constraints: RootRequirement[] = []
  let fileIndex: string | null = null
  const extraIndexes = [...o.extraIndexUrls]
  let pre = o.pre
  for (const f of o.files) {
    const r = await parseRequirementsFile(resolvePath(ctx.cwd, f), readText, ctx.env)
    roots.push(...r.requirements.map((x) => ({ requirement: x.requirement, hashes: x.hashes, source: x.source })))
    constraints.push(...r.constraints.map((x) => ({ requirement: x.requirement, hashes: x.hashes, source: x.source })))
    fileIndex = r.indexUrl ?? fileIndex
    extraIndexes.push(...r.extraIndexUrls)
    pre ||= r.pre
  }
  for (const f of o.constraints) {
    const r = await parseRequirementsFile(resolvePath(ctx.cwd, f), readText, ctx.env)
    constraints.push(...[...r.requirements, ...r.constraints].map((x) => ({ requirement: x.requirement, hashes: x.hashes, source: x.source })))
  }
  const conf = parsePipConf((await readText('/workspace/pip.conf')) ?? '')
  // As pip: a requirements file's --index-url, then the command line's, then PIP_INDEX_URL, then pip.conf.
  const primary = fileIndex ?? o.indexUrl ?? (ctx.env.PIP_INDEX_URL || null) ?? conf.indexUrl
  const indexes = [primary, ...extraIndexes, ...(ctx.env.PIP_EXTRA_INDEX_URL ?? '').split(/\s+/), ...conf.extraIndexUrls].filter((u): u is string => !!u).map(parseIndexUrl)
  pre ||= conf.pre || /^(1|true|yes|on)$/i.test(ctx.env.PIP_PRE ?? '')
  if (indexes.length) say(`Looking in indexes: ${indexes.map((i) => i.shown).join(', ')}\n`)

  const installed = await readInstalled(deps, target)
  const wheels = new Map<string, Uint8Array>()
  const counts = { fetched: 0, cached: 0, bytes: 0 }
  const throwIfAborted = () => {
    if (ctx.signal.aborted) throw new AppError('ABORTED', 'the install was cancelled')
  }
  const authFor = (url: string) => indexes.find((i) => i.authorization && new URL(url).origin === i.origin)?.authorization ?? null

  /** A project's page from one index, from the network or (when that fails) the cache; null when the index has no such project. */
  async function projectPage(index: Index, key: string, name: string): Promise<IndexFile[] | null> {
    const url = `${index.base}${key}/`
    let failure = '--no-index'
    if (!o.noIndex) {
      throwIfAborted()
      let response: Response | null = null
      try {
        response = await deps.fetch(url, { signal: ctx.signal, headers: { accept: SIMPLE_ACCEPT, ...(index.authorization ? { authorization: index.authorization } : {}) } })
      } catch (error) {
        throwIfAborted()
        failure = error instanceof Error ? error.message : String(error)
      }
      if (response?.status === 404) return null
      if (response?.ok) {
        const files = parseProjectPage(await response.text(), response.headers.get('content-type') ?? 'text/html', response.url || url)
        // Kept as PEP 691 JSON with absolute URLs: what a later offline install resolves from.
        const json = { meta: { 'api-version': '1.0' }, name: key, files: files.map((f) => ({ filename: f.filename, url: f.url, hashes: f.hashes, 'requires-python': f.requiresPython, yanked: f.yanked === null ? false : f.yanked || true })) }
        await deps.cache.putDocument(url, { body: JSON.stringify(json), contentType: SIMPLE_JSON, savedAt: Date.now() })
        return files
      }
      if (response) failure = `it answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`
    }
    const cached = await deps.cache.getDocument(url)
    if (cached) {
      say(`  Using the cached index page for ${name} from ${new Date(cached.savedAt).toISOString().slice(0, 16).replace('T', ' ')} (${o.noIndex ? '--no-index' : `the index is unreachable: ${failure}`})\n`)
      return parseProjectPage(cached.body, cached.contentType, url)
    }
    throw new AppError('NETWORK', o.noIndex ? `ERROR: --no-index: nothing is cached for ${name}` : `ERROR: could not reach the package index at ${index.shown} (${failure}) and nothing is cached for ${name}. Connect to the network and run the install again: once installed, packages reinstall offline from the cache.`, { project: key })
  }

  /** A wheel's bytes, from the cache or the index, always checked against the digest it is stored under. */
  async function download(c: Candidate): Promise<Uint8Array> {
    const file = c.file!
    const hit = wheels.get(file.url)
    if (hit) return hit
    let integrity: string | null
    try {
      integrity = fileIntegrity(file) ?? (await deps.cache.getDocument(`${file.url}#integrity`))?.body ?? null
    } catch (error) {
      throw new AppError('INTEGRITY', `ERROR: ${error instanceof Error ? error.message : String(error)}`)
    }
    let data = integrity ? await deps.cache.get(integrity) : undefined
    if (data) {
      counts.cached++
      say(`  Using cached ${file.filename} (${formatBytes(data.length)})\n`)
    } else {
      throwIfAborted()
      const authorization = authFor(file.url)
      const response = await deps.fetch(file.url, { signal: ctx.signal, headers: authorization ? { authorization } : {} }).catch((error: unknown) => {
        throwIfAborted()
        throw new AppError('NETWORK', `ERROR: could not download ${file.filename} from ${redact(file.url)} (${error instanceof Error ? error.message : String(error)}), and it is not in the package cache`)
      })
      if (!response.ok) throw new AppError('NETWORK', `ERROR: could not download ${file.filename}: ${redact(file.url)} answered ${response.status}`)
      data = new Uint8Array(await response.arrayBuffer())
      counts.fetched++
      say(`  Downloading ${file.filename} (${formatBytes(data.length)})\n`)
    }
    // The number of wheels is known only once resolving ends: the bar counts up until then.
    io.task?.({ title: 'pip install', phase: 'Downloading', done: counts.fetched + counts.cached, total: 0, bytes: counts.bytes + data.length })
    if (integrity) await checkIntegrity(data, integrity, file.filename)
    else {
      integrity = await integrityOf(data, 'sha256')
      await deps.cache.putDocument(`${file.url}#integrity`, { body: integrity, contentType: 'text/plain', savedAt: Date.now() })
    }
    await deps.cache.put(integrity, data)
    counts.bytes += data.length
    wheels.set(file.url, data)
    return data
  }

  const source: ResolveSource = {
    installed(key) {
      const d = installed.get(key)
      return d ? { key, name: d.name, version: d.version, versionText: d.versionText, installed: true, file: null } : null
    },
    async available(key, requirement) {
      say(`Collecting ${formatRequirement(requirement)}\n`)
      if (!indexes.length) throw noIndexConfigured()
      const files: IndexFile[] = []
      let found = false
      for (const index of indexes) {
        const page = await projectPage(index, key, requirement.name)
        if (page) {
          found = true
          files.push(...page)
        }
      }
      if (!found) throw new AppError('NOT_FOUND', `ERROR: Could not find a version that satisfies the requirement ${formatRequirement(requirement)} (from versions: none)\nERROR: No matching distribution found for ${requirement.name}: there is no project "${key}" on ${indexes.map((i) => i.shown).join(', ')}`, { project: key })
      return availableFrom(key, requirement.name, files, target)
    },
    async metadata(c) {
      if (c.installed) return installed.get(c.key)!.metadata
      return wheelMetadata(await download(c), c.file!.filename)
    },
  }

  const resolution = await resolve(roots, source, {
    target,
    constraints,
    pre,
    upgrade: o.upgrade ? new Set(roots.map((r) => r.requirement.key)) : undefined,
    forceReinstall: o.forceReinstall,
    noDeps: o.noDeps,
  })
  for (const r of resolution.ignored) say(`Ignoring ${r.name}: markers '${formatMarker(r.marker!)}' don't match your environment\n`)
  for (const w of resolution.warnings) io.stderr(`${w}\n`)
  for (const p of resolution.packages) if (p.candidate.installed) say(`Requirement already satisfied: ${p.candidate.name} in ./${target.sitePackages.replace(/^\/workspace\//, '')} (${p.candidate.versionText})\n`)
  if (counts.fetched + counts.cached) say(`Fetched ${counts.fetched + counts.cached} wheel${counts.fetched + counts.cached === 1 ? '' : 's'} (${formatBytes(counts.bytes)}${counts.cached ? `, ${counts.cached} from the cache` : ''})\n`)

  const fresh = resolution.packages.filter((p) => !p.candidate.installed)
  for (const p of fresh) {
    const yanked = p.candidate.file!.yanked
    if (yanked !== null) io.stderr(`WARNING: The candidate selected for download or install is a yanked version: ${p.candidate.name} ${p.candidate.versionText}${yanked ? `\nReason for being yanked: ${yanked}` : ''}\n`)
  }
  for (const p of fresh) {
    if (!p.hashes.length) continue
    const data = await download(p.candidate)
    const sha = await integrityOf(data, 'sha256')
    const hex = Array.from(atob(sha.slice(7)), (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('')
    if (!p.hashes.includes(`sha256:${hex}`)) throw new AppError('INTEGRITY', `ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE.\n    ${p.candidate.name} from ${p.candidate.file!.filename}:\n        Expected one of ${p.hashes.join(', ')}\n             Got        sha256:${hex}\nNothing was installed.`)
  }
  if (!fresh.length) return 0
  if (o.dryRun) {
    io.stdout(`Would install ${fresh.map((p) => `${p.candidate.name}-${p.candidate.versionText}`).join(' ')}\n`)
    return 0
  }
  const writes: FsChange[] = []
  const names: string[] = []
  for (const [i, p] of fresh.entries()) {
    throwIfAborted()
    io.task?.({ title: 'pip install', phase: 'Installing', done: i, total: fresh.length, bytes: counts.bytes })
    const layout = await layoutWheel(await unzip(await download(p.candidate)), p.candidate.file!.filename, target, { requested: p.requested })
    for (const f of layout.files) writes.push({ type: 'write', path: f.path, data: f.data, mode: f.mode })
    names.push(layout.metadata.name || p.candidate.name)
  }
  say(`Installing collected packages: ${names.join(', ')}\n`)
  const removals: string[] = []
  for (const p of fresh) {
    const old = installed.get(p.candidate.key)
    if (!old) continue
    say(`  Attempting uninstall: ${old.name}\n    Found existing installation: ${old.name} ${old.versionText}\n    Uninstalling ${old.name}-${old.versionText}:\n      Successfully uninstalled ${old.name}-${old.versionText}\n`)
    removals.push(...(await ownedFiles(old, deps, target)))
  }
  if (!deps.files(target.venv).includes(`${target.venv}/pyvenv.cfg`)) writes.push(...venvScaffold(target))
  throwIfAborted()
  await deps.commit([...removalChanges(removals, writes, deps, target), ...writes])
  say(`Successfully installed ${fresh.map((p, i) => `${names[i]}-${p.candidate.versionText}`).join(' ')}\n`)
  return 0
}

async function uninstall(names: string[], files: string[], ctx: PipContext, deps: PipDeps, io: PipIo, target: PythonTarget): Promise<number> {
  const readText = async (path: string) => {
    const data = await deps.read(path)
    return data ? decoder.decode(data) : null
  }
  const wanted = names.map((n) => parseRequirement(n))
  for (const f of files) wanted.push(...(await parseRequirementsFile(resolvePath(ctx.cwd, f), readText, ctx.env)).requirements.map((r) => r.requirement))
  const installed = await readInstalled(deps, target)
  const removals: string[] = []
  const lines: string[] = []
  for (const r of wanted) {
    const dist = installed.get(r.key)
    if (!dist) {
      io.stderr(`WARNING: Skipping ${r.name} as it is not installed.\n`)
      continue
    }
    installed.delete(r.key)
    io.stdout(`Found existing installation: ${dist.name} ${dist.versionText}\nUninstalling ${dist.name}-${dist.versionText}:\n`)
    removals.push(...(await ownedFiles(dist, deps, target)))
    lines.push(`  Successfully uninstalled ${dist.name}-${dist.versionText}\n`)
  }
  if (!removals.length) return 0
  await deps.commit(removalChanges(removals, [], deps, target))
  io.stdout(lines.join(''))
  return 0
}

async function show(names: string[], deps: PipDeps, io: PipIo, target: PythonTarget): Promise<number> {
  const installed = await readInstalled(deps, target)
  const blocks: string[] = []
  for (const name of names) {
    const dist = installed.get(normalizeName(name))
    if (!dist) {
      io.stderr(`WARNING: Package(s) not found: ${name}\n`)
      continue
    }
    const m = dist.metadata
    const requires = m.requiresDist.flatMap((text) => {
      try {
        const r = parseRequirement(text)
        return requirementApplies(r, target.markers) ? [r.name] : []
      } catch {
        return []
      }
    })
    const requiredBy = [...installed.values()].filter((other) => other.metadata.requiresDist.some((text) => {
      try {
        const r = parseRequirement(text)
        return r.key === dist.key && requirementApplies(r, target.markers)
      } catch {
        return false
      }
    })).map((d) => d.name)
    const field = (key: string) => m.headers[key]?.[0] ?? ''
    blocks.push([`Name: ${m.name || dist.name}`, `Version: ${dist.versionText}`, `Summary: ${m.summary}`, `Home-page: ${field('home-page')}`, `Author: ${field('author')}`, `Author-email: ${field('author-email')}`, `License: ${field('license')}`, `Location: ${target.sitePackages}`, `Requires: ${requires.join(', ')}`, `Required-by: ${requiredBy.sort().join(', ')}`].join('\n'))
  }
  if (blocks.length) io.stdout(`${blocks.join('\n---\n')}\n`)
  return blocks.length === names.length ? 0 : 1
}

/** The distributions in site-packages, by normalised name, from their `.dist-info/METADATA`. */
async function readInstalled(deps: PipDeps, target: PythonTarget): Promise<Map<string, InstalledDist>> {
  const out = new Map<string, InstalledDist>()
  const prefix = `${target.sitePackages}/`
  for (const path of deps.files(target.sitePackages)) {
    const m = /^([^/]+\.dist-info)\/METADATA$/.exec(path.slice(prefix.length))
    if (!m) continue
    const data = await deps.read(path)
    if (!data) continue
    const metadata = parseMetadata(decoder.decode(data))
    const version = tryParseVersion(metadata.version)
    if (!metadata.name || !version) continue
    const key = normalizeName(metadata.name)
    out.set(key, { key, name: metadata.name, version, versionText: formatVersion(version), distInfo: `${prefix}${m[1]}`, metadata })
  }
  return out
}

/** The files an installed distribution owns: what its RECORD lists that exists, and its .dist-info folder. */
async function ownedFiles(dist: InstalledDist, deps: PipDeps, target: PythonTarget): Promise<string[]> {
  const record = await deps.read(`${dist.distInfo}/RECORD`)
  const present = new Set(deps.files(target.venv))
  const listed = record ? recordedFiles(decoder.decode(record), dist.distInfo, target).filter((p) => present.has(p)) : []
  return [...new Set([...listed, ...deps.files(dist.distInfo)])]
}

/**
 * Removes for `files`, with the folders they leave empty (given what `writes` puts back) removed
 * too, outermost first; site-packages and bin themselves stay.
 */
function removalChanges(files: string[], writes: FsChange[], deps: PipDeps, target: PythonTarget): FsChange[] {
  if (!files.length) return []
  const removed = new Set(files)
  const remaining = [...deps.files(target.venv).filter((p) => !removed.has(p)), ...writes.map((w) => (w.type === 'write' ? w.path : ''))].filter(Boolean)
  const keep = new Set([target.venv, `${target.venv}/bin`, target.sitePackages, dirname(target.sitePackages), dirname(dirname(target.sitePackages))])
  const candidates = new Set<string>()
  for (const f of files) for (let d = dirname(f); d.startsWith(`${target.venv}/`) && !keep.has(d); d = dirname(d)) candidates.add(d)
  const empty = [...candidates].filter((d) => !remaining.some((p) => p.startsWith(`${d}/`))).sort((a, b) => a.length - b.length)
  const folders: string[] = []
  for (const d of empty) if (!folders.some((f) => d.startsWith(`${f}/`))) folders.push(d)
  const changes: FsChange[] = folders.map((path) => ({ type: 'remove', path }))
  for (const f of files) if (!folders.some((d) => f.startsWith(`${d}/`))) changes.push({ type: 'remove', path: f })
  return changes
}

/** What `python -m venv` writes besides the folders: pyvenv.cfg, and a .gitignore that keeps the environment out of git. */
function venvScaffold(target: PythonTarget): FsChange[] {
  return [
    { type: 'write', path: `${target.venv}/pyvenv.cfg`, data: encoder.encode(`home = /usr/local/bin\ninclude-system-site-packages = false\nversion = ${target.pythonVersion}\ncreator = coder (pyodide in the tab)\n`), mode: 0o100644 },
    { type: 'write', path: `${target.venv}/.gitignore`, data: encoder.encode('# Created by Coder\'s pip, as `python -m venv` does\n*\n'), mode: 0o100644 },
  ]
}

/** The core metadata inside a wheel, read without unpacking the rest. */
async function wheelMetadata(wheel: Uint8Array, filename: string): Promise<DistMetadata> {
  const project = normalizeName(filename.split('-')[0]!)
  const item = listZip(wheel).find((e) => /^[^/]+\.dist-info\/METADATA$/.test(e.path) && normalizeName(e.path.split('-')[0]!) === project)
  if (!item) throw new AppError('BAD_INPUT', `${filename} is not a valid wheel: it has no .dist-info/METADATA for ${project}`)
  return parseMetadata(decoder.decode(await readZipItem(wheel, item)))
}

async function checkIntegrity(data: Uint8Array, integrity: string, filename: string): Promise<void> {
  try {
    await verifyIntegrity(data, integrity, filename)
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'INTEGRITY') throw error
    throw new AppError('INTEGRITY', `ERROR: ${filename} does not match the hash the package index gives for it (expected ${String(error.data.expected)}, got ${String(error.data.actual)}): the download is corrupt or was tampered with. Nothing was installed.`, error.data)
  }
}

/** An index URL from configuration: http(s) only; credentials in it become an Authorization header. */
function parseIndexUrl(raw: string): Index {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new AppError('BAD_INPUT', `the package index "${raw}" is not a URL (expected e.g. https://pypi.example.com/simple/)`, { usage: true })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AppError('BAD_INPUT', `the package index "${raw}" is not an http(s) URL`, { usage: true })
  const authorization = url.username ? `Basic ${btoa(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`)}` : null
  url.username = ''
  url.password = ''
  const base = url.href.endsWith('/') ? url.href : `${url.href}/`
  return { base, origin: url.origin, authorization, shown: authorization ? redact(raw) : base }
}

function redact(url: string): string {
  return url.replace(/\/\/([^/@:]+)(:[^/@]*)?@/, '//$1:****@')
}

function noIndexConfigured(): AppError {
  return new AppError('BAD_INPUT', 'ERROR: no Python package index is configured, so there is nowhere to install from. Set one in Settings ("Python package index"), in a pip.conf at the project root ([global] index-url = https://…/simple/), with PIP_INDEX_URL, or with pip install --index-url <url>.')
}

function resolvePath(cwd: string, path: string): string {
  return normalizePath(path.startsWith('/') ? path : joinPath(cwd, path))
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join(' ')
  return `${[line(rows[0]!), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n')}\n`
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} kB` : `${n} bytes`
}

function unreachable(x: never): never {
  throw new Error(`unexpected pip command ${JSON.stringify(x)}`)
}
