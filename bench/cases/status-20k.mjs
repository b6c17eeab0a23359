/**
 * @module status-20k: `git status` over a 20,000-file workspace with one modified file, in the page
 * (workspace set up by the page, untimed) vs native `git status --porcelain` over an equivalent
 * work tree on disk (bench/.cache/status-20k-v1): 200 directories `dir-000`…`dir-199` of 100 files
 * `file-000.txt`…`file-099.txt`, ~90 bytes each, one commit, then `dir-000/file-000.txt` modified.
 */
import { existsSync, rmSync, writeFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { git, timeGit } from '../lib.mjs'

const DIRS = 200
const FILES_PER_DIR = 100
const CHANGED = 'dir-000/file-000.txt'

/** ~90 bytes of source-like text, unique per file. */
function fileContent(d, f) {
  const line = `export const value_${d}_${f} = ${(d * FILES_PER_DIR + f) * 7919 % 100000}\n`
  return `// dir-${d} file-${f}\n${line}`.padEnd(89, '/') + '\n'
}

/** The 20,000-file work tree on disk (built once, cached), resolving to its path. */
export async function ensureStatusRepo(ctx) {
  const dir = join(ctx.cacheDir, 'status-20k-v1')
  if (existsSync(join(dir, '.git', 'coder-fixture-complete'))) return dir
  const { makeRepo } = await ctx.importTs('e2e/support/fixtures.ts')
  const files = []
  for (let d = 0; d < DIRS; d++) {
    for (let f = 0; f < FILES_PER_DIR; f++) {
      files.push({ path: `dir-${String(d).padStart(3, '0')}/file-${String(f).padStart(3, '0')}.txt`, content: fileContent(d, f) })
    }
  }
  const building = `${dir}.tmp-${process.pid}`
  rmSync(building, { recursive: true, force: true })
  await makeRepo(`${building}/bare.git`, { files, commits: [], initialMessage: '20,000 files' })
  await git(['clone', '--quiet', `${building}/bare.git`, `${building}/work`])
  writeFileSync(join(`${building}/work`, '.git', 'coder-fixture-complete'), 'ok\n')
  rmSync(dir, { recursive: true, force: true })
  renameSync(`${building}/work`, dir)
  rmSync(building, { recursive: true, force: true })
  return dir
}

async function nativeStatus(ctx) {
  const dir = await ensureStatusRepo(ctx)
  writeFileSync(join(dir, CHANGED), fileContent(0, 0).replace('//', '/* changed */ //'))
  // One untimed status refreshes the index's stat data, as the page's setup leaves its workspace settled.
  await git(['status', '--porcelain'], { cwd: dir })
  const ms = await timeGit(['status', '--porcelain'], { cwd: dir })
  const out = await git(['status', '--porcelain'], { cwd: dir })
  if (out.trim() !== `M ${CHANGED}`) throw new Error(`status-20k fixture is not in the expected state: ${out}`)
  return ms
}

export default {
  name: 'status-20k',
  unit: 'ms',
  anchor: 'git status',
  // The page builds its 20,000-file workspace before timing, which can take minutes.
  timeoutMs: 30 * 60_000,
  async warmup(ctx) {
    await nativeStatus(ctx)
  },
  async runOnce(ctx, { subjectFirst }) {
    if (subjectFirst) {
      const value = await ctx.runInBench('status20k', { timeoutMs: 120_000 })
      return { value, anchor: await nativeStatus(ctx) }
    }
    const anchor = await nativeStatus(ctx)
    return { value: await ctx.runInBench('status20k', { timeoutMs: 120_000 }), anchor }
  },
}
