import { describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import { availableFrom, formatVersion, parseRequirement, parseVersion, PYODIDE_TARGET, resolve, type Candidate, type DistMetadata, type IndexFile, type ResolveSource, type RootRequirement } from '.'

/** A small index: project → version → Requires-Dist (and optionally only an sdist, or a yanked wheel). */
type Project = Record<string, { requires?: string[]; sdistOnly?: boolean; yanked?: boolean; extras?: string[] }>

function index(projects: Record<string, Project>, installed: Record<string, { version: string; requires?: string[] }> = {}) {
  const asked: string[] = []
  const source: ResolveSource = {
    installed(key) {
      const hit = installed[key]
      return hit ? { key, name: key, version: parseVersion(hit.version), versionText: formatVersion(parseVersion(hit.version)), installed: true, file: null } : null
    },
    async available(key) {
      asked.push(key)
      const project = projects[key]
      if (!project) throw new AppError('NOT_FOUND', `${key} is not on the index`)
      const files: IndexFile[] = Object.entries(project).map(([version, p]) => {
        const filename = p.sdistOnly ? `${key}-${version}.tar.gz` : `${key.replace(/-/g, '_')}-${version}-py3-none-any.whl`
        return { filename, url: `http://index.test/${filename}`, hashes: { sha256: `${key}${version}` }, requiresPython: null, yanked: p.yanked ? 'bad release' : null }
      })
      return availableFrom(key, key, files, PYODIDE_TARGET)
    },
    async metadata(c: Candidate): Promise<DistMetadata> {
      const p = c.installed ? installed[c.key]! : projects[c.key]![c.versionText]!
      const extras = 'extras' in p ? (p.extras ?? []) : []
      return { name: c.key, version: c.versionText, summary: '', requiresDist: p.requires ?? [], requiresPython: null, providesExtra: extras, headers: {} }
    },
  }
  return { source, asked }
}

const roots = (...texts: string[]): RootRequirement[] => texts.map((t) => ({ requirement: parseRequirement(t) }))
const chosen = (r: Awaited<ReturnType<typeof resolve>>) => r.packages.map((p) => `${p.candidate.key}==${p.candidate.versionText}${p.candidate.installed ? ' (installed)' : ''}`)
const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => null, (e: unknown) => e)
  expect(error).toBeInstanceOf(AppError)
  return error as AppError
}

const INDEX: Record<string, Project> = {
  greet: { '1.0.0': {}, '1.5.0': {}, '2.0.0': {}, '2.1.0rc1': {} },
  'tool-kit': { '1.0': { requires: ['greet (>=1.5,<2)', 'winonly ; sys_platform == "win32"', 'colorize>=1 ; extra == "fancy"'], extras: ['fancy'] } },
  colorize: { '1.0': {}, '1.1': { yanked: true } },
  'needs-old-greet': { '1.0': { requires: ['greet<1.5'] } },
  'sdist-only': { '1.0': { sdistOnly: true } },
  app: { '2.0': { requires: ['lib>=2'] }, '1.0': { requires: ['lib<2'] } },
  lib: { '1.0': { requires: ['greet==1.0.0'] }, '2.0': { requires: ['greet>=9'] } },
}

