import semver from 'semver'
import { AppError } from '../../shared/errors'
import { integrityFromShasum } from './integrity'
import { orderLikeNpm, type WorkspacePackage } from './lockfile'
import { edgeRule, overriddenSpec, parseOverrides, type OverrideRule } from './overrides'

/** One version in a registry's package document, only what resolution needs. */
export interface PackumentVersion {
  name: string
  version: string
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
  bundleDependencies?: string[] | boolean
  bundledDependencies?: string[] | boolean
  bin?: Record<string, string> | string
  os?: string[]
  cpu?: string[]
  libc?: string[]
  engines?: Record<string, string>
  deprecated?: string
  hasInstallScript?: boolean
  scripts?: Record<string, string>
  license?: string | { type?: string }
  funding?: unknown
  dist: { tarball: string; integrity?: string; shasum: string }
}

/** A registry's package document (the "packument"), only what resolution needs. */
export interface Packument {
  name: string
  'dist-tags': Record<string, string>
  versions: Record<string, PackumentVersion>
}

/** A package found inside a tarball's node_modules: its path below the package (`node_modules/x`, `node_modules/x/node_modules/y`) and its package.json. */
export interface BundledPackage {
  path: string
  packageJson: Record<string, unknown>
}

/**
 * The packages inside an extracted tarball's node_modules (what `readBundle` resolves to): every
 * `node_modules/<name>/package.json`, nested and scoped ones too, that parses as an object with a
 * version. Files that are not valid JSON are left out, as npm skips folders it cannot read.
 */
export function bundledPackages(files: ReadonlyArray<{ path: string; data: Uint8Array }>): BundledPackage[] {
  const out: BundledPackage[] = []
  const decoder = new TextDecoder()
  for (const file of files) {
    const m = /^((?:node_modules\/(?:@[^/]+\/)?[^/@][^/]*\/)*node_modules\/(?:@[^/]+\/)?[^/@][^/]*)\/package\.json$/.exec(file.path)
    if (!m) continue
    try {
      const json = JSON.parse(decoder.decode(file.data)) as unknown
      if (isObject(json) && typeof json.version === 'string') out.push({ path: m[1]!, packageJson: json })
    } catch {
      // Not a package npm could read either.
    }
  }
  return out.sort((a, b) => byName(a.path, b.path))
}

/** What `resolveDependencies` resolves through and what it changes. */
export interface ResolveOptions {
  /** The caller fetches (through its registry config, cache, auth); rejects for a missing package. */
  fetchPackument(name: string): Promise<Packument>
  /** `npm install <pkg>[@spec] [-D]`: spec is a range, a version, a dist-tag, `npm:other@range`, or '' (latest). */
  add?: Array<{ name: string; spec: string; dev?: boolean }>
  /** `npm uninstall <pkg>`. */
  remove?: string[]
  /** The package `add` and `remove` change: '' (the root, default) or a workspace's folder. */
  target?: string
  /** The project's workspaces (the folders its `workspaces` globs name), each linked from the root's node_modules. */
  workspaces?: WorkspacePackage[]
  /** An existing package-lock.json: its versions are kept where they still satisfy. */
  lock?: unknown
  /** npm's `--legacy-peer-deps`: peer dependencies are neither installed nor checked. */
  legacyPeerDeps?: boolean
  /** npm's `--force`: a peer dependency conflict is a warning, not an error. */
  force?: boolean
  /**
   * The packages a version ships inside its tarball (its `bundleDependencies`), read from the
   * tarball. Without it, bundled dependencies are left to the tarball and get no lock entries.
   */
  readBundle?(manifest: PackumentVersion): Promise<BundledPackage[]>
  onProgress?(p: { resolved: number; pending: number }): void
}

/** The updated package.json files and a lockfileVersion 3 document for them. */
export interface ResolveResult {
  packageJson: Record<string, unknown>
  /** The workspaces, with `add`/`remove` applied to the target one. */
  workspaces: WorkspacePackage[]
  /** In npm's key order (see `orderLikeNpm`). */
  lock: Record<string, unknown>
  /** What npm would print as `npm warn` (peer conflicts overridden by `force`). */
  warnings: string[]
}

