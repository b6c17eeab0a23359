import semver from 'semver'
import { AppError } from '../../shared/errors'
import { integrityFromShasum } from './integrity'

/** One version in a registry's package document, only what resolution needs. */
export interface PackumentVersion {
  name: string
  version: string
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
  bin?: Record<string, string> | string
  os?: string[]
  cpu?: string[]
  libc?: string[]
  engines?: Record<string, string>
  deprecated?: string
  hasInstallScript?: boolean
  scripts?: Record<string, string>
  license?: string
  dist: { tarball: string; integrity?: string; shasum: string }
}

/** A registry's package document (the "packument"), only what resolution needs. */
export interface Packument {
  name: string
  'dist-tags': Record<string, string>
  versions: Record<string, PackumentVersion>
}

/** What `resolveDependencies` resolves through and what it changes. */
export interface ResolveOptions {
  /** The caller fetches (through its registry config, cache, auth); rejects for a missing package. */
  fetchPackument(name: string): Promise<Packument>
  /** `npm install <pkg>[@spec] [-D]`: spec is a range, a version, a dist-tag, `npm:other@range`, or '' (latest). */
  add?: Array<{ name: string; spec: string; dev?: boolean }>
  /** `npm uninstall <pkg>`. */
  remove?: string[]
  /** An existing package-lock.json: its versions are kept where they still satisfy. */
  lock?: unknown
  onProgress?(p: { resolved: number; pending: number }): void
}

/** The updated package.json and a lockfileVersion 3 document for it. */
export interface ResolveResult {
  packageJson: Record<string, unknown>
  lock: Record<string, unknown>
}

type Json = Record<string, unknown>
type EdgeType = 'prod' | 'dev' | 'optional' | 'peer' | 'peerOptional'

/** A parsed dependency spec: a registry name plus a range or a dist-tag. */
interface Spec {
  /** The registry package to fetch (differs from the folder name for `npm:` aliases). */
  pkg: string
  kind: 'range' | 'tag'
  /** A semver range (`*` for an empty spec) or a dist-tag. */
  value: string
}

interface Edge {
  name: string
  raw: string
  type: EdgeType
}

interface TreeNode {
  /** The folder name under node_modules. */
  name: string
  manifest: PackumentVersion
  parent: TreeNode | null
  children: Map<string, TreeNode>
  edges: Edge[]
  depth: number
  path: string
  /** Removed from the tree (replaced): skip it when it comes up in the queue. */
  gone?: boolean
}

const byName = (a: string, b: string) => a.localeCompare(b, 'en')

/**
 * `npm install` without `npm ci`'s lockfile: applies `add`/`remove` to package.json (added
 * packages saved as `^version` like npm's default save-prefix, or the range asked for when `^version`
 * would widen it; dependency maps sorted; other keys keep their order), resolves every range from
 * the registry's package documents as npm 10 does (highest non-deprecated match, `latest` first
 * when it matches; versions of `lock` kept where they still satisfy, except for packages being
 * added), places packages as npm hoists them, and writes the lockfile. Never changes its inputs.
 * Throws NOT_FOUND naming the package and spec when nothing matches a required dependency (an
 * optional one is left out), and BAD_INPUT for `file:`, git and URL specs, which the tab cannot
 * install yet.
 */