describe('resolving Python requirements', () => {
  it('takes the highest final release that matches, and pre-releases only when asked or alone', async () => {
    const { source } = index(INDEX)
    const options = { target: PYODIDE_TARGET }
    expect(chosen(await resolve(roots('greet'), source, options))).toEqual(['greet==2.0.0'])
    expect(chosen(await resolve(roots('greet<2'), source, options))).toEqual(['greet==1.5.0'])
    expect(chosen(await resolve(roots('greet>=2.1.0rc1'), source, options))).toEqual(['greet==2.1.0rc1'])
    expect(chosen(await resolve(roots('greet'), source, { ...options, pre: true }))).toEqual(['greet==2.1.0rc1'])
    expect(chosen(await resolve(roots('greet>2.0.0'), source, options))).toEqual(['greet==2.1.0rc1'])
    expect(chosen(await resolve(roots('greet~=1.0.0'), source, options))).toEqual(['greet==1.0.0'])
  })

  it('follows Requires-Dist with markers and extras, dependencies first', async () => {
    const { source, asked } = index(INDEX)
    const plain = await resolve(roots('tool-kit'), source, { target: PYODIDE_TARGET })
    expect(chosen(plain)).toEqual(['greet==1.5.0', 'tool-kit==1.0'])
    expect(asked).not.toContain('winonly')
    expect(plain.packages.map((p) => p.requested)).toEqual([false, true])
    const fancy = await resolve(roots('Tool_Kit[fancy]'), source, { target: PYODIDE_TARGET })
    expect(chosen(fancy)).toEqual(['greet==1.5.0', 'colorize==1.0', 'tool-kit==1.0'])
    const missing = await resolve(roots('tool-kit[nope]'), source, { target: PYODIDE_TARGET })
    expect(missing.warnings).toEqual(["WARNING: tool-kit 1.0 does not provide the extra 'nope'"])
  })

  it('skips yanked files unless pinned exactly, and root requirements whose markers do not hold', async () => {
    const { source } = index(INDEX)
    expect(chosen(await resolve(roots('colorize'), source, { target: PYODIDE_TARGET }))).toEqual(['colorize==1.0'])
    expect(chosen(await resolve(roots('colorize==1.1'), source, { target: PYODIDE_TARGET }))).toEqual(['colorize==1.1'])
    const r = await resolve(roots('greet ; sys_platform == "win32"', 'colorize'), source, { target: PYODIDE_TARGET })
    expect(chosen(r)).toEqual(['colorize==1.0'])
    expect(r.ignored.map((x) => x.key)).toEqual(['greet'])
  })

  it('keeps an installed version that satisfies without asking the index, and replaces one that does not', async () => {
    const { source, asked } = index(INDEX, { greet: { version: '2.0.0' } })
    expect(chosen(await resolve(roots('greet>=1'), source, { target: PYODIDE_TARGET }))).toEqual(['greet==2.0.0 (installed)'])
    expect(asked).toEqual([])
    expect(chosen(await resolve(roots('tool-kit'), source, { target: PYODIDE_TARGET }))).toEqual(['greet==1.5.0', 'tool-kit==1.0'])
    // Asked for first, the installed greet is given up when tool-kit needs another.
    expect(chosen(await resolve(roots('greet', 'tool-kit'), source, { target: PYODIDE_TARGET }))).toEqual(['greet==1.5.0', 'tool-kit==1.0'])
    expect(chosen(await resolve(roots('greet'), source, { target: PYODIDE_TARGET, upgrade: new Set(['greet']), pre: true }))).toEqual(['greet==2.1.0rc1'])
  })

  it('backtracks to an older version when the newest leads nowhere', async () => {
    const { source } = index(INDEX)
    expect(chosen(await resolve(roots('app'), source, { target: PYODIDE_TARGET }))).toEqual(['greet==1.0.0', 'lib==1.0', 'app==1.0'])
  })

  it('names both sides of a conflict', async () => {
    const { source } = index(INDEX)
    const error = await failure(resolve(roots('tool-kit==1.0', 'needs-old-greet'), source, { target: PYODIDE_TARGET }))
    expect(error.code).toBe('BAD_INPUT')
    expect(error.message).toContain('Cannot install tool-kit 1.0 and needs-old-greet 1.0 because these package versions have conflicting dependencies')
    expect(error.message).toContain('tool-kit 1.0 depends on greet>=1.5,<2')
    expect(error.message).toContain('needs-old-greet 1.0 depends on greet<1.5')
    const user = await failure(resolve(roots('needs-old-greet', 'greet>=2'), source, { target: PYODIDE_TARGET }))
    expect(user.message).toContain('The user requested greet>=2')
    expect(user.message).toContain('needs-old-greet 1.0 depends on greet<1.5')
  })

  it('says why nothing matches: no such version, or only a source distribution', async () => {
    const { source } = index(INDEX)
    const none = await failure(resolve(roots('greet>=5'), source, { target: PYODIDE_TARGET }))
    expect(none.code).toBe('NOT_FOUND')
    expect(none.message).toContain('Could not find a version that satisfies the requirement greet>=5 (from versions: 2.1.0rc1, 2.0.0, 1.5.0, 1.0.0)')
    const sdist = await failure(resolve(roots('sdist-only'), source, { target: PYODIDE_TARGET }))
    expect(sdist.message).toContain('Only wheels can be installed in the tab: sdist-only 1.0 publishes only a source distribution')
  })
})
