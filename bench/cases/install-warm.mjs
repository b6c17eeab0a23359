/**
 * @module install-warm: the same `npm ci` in the tab again, with the package cache filled and the
 * browser offline, vs native `npm ci --prefer-offline` with a warm npm cache, same run.
 * Target: ratio ≤ 0.5.
 */
import { benchProject, fixtureRegistry, makeTempDir, nativeCi, tabInstalls } from '../install-fixture.mjs'

export default {
  name: 'install-warm',
  unit: 'ms',
  anchor: 'npm ci (warm cache)',
  timeoutMs: 10 * 60_000,
  async runOnce(ctx) {
    const reg = await fixtureRegistry(ctx)
    const { dir, files } = await benchProject(ctx, reg)
    const tab = await tabInstalls(ctx, files)
    const cache = makeTempDir('coder-bench-npm-cache-')
    await nativeCi(ctx, reg, dir, cache)
    const anchor = await nativeCi(ctx, reg, dir, cache, ['--prefer-offline'])
    return { value: tab.warm, anchor }
  },
}
