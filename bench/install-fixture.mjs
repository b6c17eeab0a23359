/**
 * @module Helpers of the install benchmarks: the fixture registry (Verdaccio on 127.0.0.1, see
 * e2e/support/registry.ts) and the bench-50 project (a lockfile of 50+ packages from it).
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { makeTempDir } from './lib.mjs'

let registry = null

/** The fixture registry, started once per bench process (closed with the context). */
export async function fixtureRegistry(ctx) {
  if (!registry) {
    const { startFixtureRegistry } = await ctx.importTs('e2e/support/registry.ts')
    registry = await startFixtureRegistry()
  }
  return registry
}

/** A bench-50 project on disk (lockfile made by native npm against `reg`) and its files for the tab. */
export async function benchProject(ctx, reg) {
  const { makeFixtureProject, projectFiles } = await ctx.importTs('e2e/support/registry-fixtures.ts')
  const dir = makeTempDir('coder-bench-install-')
  await makeFixtureProject(reg, 'bench-50', dir)
  const files = projectFiles(dir)
  return { dir, files }
}

/** Native `npm ci` in `dir` (node_modules removed first) with `cacheDir`; resolves to its time in ms. */
export async function nativeCi(ctx, reg, dir, cacheDir, extra = []) {
  const { nativeNpm } = await ctx.importTs('e2e/support/registry.ts')
  rmSync(join(dir, 'node_modules'), { recursive: true, force: true })
  const r = await nativeNpm(['ci', '--ignore-scripts', ...extra], dir, reg, { cacheDir })
  if (r.code !== 0) throw new Error(`native npm ci failed:\n${r.stderr}`)
  return r.ms
}

/** The tab's `npm ci` of `files` in a fresh bench page: a cold install, then (network off) a warm one. */
export async function tabInstalls(ctx, files) {
  const { page, close } = await ctx.openBench({ timeoutMs: 120_000, built: true })
  try {
    const id = await page.evaluate((f) => window.coderBench.runtimeProject(f), files)
    const cold = await page.evaluate((p) => window.coderBench.runtimeRun(p, 'npm ci'), id)
    if (cold.code !== 0) throw new Error(`npm ci in the tab failed (exit ${cold.code}):\n${cold.output}`)
    await page.evaluate((p) => window.coderBench.runtimeRun(p, 'rm -rf node_modules'), id)
    await page.context().setOffline(true)
    const warm = await page.evaluate((p) => window.coderBench.runtimeRun(p, 'npm ci'), id)
    if (warm.code !== 0) throw new Error(`npm ci (offline, cached) in the tab failed (exit ${warm.code}):\n${warm.output}`)
    return { cold: cold.ms, warm: warm.ms }
  } finally {
    await close()
  }
}

export { makeTempDir }
