/**
 * @module Real small open-source projects kept as fixtures in worker/runtime/__fixtures__/projects
 * (one folder each, zero install), and the native side of the "same counts in the tab as on this
 * machine" comparison: run a project's tests with the real Node / vitest / Python and count them.
 */
import { spawn } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

export type RealProjectRunner = 'node-test' | 'vitest' | 'assert-script' | 'python-unittest'

export interface RealProject {
  /** Folder name, e.g. `js-mri`. */
  name: string
  /** Absolute path of the fixture folder. */
  dir: string
  runner: RealProjectRunner
  /** What `npm test` runs (package.json `scripts.test`); `python -m unittest` for Python projects. */
  command: string
}

export interface TestCounts {
  passed: number
  failed: number
  skipped: number
  todo: number
  total: number
}

export interface NativeResult {
  counts: TestCounts
  exitCode: number
  /** stdout and stderr of the run, interleaved as they arrived. */
  output: string
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
/** Where the fixture projects live. */
export const realProjectsDir = join(repoRoot, 'worker', 'runtime', '__fixtures__', 'projects')
/** The pinned Node 22 from the `node` devDependency, else the Node running this code. */
const nodeBin = existsSync(join(repoRoot, 'node_modules', '.bin', 'node')) ? join(repoRoot, 'node_modules', '.bin', 'node') : process.execPath
const vitestEntry = join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs')
const RUN_TIMEOUT_MS = 120_000

/** Which runner a package.json `test` script means. */
export function runnerOf(command: string): Exclude<RealProjectRunner, 'python-unittest'> {
  const cmd = command.trim()
  if (/^node\s+(?:.*\s)?--test(?:\s|$)/.test(cmd)) return 'node-test'
  if (/^vitest(?:\s|$)/.test(cmd)) return 'vitest'
  if (/^node\s+\S+/.test(cmd)) return 'assert-script'
  throw new Error(`unrecognised test script: ${JSON.stringify(command)}`)
}

/** Every project folder in worker/runtime/__fixtures__/projects, sorted by name. */
export function listRealProjects(): RealProject[] {
  if (!existsSync(realProjectsDir)) return []
  return readdirSync(realProjectsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((name): RealProject => {
      const dir = join(realProjectsDir, name)
      const pkgPath = join(dir, 'package.json')
      if (name.startsWith('py-') || !existsSync(pkgPath)) {
        return { name, dir, runner: 'python-unittest', command: 'python -m unittest' }
      }
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { scripts?: Record<string, string> }
      const command = pkg.scripts?.test
      if (!command) throw new Error(`${name}/package.json has no "test" script`)
      return { name, dir, runner: runnerOf(command), command }
    })
}

const SKIPPED_NAMES = new Set(['node_modules', '__pycache__', '.pytest_cache', '.vite', '.DS_Store'])

/** The project's files with paths relative to its folder (the folder is the workspace root), sorted. */
export function readProjectFiles(project: RealProject): Array<{ path: string; data: Uint8Array }> {
  const out: Array<{ path: string; data: Uint8Array }> = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (SKIPPED_NAMES.has(entry.name)) continue
      const abs = join(dir, entry.name)
      if (entry.isDirectory()) walk(abs)
      else if (entry.isFile()) out.push({ path: relative(project.dir, abs).split(sep).join('/'), data: new Uint8Array(readFileSync(abs)) })
    }
  }
  walk(project.dir)
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** Copies the project to a fresh temp folder, so runs leave no caches behind in the repo. */
function copyToTemp(project: RealProject): string {
  const tmp = mkdtempSync(join(tmpdir(), `coder-real-${project.name}-`))
  cpSync(project.dir, tmp, {
    recursive: true,
    filter: (src) => !SKIPPED_NAMES.has(src.split(sep).pop() ?? ''),
  })
  return tmp
}

/** The environment for a child run: no settings of an enclosing vitest or Node leak in. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('VITEST') || k.startsWith('NODE_') || k === 'TEST' || k === 'FORCE_COLOR' || k.startsWith('PYTHON')) continue
    env[k] = v
  }
  env.NO_COLOR = '1'
  env.CI = '1'
  return env
}

function run(cmd: string, args: string[], cwd: string): Promise<{ exitCode: number; output: string; stdout: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    let stdout = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => ((stdout += d), (output += d)))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS)
    child.on('error', (err) => (clearTimeout(timer), reject(err)))
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolvePromise({ exitCode: code ?? (signal ? 128 : 1), output, stdout })
    })
  })
}

function summaryNumber(text: string, label: string): number | undefined {
  // Top-level TAP summary lines only ("# pass 12"), not a subtest's indented ones.
  const all = [...text.matchAll(new RegExp(`^# ${label} (\\d+)\\s*$`, 'gm'))]
  const last = all.at(-1)
  return last ? Number(last[1]) : undefined
}

/**
 * Counts from node:test's TAP reporter summary: `# tests`, `# pass`, `# fail`, `# cancelled`
 * (counted as failed), `# skipped`, `# todo`. `tests` counts every test() / it() including
 * parents of subtests; describe() suites are not tests.
 */
export function parseNodeTestTap(tap: string): TestCounts {
  const total = summaryNumber(tap, 'tests')
  if (total === undefined) throw new Error('no "# tests N" summary in the TAP output')
  return {
    passed: summaryNumber(tap, 'pass') ?? 0,
    failed: (summaryNumber(tap, 'fail') ?? 0) + (summaryNumber(tap, 'cancelled') ?? 0),
    skipped: summaryNumber(tap, 'skipped') ?? 0,
    todo: summaryNumber(tap, 'todo') ?? 0,
    total,
  }
}

/**
 * Counts from an assert script: the last `# tests N`, `# pass N`, `# fail N` (and, when printed,
 * `# skipped N` / `# todo N`) lines of its output, at the start of a line.
 */
export function parseAssertScript(output: string): TestCounts {
  const total = summaryNumber(output, 'tests')
  const passed = summaryNumber(output, 'pass')
  const failed = summaryNumber(output, 'fail')
  if (total === undefined || passed === undefined || failed === undefined) throw new Error('no "# tests / # pass / # fail" summary in the output')
  return { passed, failed, skipped: summaryNumber(output, 'skipped') ?? 0, todo: summaryNumber(output, 'todo') ?? 0, total }
}

/** Counts from vitest's JSON reporter (the Jest-compatible shape). */
export function parseVitestJson(json: string): TestCounts {
  const r = JSON.parse(json) as {
    numTotalTests: number
    numPassedTests: number
    numFailedTests: number
    numPendingTests: number
    numTodoTests: number
  }
  return { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests, todo: r.numTodoTests, total: r.numTotalTests }
}

/**
 * Counts from `python -m unittest`'s closing lines: `Ran N tests` then `OK`, `OK (skipped=2)` or
 * `FAILED (failures=1, errors=1, skipped=2)`. failed = failures + errors + unexpected successes;
 * expected failures count as passed.
 */
export function parseUnittest(output: string): TestCounts {
  const ran = [...output.matchAll(/^Ran (\d+) tests? in /gm)].at(-1)
  if (!ran) throw new Error('no "Ran N tests" line in the unittest output')
  const total = Number(ran[1])
  const status = output.slice(ran.index).match(/^(OK|FAILED)(?: \(([^)]*)\))?\s*$/m)
  const detail = new Map<string, number>()
  for (const part of status?.[2]?.split(',') ?? []) {
    const [k, v] = part.trim().split('=')
    if (k && v) detail.set(k, Number(v))
  }
  const failed = (detail.get('failures') ?? 0) + (detail.get('errors') ?? 0) + (detail.get('unexpected successes') ?? 0)
  const skipped = detail.get('skipped') ?? 0
  return { passed: total - failed - skipped, failed, skipped, todo: 0, total }
}

