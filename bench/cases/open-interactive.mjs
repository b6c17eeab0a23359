/**
 * @module open-interactive: a cold load of a project with a file open in the built IDE (fresh
 * profile copy: project stored, no HTTP cache, no service worker) to an editor that shows the
 * file and takes input; target ≤ 1,000 ms. Anchor: the same load again in the same profile once
 * the service worker controls it and has cached what the first load used (what a returning user
 * gets). The anchor needs the subject first, so the order never alternates.
 */
import { loadToInteractive, openColdProfile, projectProfile, serviceWorkerWarm } from '../app-case.mjs'

export default {
  name: 'open-interactive',
  unit: 'ms',
  anchor: 'warm service worker',
  warmup: (ctx) => projectProfile(ctx),
  async runOnce(ctx) {
    const { context, page, url } = await openColdProfile(ctx)
    try {
      const value = await loadToInteractive(page, url)
      await serviceWorkerWarm(page)
      return { value, anchor: await loadToInteractive(page, url) }
    } finally {
      await context.close()
    }
  },
}
