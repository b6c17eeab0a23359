/**
 * The native half of the real-project comparison: each JS/TS fixture in ./projects, run with the
 * real Node 22 / vitest on this machine, gives exactly the counts recorded in its SOURCE.md (so a
 * fixture that drifts is caught here, not as a puzzling in-tab mismatch).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  listRealProjects,
  parseAssertScript,
  parseNodeTestTap,
  parseUnittest,
  readProjectFiles,
  runNative,
  type RealProject,
  type TestCounts,
} from '../../../e2e/support/real-projects'

const projects = listRealProjects()
const jsProjects = projects.filter((p) => p.runner !== 'python-unittest')

/** `Expected counts: passed=25 failed=2 skipped=0 todo=0 total=27 exit=1` from SOURCE.md. */
function expectedOf(project: RealProject): { counts: TestCounts; exitCode: number } {
  const text = readFileSync(join(project.dir, 'SOURCE.md'), 'utf8')
  const line = /^Expected counts:(.*)$/m.exec(text)?.[1]
  if (!line) throw new Error(`${project.name}/SOURCE.md has no "Expected counts:" line`)
  const get = (k: string) => {
    const m = new RegExp(`\\b${k}=(\\d+)\\b`).exec(line)
    if (!m) throw new Error(`${project.name}/SOURCE.md: "Expected counts:" lacks ${k}=`)
    return Number(m[1])
  }
  return {
    counts: { passed: get('passed'), failed: get('failed'), skipped: get('skipped'), todo: get('todo'), total: get('total') },
    exitCode: get('exit'),
  }
}

describe('real project fixtures', () => {
  it('cover every JS/TS runner kind, failures, skips and todos', () => {
    const kinds = new Set(jsProjects.map((p) => p.runner))
    expect([...kinds].sort()).toEqual(['assert-script', 'node-test', 'vitest'])
    expect(jsProjects.filter((p) => p.runner === 'node-test').length).toBeGreaterThanOrEqual(2)
    expect(jsProjects.filter((p) => p.runner === 'vitest').length).toBeGreaterThanOrEqual(2)
    const expected = jsProjects.map(expectedOf)
    expect(expected.some((e) => e.counts.failed > 0)).toBe(true)
    expect(expected.some((e) => e.counts.skipped > 0 && e.counts.todo > 0)).toBe(true)
  })

  it('are complete zero-install projects, small enough to ship', () => {
    let size = 0
    for (const p of projects) {
      const files = readProjectFiles(p)
      const paths = files.map((f) => f.path)
      expect(paths, p.name).toContain('SOURCE.md')
      expect(paths.some((f) => /^(licen[cs]e|copying)/i.test(f)), `${p.name} has its upstream licence`).toBe(true)
      expect(paths.some((f) => f.startsWith('node_modules/')), p.name).toBe(false)
      if (p.runner !== 'python-unittest') {
        expect(paths, p.name).toContain('package.json')
        for (const f of files.filter((f) => /\.(m?[jt]s|cjs)$/.test(f.path))) {
          const text = new TextDecoder().decode(f.data)
          for (const [, spec] of text.matchAll(/(?:from\s+|require\(\s*|import\(\s*)['"]([^'"]+)['"]/g)) {
            // Only relative imports, node: builtins and the runtime-provided vitest.
            expect(spec.startsWith('.') || spec.startsWith('node:') || spec === 'vitest', `${p.name}/${f.path} imports ${spec}`).toBe(true)
          }
        }
      }
      size += files.reduce((n, f) => n + f.data.byteLength, 0)
    }
    expect(size).toBeLessThan(400 * 1024)
  })

  it('parse the runners summaries', () => {
    expect(parseNodeTestTap('ok 1 - a\n  # tests 9\n# tests 3\n# suites 1\n# pass 1\n# fail 1\n# cancelled 0\n# skipped 1\n# todo 0\n')).toEqual({
      passed: 1, failed: 1, skipped: 1, todo: 0, total: 3,
    })
    expect(parseAssertScript('ok 1 - x\nnot ok 2 - y\n1..2\n# tests 2\n# pass 1\n# fail 1\n')).toEqual({ passed: 1, failed: 1, skipped: 0, todo: 0, total: 2 })
    expect(parseUnittest('..s.F\n----------------------------------------------------------------------\nRan 5 tests in 0.001s\n\nFAILED (failures=1, skipped=1)\n')).toEqual({
      passed: 3, failed: 1, skipped: 1, todo: 0, total: 5,
    })
    expect(parseUnittest('Ran 4 tests in 0.000s\n\nOK (skipped=2, expected failures=1)\n')).toEqual({ passed: 2, failed: 0, skipped: 2, todo: 0, total: 4 })
    expect(parseUnittest('Ran 1 test in 0.000s\n\nOK\n')).toEqual({ passed: 1, failed: 0, skipped: 0, todo: 0, total: 1 })
  })

  for (const project of jsProjects) {
    it(`${project.name} (${project.runner}: ${project.command}) gives the counts in its SOURCE.md`, { timeout: 120_000 }, async () => {
      const expected = expectedOf(project)
      const result = await runNative(project)
      expect(result.counts, result.output).toEqual(expected.counts)
      expect(result.counts.passed + result.counts.failed + result.counts.skipped + result.counts.todo).toBe(result.counts.total)
      expect(result.exitCode, result.output).toBe(expected.exitCode)
    })
  }
})
