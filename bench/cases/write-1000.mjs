/**
 * @module write-1000: saving 1,000 small (~90 byte) files through the workspace namespace vs the
 * same through lightning-fs, both in the same fresh page.
 */
export default {
  name: 'write-1000',
  unit: 'ms',
  anchor: 'lightning-fs',
  async runOnce(ctx, { subjectFirst }) {
    const { page, close } = await ctx.openBench()
    try {
      await page.evaluate(() => window.coderBench.reset())
      const subject = () => page.evaluate(() => window.coderBench.write1000())
      const anchor = () => page.evaluate(() => window.coderBench.write1000LightningFs())
      if (subjectFirst) {
        const value = await subject()
        return { value, anchor: await anchor() }
      }
      const a = await anchor()
      return { value: await subject(), anchor: a }
    } finally {
      await close()
    }
  },
}
