/**
 * @module `npm run bench [-- case...] [--runs N]`: runs the named benchmark cases (all when none
 * is named), each side by side with its anchor, and writes bench/results/<case>.json.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { benchDir, createContext, runCase } from './lib.mjs'

const casesDir = join(benchDir, 'cases')

async function loadCases() {
  const cases = new Map()
  for (const file of readdirSync(casesDir).filter((f) => f.endsWith('.mjs')).sort()) {
    const { default: benchCase } = await import(pathToFileURL(join(casesDir, file)).href)
    cases.set(benchCase.name, benchCase)
  }
  return cases
}

function parseArgs(argv) {
  const names = []
  let runs
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--runs') runs = Number(argv[++i])
    else if (arg.startsWith('--runs=')) runs = Number(arg.slice('--runs='.length))
    else names.push(arg)
  }
  if (runs !== undefined && !(runs >= 3)) throw new Error('--runs must be at least 3')
  return { names, runs }
}

const { names, runs } = parseArgs(process.argv.slice(2))
const cases = await loadCases()
const unknown = names.filter((n) => !cases.has(n))
if (unknown.length) {
  console.error(`Unknown case(s): ${unknown.join(', ')}. Known: ${[...cases.keys()].join(', ')}`)
  process.exit(2)
}
const selected = names.length ? names.map((n) => cases.get(n)) : [...cases.values()]

const ctx = createContext()
let failed = 0
const stop = async (signal) => {
  await ctx.close()
  process.exit(signal === 'SIGINT' ? 130 : 143)
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
try {
  for (const benchCase of selected) {
    console.error(`${benchCase.name} (${ctx.storage}-backed IndexedDB)…`)
    try {
      await runCase(ctx, benchCase, { runs })
    } catch (error) {
      failed++
      console.error(`${benchCase.name}: FAILED — ${error instanceof Error ? error.stack ?? error.message : error}`)
    }
  }
} finally {
  await ctx.close()
}
process.exit(failed ? 1 : 0)