export async function resolveDependencies(packageJson: Record<string, unknown>, options: ResolveOptions): Promise<ResolveResult> {
  const pkg = structuredClone(packageJson)
  const explicit = new Set<string>()
  for (const name of options.remove ?? []) {
    for (const field of DEP_FIELDS) if (isObject(pkg[field])) delete (pkg[field] as Json)[name]
  }
  const chosenForAdd = new Map<string, { spec: Spec; field: string }>()
  for (const { name, spec, dev } of options.add ?? []) {
    const parsed = parseSpec(name, spec)
    const field = dev ? 'devDependencies' : (['devDependencies', 'optionalDependencies', 'dependencies'].find((f) => isObject(pkg[f]) && name in (pkg[f] as Json)) ?? 'dependencies')
    chosenForAdd.set(name, { spec: parsed, field })
    explicit.add(name)
  }

  const documents = new Map<string, Promise<Packument>>()
  const packument = (name: string): Promise<Packument> => {
    let hit = documents.get(name)
    if (!hit) {
      hit = options.fetchPackument(name)
      // Prefetched documents nobody waits for yet must not become unhandled rejections.
      hit.catch(() => {})
      documents.set(name, hit)
    }
    return hit
  }
  const locked = lockedVersions(options.lock)

  const pick = async (name: string, raw: string, useLock: boolean): Promise<PackumentVersion> => {
    const spec = parseSpec(name, raw)
    const doc = await packument(spec.pkg)
    if (useLock) {
      for (const version of locked.get(`${name}\0${spec.pkg}`) ?? []) {
        if (doc.versions?.[version] && satisfies(version, spec)) return doc.versions[version]
      }
    }
    const found = pickVersion(doc, spec)
    if (!found) throw new AppError('NOT_FOUND', `npm error notarget No matching version found for ${spec.pkg}@${raw || 'latest'}`, { name: spec.pkg, spec: raw })
    return found
  }

  // Added packages first: their versions decide what package.json says before anything is placed.
  for (const [name, { spec, field }] of chosenForAdd) {
    const manifest = await pick(name, spec.pkg === name ? spec.value : `npm:${spec.pkg}@${spec.value}`, false)
    const raw = (options.add ?? []).find((a) => a.name === name)!.spec
    const saved = saveSpec(spec, raw, manifest.version)
    const range = spec.pkg !== name ? `npm:${spec.pkg}@${saved}` : saved
    for (const f of ['dependencies', 'devDependencies', 'optionalDependencies']) {
      if (f !== field && isObject(pkg[f])) delete (pkg[f] as Json)[name]
    }
    pkg[field] = { ...(isObject(pkg[field]) ? pkg[field] : {}), [name]: range }
  }
  for (const field of DEP_FIELDS) if (isObject(pkg[field])) pkg[field] = sortKeys(pkg[field] as Json)

  const root: TreeNode = {
    name: typeof pkg.name === 'string' ? pkg.name : '',
    manifest: { name: String(pkg.name ?? ''), version: String(pkg.version ?? ''), dist: { tarball: '', shasum: '' } },
    parent: null,
    children: new Map(),
    edges: edgesOf(pkg, true),
    depth: 0,
    path: '',
  }
  for (const edge of root.edges) parseSpec(edge.name, edge.raw)

  const queue: TreeNode[] = [root]
  let resolvedCount = 0
  const enqueue = (node: TreeNode) => {
    // Shallower first, then by path: the order npm's ideal-tree builder works through.
    let lo = 0
    let hi = queue.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      const q = queue[mid]!
      if (q.depth < node.depth || (q.depth === node.depth && byName(q.path, node.path) <= 0)) lo = mid + 1
      else hi = mid
    }
    queue.splice(lo, 0, node)
  }
  const prefetch = (node: TreeNode) => {
    for (const edge of node.edges) {
      if (edge.type === 'peerOptional') continue
      try {
        void packument(parseSpec(edge.name, edge.raw).pkg)
      } catch {
        // A bad spec is reported when the edge is resolved.
      }
    }
  }
  prefetch(root)

  while (queue.length) {
    const node = queue.shift()!
    if (node.gone) continue
    for (const edge of [...node.edges].sort((a, b) => byName(a.name, b.name))) {
      if (edge.type === 'peerOptional') continue
      const from = edge.type === 'peer' && node.parent ? node.parent : node
      const current = resolveFrom(from, edge.name)
      if (current && satisfiesNode(current, edge)) continue
      let manifest: PackumentVersion
      try {
        manifest = await pick(edge.name, edge.raw, !(node === root && explicit.has(edge.name)))
      } catch (error) {
        if (edge.type === 'optional' && !(error instanceof AppError && error.code === 'BAD_INPUT')) continue
        if (error instanceof AppError && error.code === 'NOT_FOUND' && node !== root) {
          throw new AppError('NOT_FOUND', `${error.message} (needed by ${node.manifest.name}@${node.manifest.version})`, { ...error.data, by: `${node.manifest.name}@${node.manifest.version}` })
        }
        throw error
      }
      const placed = place(root, from, edge.name, manifest)
      if (placed) {
        resolvedCount++
        prefetch(placed)
        enqueue(placed)
      }
    }
    options.onProgress?.({ resolved: resolvedCount, pending: queue.length })
  }

  return { packageJson: pkg, lock: writeLock(root, pkg) }
}

