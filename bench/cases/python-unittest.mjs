/**
 * @module python-unittest: `python -m unittest` over the py-isodate fixture (isodate 0.6.1, 278
 * tests) in the tab — pyodide already loaded, its load time reported apart — vs native
 * `python3 -B -m unittest` on the same files (the interpreter `python3` resolves to, spawn to exit,
 * start-up included; -B as the tab writes no bytecode either). Writes bench/results/python-unittest-load.json beside the
 * usual result with the pyodide load times (fresh profile each run, so downloads included).
 */
import { spawn } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { median, repoRoot, resultsDir } from '../lib.mjs'

const projectDir = join(repoRoot, 'worker', 'runtime', '__fixtures__', 'projects', 'py-isodate')
const EXPECTED = /\nRan 278 tests in \d+\.\d+s\n\nOK\n$/

function readFiles(dir = projectDir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    if (name === '__pycache__') continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) readFiles(path, out)
    else out.push({ path: relative(projectDir, path), text: readFileSync(path, 'utf8') })
  }
  return out
}

/** The interpreter `python3` names, resolved once: a launcher script (pyenv's shims) would add its own start-up. */
let python
function resolvePython() {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', 'import sys; print(sys.executable)'], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (c) => (out += c))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 && out.trim() ? resolve(out.trim()) : reject(new Error(`python3 exited ${code}`))))
  })
}

function timeNative() {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(python, ['-B', '-m', 'unittest'], { cwd: projectDir, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (c) => (out += c))
    child.stderr.on('data', (c) => (out += c))
    child.on('error', reject)
    child.on('close', (code) => {
      const ms = performance.now() - t0
      if (code !== 0 || !EXPECTED.test(out)) reject(new Error(`native python3 -m unittest exited ${code}:\n${out}`))
      else resolve(ms)
    })
  })
}

const loads = []

async function timeTab(ctx) {
  const { page, close } = await ctx.openBench({ timeoutMs: 120_000, built: true })
  try {
    page.on('response', (r) => r.status() >= 400 && console.error(`[bench page] ${r.status()} ${r.url()}`))
    const files = readFiles()
    const r = await page.evaluate((f) => window.coderBench.pythonUnittest(f), files)
    if (!EXPECTED.test(r.output)) throw new Error(`python -m unittest in the tab printed:\n${r.output}`)
    loads.push(r.loadMs)
    console.error(`  python-unittest: pyodide load ${Math.round(r.loadMs)}ms, run ${Math.round(r.runMs)}ms`)
    return r.runMs
  } finally {
    await close()
  }
}

export default {
  name: 'python-unittest',
  unit: 'ms',
  anchor: 'python3 -m unittest',
  timeoutMs: 10 * 60_000,
  async warmup() {
    python = await resolvePython()
    await timeNative()
  },
  async runOnce(ctx, { subjectFirst }) {
    if (subjectFirst) {
      const value = await timeTab(ctx)
      return { value, anchor: await timeNative() }
    }
    const anchor = await timeNative()
    return { value: await timeTab(ctx), anchor }
  },
  async teardown() {
    if (!loads.length) return
    const loadMs = Math.round(median(loads))
    console.log(`python-unittest: pyodide load ${loadMs}ms (median of ${loads.length}, reported apart from the run)`)
    mkdirSync(resultsDir, { recursive: true })
    writeFileSync(
      join(resultsDir, 'python-unittest-load.json'),
      JSON.stringify({ case: 'python-unittest', what: 'pyodide load (fresh profile)', unit: 'ms', value: loadMs, runs: loads.length, at: new Date().toISOString() }, null, 2) + '\n',
    )
    loads.length = 0
  },
}
