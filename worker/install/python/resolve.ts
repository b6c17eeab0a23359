import { AppError } from '../../../shared/errors'
import type { Availability, Candidate, SkippedVersion } from './candidates'
import { pythonAllowed } from './candidates'
import { formatRequirement, parseRequirement, requirementApplies, type Requirement } from './requirement'
import { formatSpecifiers, satisfiesAll, selectMatching, type Specifier } from './specifiers'
import { compareVersions, parseVersion } from './version'
import type { DistMetadata } from './wheel'
import type { PythonTarget } from './environment'

/** One requirement to resolve, and where it came from (for messages). */
export interface RootRequirement {
  requirement: Requirement
  /** `--hash` values (`sha256:<hex>`) the chosen file must match, when given. */
  hashes?: string[]
  /** `-r requirements.txt (line 3)`; none for the command line. */
  source?: string
}

/** What the resolver asks of the world. */
export interface ResolveSource {
  /** The installed distribution of a project (by normalised name), or null. */
  installed(key: string): Candidate | null
  /** What the index offers for a project; rejects (NOT_FOUND, NETWORK…) when it cannot say. */
  available(key: string, requirement: Requirement): Promise<Availability>
  /** The core metadata of a candidate (an installed one's METADATA, or the wheel's). */
  metadata(candidate: Candidate, requirement: Requirement): Promise<DistMetadata>
}

/** Options of `resolve`. */
export interface ResolveOptions {
  target: PythonTarget
  /** `-c` constraints: they limit versions of projects something else requires. */
  constraints?: RootRequirement[]
  /** `--pre`: pre-releases count as any other version. */
  pre?: boolean
  /** `-U`: the named projects (`'all'`: every one) are taken from the index even when installed. */
  upgrade?: Set<string> | 'all'
  /** `--force-reinstall`: nothing counts as installed. */
  forceReinstall?: boolean
  /** `--no-deps`. */
  noDeps?: boolean
}

/** One project of a resolution. */
export interface Resolved {
  candidate: Candidate
  /** Named on the command line or in a requirements file. */
  requested: boolean
  /** Hashes the downloaded file must match (from `--hash`), if any. */
  hashes: string[]
}

/** A resolution: what to install, dependencies before what needs them. */
export interface Resolution {
  packages: Resolved[]
  /** Root requirements whose markers do not hold here, with the marker. */
  ignored: Requirement[]
  /** Things pip would warn about (an extra a package does not provide…). */
  warnings: string[]
}

interface Criterion {
  requirement: Requirement
  parent: Candidate | null
  source?: string
  hashes: string[]
}

interface State {
  pins: Map<string, Candidate>
  criteria: Map<string, Criterion[]>
  extras: Map<string, Set<string>>
  /** Keys in the order they were first required: the order they are pinned in. */
  order: string[]
}

interface Conflict {
  key: string
  criteria: Criterion[]
  /** Versions that exist but cannot be installed here, for the message. */
  skipped: SkippedVersion[]
  /** Every version the index has, for the message. */
  versions: string[]
}

const MAX_ROUNDS = 2000

/**
 * Chooses a version of every project `roots` need, transitively (Requires-Dist with markers and
 * extras), as pip's resolver does: the highest version that satisfies every requirement on it
 * and has a wheel for the tab, an installed version first when it satisfies (unless upgrading),
 * backtracking to older versions when a choice leads to a conflict. Throws NOT_FOUND when nothing
 * can satisfy a requirement (naming it, the versions there are, and why those that exist cannot
 * be installed: only an sdist, no wheel for this platform, Requires-Python) and BAD_INPUT naming
 * both sides when requirements conflict.
 */
