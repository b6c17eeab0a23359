import { execFileSync } from 'node:child_process'
import * as nodeAssert from 'node:assert'
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { TestCaseReport } from '../../../../shared/runtime'
import { countTests } from '../../../../shared/runtime'
import { createTestHarness } from './index'

const root = resolve(__dirname, '../../../..')
const nodeBin = join(root, 'node_modules/.bin/node')
const fixture = (name: string) => readFileSync(join(__dirname, '__fixtures__', name), 'utf8')

/** Runs a CommonJS test source through a fresh harness, `require` serving the harness's libraries. */
async function runWithHarness(source: string) {
  const harness = createTestHarness({
    file: 'a.test.js',
    now: () => performance.now(),
    onEvent: () => {},
    toFailure: (e) => ({ message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? (e.stack ?? null) : null, location: null }),
    assert: nodeAssert as unknown as Record<string, unknown>,
  })
  const modules: Record<string, unknown> = { 'node:test': harness.nodeTest, 'node:assert': nodeAssert, vitest: harness.vitest }
  new Function('require', source)((id: string) => modules[id])
  return harness.run()
}

const byName = (tests: TestCaseReport[]) => Object.fromEntries(tests.map((t) => [[...t.suites, t.name].join(' > '), t.status]))

describe('node:test counts equal `node --test`', () => {
  for (const name of ['node-mixed.test.js', 'node-hooks.test.js', 'node-mocks.test.js']) {
    it(name, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'coder-node-test-'))
      writeFileSync(join(dir, 'a.test.js'), fixture(name))
      let out = ''
      try {
        out = execFileSync(nodeBin, ['--test', '--test-reporter=spec', 'a.test.js'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } })
      } catch (error) {
        out = (error as { stdout: string }).stdout
      }
      const count = (k: string) => Number(new RegExp(`ℹ ${k} (\\d+)`).exec(out)?.[1])
      const { tests } = await runWithHarness(fixture(name))
      const c = countTests(tests)
      expect({ total: c.total, passed: c.passed, failed: c.failed, skipped: c.skipped, todo: c.todo }).toEqual({
        total: count('tests'),
        passed: count('pass'),
        failed: count('fail') + count('cancelled'),
        skipped: count('skipped'),
        todo: count('todo'),
      })
    }, 30_000)
  }
})

describe('vitest counts equal `vitest run`', () => {
  it('vitest-mixed.test.js', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coder-vitest-'))
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'vitest.config.mjs'), 'export default {}\n')
    const source = fixture('vitest-mixed.test.js')
    writeFileSync(join(dir, 'a.test.js'), source.replace(/^const (\{[^}]*\}) = require\('vitest'\)/, "import $1 from 'vitest'"))
    try {
      execFileSync(nodeBin, [join(root, 'node_modules/.bin/vitest'), 'run', '--root', dir, '--reporter=json', '--outputFile', join(dir, 'out.json')], { cwd: dir, encoding: 'utf8', stdio: 'pipe' })
    } catch {
      // Failing tests make vitest exit non-zero.
    }
    const json = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as { testResults: Array<{ assertionResults: Array<{ ancestorTitles: string[]; title: string; status: string }> }> }
    const real = Object.fromEntries(json.testResults[0].assertionResults.map((a) => [[...a.ancestorTitles, a.title].join(' > '), a.status === 'pending' ? 'skipped' : a.status]))
    const { tests } = await runWithHarness(source)
    expect(byName(tests)).toEqual(real)
  }, 60_000)
})
