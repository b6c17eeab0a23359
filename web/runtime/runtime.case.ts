import { describe, expect, it } from 'vitest'
import type { ExitStatus, Runtime } from '../../shared/runtime'

/** A runtime under test over a fresh project, and the project's files as the workspace has them. */
export interface RuntimeFixture {
  runtime: Runtime
  /** Writes files (workspace-relative paths) into the project's workspace. */
  write(files: Record<string, string | Uint8Array>): Promise<void>
  /** A workspace file's text, or null when it does not exist. */
  read(path: string): Promise<string | null>
}

/** Runs a command to its end: its output (stdout and stderr together, in order, and each apart) and exit status. */
export async function run(runtime: Runtime, command: string, args: string[] = [], options: Parameters<Runtime['spawn']>[2] = {}): Promise<{ out: string; stdout: string; stderr: string; status: ExitStatus }> {
  const process = runtime.spawn(command, args, options)
  let out = ''
  let stdout = ''
  let stderr = ''
  for await (const chunk of process.output) {
    out += chunk.text
    if (chunk.stream === 'stdout') stdout += chunk.text
    else stderr += chunk.text
  }
  return { out, stdout, stderr, status: await process.exit }
}

const sh = (runtime: Runtime, line: string, options: Parameters<Runtime['spawn']>[2] = {}) => run(runtime, 'sh', ['-c', line], options)

/**
 * The runtime contract: every Runtime implementation must pass these. `setup` gives a runtime over
 * a new, empty project.
 */
