/**
 * @module Finds (and if need be installs) the Chromium that every UI test and benchmark drives.
 * Debian's package is preferred; Playwright's own download is the fallback.
 */
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'

/**
 * Flags Chromium is always started with through Playwright, which adds its own headless flag.
 * A fresh user-data-dir is the caller's job (Playwright makes one per launch).
 */
export const chromiumArgs = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
])

/** The same flags for spawning Chromium directly, without Playwright. */
export const chromiumCliArgs = Object.freeze(['--headless', ...chromiumArgs])

/** Places a Chromium is looked for, after $CHROMIUM_PATH and $CHROME_PATH. */
export const chromiumPaths = Object.freeze([
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
])

const APT_COMMAND = 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium'
const PLAYWRIGHT_COMMAND = 'npx playwright install chromium'

/**
 * Resolves the path of an installed Chromium, or null. Never installs anything.
 * @returns {string | null}
 */
export function findChromium() {
  for (const candidate of [process.env.CHROMIUM_PATH, process.env.CHROME_PATH, ...chromiumPaths]) {
    if (candidate && existsSync(candidate)) return candidate
  }
  return playwrightChromium()
}

/** Playwright's own downloaded Chromium, if one is already installed. */
function playwrightChromium() {
  try {
    const require = createRequire(import.meta.url)
    const path = require('playwright-core').chromium.executablePath()
    return path && existsSync(path) ? path : null
  } catch {
    return null
  }
}

function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0
}

function run(command) {
  console.error(`[find-browser] ${command}`)
  const result = spawnSync('sh', ['-c', command], { stdio: ['ignore', 'inherit', 'inherit'] })
  return result.status === 0
}

/**
 * Resolves a Chromium path, installing one when none is found: with apt-get when running as
 * root, otherwise with Playwright's installer. Throws an Error naming the exact install
 * commands when both fail; never returns null.
 * @returns {string}
 */
export function ensureChromium() {
  const found = findChromium()
  if (found) return found

  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (isRoot && hasCommand('apt-get')) {
    run(APT_COMMAND)
  } else {
    run(PLAYWRIGHT_COMMAND)
  }
  const installed = findChromium()
  if (installed) return installed

  throw new Error(
    'No Chromium found and installing one failed. Install one of:\n' +
      `  as root on Debian/Ubuntu:  ${APT_COMMAND}\n` +
      `  anywhere:                  ${PLAYWRIGHT_COMMAND}\n` +
      'or point CHROMIUM_PATH at an existing Chromium/Chrome binary.',
  )
}
