/**
 * @module test-cold: the first test run after the IDE opens — a runtime started at that moment
 * (its worker, copying the project's files, esbuild's start for the TypeScript, the sandbox, the
 * run) on the ts-camelcase fixture (vitest-style TypeScript, 37 tests) — vs native
 * `vitest run` on the same files (spawn to exit), same run. Target: ≤ 2 s in the tab.
 */
import { join } from 'node:path'
import { repoRoot } from '../lib.mjs'
import { copyProject, readProject, timeNode } from '../runtime-fixture.mjs'

const FIXTURE = 'ts-camelcase'

export default {
  name: 'test-cold',
  unit: 'ms',
  anchor: 'vitest run (native)',
  timeoutMs: 10 * 60_000,
  async runOnce(ctx) {
    const files = readProject(FIXTURE)
    const { page, close } = await ctx.openBench({ timeoutMs: 120_000 })
    let tab
    try {
      tab = await page.evaluate((f) => window.coderBench.runtimeTestCold(f, { runner: 'vitest' }), files)
    } finally {
      await close()
    }
    if (tab.counts.total !== 37) throw new Error(`the tab ran ${JSON.stringify(tab.counts)} tests, expected 37`)
    const dir = copyProject(FIXTURE)
    const native = await timeNode([join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', dir], dir)
    return { value: tab.ms, anchor: native.ms }
  },
}