const DEP_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const

/** Turns a dependency spec into what to fetch; BAD_INPUT for the kinds the tab cannot install. */
function parseSpec(name: string, raw: string): Spec {
  let spec = raw.trim()
  let pkg = name
  if (spec.startsWith('npm:')) {
    const rest = spec.slice(4)
    const at = rest.indexOf('@', rest.startsWith('@') ? 1 : 0)
    pkg = at < 0 ? rest : rest.slice(0, at)
    spec = at < 0 ? '' : rest.slice(at + 1)
    if (!pkg) throw unsupported(name, raw)
  }
  if (spec === '' || spec === '*' || spec === 'x') return { pkg, kind: 'range', value: '*' }
  if (/^(file|link|git|git\+[a-z]+|github|gitlab|bitbucket|gist|https?|workspace|portal|patch):/i.test(spec) || spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('/') || spec.startsWith('~/') || /^[^@\s/]+\/[^\s/]+$/.test(spec)) {
    throw unsupported(name, raw)
  }
  const range = semver.validRange(spec, { loose: true })
  if (range !== null) return { pkg, kind: 'range', value: spec }
  if (encodeURIComponent(spec) === spec) return { pkg, kind: 'tag', value: spec }
  throw new AppError('BAD_INPUT', `npm error: "${raw}" (for ${name}) is neither a version range nor a dist-tag`, { name, spec: raw })
}

function unsupported(name: string, raw: string): AppError {
  return new AppError('BAD_INPUT', `npm error: ${name}@${raw}: file:, git and URL dependencies are not supported in the tab yet; use a registry version range, or switch on WebContainer mode in Settings`, { name, spec: raw })
}

function satisfies(version: string, spec: Spec): boolean {
  // A dist-tag is a hint, not a requirement: whatever is installed satisfies it (as in npm).
  if (spec.kind === 'tag') return true
  return spec.value === '*' ? semver.valid(version) !== null : semver.satisfies(version, spec.value, { loose: true })
}

/** npm-pick-manifest's choice: `latest` when it matches, else the highest match, non-deprecated first. */
function pickVersion(doc: Packument, spec: Spec): PackumentVersion | undefined {
  const versions = doc.versions ?? {}
  const tags = doc['dist-tags'] ?? {}
  if (spec.kind === 'tag') {
    const v = tags[spec.value]
    return v ? versions[v] : undefined
  }
  const exact = semver.valid(spec.value, { loose: true })
  if (exact && versions[exact]) return versions[exact]
  const latest = tags.latest
  if (latest && versions[latest] && !versions[latest].deprecated && (spec.value === '*' || semver.satisfies(latest, spec.value, { loose: true }))) return versions[latest]
  const matching = Object.keys(versions).filter((v) => semver.valid(v, { loose: true }) && semver.satisfies(v, spec.value, { loose: true }))
  matching.sort((a, b) => Number(!!versions[a]!.deprecated) - Number(!!versions[b]!.deprecated) || semver.rcompare(a, b, { loose: true }))
  return matching.length ? versions[matching[0]!] : undefined
}

