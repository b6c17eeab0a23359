/**
 * @module `npm test [-- vitest args]`: starts one shared headless Chromium, runs every vitest
 * project against it, and ends with a single `N passed, N failed` line.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { ensureChromium, chromiumArgs } from './find-browser.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const vitestBin = join(root, 'node_modules', '.bin', 'vitest')

/** @type {import('playwright-core').BrowserServer | undefined} */
let server
/** @type {import('node:child_process').ChildProcess | undefined} */
let child
let closing

function closeBrowser() {
  closing ??= server ? server.close().catch(() => server?.kill()) : Promise.resolve()
  return closing
}

// Playwright's own signal handlers are off so that ours can stop vitest first, then the browser.
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
  process.on(signal, async () => {
    if (child && child.exitCode === null) child.kill(signal)
    await closeBrowser()
    process.exit(signal === 'SIGINT' ? 130 : 143)
  })
}

/**
 * Counts passed and failed tests from vitest's JSON report. A file that failed without any
 * failing test (a syntax error, a failing hook, a crashed import) counts as one failure.
 */
function summarise(report) {
  const passed = report.numPassedTests ?? 0
  let failed = report.numFailedTests ?? 0
  for (const file of report.testResults ?? []) {
    const failedTests = (file.assertionResults ?? []).filter((t) => t.status === 'failed').length
    if (file.status === 'failed' && failedTests === 0) failed += 1
  }
  if (failed === 0 && (report.numFailedTestSuites ?? 0) > 0) failed = report.numFailedTestSuites
  return { passed, failed }
}

async function main() {
  const executablePath = ensureChromium()
  server = await chromium.launchServer({
    executablePath,
    args: [...chromiumArgs],
    headless: true,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  })

  const outDir = mkdtempSync(join(tmpdir(), 'coder-test-'))
  const jsonFile = join(outDir, 'vitest.json')
  const args = [
    vitestBin,
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${jsonFile}`,
    ...process.argv.slice(2),
  ]
  const code = await new Promise((resolve, reject) => {
    child = spawn(process.execPath, args, {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, CODER_BROWSER_WS: server.wsEndpoint(), CHROMIUM_PATH: executablePath },
    })
    child.on('error', reject)
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)))
  })

  let passed = 0
  let failed = 0
  if (existsSync(jsonFile)) {
    ;({ passed, failed } = summarise(JSON.parse(readFileSync(jsonFile, 'utf8'))))
  } else {
    console.error('[test] vitest wrote no JSON report')
  }
  rmSync(outDir, { recursive: true, force: true })
  if (code !== 0 && failed === 0) {
    // vitest failed outside any test (unhandled error, no test files, bad config): say so in the tally.
    console.error(`[test] vitest exited with code ${code} outside of any test; counting it as a failure`)
    failed = 1
  }
  console.log(`${passed} passed, ${failed} failed`)
  return code !== 0 || failed > 0 ? 1 : 0
}

let exitCode = 1
try {
  exitCode = await main()
} catch (error) {
  console.error(error instanceof Error ? error.stack ?? error.message : error)
  console.log('0 passed, 1 failed')
  exitCode = 1
} finally {
  await closeBrowser()
}
process.exit(exitCode)