export async function resolve(roots: readonly RootRequirement[], source: ResolveSource, options: ResolveOptions): Promise<Resolution> {
  const env = options.target.markers
  const python = parseVersion(options.target.pythonVersion)
  const ignored: Requirement[] = []
  const warnings: string[] = []
  const state: State = { pins: new Map(), criteria: new Map(), extras: new Map(), order: [] }
  const constraints = new Map<string, Criterion[]>()
  for (const c of options.constraints ?? []) {
    if (!requirementApplies(c.requirement, env)) continue
    const list = constraints.get(c.requirement.key) ?? []
    list.push({ requirement: c.requirement, parent: null, source: c.source, hashes: c.hashes ?? [] })
    constraints.set(c.requirement.key, list)
  }
  const requested = new Set<string>()
  for (const root of roots) {
    if (root.requirement.url) throw new AppError('BAD_INPUT', `${formatRequirement(root.requirement)}: direct URL requirements (name @ url) are not supported in the tab: name a package from the index`)
    if (!requirementApplies(root.requirement, env)) {
      ignored.push(root.requirement)
      continue
    }
    requested.add(root.requirement.key)
    if (root.requirement.extras.length) state.extras.set(root.requirement.key, new Set([...(state.extras.get(root.requirement.key) ?? []), ...root.requirement.extras]))
    require(state, { requirement: root.requirement, parent: null, source: root.source, hashes: root.hashes ?? [] })
  }

  const availability = new Map<string, Promise<Availability>>()
  const availableFor = (key: string, requirement: Requirement) => {
    let hit = availability.get(key)
    if (!hit) {
      hit = source.available(key, requirement)
      availability.set(key, hit)
    }
    return hit
  }
  const metadata = new Map<string, Promise<DistMetadata>>()
  const metadataOf = (c: Candidate, requirement: Requirement) => {
    const id = `${c.key}@${c.versionText}@${c.installed}`
    let hit = metadata.get(id)
    if (!hit) {
      hit = source.metadata(c, requirement)
      metadata.set(id, hit)
    }
    return hit
  }
  const conflicts: Conflict[] = []
  let rounds = 0

  function require(s: State, criterion: Criterion): void {
    const key = criterion.requirement.key
    let list = s.criteria.get(key)
    if (!list) {
      list = [...(constraints.get(key) ?? [])]
      s.criteria.set(key, list)
      s.order.push(key)
    }
    list.push(criterion)
  }

  /** Adds `candidate`'s dependencies for `extras`; the conflict, if a pinned project no longer fits. */
  async function addDependencies(s: State, candidate: Candidate, extras: readonly string[], requirement: Requirement): Promise<Conflict | null> {
    if (options.noDeps) return null
    const meta = await metadataOf(candidate, requirement)
    for (const extra of extras) {
      if (meta.providesExtra.length && !meta.providesExtra.includes(extra)) {
        const warning = `WARNING: ${candidate.name} ${candidate.versionText} does not provide the extra '${extra}'`
        if (!warnings.includes(warning)) warnings.push(warning)
      }
    }
    for (const text of meta.requiresDist) {
      let dep: Requirement
      try {
        dep = parseRequirement(text)
      } catch (error) {
        throw new AppError('BAD_INPUT', `${candidate.name} ${candidate.versionText} has an invalid Requires-Dist: ${error instanceof Error ? error.message : String(error)}`)
      }
      if (!requirementApplies(dep, env, extras)) continue
      if (dep.url) throw new AppError('BAD_INPUT', `${candidate.name} ${candidate.versionText} requires ${text}: direct URL requirements are not supported in the tab`)
      if (dep.key === candidate.key && !dep.extras.length) continue
      const criterion: Criterion = { requirement: dep, parent: candidate, hashes: [] }
      require(s, criterion)
      const pinned = s.pins.get(dep.key)
      if (pinned) {
        if (!satisfiesAll(dep.specifiers, pinned.version)) return conflictOf(s, dep.key)
        const had = s.extras.get(dep.key) ?? new Set<string>()
        const added = dep.extras.filter((e) => !had.has(e))
        if (added.length) {
          s.extras.set(dep.key, new Set([...had, ...added]))
          const inner = await addDependencies(s, pinned, added, dep)
          if (inner) return inner
        }
      } else if (dep.extras.length) s.extras.set(dep.key, new Set([...(s.extras.get(dep.key) ?? []), ...dep.extras]))
    }
    return null
  }

  function conflictOf(s: State, key: string, availability?: Availability): Conflict {
    return {
      key,
      criteria: [...(s.criteria.get(key) ?? [])],
      skipped: availability?.skipped ?? [],
      versions: availability ? [...availability.candidates, ...availability.skipped].sort((a, b) => compareVersions(b.version, a.version)).map((v) => v.versionText) : [],
    }
  }

  function clone(s: State): State {
    return {
      pins: new Map(s.pins),
      criteria: new Map([...s.criteria].map(([k, v]) => [k, [...v]])),
      extras: new Map([...s.extras].map(([k, v]) => [k, new Set(v)])),
      order: [...s.order],
    }
  }

  /** The installed version, when it satisfies every requirement on `key` and is not to be replaced. */
  function keptInstalled(s: State, key: string): Candidate | null {
    const criteria = s.criteria.get(key)!
    const upgrade = options.upgrade === 'all' || (options.upgrade?.has(key) ?? false)
    const installed = options.forceReinstall ? null : source.installed(key)
    if (!installed || upgrade || criteria.some((c) => c.hashes.length)) return null
    return satisfiesAll(criteria.flatMap((c) => c.requirement.specifiers), installed.version) ? installed : null
  }

  /** The index's versions that satisfy every requirement on `key`, best first. */
  async function indexCandidates(s: State, key: string): Promise<{ list: Candidate[]; availability: Availability }> {
    const criteria = s.criteria.get(key)!
    const specs: Specifier[] = criteria.flatMap((c) => c.requirement.specifiers)
    const availability = await availableFor(key, (criteria.find((c) => c.parent === null) ?? criteria[0]!).requirement)
    // A yanked file is chosen only when pinned exactly (PEP 592).
    const exact = criteria.some((c) => c.requirement.specifiers.some((sp) => (sp.op === '==' && !sp.wildcard) || sp.op === '==='))
    const list = availability.candidates.filter((c) => c.file!.yanked === null || exact)
    return { list: selectMatching(list, (c) => c.version, specs, { pre: options.pre || undefined }), availability }
  }

  /** Pins `candidate` for `key` and goes on; the finished state, or null if nothing works from there. */
  async function attempt(s: State, key: string, candidate: Candidate): Promise<State | null> {
    const requirement = s.criteria.get(key)![0]!.requirement
    const next = clone(s)
    next.pins.set(key, candidate)
    const meta = options.noDeps ? null : await metadataOf(candidate, requirement)
    if (meta?.requiresPython && !candidate.installed && !pythonAllowed(meta.requiresPython, python)) return null
    const conflict = await addDependencies(next, candidate, [...(next.extras.get(key) ?? [])], requirement)
    if (conflict) {
      conflicts.push(conflict)
      return null
    }
    return solve(next)
  }

  async function solve(s: State): Promise<State | null> {
    const key = s.order.find((k) => !s.pins.has(k))
    if (key === undefined) return s
    if (++rounds > MAX_ROUNDS) throw new AppError('BAD_INPUT', `pip could not settle on versions after ${MAX_ROUNDS} attempts: the requirements are too entangled. Pin some versions (pkg==1.2) and try again.`)
    // The installed version first ("Requirement already satisfied"): the index is asked only if it will not do.
    const installed = keptInstalled(s, key)
    if (installed) {
      const done = await attempt(s, key, installed)
      if (done) return done
    }
    const { list, availability } = await indexCandidates(s, key)
    const others = installed ? list.filter((c) => c.versionText !== installed.versionText) : list
    if (!others.length && !installed) conflicts.push(conflictOf(s, key, availability))
    for (const candidate of others) {
      const done = await attempt(s, key, candidate)
      if (done) return done
    }
    return null
  }

  const solved = await solve(state)
  if (!solved) throw explain(conflicts, options.target.pythonVersion)

  // Dependencies before the projects that need them (a cycle is broken where it is met).
  const packages: Resolved[] = []
  const placed = new Set<string>()
  const visit = (key: string, path: Set<string>) => {
    if (placed.has(key) || path.has(key)) return
    path.add(key)
    const candidate = solved.pins.get(key)!
    for (const [dep, criteria] of solved.criteria) if (criteria.some((c) => c.parent === candidate)) visit(dep, path)
    placed.add(key)
    packages.push({ candidate, requested: requested.has(key), hashes: [...new Set(solved.criteria.get(key)!.flatMap((c) => c.hashes))] })
  }
  for (const key of solved.order) visit(key, new Set())
  return { packages, ignored, warnings }
}