type Json = Record<string, unknown>
type EdgeType = 'prod' | 'dev' | 'optional' | 'peer' | 'peerOptional' | 'workspace'

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
  /** As the depending package.json writes it. */
  raw: string
  /** What it resolves with: `raw`, or an override's value. */
  spec: string
  type: EdgeType
  /** The override rule the edge got (npm's edge.overrides), null when the project has none. */
  rule: OverrideRule | null
}

interface TreeNode {
  /** root: the project; workspace: a workspace folder; link: its symlink in node_modules; bundled: shipped in its parent's tarball. */
  kind: 'root' | 'workspace' | 'link' | 'package' | 'bundled'
  /** The folder name under node_modules (a workspace's package name). */
  name: string
  /** The package's own name (differs from `name` for aliases). */
  pkgName: string
  version: string
  manifest: Json
  dist?: PackumentVersion['dist']
  /** The node module lookup continues in (a workspace's is the root). */
  parent: TreeNode | null
  children: Map<string, TreeNode>
  /** The root's workspace folders. */
  fsChildren: TreeNode[]
  edges: Edge[]
  depth: number
  path: string
  overrides: OverrideRule | null
  /** A link's workspace. */
  target?: TreeNode
  /** Removed from the tree (replaced): skip it when it comes up in the queue. */
  gone?: boolean
}

const byName = (a: string, b: string) => a.localeCompare(b, 'en')

/**
 * `npm install` without `npm ci`'s lockfile: applies `add`/`remove` to the target package.json
 * (added packages saved as `^version` like npm's default save-prefix, or the range asked for when
 * `^version` would widen it; dependency maps sorted; other keys keep their order), resolves every
 * range from the registry's package documents as npm 10/11 does (highest non-deprecated match,
 * `latest` first when it matches; versions of `lock` kept where they still satisfy, except for
 * packages being added; the root's `overrides` applied, `$name` references included), places
 * packages as npm hoists them (workspaces linked from the root's node_modules, their
 * dependencies hoisted to the root unless they conflict; peer dependencies beside their
 * dependent; bundled dependencies left inside their bundler), and writes the lockfile. Never
 * changes its inputs. Throws NOT_FOUND naming the package and spec when nothing matches a
 * required dependency (an optional one is left out); BAD_INPUT for `file:`, git and URL specs,
 * which the tab cannot install yet, for an override of a direct dependency that differs from it
 * (npm's EOVERRIDE), and for a peer dependency conflict (npm's ERESOLVE, naming the peer and
 * both requirers) unless `force` or `legacyPeerDeps`.
 */
