/**
 * @module test-cold: the first test run after the IDE opens, for a returning user — the browser
 * was closed after an earlier visit that ran the project's tests, then restarted: a runtime
 * started at that moment (its workers, copying the project's files, compiling, the runs) on the
 * ts-camelcase fixture (vitest-style TypeScript, 37 tests), from the request to the report; vs
 * native `vitest run` on the same files (spawn to exit), same run. The very first run in a new
 * profile (esbuild's start and first compile included) is printed beside it. Target: ≤ 2 s.
 */
import { join } from 'node:path'
import { makeTempDir, repoRoot } from '../lib.mjs'
import { copyProject, readProject, timeNode } from '../runtime-fixture.mjs'

const FIXTURE = 'ts-camelcase'
const firstEver = []

async function visit(ctx, userDataDir, arg) {
  const context = await ctx.launchProfile(userDataDir)
  try {
    const page = context.pages()[0] ?? (await context.newPage())
    await page.goto(await ctx.builtBenchUrl(), { timeout: 120_000 })
    await page.waitForFunction(() => typeof window.coderBench === 'object', null, { timeout: 120_000 })
    return await page.evaluate((a) => window.coderBench.runtimeTestCold(a, { runner: 'vitest' }), arg)
  } finally {
    await context.close()
  }
}

export default {
  name: 'test-cold',
  unit: 'ms',
  anchor: 'vitest run (native)',
  timeoutMs: 10 * 60_000,
  async runOnce(ctx) {
    const profile = makeTempDir('coder-bench-profile-')
    const first = await visit(ctx, profile, readProject(FIXTURE))
    firstEver.push(first.ms)
    const tab = await visit(ctx, profile, first.projectId)
    console.error(`  test-cold: first run in a new profile ${Math.round(first.ms)}ms, after a restart ${Math.round(tab.ms)}ms`)
    if (tab.counts.total !== 37 || first.counts.total !== 37) throw new Error(`the tab ran ${JSON.stringify(tab.counts)} tests, expected 37`)
    const dir = copyProject(FIXTURE)
    const native = await timeNode([join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', dir], dir)
    return { value: tab.ms, anchor: native.ms }
  },
}