/** The error for a failed resolution, from the conflict that explains it best. */
function explain(conflicts: Conflict[], pythonVersion: string): AppError {
  // Two or more different askers make a conflict; a lone requirement nothing satisfies is the other kind.
  const clash = conflicts.find((c) => new Set(c.criteria.map((x) => x.parent ?? null)).size > 1)
  const conflict = clash ?? conflicts[0]
  if (!conflict) return new AppError('BAD_INPUT', 'pip could not resolve the requirements')
  const who = (c: Criterion) => (c.parent ? `${c.parent.name} ${c.parent.versionText} depends on ${formatRequirement(c.requirement)}` : `The user requested ${formatRequirement(c.requirement)}${c.source ? ` (from ${c.source})` : ''}`)
  if (clash) {
    const askers = [...new Set(clash.criteria.map((c) => (c.parent ? `${c.parent.name} ${c.parent.versionText}` : formatRequirement(c.requirement))))]
    const lines = [...new Set(clash.criteria.map(who))]
    return new AppError(
      'BAD_INPUT',
      `ERROR: Cannot install ${askers.slice(0, -1).join(', ')} and ${askers.at(-1)} because these package versions have conflicting dependencies.\n\nThe conflict is caused by:\n${lines.map((l) => `    ${l}`).join('\n')}\n\nTo fix this, loosen the range of package versions you asked for, or remove one of the packages.`,
      { project: clash.key, requirements: clash.criteria.map((c) => formatRequirement(c.requirement)) },
    )
  }
  const requirement = conflict.criteria.at(-1)!.requirement
  const specs = conflict.criteria.flatMap((c) => c.requirement.specifiers)
  const wanted = `${requirement.name}${formatSpecifiers(specs) || ''}`
  const matching = conflict.skipped.filter((v) => satisfiesAll(specs, v.version))
  const from = conflict.versions.length ? conflict.versions.join(', ') : 'none'
  let why = ''
  const sdist = matching.filter((v) => v.why === 'sdist-only')
  const foreign = matching.filter((v) => v.why === 'no-compatible-wheel')
  const python = matching.filter((v) => v.why === 'requires-python')
  if (sdist.length && !foreign.length && !python.length) why = `\nOnly wheels can be installed in the tab: ${requirement.name} ${sdist.map((v) => v.versionText).join(', ')} publishes only a source distribution (sdist), which would have to be built.`
  else if (foreign.length) why = `\n${requirement.name} ${foreign[0]!.versionText} has no wheel that runs in the tab (pure Python, or pyodide's Emscripten/WebAssembly): its wheels are for ${foreign[0]!.detail}.`
  else if (python.length) why = `\n${requirement.name} ${python[0]!.versionText} requires Python ${python[0]!.detail}; the tab runs Python ${pythonVersion}.`
  const asked = conflict.criteria.map((c) => `    ${who(c)}`).join('\n')
  return new AppError('NOT_FOUND', `ERROR: Could not find a version that satisfies the requirement ${wanted} (from versions: ${from})${why}\nERROR: No matching distribution found for ${wanted}\n${asked}`, { project: conflict.key, requirement: wanted })
}