export async function resolveDependencies(packageJson: Record<string, unknown>, options: ResolveOptions): Promise<ResolveResult> {
  const pkg = structuredClone(packageJson)
  const workspaces = structuredClone(options.workspaces ?? [])
  const targetPath = options.target ?? ''
  const targetPkg = targetPath === '' ? pkg : workspaces.find((w) => w.path === targetPath)?.packageJson
  if (!targetPkg) throw new AppError('BAD_INPUT', `npm error: ${targetPath} is not a workspace of this project`)
  const legacy = !!options.legacyPeerDeps
  const warnings: string[] = []

  const explicit = new Set<string>()
  for (const name of options.remove ?? []) {
    for (const field of DEP_FIELDS) if (isObject(targetPkg[field])) delete (targetPkg[field] as Json)[name]
  }
  const chosenForAdd = new Map<string, { spec: Spec; field: string }>()
  for (const { name, spec, dev } of options.add ?? []) {
    const parsed = parseSpec(name, spec)
    const field = dev ? 'devDependencies' : (['devDependencies', 'optionalDependencies', 'dependencies'].find((f) => isObject(targetPkg[f]) && name in (targetPkg[f] as Json)) ?? 'dependencies')
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
      if (f !== field && isObject(targetPkg[f])) delete (targetPkg[f] as Json)[name]
    }
    targetPkg[field] = { ...(isObject(targetPkg[field]) ? targetPkg[field] : {}), [name]: range }
  }
  for (const field of DEP_FIELDS) if (isObject(targetPkg[field])) targetPkg[field] = sortKeys(targetPkg[field] as Json)

  const overrides = parseOverrides(pkg.overrides)
  const makeNode = (kind: TreeNode['kind'], name: string, manifest: Json, parent: TreeNode | null, path: string, rules: OverrideRule | null, dist?: PackumentVersion['dist']): TreeNode => {
    const node: TreeNode = {
      kind,
      name,
      pkgName: typeof manifest.name === 'string' ? manifest.name : name,
      version: typeof manifest.version === 'string' ? manifest.version : '',
      manifest,
      dist,
      parent,
      children: new Map(),
      fsChildren: [],
      edges: [],
      depth: kind === 'workspace' || !parent ? 0 : parent.depth + 1,
      path,
      overrides: rules,
    }
    node.edges = kind === 'link' ? [] : edgesOf(node, pkg, legacy)
    return node
  }

  const root = makeNode('root', typeof pkg.name === 'string' ? pkg.name : '', { ...pkg, name: String(pkg.name ?? ''), version: String(pkg.version ?? '') }, null, '', overrides)
  const workspaceNames = new Map<string, WorkspacePackage>()
  for (const ws of workspaces) {
    const name = typeof ws.packageJson.name === 'string' && ws.packageJson.name ? ws.packageJson.name : ws.path.slice(ws.path.lastIndexOf('/') + 1)
    const other = workspaceNames.get(name)
    if (other) throw new AppError('BAD_INPUT', `npm error code EDUPLICATEWORKSPACE: must not have multiple workspaces with the same name: '${name}' is both ${other.path} and ${ws.path}`)
    workspaceNames.set(name, ws)
  }
  // The root's edges to its workspaces replace any dependency on the same name.
  root.edges = [...root.edges.filter((e) => !workspaceNames.has(e.name)), ...[...workspaceNames.keys()].map((name): Edge => ({ name, raw: `file:${workspaceNames.get(name)!.path}`, spec: `file:${workspaceNames.get(name)!.path}`, type: 'workspace', rule: overrides }))]
  for (const edge of root.edges) {
    if (edge.type === 'workspace') continue
    parseSpec(edge.name, edge.spec)
    if (edge.spec !== edge.raw) throw new AppError('BAD_INPUT', `npm error code EOVERRIDE\nnpm error Override for ${edge.name}@${edge.raw} conflicts with direct dependency`, { name: edge.name, spec: edge.raw })
  }
  // Each workspace is a folder of the project, linked as node_modules/<name>.
  for (const [name, ws] of workspaceNames) {
    const rules = overrides ? edgeRule(overrides, name, `file:${ws.path}`) : null
    const folder = makeNode('workspace', name, { ...ws.packageJson, name }, root, ws.path, rules)
    root.fsChildren.push(folder)
    const link = makeNode('link', name, folder.manifest, root, `node_modules/${name}`, rules)
    link.target = folder
    root.children.set(name, link)
  }
  const targetNode = targetPath === '' ? root : root.fsChildren.find((w) => w.path === targetPath)!

  const queue: TreeNode[] = [root]
  const processed = new Set<TreeNode>()
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
      if (edge.type === 'peerOptional' || edge.type === 'workspace') continue
      try {
        void packument(parseSpec(edge.name, edge.spec).pkg)
      } catch {
        // A bad spec is reported when the edge is resolved.
      }
    }
  }
  prefetch(root)
  for (const ws of root.fsChildren) prefetch(ws)

  const addBundle = async (bundler: TreeNode) => {
    if (!options.readBundle || !bundleNames(bundler.manifest).size) return
    const found = await options.readBundle(bundler.manifest as unknown as PackumentVersion)
    for (const { path, packageJson: json } of [...found].sort((a, b) => a.path.split('/').length - b.path.split('/').length || byName(a.path, b.path))) {
      const at = path.lastIndexOf('node_modules/')
      const name = path.slice(at + 'node_modules/'.length)
      let parent: TreeNode | undefined = bundler
      for (const part of path.slice(0, Math.max(0, at - 1)).split(/\/?node_modules\//).filter(Boolean)) parent = parent?.children.get(part)
      if (!parent || !name || typeof json.version !== 'string') continue
      const node = makeNode('bundled', name, json, parent, `${bundler.path}/${path}`, bundler.overrides)
      parent.children.set(name, node)
      enqueue(node)
    }
  }

  for (;;) {
    if (!queue.length) {
      // As npm does once everything else is placed: the linked workspaces' own dependencies.
      const next = root.fsChildren.filter((w) => !processed.has(w))
      if (!next.length) break
      for (const ws of next) enqueue(ws)
    }
    const node = queue.shift()!
    if (node.gone || processed.has(node)) continue
    processed.add(node)
    const bundled = node.kind === 'package' || node.kind === 'bundled' ? bundleNames(node.manifest) : new Set<string>()
    for (const edge of [...node.edges].sort((a, b) => byName(a.name, b.name))) {
      if (edge.type === 'peerOptional' || edge.type === 'workspace' || bundled.has(edge.name)) continue
      const from = edgeStart(node, edge)
      const current = resolveFrom(from, edge.name)
      if (current && edgeSatisfied(current, edge)) continue
      let manifest: PackumentVersion
      try {
        manifest = await pick(edge.name, edge.spec, !(node === targetNode && explicit.has(edge.name)))
      } catch (error) {
        if (edge.type === 'optional' && !(error instanceof AppError && error.code === 'BAD_INPUT')) continue
        if (error instanceof AppError && error.code === 'NOT_FOUND' && node !== root) {
          throw new AppError('NOT_FOUND', `${error.message} (needed by ${node.pkgName}@${node.version})`, { ...error.data, by: `${node.pkgName}@${node.version}` })
        }
        throw error
      }
      const rules = node.overrides ? (edge.rule ?? node.overrides) : null
      const candidate = makeNode('package', edge.name, manifest as unknown as Json, null, '', rules, manifest.dist)
      let result = place(root, from, candidate, edge, false)
      if ('conflict' in result) {
        if (!options.force) throw new AppError('BAD_INPUT', eresolve('error', root, node, edge, result.conflict), { code: 'ERESOLVE', peer: result.conflict.peer.name, dependent: result.conflict.dependent.label || `${node.pkgName}@${node.version}` })
        // --force: a peer that cannot be placed is left out, with npm's warning; a package whose
        // peers are in the way goes where it would go without them (its peer then warns).
        if (isPeer(edge)) {
          warnings.push(eresolve('warn', root, node, edge, result.conflict))
          continue
        }
        result = place(root, from, candidate, edge, true)
        if ('conflict' in result) continue
      }
      if (result.placed) {
        resolvedCount++
        await addBundle(result.placed)
        prefetch(result.placed)
        enqueue(result.placed)
      }
    }
    options.onProgress?.({ resolved: resolvedCount, pending: queue.length })
  }

  return { packageJson: pkg, workspaces, lock: writeLock(root), warnings }
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

/** The root and the workspaces: their peers are theirs to install, and their devDependencies count. */
function isTop(node: TreeNode): boolean {
  return node.kind === 'root' || node.kind === 'workspace'
}

/** A node's dependency edges, with the override rules of its place in the tree applied. */
function edgesOf(node: TreeNode, rootPkg: Json, legacyPeerDeps: boolean): Edge[] {
  const m = node.manifest
  const read = (field: string): Record<string, string> => {
    const value = m[field]
    if (!isObject(value)) return {}
    return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'))
  }
  const raw = new Map<string, { raw: string; type: EdgeType }>()
  if (!legacyPeerDeps) {
    const meta = m.peerDependenciesMeta
    for (const [name, spec] of Object.entries(read('peerDependencies'))) {
      const optional = isObject(meta) && isObject(meta[name]) && (meta[name] as Json).optional === true
      raw.set(name, { raw: spec, type: optional ? 'peerOptional' : 'peer' })
    }
  }
  if (isTop(node)) for (const [name, spec] of Object.entries(read('devDependencies'))) raw.set(name, { raw: spec, type: 'dev' })
  for (const [name, spec] of Object.entries(read('dependencies'))) raw.set(name, { raw: spec, type: 'prod' })
  for (const [name, spec] of Object.entries(read('optionalDependencies'))) raw.set(name, { raw: spec, type: 'optional' })
  return [...raw].map(([name, { raw: spec, type }]) => {
    const rule = node.overrides ? edgeRule(node.overrides, name, spec) : null
    return { name, raw: spec, spec: overriddenSpec(rule, name, spec, rootPkg, m), type, rule }
  })
}

function isPeer(edge: Edge): boolean {
  return edge.type === 'peer' || edge.type === 'peerOptional'
}

/** Where an edge's lookup starts: a peer dependency is looked up beside its dependent. */
function edgeStart(node: TreeNode, edge: Edge): TreeNode {
  return isPeer(edge) && !isTop(node) && node.parent ? node.parent : node
}

/** The node `name` resolves to from `from`, as Node's module lookup walks up node_modules. */
function resolveFrom(from: TreeNode, name: string): TreeNode | undefined {
  for (let at: TreeNode | null = from; at; at = at.parent) {
    const hit = at.children.get(name)
    if (hit) return hit
  }
  return undefined
}

function specMatches(node: Pick<TreeNode, 'pkgName' | 'version'>, name: string, raw: string): boolean {
  let spec: Spec
  try {
    spec = parseSpec(name, raw)
  } catch {
    return false
  }
  return node.pkgName === spec.pkg && satisfies(node.version, spec)
}

/** npm's edge.satisfiedBy: the overriding spec, or the original one where the override's key range does not reach. */
function edgeSatisfied(node: Pick<TreeNode, 'kind' | 'pkgName' | 'version'>, edge: Edge): boolean {
  if (node.kind === 'bundled') return specMatches(node, edge.name, edge.raw)
  if (!edge.rule?.keySpec) return specMatches(node, edge.name, edge.spec)
  if (specMatches(node, edge.name, edge.spec)) return true
  if (!specMatches(node, edge.name, edge.raw)) return false
  return !specMatches(node, edge.name, edge.rule.keySpec)
}

/** Why a package could not be placed: a peer it brings (or is) clashes with a copy already there. */
interface Conflict {
  /** The copy in the way. */
  found: TreeNode
  peer: Edge
  /** The package whose peer dependency it is, and where it is (or would be). */
  dependent: { label: string; path: string; node: TreeNode | null }
  /** The version of the peer that would have been placed. */
  wanted: string
}

type Placement = { placed?: TreeNode } | { conflict: Conflict }

/**
 * Places `candidate` (folder `candidate.name`) for a dependent resolving from `from`: at the
 * shallowest node_modules between `from` and the first conflicting copy where nothing already
 * resolving the name from below would break and none of its peers clashes with a copy there
 * (unless `ignorePeers`). Resolves to the new node, to nothing when an identical copy was already
 * in reach, or to the conflict when there is no such place.
 */
function place(root: TreeNode, from: TreeNode, candidate: TreeNode, edge: Edge, ignorePeers: boolean): Placement {
  const name = candidate.name
  const peers = ignorePeers ? [] : candidate.edges.filter(isPeer)
  let target: TreeNode | undefined
  let conflict: Conflict | undefined
  for (let at: TreeNode | null = from; at; at = at.parent) {
    const existing = at.children.get(name)
    if (existing) {
      if (existing.pkgName === candidate.pkgName && existing.version === candidate.version) return {}
      if (canReplace(root, existing, candidate)) {
        replace(existing)
        target = at
      } else if (!target && isPeer(edge)) {
        conflict = { found: existing, peer: edge, dependent: { label: '', path: '', node: null }, wanted: candidate.version }
      }
      break
    }
    const clash = peers.find((p) => {
      const there = at!.children.get(p.name)
      return there && !edgeSatisfied(there, p)
    })
    if (clash) {
      if (!target) conflict = { found: at.children.get(clash.name)!, peer: clash, dependent: { label: `${candidate.pkgName}@${candidate.version}`, path: `${at.path ? `${at.path}/` : ''}node_modules/${name}`, node: null }, wanted: '' }
      break
    }
    if (breaksBelow(at, name, candidate)) break
    target = at
  }
  if (!target) {
    if (conflict) return { conflict }
    throw new AppError('INTERNAL', `could not place ${candidate.pkgName}@${candidate.version} in the tree`)
  }
  candidate.parent = target
  candidate.depth = target.depth + 1
  candidate.path = `${target.path ? `${target.path}/` : ''}node_modules/${name}`
  target.children.set(name, candidate)
  return { placed: candidate }
}

/** The nodes whose node_modules lookups pass through `node`'s: its children, and the root's workspaces. */
function below(node: TreeNode): TreeNode[] {
  return node.kind === 'root' ? [...node.children.values(), ...node.fsChildren] : [...node.children.values()]
}

/** Whether putting this version in `at`'s node_modules would shadow one that something below relies on. */
function breaksBelow(at: TreeNode, name: string, candidate: TreeNode): boolean {
  const walk = (node: TreeNode): boolean => {
    for (const edge of node.edges) {
      if (edge.name !== name) continue
      const current = resolveFrom(edgeStart(node, edge), name)
      // Resolving above `at` now: the new copy would take its place.
      if (current && isAbove(current, at) && !edgeSatisfied(candidate, edge)) return true
    }
    for (const sub of below(node)) {
      // Below a copy of the same name, lookups stop at that copy.
      if (sub.name === name && node.children.get(name) === sub) continue
      if (walk(sub)) return true
    }
    return false
  }
  return walk(at)
}

function isAbove(node: TreeNode, at: TreeNode): boolean {
  for (let p: TreeNode | null = at; p; p = p.parent) if (p.children.get(node.name) === node) return p !== at
  return false
}

/** npm replaces a copy with a newer version when everything resolving to it accepts the newer one. */
function canReplace(root: TreeNode, existing: TreeNode, candidate: TreeNode): boolean {
  if (existing.kind !== 'package' || existing.pkgName !== candidate.pkgName || !semver.gt(candidate.version, existing.version, { loose: true })) return false
  for (const node of [root, ...allNodes(root)]) {
    for (const edge of node.edges) {
      if (edge.name !== existing.name) continue
      if (resolveFrom(edgeStart(node, edge), edge.name) === existing && !edgeSatisfied(candidate, edge)) return false
    }
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

/** Every node of the tree below `root` (workspaces and what they hold included), parents first. */
function allNodes(root: TreeNode): TreeNode[] {
  const out: TreeNode[] = []
  const stack = below(root)
  while (stack.length) {
    const node = stack.pop()!
    out.push(node)
    stack.push(...node.children.values())
  }
  return out
}

/** The names a package ships inside its tarball (`bundleDependencies`, `true` meaning all its dependencies). */
function bundleNames(m: Json): Set<string> {
  const value = m.bundleDependencies ?? m.bundledDependencies
  if (value === true) return new Set(Object.keys(isObject(m.dependencies) ? m.dependencies : {}))
  return new Set(Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [])
}

/** npm's ERESOLVE report (or its `--force` warning), as npm prints it. */
function eresolve(level: 'error' | 'warn', root: TreeNode, resolving: TreeNode, edge: Edge, conflict: Conflict): string {
  const label = (n: TreeNode) => (n.kind === 'root' ? 'the root project' : `${n.pkgName}@${n.version}`)
  const explain = (node: TreeNode, indent: string, depth: number): string[] => {
    const lines: string[] = []
    for (const from of [root, ...allNodes(root)]) {
      for (const e of from.edges) {
        if (e.name !== node.name || resolveFrom(edgeStart(from, e), e.name) !== node || !edgeSatisfied(node, e)) continue
        lines.push(`${indent}${isPeer(e) ? 'peer ' : ''}${e.name}@"${e.raw}" from ${label(from)}`)
        if (from.kind !== 'root' && depth < 3) lines.push(`${indent}${from.path}`, ...explain(from, `${indent}  `, depth + 1))
      }
    }
    return lines
  }
  const { found, peer, dependent } = conflict
  const isSelf = !dependent.label
  const depLabel = isSelf ? label(resolving) : dependent.label
  const depPath = isSelf ? resolving.path : dependent.path
  const requiredBy = isSelf ? explain(resolving, '  ', 1) : [`  ${edge.name}@"${edge.raw}" from ${label(resolving)}`, ...(resolving.kind === 'root' ? [] : [`  ${resolving.path}`, ...explain(resolving, '    ', 2)])]
  const lines = [
    `code ERESOLVE`,
    level === 'error' ? (isSelf ? 'ERESOLVE could not resolve' : 'ERESOLVE unable to resolve dependency tree') : 'ERESOLVE overriding peer dependency',
    '',
    `While resolving: ${isSelf ? depLabel : `${root.pkgName}@${root.version}`}`,
    `Found: ${found.pkgName}@${found.version}`,
    found.path,
    ...explain(found, '  ', 1),
    '',
    'Could not resolve dependency:',
    `peer ${peer.name}@"${peer.raw}" from ${depLabel}`,
    depPath,
    ...requiredBy,
  ]
  if (conflict.wanted) lines.push('', `Conflicting peer dependency: ${peer.name}@${conflict.wanted}`)
  if (level === 'error') lines.push('', 'Fix the upstream dependency conflict, or retry this command with --force or --legacy-peer-deps to accept an incorrect (and potentially broken) dependency resolution.')
  return lines.map((l) => `npm ${level}${l ? ` ${l}` : ''}`).join('\n')
}

interface Flags {
  dev: boolean
  optional: boolean
  devOptional: boolean
  peer: boolean
  extraneous: boolean
}

/** npm's calc-dep-flags: every flag starts set and stays set only if no path from the root unsets it. */
function depFlags(root: TreeNode): Map<TreeNode, Flags> {
  const flags = new Map<TreeNode, Flags>()
  for (const node of allNodes(root)) flags.set(node, { dev: true, optional: true, devOptional: true, peer: true, extraneous: true })
  flags.set(root, { dev: false, optional: false, devOptional: false, peer: false, extraneous: false })
  const seen = new Set<TreeNode>()
  const queue: TreeNode[] = [root]
  const keys = ['dev', 'optional', 'devOptional', 'peer', 'extraneous'] as const
  while (queue.length) {
    const node = queue.pop()!
    seen.add(node)
    const f = flags.get(node)!
    if (!f.extraneous) for (let p = node.parent; p && flags.get(p)?.extraneous; p = p.parent) flags.get(p)!.extraneous = false
    if (node.kind === 'link') {
      const target = node.target!
      const t = flags.get(target)!
      let changed = false
      for (const key of keys) {
        if (t[key] && !f[key]) {
          t[key] = false
          changed = true
        }
      }
      if (changed || !seen.has(target)) queue.push(target)
      continue
    }
    for (const edge of node.edges) {
      const to = resolveFrom(edgeStart(node, edge), edge.name)
      const t = to && flags.get(to)
      if (!to || !t) continue
      const dev = edge.type === 'dev'
      const optional = edge.type === 'optional' || edge.type === 'peerOptional'
      const peer = isPeer(edge)
      let changed = false
      const unset = (key: (typeof keys)[number]) => {
        t[key] = false
        changed = true
      }
      if (t.extraneous && !f.extraneous && !(peer && optional)) unset('extraneous')
      if (t.dev && !f.dev && !dev) unset('dev')
      if (t.optional && !f.optional && !optional) unset('optional')
      if (t.devOptional && !f.devOptional && !f.dev && !f.optional && !dev && !optional) unset('devOptional')
      if (t.peer && !f.peer && !peer) unset('peer')
      if (changed) queue.push(to)
    }
  }
  for (const node of seen) {
    const f = flags.get(node)!
    if (node !== root && f.devOptional && (f.dev || f.optional)) f.devOptional = false
  }
  return flags
}

/** package.json fields npm copies into lock entries (arborist's pkgMetaKeys), when set and not empty. */
const META_KEYS = ['version', 'dependencies', 'peerDependencies', 'peerDependenciesMeta', 'optionalDependencies', 'bundleDependencies', 'acceptDependencies', 'funding', 'engines', 'os', 'cpu', 'libc', 'license', 'hasInstallScript', 'bin', 'deprecated', 'workspaces'] as const

/** A lock entry's package fields, as arborist's Shrinkwrap.metaFromNode takes them from a manifest. */
function metaOf(node: TreeNode): Json {
  const m = node.manifest
  const top = isTop(node)
  const meta: Json = {}
  for (const key of META_KEYS) {
    let value: unknown = m[key]
    if (key === 'bundleDependencies') {
      const names = [...bundleNames(m)]
      value = names.length ? names : undefined
    } else if (key === 'license' && isObject(value)) value = typeof value.type === 'string' ? value.type : undefined
    else if (key === 'bin') value = normalizeBin(value, node.pkgName, top)
    else if (key === 'hasInstallScript') value = top ? undefined : m.hasInstallScript === true || hasInstallScript(m.scripts)
    else if (key === 'dependencies' && top && isObject(value)) {
      // npm reads a package.json with its optional dependencies out of `dependencies`.
      const optional = isObject(m.optionalDependencies) ? m.optionalDependencies : {}
      value = Object.fromEntries(Object.entries(value).filter(([name]) => !(name in optional)))
    } else if (key === 'workspaces' && node.kind !== 'root') value = undefined
    if (!value || (typeof value === 'object' && Object.keys(value).length === 0)) continue
    meta[key] = value
  }
  if (top && isObject(m.devDependencies) && Object.keys(m.devDependencies).length) meta.devDependencies = m.devDependencies
  return meta
}

/** The folder name a package's own name would get (`@s/x` for a scoped one), for telling aliases apart. */
function folderName(path: string): string {
  const parts = path.split('/')
  const last = parts[parts.length - 1] ?? ''
  return parts.length > 1 && parts[parts.length - 2]!.startsWith('@') ? `${parts[parts.length - 2]}/${last}` : last
}

/** The lockfileVersion 3 document for the placed tree, keys in npm's order; extraneous nodes are left out. */
function writeLock(root: TreeNode): Record<string, unknown> {
  const flags = depFlags(root)
  const rootEntry: Json = { ...metaOf(root) }
  delete rootEntry.version
  if (typeof root.manifest.name === 'string' && root.manifest.name) rootEntry.name = root.manifest.name
  else delete rootEntry.name
  if (root.version) rootEntry.version = root.version
  const rootPkg = root.manifest
  const packages: Record<string, Json> = { '': rootEntry }
  for (const node of allNodes(root).sort((a, b) => byName(a.path, b.path))) {
    const f = flags.get(node)
    if (!f || f.extraneous) continue
    if (node.kind === 'link') {
      packages[node.path] = { resolved: node.target!.path, link: true }
      continue
    }
    const entry: Json = metaOf(node)
    if (node.pkgName !== (node.kind === 'workspace' ? folderName(node.path) : node.name)) entry.name = node.pkgName
    if (node.kind === 'package' && node.dist) {
      entry.resolved = node.dist.tarball
      entry.integrity = node.dist.integrity ?? integrityFromShasum(node.dist.shasum)
    }
    if (node.kind === 'bundled') entry.inBundle = true
    if (f.dev) entry.dev = true
    if (f.optional) entry.optional = true
    if (f.devOptional) entry.devOptional = true
    if (f.peer) entry.peer = true
    packages[node.path] = entry
  }
  const lock: Json = {}
  if (typeof rootPkg.name === 'string' && rootPkg.name) lock.name = rootPkg.name
  if (root.version) lock.version = root.version
  return orderLikeNpm({ ...lock, lockfileVersion: 3, requires: true, packages })
}

function hasInstallScript(scripts: unknown): boolean {
  return isObject(scripts) && ['preinstall', 'install', 'postinstall'].some((s) => typeof scripts[s] === 'string')
}

/**
 * A `bin` as npm writes it in lockfiles: always a map (a string names one command after the
 * package); a package.json of the project itself (`clean`) gets npm's normalisation of names and
 * paths (`./bin/x.js` → `bin/x.js`).
 */
function normalizeBin(bin: unknown, name: string, clean: boolean): Record<string, string> | undefined {
  const map = typeof bin === 'string' ? { [name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name]: bin } : isObject(bin) ? bin : {}
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(map)) {
    if (typeof value !== 'string') continue
    if (!clean) out[key] = value
    else out[key.slice(key.lastIndexOf('/') + 1)] = value.split('/').filter((p) => p !== '' && p !== '.').join('/')
  }
  return Object.keys(out).length ? out : undefined
}

/** Versions a lockfile pins, by folder name and package name, shallowest copy first. */
function lockedVersions(lock: unknown): Map<string, string[]> {
  const out = new Map<string, string[]>()
  if (!isObject(lock) || !isObject(lock.packages)) return out
  const paths = Object.keys(lock.packages).filter((p) => p.includes('node_modules/'))
  paths.sort((a, b) => a.split('node_modules/').length - b.split('node_modules/').length || byName(a, b))
  for (const path of paths) {
    const entry = lock.packages[path]
    if (!isObject(entry) || typeof entry.version !== 'string' || entry.link === true || entry.inBundle === true) continue
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
