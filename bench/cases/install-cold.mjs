/**
 * @module install-cold: `npm ci` in the tab of the bench-50 fixture (a lockfile of 50+ packages)
 * from the local Verdaccio registry, with an empty package cache (a new browser profile), vs native
 * `npm ci --ignore-scripts` from the same registry with an empty npm cache, same run.
 * Target: ratio ≤ 1.5.
 */
import { benchProject, fixtureRegistry, makeTempDir, nativeCi, tabInstalls } from '../install-fixture.mjs'

export default {
  name: 'install-cold',
  unit: 'ms',
  anchor: 'npm ci (cold cache)',
  timeoutMs: 10 * 60_000,
  async runOnce(ctx) {
    const reg = await fixtureRegistry(ctx)
    const { dir, files } = await benchProject(ctx, reg)
    const tab = await tabInstalls(ctx, files)
    const anchor = await nativeCi(ctx, reg, dir, makeTempDir('coder-bench-npm-cache-'))
    return { value: tab.cold, anchor }
  },
}
