import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPythonRunner, PYODIDE_INDEX_URL, type PythonFile, type PythonRunner, type PythonRunRequest } from './index'

declare global {
  interface ImportMeta {
    glob<T>(pattern: string, options: { query: '?raw'; import: 'default'; eager: true }): Record<string, T>
  }
}

/** The py-isodate fixture (a real project: isodate 0.6.1 and its 278 unittest tests), by path relative to its folder. */
const ISODATE_DIR = '../__fixtures__/projects/py-isodate/'
const isodate = import.meta.glob<string>('../__fixtures__/projects/py-isodate/**/*.py', { query: '?raw', import: 'default', eager: true })

const encoder = new TextEncoder()
const decoder = new TextDecoder()

function file(path: string, text: string): PythonFile {
  return { path: `/workspace/${path}`, data: encoder.encode(text), mode: 0o100644 }
}

interface Captured {
  chunks: Array<{ stream: 'stdout' | 'stderr'; text: string }>
  stdout: () => string
  stderr: () => string
}

function capture(): Captured & { io: { stdout(t: string): void; stderr(t: string): void } } {
  const chunks: Captured['chunks'] = []
  return {
    chunks,
    io: { stdout: (text) => chunks.push({ stream: 'stdout', text }), stderr: (text) => chunks.push({ stream: 'stderr', text }) },
    stdout: () => chunks.filter((c) => c.stream === 'stdout').map((c) => c.text).join(''),
    stderr: () => chunks.filter((c) => c.stream === 'stderr').map((c) => c.text).join(''),
  }
}