/** Runs the project's tests natively on this machine, in a temp copy, and counts them. */
export async function runNative(project: RealProject): Promise<NativeResult> {
  const tmp = copyToTemp(project)
  try {
    switch (project.runner) {
      case 'node-test': {
        // `node --test` with node's default discovery, as `npm test` would run it; TAP for counting.
        const extra = project.command.trim().split(/\s+/).slice(1).filter((a) => a !== '--test' && !a.startsWith('--test-reporter'))
        const r = await run(nodeBin, ['--test', '--test-reporter=tap', ...extra], tmp)
        return { counts: parseNodeTestTap(r.stdout), exitCode: r.exitCode, output: r.output }
      }
      case 'assert-script': {
        const args = project.command.trim().split(/\s+/).slice(1)
        const r = await run(nodeBin, args, tmp)
        return { counts: parseAssertScript(r.stdout), exitCode: r.exitCode, output: r.output }
      }
      case 'vitest': {
        // The repo's vitest, rooted at the copy; outside the repo no vitest config is found.
        const report = join(tmp, '.vitest-report.json')
        const r = await run(nodeBin, [vitestEntry, 'run', '--root', tmp, '--reporter=json', '--outputFile', report], tmp)
        if (!existsSync(report)) throw new Error(`vitest wrote no report (exit ${r.exitCode}):\n${r.output}`)
        return { counts: parseVitestJson(readFileSync(report, 'utf8')), exitCode: r.exitCode, output: r.output }
      }
      case 'python-unittest': {
        const r = await run(pythonBin(), ['-m', 'unittest'], tmp)
        return { counts: parseUnittest(r.output), exitCode: r.exitCode, output: r.output }
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

function pythonBin(): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    for (const name of ['python3', 'python']) {
      const p = join(dir, name)
      try {
        if (statSync(p).isFile()) return p
      } catch {}
    }
  }
  return 'python3'
}
