/**
 * @module test-warm: edit one source file and re-run its test file in the tab (the runtime already
 * warm: esbuild started, files copied) vs native `node --test` on the same test file, same run.
 * Fixture: js-ms (ms 2.1.3; `index.js` edited, `test/parse.test.js` re-run; 48 pass, 2 skip, 2 todo
 * in the project). Target: ≤ 150 ms in the tab and ratio ≤ 1.5.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { median } from '../lib.mjs'
import { copyProject, readProject, timeNode } from '../runtime-fixture.mjs'

const FIXTURE = 'js-ms'
const SOURCE = 'index.js'
const TEST = 'test/parse.test.js'

export default {
  name: 'test-warm',
  unit: 'ms',
  anchor: 'node --test <file>',
  timeoutMs: 10 * 60_000,
  async runOnce(ctx) {
    const files = readProject(FIXTURE)
    const source = files.find((f) => f.path === SOURCE).text
    const edited = `${source}\n// edited\n`
    const { page, close } = await ctx.openBench({ timeoutMs: 120_000, built: true })
    let tab
    try {
      tab = await page.evaluate(
        ([f, test, path, texts]) => window.coderBench.runtimeTestWarm(f, { files: [test], runner: 'node-test' }, { path, texts }, 5),
        [files, TEST, SOURCE, [edited, source]],
      )
    } finally {
      await close()
    }
    if (tab.counts.failed !== 0 || tab.counts.passed === 0) throw new Error(`the tab's run of ${TEST} gave ${JSON.stringify(tab.counts)}`)
    const dir = copyProject(FIXTURE)
    const native = []
    for (let i = 0; i < 5; i++) {
      writeFileSync(join(dir, SOURCE), i % 2 ? source : edited)
      const r = await timeNode(['--test', TEST], dir)
      if (r.code !== 0) throw new Error(`native node --test ${TEST} exited ${r.code}:\n${r.out}`)
      native.push(r.ms)
    }
    return { value: median(tab.ms), anchor: median(native) }
  },
}