describe('PythonRunner (pyodide)', () => {
  let runner: PythonRunner
  let files: PythonFile[] = []

  async function run(argv: string[], extra: Partial<PythonRunRequest> = {}, signal?: AbortSignal) {
    const out = capture()
    const result = await runner.run({ argv, cwd: '/workspace', env: {}, files, ...extra }, out.io, signal)
    return { ...result, out }
  }

  beforeAll(async () => {
    runner = createPythonRunner({ indexURL: PYODIDE_INDEX_URL })
    const phases: string[] = []
    const { loadMs } = await runner.load((p) => phases.push(p.phase))
    expect(loadMs).toBeGreaterThan(0)
    expect(phases.at(-1)).toBe('ready')
  }, 60_000)

  afterAll(() => runner?.dispose())

  it('runs a script with argv, streaming stdout and stderr in order', async () => {
    files = [file('main.py', 'import sys\nprint("one", sys.argv[1:])\nprint("two", file=sys.stderr)\nprint("three")\n')]
    const r = await run(['python', 'main.py', 'x', 'y'])
    expect(r.code).toBe(0)
    expect(r.signal).toBeNull()
    expect(r.out.chunks.map((c) => `${c.stream}:${c.text}`).join('')).toBe("stdout:one ['x', 'y']\nstderr:two\nstdout:three\n")
    expect(r.tests).toBeNull()
  })

  it('streams output while the program is still running', async () => {
    files = [file('slow.py', 'import time\nprint("early")\nt = time.time()\nwhile time.time() - t < 1.5: pass\nprint("late")\n')]
    const out = capture()
    const seen: number[] = []
    const t0 = performance.now()
    const done = runner.run({ argv: ['python', 'slow.py'], cwd: '/workspace', env: {}, files }, {
      stdout: (text) => {
        seen.push(performance.now() - t0)
        out.io.stdout(text)
      },
      stderr: out.io.stderr,
    })
    const r = await done
    expect(r.code).toBe(0)
    expect(out.stdout()).toBe('early\nlate\n')
    expect(seen.length).toBe(2)
    expect(seen[1] - seen[0]).toBeGreaterThan(1000)
  })

  it('prints the traceback of an uncaught exception on stderr and exits 1', async () => {
    files = [file('boom.py', 'def f():\n    raise ValueError("bad")\n\nf()\n')]
    const r = await run(['python', 'boom.py'])
    expect(r.code).toBe(1)
    expect(r.out.stderr()).toMatch(
      /^Traceback \(most recent call last\):\n {2}File "\/workspace\/boom.py", line 4, in <module>\n[\s\S]*File "\/workspace\/boom.py", line 2, in f\n[\s\S]*ValueError: bad\n$/,
    )
    expect(r.out.stderr()).not.toContain('coder-driver')
  })

  it('exits with the code given to sys.exit, and 2 for a missing script', async () => {
    files = [file('exit.py', 'import sys\nsys.exit(3)\n')]
    expect((await run(['python', 'exit.py'])).code).toBe(3)
    expect((await run(['python', '-c', 'raise SystemExit("why")'])).out.stderr()).toBe('why\n')
    const missing = await run(['python', 'nope.py'])
    expect(missing.code).toBe(2)
    expect(missing.out.stderr()).toContain("can't open file '/workspace/nope.py'")
  })

  it('feeds stdin to input() and sets cwd, sys.path and os.environ', async () => {
    files = [
      file('pkg/ask.py', 'import os, sys\nname = input("name? ")\nprint("hi", name, os.getcwd(), sys.path[0], os.environ["GREETING"])\nprint(input())\n'),
    ]
    const r = await run(['python', 'ask.py'], { cwd: '/workspace/pkg', env: { GREETING: 'hello' }, stdin: 'Ada\nLovelace\n' })
    expect(r.code).toBe(0)
    expect(r.out.stdout()).toBe('name? hi Ada /workspace/pkg /workspace/pkg hello\nLovelace\n')
    const eof = await run(['python', '-c', 'input()'])
    expect(eof.code).toBe(1)
    expect(eof.out.stderr()).toContain('EOFError')
  })

  it('returns files the program wrote or deleted, and mirrors removed workspace files', async () => {
    files = [file('io.py', 'import os\nopen("out/result.txt", "w").write("42\\n")\nos.remove("old.txt")\n'), file('old.txt', 'old'), file('out/.keep', '')]
    const r = await run(['python', 'io.py'])
    expect(r.out.stderr()).toBe('')
    expect(r.code).toBe(0)
    const writes = r.changes.filter((c) => c.type === 'write')
    expect(writes.map((c) => c.path)).toEqual(['/workspace/out/result.txt'])
    expect(decoder.decode((writes[0] as { data: Uint8Array }).data)).toBe('42\n')
    expect(r.changes.filter((c) => c.type === 'remove')).toEqual([{ type: 'remove', path: '/workspace/old.txt' }])
    // The IDE drops old.txt and io.py from its workspace: they disappear in pyodide too.
    files = [file('check.py', 'import os\nprint(sorted(os.listdir(".")), os.path.exists("io.py"))\n'), file('out/.keep', '')]
    const check = await run(['python', 'check.py'])
    expect(check.out.stdout()).toBe("['check.py', 'out'] False\n")
    expect(check.changes).toEqual([])
  })

  it('re-imports a workspace module edited between runs', async () => {
    files = [file('lib.py', 'VALUE = 1\n'), file('use.py', 'import lib\nprint(lib.VALUE)\n')]
    expect((await run(['python', 'use.py'])).out.stdout()).toBe('1\n')
    files = [file('lib.py', 'VALUE = 2\n'), file('use.py', 'import lib\nprint(lib.VALUE)\n')]
    expect((await run(['python', 'use.py'])).out.stdout()).toBe('2\n')
    expect((await run(['python', '-m', 'use'])).out.stdout()).toBe('2\n')
  })

  it('runs -m unittest discovery with native output, exit code and per-test results', async () => {
    files = [
      file('calc/__init__.py', ''),
      file('calc/ops.py', 'def add(a, b):\n    return a + b\n'),
      file('tests/__init__.py', ''),
      file(
        'tests/test_ops.py',
        [
          'import unittest',
          'from calc.ops import add',
          '',
          'class TestOps(unittest.TestCase):',
          '    def test_add(self):',
          '        self.assertEqual(add(1, 2), 3)',
          '',
          '    def test_wrong(self):',
          '        self.assertEqual(add(1, 1), 3)',
          '',
          '    def test_error(self):',
          '        raise RuntimeError("oops")',
          '',
          '    @unittest.skip("not now")',
          '    def test_skip(self):',
          '        pass',
          '',
          '    @unittest.expectedFailure',
          '    def test_known(self):',
          '        self.assertEqual(1, 2)',
          '',
        ].join('\n'),
      ),
    ]
    const r = await run(['python', '-m', 'unittest'])
    expect(r.code).toBe(1)
    const err = r.out.stderr()
    expect(err).toMatch(/^\.?[.FEsx]{5}\n/)
    expect(err).toMatch(/\nRan 5 tests in \d+\.\d{3}s\n/)
    expect(err).toContain('FAILED (failures=1, errors=1, skipped=1, expected failures=1)\n')
    expect(err).toContain('FAIL: test_wrong (tests.test_ops.TestOps.test_wrong)')
    expect(err).toContain('AssertionError: 2 != 3')
    const byName = new Map(r.tests!.map((t) => [t.name, t]))
    expect(r.tests).toHaveLength(5)
    expect(byName.get('test_add')).toMatchObject({ status: 'passed', file: 'tests/test_ops.py', suites: ['TestOps'], failure: null })
    expect(byName.get('test_skip')?.status).toBe('skipped')
    expect(byName.get('test_known')?.status).toBe('passed')
    expect(byName.get('test_error')?.status).toBe('failed')
    expect(byName.get('test_error')?.failure?.message).toBe('RuntimeError: oops')
    const wrong = byName.get('test_wrong')!
    expect(wrong.status).toBe('failed')
    expect(wrong.failure?.message).toBe('2 != 3')
    expect(wrong.failure?.location).toMatchObject({ path: 'tests/test_ops.py', line: 9 })
    expect(wrong.failure?.stack).toContain('Traceback')
    expect(wrong.durationMs).toBeGreaterThanOrEqual(0)

    const verbose = await run(['python', '-m', 'unittest', '-v', 'tests.test_ops.TestOps.test_add'])
    expect(verbose.code).toBe(0)
    expect(verbose.out.stderr()).toContain('test_add (tests.test_ops.TestOps.test_add) ... ok\n')
    expect(verbose.out.stderr()).toMatch(/Ran 1 test in \d+\.\d{3}s\n\nOK\n$/)
    expect(verbose.tests).toHaveLength(1)

    const pattern = await run(['python', '-m', 'unittest', 'discover', '-s', 'tests', '-p', 'nothing_*.py'])
    expect(pattern.code).toBe(5)
    expect(pattern.out.stderr()).toContain('NO TESTS RAN')
    expect(pattern.tests).toEqual([])
  })

  it('reports a test module that fails to import as a failed test at its line', async () => {
    files = [file('tests/__init__.py', ''), file('tests/test_broken.py', '\nimport nosuchmodule\n')]
    const r = await run(['python', '-m', 'unittest'])
    expect(r.code).toBe(1)
    expect(r.out.stderr()).toContain('ERROR: tests.test_broken (unittest.loader._FailedTest.tests.test_broken)')
    expect(r.tests).toHaveLength(1)
    expect(r.tests![0]).toMatchObject({ file: 'tests/test_broken.py', name: 'tests.test_broken', status: 'failed' })
    expect(r.tests![0].failure?.message).toBe("ImportError: Failed to import test module: tests.test_broken\nModuleNotFoundError: No module named 'nosuchmodule'")
    expect(r.tests![0].failure?.location).toMatchObject({ path: 'tests/test_broken.py', line: 2 })
    const missing = await run(['python', '-m', 'nosuchmodule'])
    expect(missing.code).toBe(1)
    expect(missing.out.stderr()).toBe('python: No module named nosuchmodule\n')
  })

  it('runs a real project\'s unittest suite (py-isodate) with the same counts as native CPython', async () => {
    files = Object.entries(isodate).map(([path, text]) => file(`isodate-project/${path.slice(ISODATE_DIR.length)}`, text))
    expect(files.length).toBeGreaterThan(10)
    const r = await run(['python', '-m', 'unittest'], { cwd: '/workspace/isodate-project' })
    expect(r.out.stderr()).toMatch(/\nRan 278 tests in \d+\.\d{3}s\n\nOK\n$/)
    expect(r.code).toBe(0)
    expect(r.tests).toHaveLength(278)
    expect(r.tests!.filter((t) => t.status === 'passed')).toHaveLength(278)
    expect(r.tests![0].file).toMatch(/^isodate-project\/isodate\/tests\/test_\w+\.py$/)
  })

  it("imports from the project's .venv (script, -c, -m, unittest), ahead of the system site-packages, reading its .pth files", async () => {
    const site = '.venv/lib/python3.14/site-packages'
    files = [
      file(`${site}/vpkg/__init__.py`, 'WHERE = "venv"\n'),
      file(`${site}/vpkg/__main__.py`, 'from vpkg import WHERE\nprint("main", WHERE)\n'),
      file(`${site}/extra.pth`, '/workspace/vendor\n'),
      file('vendor/vendored.py', 'OK = True\n'),
      file('tool/run.py', 'import sys, vpkg, vendored\nprint(vpkg.WHERE, vendored.OK, [p for p in sys.path if "site-packages" in p][:2])\n'),
      file('test_v.py', 'import unittest, vpkg\n\nclass T(unittest.TestCase):\n    def test_it(self):\n        self.assertEqual(vpkg.WHERE, "venv")\n'),
    ]
    const script = await run(['python', 'tool/run.py'])
    expect(script.out.stderr()).toBe('')
    expect(script.out.stdout()).toBe(`venv True ['/workspace/${site}', '/lib/python3.14/site-packages']\n`)
    expect((await run(['python', '-c', 'import vpkg; print(vpkg.WHERE)'])).out.stdout()).toBe('venv\n')
    expect((await run(['python', '-m', 'vpkg'])).out.stdout()).toBe('main venv\n')
    expect((await run(['python', '-m', 'unittest', 'test_v'])).code).toBe(0)
    // Without the environment, nothing of it stays importable.
    files = files.filter((f) => !f.path.includes('/.venv/'))
    const gone = await run(['python', '-c', 'import vpkg'])
    expect(gone.code).toBe(1)
    expect(gone.out.stderr()).toContain("No module named 'vpkg'")
  })

  it('interrupts an infinite loop on abort (KeyboardInterrupt, 130) and keeps pyodide loaded', async () => {
    files = [file('loop.py', 'print("looping")\nwhile True:\n    pass\n')]
    const controller = new AbortController()
    const started = run(['python', 'loop.py'], {}, controller.signal)
    setTimeout(() => controller.abort(), 500)
    const r = await started
    expect(r.code).toBe(130)
    expect(r.out.stdout()).toBe('looping\n')
    if (globalThis.crossOriginIsolated) {
      expect(r.signal).toBe('SIGINT')
      expect(r.out.stderr()).toContain('KeyboardInterrupt')
      const t0 = performance.now()
      const after = await run(['python', '-c', 'print(6 * 7)'])
      expect(after.out.stdout()).toBe('42\n')
      expect(performance.now() - t0).toBeLessThan(2000)
    } else {
      expect(r.signal).toBe('SIGKILL')
    }
  })

  it('kills a program that ignores KeyboardInterrupt, and the next run reloads', async () => {
    files = [file('stubborn.py', 'while True:\n    try:\n        while True: pass\n    except KeyboardInterrupt:\n        pass\n')]
    const r = await run(['python', 'stubborn.py'], { timeoutMs: 300 })
    expect(r).toMatchObject({ code: 124, timedOut: true, signal: 'SIGKILL' })
    files = [file('lib.py', 'VALUE = 7\n'), file('use.py', 'import lib\nprint(lib.VALUE)\n')]
    const after = await run(['python', 'use.py'])
    expect(after.out.stdout()).toBe('7\n')
  })

  it('times out a long run with code 124', async () => {
    files = [file('sleepy.py', 'import time\nwhile True: time.sleep(0.01)\n')]
    const r = await run(['python', 'sleepy.py'], { timeoutMs: 500 })
    expect(r.code).toBe(124)
    expect(r.timedOut).toBe(true)
    expect(r.signal).toBe(globalThis.crossOriginIsolated ? 'SIGINT' : 'SIGKILL')
  })
})