/** What npm saves for an explicit request: `^version`, unless the range asked for is narrower. */
function saveSpec(spec: Spec, raw: string, version: string): string {
  const prefixed = `^${version}`
  if (spec.kind !== 'range' || spec.value === '*' || semver.valid(spec.value, { loose: true })) return prefixed
  const asked = raw.startsWith('npm:') ? spec.value : raw
  return semver.subset(prefixed, spec.value, { loose: true }) ? prefixed : asked
}

/** The dependency edges of a manifest (the root's include devDependencies). */
function edgesOf(pkg: Json | PackumentVersion, isRoot: boolean): Edge[] {
  const read = (field: string): Record<string, string> => {
    const value = (pkg as Json)[field]
    if (!isObject(value)) return {}
    return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'))
  }
  const edges = new Map<string, Edge>()
  const meta = (pkg as Json).peerDependenciesMeta
  for (const [name, raw] of Object.entries(read('peerDependencies'))) {
    const optional = isObject(meta) && isObject(meta[name]) && (meta[name] as Json).optional === true
    edges.set(name, { name, raw, type: optional ? 'peerOptional' : 'peer' })
  }
  if (isRoot) for (const [name, raw] of Object.entries(read('devDependencies'))) edges.set(name, { name, raw, type: 'dev' })
  for (const [name, raw] of Object.entries(read('dependencies'))) edges.set(name, { name, raw, type: 'prod' })
  for (const [name, raw] of Object.entries(read('optionalDependencies'))) edges.set(name, { name, raw, type: 'optional' })
  return [...edges.values()]
}

/** The node `name` resolves to from `from`, as Node's module lookup walks up node_modules. */
function resolveFrom(from: TreeNode, name: string): TreeNode | undefined {
  for (let at: TreeNode | null = from; at; at = at.parent) {
    const hit = at.children.get(name)
    if (hit) return hit
  }
  return undefined
}

function satisfiesNode(node: TreeNode, edge: Edge): boolean {
  let spec: Spec
  try {
    spec = parseSpec(edge.name, edge.raw)
  } catch {
    return false
  }
  return node.manifest.name === spec.pkg && satisfies(node.manifest.version, spec)
}

/**
 * Places `manifest` (folder `name`) for a dependent resolving from `from`: at the shallowest
 * node_modules between `from` and the first conflicting copy where nothing already resolving
 * the name from below would break. Resolves to the new node, or undefined when an identical copy
 * was already in reach.
 */
function place(root: TreeNode, from: TreeNode, name: string, manifest: PackumentVersion): TreeNode | undefined {
  let target: TreeNode | undefined
  for (let at: TreeNode | null = from; at; at = at.parent) {
    const existing = at.children.get(name)
    if (existing) {
      if (existing.manifest.name === manifest.name && existing.manifest.version === manifest.version) return undefined
      if (canReplace(root, existing, manifest)) {
        replace(existing)
        target = at
      }
      break
    }
    if (breaksBelow(at, name, manifest)) break
    target = at
  }
  if (!target) throw new AppError('INTERNAL', `could not place ${manifest.name}@${manifest.version} in the tree`)
  const path = `${target.path ? `${target.path}/` : ''}node_modules/${name}`
  const node: TreeNode = { name, manifest, parent: target, children: new Map(), edges: edgesOf(manifest, false), depth: target.depth + 1, path }
  target.children.set(name, node)
  return node
}

/** Whether putting this version in `at`'s node_modules would shadow one that something below relies on. */
function breaksBelow(at: TreeNode, name: string, manifest: PackumentVersion): boolean {
  const walk = (node: TreeNode): boolean => {
    for (const edge of node.edges) {
      if (edge.name !== name) continue
      const start = (edge.type === 'peer' || edge.type === 'peerOptional' ? node.parent : node) ?? node
      const current = resolveFrom(start, name)
      // Resolving above `at` now: the new copy would take its place.
      if (current && isAbove(current, at) && !satisfiesNode({ ...current, manifest }, edge)) return true
    }
    for (const [child, sub] of node.children) if (child !== name && walk(sub)) return true
    return false
  }
  return walk(at)
}

