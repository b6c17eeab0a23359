import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { binLinks, lockfileMatches, planFromLockfile, platformAllows, type BinSource } from '.'

// Coder's own lockfile and the node_modules npm installed from it are a real pair to check against.
const ROOT = join(import.meta.dirname, '../..')
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as unknown
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as unknown

describe('against the node_modules npm installed for this repository', () => {
  const plan = planFromLockfile(lock)
  const glibc = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime
  const here = { os: process.platform, cpu: process.arch, libc: glibc ? 'glibc' : 'musl' }

  it('agrees the lockfile matches package.json', () => {
    expect(lockfileMatches(lock, pkg)).toBe(true)
    const deps = (pkg as { dependencies: Record<string, string> }).dependencies
    const [first] = Object.keys(deps)
    expect(lockfileMatches(lock, { ...(pkg as object), dependencies: { ...deps, [first]: '0.0.0-nope' } })).toBe(false)
  })

  it('plans the package npm put at each path; the only ones missing are optional', () => {
    expect(plan.packages.length).toBeGreaterThan(100)
    let found = 0
    for (const p of plan.packages) {
      const manifest = join(ROOT, p.path, 'package.json')
      if (!existsSync(manifest)) {
        // Skipped by npm for this platform (os/cpu/libc), or only needed by such a package.
        expect(p.optional || p.devOptional || !platformAllows(p, here), p.path).toBe(true)
        continue
      }
      const installed = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string; version: string }
      expect(`${p.name}@${p.version}`, p.path).toBe(`${installed.name}@${installed.version}`)
      found++
    }
    expect(found).toBeGreaterThanOrEqual(plan.packages.filter((p) => !p.optional && !p.devOptional).length)
  })

  it('makes exactly the .bin links npm made', () => {
    const sources: BinSource[] = []
    for (const p of plan.packages) {
      const manifest = join(ROOT, p.path, 'package.json')
      if (existsSync(manifest)) sources.push({ path: p.path, name: p.name, bin: (JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: BinSource['bin'] }).bin })
    }
    const actual = new Map<string, string>()
    // Links inside a package with an install script may be its script's doing (the `node` package
    // links its binary from its postinstall), not npm's: only npm's are compared.
    const binDirs = ['node_modules', ...plan.packages.filter((p) => !p.hasInstallScript).map((p) => `${p.path}/node_modules`)]
    for (const dir of binDirs) {
      const bin = join(ROOT, dir, '.bin')
      if (!existsSync(bin)) continue
      for (const name of readdirSync(bin)) actual.set(`${dir}/.bin/${name}`, readlinkSync(join(bin, name)))
    }
    const mine = new Map(binLinks(sources).map((l) => [l.link, l.target]))
    expect(mine.size).toBeGreaterThan(10)
    expect(Object.fromEntries(mine)).toEqual(Object.fromEntries(actual))
  })
})