export function describeRuntimeContract(name: string, setup: () => Promise<RuntimeFixture>) {
  describe(`${name}: the runtime contract`, () => {
    it('runs shell built-ins with && ; || and pipes, and reports exit codes', async () => {
      const { runtime } = await setup()
      const r = await sh(runtime, 'echo one && false || echo two; echo three | cat')
      expect(r.stdout).toBe('one\ntwo\nthree\n')
      expect(r.status.code).toBe(0)
      const failed = await sh(runtime, 'echo a && false && echo b')
      expect(failed.stdout).toBe('a\n')
      expect(failed.status.code).toBe(1)
    })

    it('says clearly when a command is unknown, with exit code 127', async () => {
      const { runtime } = await setup()
      const r = await sh(runtime, 'cargo build')
      expect(r.status.code).toBe(127)
      expect(r.stderr).toMatch(/cargo: command not found/)
      expect(r.stderr).toMatch(/WebContainer/)
    })

    it('keeps the working directory a cd leaves', async () => {
      const { runtime, write } = await setup()
      await write({ 'src/a.txt': 'A' })
      const r = await sh(runtime, 'cd src && pwd && ls && cat a.txt')
      expect(r.stdout).toBe('/workspace/src\na.txt\nA')
      expect(r.status.cwd).toBe('/workspace/src')
    })

    it('runs node scripts: stdout, stderr, exit codes, argv and env', async () => {
      const { runtime, write } = await setup()
      await write({ 'main.js': "console.log('args', process.argv.slice(2).join(','), process.env.GREETING)\nconsole.error('to stderr')\nprocess.exitCode = 3\n" })
      const r = await run(runtime, 'node', ['main.js', 'x', 'y'], { env: { GREETING: 'hi' } })
      expect(r.stdout).toBe('args x,y hi\n')
      expect(r.stderr).toBe('to stderr\n')
      expect(r.status.code).toBe(3)
      const exit = await run(runtime, 'node', ['-e', "process.exit(5); console.log('not reached')"])
      expect(exit.status.code).toBe(5)
      expect(exit.out).toBe('')
      // As in Node, `-e` and `-p` code requires relative to the working directory.
      await write({ 'src/lib.js': "module.exports = 'from lib'\n", 'src/node_modules/dep/index.js': "module.exports = 'from dep'\n" })
      const evaluated = await run(runtime, 'node', ['-e', "console.log(require('./lib.js'), require('dep'))"], { cwd: '/workspace/src' })
      expect(evaluated.out).toBe('from lib from dep\n')
      const printed = await run(runtime, 'node', ['-p', "require('./lib') + '!'"], { cwd: '/workspace/src' })
      expect(printed.out).toBe("'from lib!'\n")
    })

    it('lets node code read and write workspace files, which land in the workspace', async () => {
      const { runtime, write, read } = await setup()
      await write({ 'data/in.txt': 'hello', 'copy.js': "const fs = require('fs')\nfs.mkdirSync('out', { recursive: true })\nfs.writeFileSync('out/result.txt', fs.readFileSync('data/in.txt', 'utf8').toUpperCase())\n" })
      const r = await run(runtime, 'node', ['copy.js'])
      expect(r.status.code).toBe(0)
      expect(await read('out/result.txt')).toBe('HELLO')
      // The next process sees it too.
      expect((await sh(runtime, 'cat out/result.txt')).stdout).toBe('HELLO')
    })

    it('loads relative modules, JSON, ES modules, TypeScript and packages in node_modules (exports and main)', async () => {
      const { runtime, write } = await setup()
      await write({
        'package.json': '{"name":"app","type":"commonjs"}',
        'lib/util.js': 'exports.twice = (n) => n * 2\n',
        'lib/data.json': '{"n": 21}',
        'lib/esm.mjs': 'export const hello = (who) => `hello ${who}`\nexport default 42\n',
        'lib/typed.ts': 'interface P { x: number }\nexport function norm(p: P): number { return Math.abs(p.x) }\nexport enum Color { Red = "red" }\n',
        'node_modules/pkg-exports/package.json': '{"name":"pkg-exports","exports":{".":{"import":"./esm.mjs","require":"./cjs.js"},"./feature":"./feature.js"}}',
        'node_modules/pkg-exports/cjs.js': "module.exports = 'cjs entry'\n",
        'node_modules/pkg-exports/esm.mjs': "export default 'esm entry'\n",
        'node_modules/pkg-exports/feature.js': "module.exports = 'feature'\n",
        'node_modules/pkg-main/package.json': '{"name":"pkg-main","main":"lib/index"}',
        'node_modules/pkg-main/lib/index.js': "module.exports = 'main entry'\n",
        'main.js': [
          "const { twice } = require('./lib/util')",
          "const { n } = require('./lib/data.json')",
          "const esm = require('./lib/esm.mjs')",
          "const { norm, Color } = require('./lib/typed')",
          "console.log(twice(n), esm.hello('you'), esm.default, norm({ x: -3 }), Color.Red)",
          "console.log(require('pkg-exports'), require('pkg-exports/feature'), require('pkg-main'))",
          "console.log(require('path').join('/a', 'b', '../c'), typeof require('events'), require.resolve('./lib/util'))",
        ].join('\n'),
      })
      const r = await run(runtime, 'node', ['main.js'])
      expect(r.stderr).toBe('')
      expect(r.stdout).toBe('42 hello you 42 3 red\ncjs entry feature main entry\n/a/c function /workspace/lib/util.js\n')
    })

    it('reports an uncaught error with its source line, like Node, and exits 1', async () => {
      const { runtime, write } = await setup()
      await write({ 'bad.ts': 'type T = number\nconst x: T = 1\nfunction fail(): never {\n  throw new Error(`boom ${x}`)\n}\nfail()\n' })
      const r = await run(runtime, 'node', ['bad.ts'])
      expect(r.status.code).toBe(1)
      expect(r.stderr).toContain('Error: boom 1')
      expect(r.stderr).toMatch(/\/workspace\/bad\.ts:4:\d+/)
    })

    it('names a missing built-in or module', async () => {
      const { runtime, write } = await setup()
      await write({ 'a.js': "require('child_process')\n", 'b.js': "require('left-pad')\n" })
      const a = await run(runtime, 'node', ['a.js'])
      expect(a.status.code).toBe(1)
      expect(a.stderr).toContain("'child_process'")
      const b = await run(runtime, 'node', ['b.js'])
      expect(b.stderr).toContain("Cannot find module 'left-pad'")
    })

    it('pipes stdin to a node process', async () => {
      const { runtime } = await setup()
      const r = await sh(runtime, `echo abc | node -e "let s=''; process.stdin.on('data', d => s += d); process.stdin.on('end', () => console.log(s.trim().toUpperCase()))"`)
      expect(r.stdout).toBe('ABC\n')
    })

    it('kills a runaway process, and keeps working afterwards', async () => {
      const { runtime, write } = await setup()
      await write({ 'loop.js': 'while (true) {}\n' })
      const controller = new AbortController()
      const process = runtime.spawn('node', ['loop.js'], { signal: controller.signal })
      setTimeout(() => controller.abort(), 300)
      const status = await process.exit
      expect(status.code).toBe(130)
      const timed = await run(runtime, 'node', ['loop.js'], { timeoutMs: 500 })
      expect(timed.status.timedOut).toBe(true)
      expect(timed.status.code).toBe(124)
      expect((await sh(runtime, 'echo still here')).stdout).toBe('still here\n')
    })

    it('runs node --test and npm test, and keeps each run as JSON and JUnit in /runs', async () => {
      const { runtime, write, read } = await setup()
      await write({
        'package.json': '{"name":"t","scripts":{"test":"node --test"}}',
        'sum.js': 'module.exports = (a, b) => a + b\n',
        'test/sum.test.js': "const test = require('node:test')\nconst assert = require('node:assert')\nconst sum = require('../sum')\ntest('adds', () => assert.strictEqual(sum(1, 2), 3))\ntest('fails', () => assert.strictEqual(sum(1, 1), 3))\ntest.skip('skipped', () => {})\n",
      })
      const r = await sh(runtime, 'npm test')
      expect(r.status.code).toBe(1)
      expect(r.stdout).toMatch(/tests 3/)
      expect(r.stdout).toMatch(/pass 1/)
      expect(r.stdout).toMatch(/fail 1/)
      expect(r.status.runs).toHaveLength(1)
      const report = JSON.parse((await read(`/runs/${r.status.runs[0]}/report.json`)) ?? '{}')
      expect(report.counts).toMatchObject({ passed: 1, failed: 1, skipped: 1, total: 3 })
      const failing = report.tests.find((t: { name: string }) => t.name === 'fails')
      expect(failing.failure.location).toMatchObject({ path: '/workspace/test/sum.test.js', line: 5 })
      expect(await read(`/runs/${r.status.runs[0]}/junit.xml`)).toContain('<testcase')
      // A test file run as a script runs its tests too, as Node does.
      const direct = await run(runtime, 'node', ['test/sum.test.js'])
      expect(direct.status.code).toBe(1)
      expect(direct.stdout).toMatch(/✖ fails/)
      expect(direct.stdout).toMatch(/pass 1/)
    })

    it('runs vitest-style TypeScript tests, importing from vitest, and reports them', async () => {
      const { runtime, write } = await setup()
      await write({
        'src/math.ts': 'export const square = (n: number): number => n * n\n',
        'src/math.spec.ts': "import { describe, it, expect, vi } from 'vitest'\nimport { square } from './math'\ndescribe('square', () => {\n  it('squares', () => expect(square(3)).toBe(9))\n  it('calls back', () => { const f = vi.fn(); f(1); expect(f).toHaveBeenCalledWith(1) })\n  it('fails', () => expect(square(2)).toEqual(5))\n})\n",
      })
      const report = await runtime.runTests({ runner: 'vitest' })
      expect(report.counts).toMatchObject({ passed: 2, failed: 1, total: 3 })
      const failing = report.tests.find((t) => t.name === 'fails')!
      expect(failing.suites).toEqual(['square'])
      expect(failing.failure?.location).toMatchObject({ path: '/workspace/src/math.spec.ts', line: 6 })
      expect(failing.failure?.expected).toBe('5')
      expect(failing.failure?.actual).toBe('4')
      const one = await runtime.runTests({ runner: 'vitest', files: ['src/math.spec.ts'], testName: 'square > squares' })
      expect(one.counts).toMatchObject({ passed: 1, total: 1 })
    })
  })
}