function isAbove(node: TreeNode, at: TreeNode): boolean {
  for (let p: TreeNode | null = at; p; p = p.parent) if (p.children.get(node.name) === node) return p !== at
  return false
}

/** npm replaces a copy with a newer version when everything resolving to it accepts the newer one. */
function canReplace(root: TreeNode, existing: TreeNode, manifest: PackumentVersion): boolean {
  if (existing.manifest.name !== manifest.name || !semver.gt(manifest.version, existing.manifest.version, { loose: true })) return false
  const stack = [root]
  while (stack.length) {
    const node = stack.pop()!
    for (const edge of node.edges) {
      if (edge.name !== existing.name) continue
      const start = edge.type === 'peer' || edge.type === 'peerOptional' ? node.parent : node
      if (start && resolveFrom(start, edge.name) === existing && !satisfiesNode({ ...existing, manifest }, edge)) return false
    }
    stack.push(...node.children.values())
  }
  return true
}

function replace(existing: TreeNode): void {
  const drop = (node: TreeNode) => {
    node.gone = true
    for (const child of node.children.values()) drop(child)
  }
  drop(existing)
  existing.parent!.children.delete(existing.name)
}

/** Every node of the tree below `root`, parents first. */
function allNodes(root: TreeNode): TreeNode[] {
  const out: TreeNode[] = []
  const stack = [...root.children.values()]
  while (stack.length) {
    const node = stack.pop()!
    out.push(node)
    stack.push(...node.children.values())
  }
  return out
}

interface Flags {
  dev: boolean
  optional: boolean
  devOptional: boolean
  peer: boolean
}

/** npm's calc-dep-flags as a fixpoint: a flag stays set only if every path from the root needs it. */
function depFlags(root: TreeNode): Map<TreeNode, Flags> {
  const flags = new Map<TreeNode, Flags>()
  flags.set(root, { dev: false, optional: false, devOptional: false, peer: false })
  const seen = new Set<TreeNode>()
  const stack: TreeNode[] = [root]
  while (stack.length) {
    const node = stack.pop()!
    const f = flags.get(node)!
    for (const edge of node.edges) {
      const start = edge.type === 'peer' || edge.type === 'peerOptional' ? node.parent : node
      const to = start ? resolveFrom(start, edge.name) : undefined
      if (!to) continue
      const dev = edge.type === 'dev'
      const optional = edge.type === 'optional' || edge.type === 'peerOptional'
      const peer = edge.type === 'peer' || edge.type === 'peerOptional'
      let t = flags.get(to)
      const fresh = !t
      if (!t) {
        t = { dev: true, optional: true, devOptional: true, peer: true }
        flags.set(to, t)
      }
      const before = `${t.dev}${t.optional}${t.devOptional}${t.peer}`
      const unsetDevOpt = !f.devOptional && !dev && !optional
      if (unsetDevOpt) t.devOptional = false
      if (unsetDevOpt || (!f.dev && !dev)) t.dev = false
      if (unsetDevOpt || (!f.optional && !optional)) t.optional = false
      if (!f.peer && !peer) t.peer = false
      if (fresh || before !== `${t.dev}${t.optional}${t.devOptional}${t.peer}` || !seen.has(to)) {
        seen.add(to)
        stack.push(to)
      }
    }
  }
  return flags
}

/** The lockfileVersion 3 document for the placed tree; unreachable nodes are left out. */
function writeLock(root: TreeNode, pkg: Json): Record<string, unknown> {
  const flags = depFlags(root)
  const rootEntry: Json = {}
  if (typeof pkg.name === 'string') rootEntry.name = pkg.name
  if (typeof pkg.version === 'string') rootEntry.version = pkg.version
  const optional = isObject(pkg.optionalDependencies) ? pkg.optionalDependencies : {}
  if (isObject(pkg.dependencies)) {
    const deps = Object.fromEntries(Object.entries(pkg.dependencies).filter(([name]) => !(name in optional)))
    if (Object.keys(deps).length) rootEntry.dependencies = deps
  }
  for (const key of ['devDependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta'] as const) {
    if (isObject(pkg[key]) && Object.keys(pkg[key] as Json).length) rootEntry[key] = pkg[key]
  }
  for (const key of ['engines', 'os', 'cpu', 'license', 'funding', 'workspaces'] as const) if (pkg[key] !== undefined) rootEntry[key] = pkg[key]
  const bin = normalizeBin(pkg.bin, typeof pkg.name === 'string' ? pkg.name : '')
  if (bin) rootEntry.bin = bin

  const packages: Record<string, Json> = { '': rootEntry }
  for (const node of allNodes(root).sort((a, b) => byName(a.path, b.path))) {
    const f = flags.get(node)
    if (!f) continue
    const m = node.manifest
    const entry: Json = {}
    if (m.name !== node.name) entry.name = m.name
    entry.version = m.version
    entry.resolved = m.dist.tarball
    entry.integrity = m.dist.integrity ?? integrityFromShasum(m.dist.shasum)
    if (f.dev) entry.dev = true
    if (f.optional) entry.optional = true
    if (f.devOptional && !f.dev && !f.optional) entry.devOptional = true
    if (f.peer) entry.peer = true
    if (typeof m.license === 'string') entry.license = m.license
    for (const key of ['dependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta'] as const) {
      if (isObject(m[key]) && Object.keys(m[key]).length) entry[key] = m[key]
    }
    const bin = normalizeBin(m.bin, m.name)
    if (bin) entry.bin = bin
    if (isObject(m.engines) && Object.keys(m.engines).length) entry.engines = m.engines
    for (const key of ['os', 'cpu', 'libc'] as const) if (Array.isArray(m[key]) && m[key].length) entry[key] = m[key]
    if (m.hasInstallScript || hasInstallScript(m.scripts)) entry.hasInstallScript = true
    if (m.deprecated) entry.deprecated = m.deprecated
    packages[node.path] = entry
  }
  const lock: Json = {}
  if (typeof pkg.name === 'string') lock.name = pkg.name
  if (typeof pkg.version === 'string') lock.version = pkg.version
  return { ...lock, lockfileVersion: 3, requires: true, packages }
}

function hasInstallScript(scripts: Record<string, string> | undefined): boolean {
  return isObject(scripts) && ['preinstall', 'install', 'postinstall'].some((s) => typeof scripts[s] === 'string')
}

/** A `bin` as npm writes it in lockfiles: always a map (a string names one command after the package). */
function normalizeBin(bin: unknown, name: string): Record<string, string> | undefined {
  if (typeof bin === 'string') return { [name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name]: bin }
  if (isObject(bin) && Object.keys(bin).length) return bin as Record<string, string>
  return undefined
}

/** Versions a lockfile pins, by folder name and package name, shallowest copy first. */
function lockedVersions(lock: unknown): Map<string, string[]> {
  const out = new Map<string, string[]>()
  if (!isObject(lock) || !isObject(lock.packages)) return out
  const paths = Object.keys(lock.packages).filter((p) => p.includes('node_modules/'))
  paths.sort((a, b) => a.split('node_modules/').length - b.split('node_modules/').length || byName(a, b))
  for (const path of paths) {
    const entry = lock.packages[path]
    if (!isObject(entry) || typeof entry.version !== 'string' || entry.link === true) continue
    const folder = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)
    const name = typeof entry.name === 'string' ? entry.name : folder
    const key = `${folder}\0${name}`
    const list = out.get(key) ?? []
    if (!list.includes(entry.version)) list.push(entry.version)
    out.set(key, list)
  }
  return out
}

function sortKeys(value: Json): Json {
  return Object.fromEntries(Object.keys(value).sort(byName).map((k) => [k, value[k]]))
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
