/**
 * @module Deterministic fixture repositories built with native git (`git fast-import`): fixed
 * authors, dates and seeded content, so every object id is the same on every machine.
 */
import { spawn, execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** One entry of a tree. `mode` 120000 is a symlink whose content is its target. */
export interface FileSpec {
  path: string
  content: string | Uint8Array
  mode?: '100644' | '100755' | '120000'
}

/** A commit: files written (added or replaced) and paths deleted, relative to its parent. */
export interface CommitSpec {
  message: string
  files?: FileSpec[]
  delete?: string[]
}

/** A branch forked from `main` after commit number `from` (1-based; default: main's tip). */
export interface BranchSpec {
  name: string
  from?: number
  commits: CommitSpec[]
}

/** A tag on main's commit number `at` (1-based); annotated when it has a message. */
export interface TagSpec {
  name: string
  at: number
  message?: string
}

/**
 * A repository: `files` is the tree of the first commit on `main`, `commits` the commits after
 * it; so a repo has `commits.length + 1` commits on main.
 */
export interface RepoSpec {
  files: FileSpec[]
  commits: CommitSpec[]
  branches?: BranchSpec[]
  tags?: TagSpec[]
  /** Message of the first commit; default "Initial commit". */
  initialMessage?: string
}

const AUTHOR = 'Coder Fixtures <fixtures@coder.test>'
const EPOCH = 1_700_000_000 // 2023-11-14T22:13:20Z; commit n is n hours later

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
/** Where generated large fixtures are kept between runs (git-ignored). */
export const fixtureCacheDir = join(repoRoot, 'bench', '.cache')

/** Serialises a spec as a `git fast-import` stream. Pure: equal specs give equal bytes. */
export function toFastImport(spec: RepoSpec): Buffer {
  const out: Buffer[] = []
  const text = (s: string) => out.push(Buffer.from(s, 'utf8'))
  const data = (content: string | Uint8Array) => {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content)
    text(`data ${bytes.length}\n`)
    out.push(bytes)
    text('\n')
  }
  let tick = 0
  let mark = 0
  const mainMarks: number[] = []
  const commit = (ref: string, c: CommitSpec, parent: number | undefined, deleteAll = false) => {
    const when = `${EPOCH + 3600 * tick++} +0000`
    const m = ++mark
    text(`commit ${ref}\nmark :${m}\nauthor ${AUTHOR} ${when}\ncommitter ${AUTHOR} ${when}\n`)
    data(c.message.endsWith('\n') ? c.message : `${c.message}\n`)
    if (parent !== undefined) text(`from :${parent}\n`)
    if (deleteAll) text('deleteall\n')
    for (const path of c.delete ?? []) text(`D ${quotePath(path)}\n`)
    for (const f of c.files ?? []) {
      text(`M ${f.mode ?? '100644'} inline ${quotePath(f.path)}\n`)
      data(f.content)
    }
    return m
  }

  let tip = commit('refs/heads/main', { message: spec.initialMessage ?? 'Initial commit', files: spec.files }, undefined, true)
  mainMarks.push(tip)
  for (const c of spec.commits) mainMarks.push((tip = commit('refs/heads/main', c, tip)))
  for (const b of spec.branches ?? []) {
    let branchTip = markAt(mainMarks, b.from ?? mainMarks.length, b.name)
    text(`reset refs/heads/${b.name}\nfrom :${branchTip}\n\n`)
    for (const c of b.commits) branchTip = commit(`refs/heads/${b.name}`, c, branchTip)
  }
  for (const t of spec.tags ?? []) {
    const target = markAt(mainMarks, t.at, t.name)
    if (t.message === undefined) {
      text(`reset refs/tags/${t.name}\nfrom :${target}\n\n`)
    } else {
      text(`tag ${t.name}\nfrom :${target}\ntagger ${AUTHOR} ${EPOCH + 3600 * tick++} +0000\n`)
      data(t.message.endsWith('\n') ? t.message : `${t.message}\n`)
    }
  }
  text('done\n')
  return Buffer.concat(out)
}

function markAt(marks: number[], n: number, what: string): number {
  const m = marks[n - 1]
  if (m === undefined) throw new Error(`${what}: main has no commit number ${n}`)
  return m
}

function quotePath(path: string): string {
  return /["\\\n]/.test(path) || path.startsWith(' ') ? JSON.stringify(path) : path
}

/**
 * Creates the bare repository `bareDir` (must not exist) from `spec`, repacked with deltas, HEAD
 * on `main`, pushes over HTTP allowed. Resolves to its refs (`refs/heads/main` → object id).
 */
export async function makeRepo(bareDir: string, spec: RepoSpec): Promise<Record<string, string>> {
  return importStream(bareDir, toFastImport(spec))
}

async function importStream(bareDir: string, stream: Buffer): Promise<Record<string, string>> {
  mkdirSync(dirname(bareDir), { recursive: true })
  git(['init', '--quiet', '--bare', '--initial-branch=main', bareDir])
  git(['config', 'http.receivepack', 'true'], bareDir)
  await new Promise<void>((ok, fail) => {
    const child = spawn('git', ['fast-import', '--quiet', '--done'], { cwd: bareDir, stdio: ['pipe', 'ignore', 'pipe'] })
    const err: Buffer[] = []
    child.stderr.on('data', (c: Buffer) => err.push(c))
    child.on('error', fail)
    child.on('close', (code) =>
      code === 0 ? ok() : fail(new Error(`git fast-import failed (${code}): ${Buffer.concat(err)}`)),
    )
    child.stdin.end(stream)
  })
  // fast-import's pack is poorly deltified; a real repository's is not.
  git(['repack', '-a', '-d', '-f', '-q'], bareDir)
  git(['update-server-info'], bareDir)
  return refsOf(bareDir)
}

function refsOf(bareDir: string): Record<string, string> {
  const refs: Record<string, string> = {}
  for (const line of git(['for-each-ref', '--format=%(refname) %(objectname)'], bareDir).split('\n')) {
    const [name, id] = line.split(' ')
    if (name && id) refs[name] = id
  }
  return refs
}

function git(args: string[], cwd?: string): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' },
  })
}

// ---------------------------------------------------------------------------------------------
// Deterministic content

/** mulberry32: small seeded PRNG, so generated repositories are byte-identical everywhere. */
export function createRandom(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1))
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T
  return { next, int, pick }
}
type Random = ReturnType<typeof createRandom>

/** A 1×1 PNG followed by seeded bytes (NULs included): a binary file git must not treat as text. */
function binaryBytes(seed: number, length: number): Uint8Array {
  const png = Buffer.from(
    '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
      '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
    'hex',
  )
  const rnd = createRandom(seed)
  const tail = Buffer.alloc(Math.max(0, length - png.length))
  for (let i = 0; i < tail.length; i++) tail[i] = rnd.int(0, 255)
  return Buffer.concat([png, tail])
}

// ---------------------------------------------------------------------------------------------
// The small repository

const smallFiles: FileSpec[] = [
  { path: 'README.md', content: '# small\n\nA fixture repository for Coder tests.\n' },
  { path: '.gitignore', content: 'node_modules/\ndist/\n' },
  { path: 'LICENSE', content: 'MIT License\n\nCopyright (c) 2023 Coder Fixtures\n' },
  {
    path: 'package.json',
    content: JSON.stringify({ name: 'small', version: '1.0.0', type: 'module', scripts: { test: 'node test/run.js' } }, null, 2) + '\n',
  },
  { path: 'tsconfig.json', content: '{\n  "compilerOptions": { "strict": true, "target": "ES2022" }\n}\n' },
  { path: 'src/index.ts', content: "export { add, mul } from './math/ops'\nexport { greet } from './util/greet'\n" },
  { path: 'src/math/ops.ts', content: 'export const add = (a: number, b: number) => a + b\nexport const mul = (a: number, b: number) => a * b\n' },
  { path: 'src/math/consts.ts', content: 'export const TAU = 2 * Math.PI\n' },
  { path: 'src/util/greet.ts', content: 'export function greet(name: string): string {\n  return `Hello, ${name}!`\n}\n' },
  { path: 'src/util/strings.ts', content: 'export const shout = (s: string) => s.toUpperCase()\n' },
  { path: 'src/ui/button/Button.tsx', content: 'export function Button(props: { label: string }) {\n  return <button>{props.label}</button>\n}\n' },
  { path: 'src/ui/button/Button.css', content: 'button {\n  padding: 4px 8px;\n}\n' },
  { path: 'src/ui/button/deep/nested/theme.ts', content: "export const theme = { accent: '#3366ff' }\n" },
  { path: 'test/run.js', content: "import { add } from '../src/math/ops.js'\nif (add(1, 2) !== 3) process.exit(1)\nconsole.log('ok')\n" },
  { path: 'test/greet.test.ts', content: "import { greet } from '../src/util/greet'\nconsole.assert(greet('x') === 'Hello, x!')\n" },
  { path: 'docs/guide.md', content: '# Guide\n\nRun `npm test`.\n' },
  { path: 'docs/api/index.md', content: '# API\n\n- add\n- mul\n- greet\n' },
  { path: 'assets/logo.png', content: binaryBytes(7, 256) },
  { path: 'scripts/build.sh', content: '#!/bin/sh\nset -e\necho building\n', mode: '100755' },
  { path: 'link-to-readme', content: 'README.md', mode: '120000' },
]

/**
 * The small repository: 20 files in nested directories (README.md, package.json, a binary PNG, an
 * executable script, a symlink), 5 commits on `main`, branch `feature` with one more commit, tag `v1.0.0`.
 */
export const smallRepo: RepoSpec = {
  files: smallFiles,
  initialMessage: 'Initial commit',
  commits: [
    { message: 'Describe usage in README', files: [{ path: 'README.md', content: '# small\n\nA fixture repository for Coder tests.\n\n## Usage\n\n    npm test\n' }] },
    {
      message: 'Add subtraction',
      files: [
        { path: 'src/math/ops.ts', content: 'export const add = (a: number, b: number) => a + b\nexport const sub = (a: number, b: number) => a - b\nexport const mul = (a: number, b: number) => a * b\n' },
        { path: 'src/index.ts', content: "export { add, sub, mul } from './math/ops'\nexport { greet } from './util/greet'\n" },
      ],
    },
    {
      message: 'Replace strings helper with case helpers',
      delete: ['src/util/strings.ts'],
      files: [{ path: 'src/util/case.ts', content: 'export const upper = (s: string) => s.toUpperCase()\nexport const lower = (s: string) => s.toLowerCase()\n' }],
    },
    {
      message: 'Release 1.1.0',
      files: [
        {
          path: 'package.json',
          content: JSON.stringify({ name: 'small', version: '1.1.0', type: 'module', scripts: { test: 'node test/run.js' } }, null, 2) + '\n',
        },
      ],
    },
  ],
  branches: [
    {
      name: 'feature',
      commits: [{ message: 'Add a farewell', files: [{ path: 'src/util/farewell.ts', content: 'export const farewell = (name: string) => `Bye, ${name}.`\n' }] }],
    },
  ],
  tags: [{ name: 'v1.0.0', at: 1, message: 'First release' }],
}

/**
 * Creates `small.git` (from `smallRepo`) and an empty bare `empty.git` (a push target) under
 * `root`. Resolves to the repository names.
 */
export async function createSmallRepos(root: string): Promise<{ small: string; empty: string }> {
  await makeRepo(join(root, 'small.git'), smallRepo)
  git(['init', '--quiet', '--bare', '--initial-branch=main', join(root, 'empty.git')])
  git(['config', 'http.receivepack', 'true'], join(root, 'empty.git'))
  return { small: 'small.git', empty: 'empty.git' }
}

// ---------------------------------------------------------------------------------------------
// The wide workspace

/** What `wideRepoSpec` makes: `big/` holds `bigFiles` files, one of them (`needle`) holding the needle line. */
export interface WideRepoParams {
  bigFiles: number
  packages: number
}

/** The e2e's 20,000-file workspace: one folder of 10,000 files, 100 folders of 100. */
export const wideRepo: WideRepoParams = { bigFiles: 10_000, packages: 100 }

/** The line only the needle file holds. */
export const NEEDLE = 'the needle-in-a-haystack line'

/** Index of the file in `big/` that holds the needle (about three quarters down). */
export const needleIndex = ({ bigFiles }: WideRepoParams): number => Math.floor((bigFiles * 7777) / 10_000)

/** A one-commit repository: `big/file-NNNNN.txt` × bigFiles, then `pkg-NNN/mod-NNN.ts` × 100 per package. */
export function wideRepoSpec(params: WideRepoParams = wideRepo): RepoSpec {
  const needle = needleIndex(params)
  const files: FileSpec[] = []
  for (let i = 0; i < params.bigFiles; i++)
    files.push({ path: `big/file-${String(i).padStart(5, '0')}.txt`, content: `big file ${i}\nvalue = ${(i * 7919) % 100_003}\n${i === needle ? `${NEEDLE}\n` : ''}` })
  for (let d = 0; d < params.packages; d++)
    for (let f = 0; f < 100; f++) files.push({ path: `pkg-${String(d).padStart(3, '0')}/mod-${String(f).padStart(3, '0')}.ts`, content: `export const v${d}_${f} = ${d * 100 + f}\n` })
  return { files, commits: [], initialMessage: `${files.length.toLocaleString('en')} files` }
}

// ---------------------------------------------------------------------------------------------
// The large repository

/** Parameters of the generated large repository; changing any changes its cache key. */
export interface LargeRepoParams {
  seed: number
  files: number
  dirs: number
  commits: number
}

/** ~2,200 source-like files (1–2 KB) in ~150 directories, 300 commits touching 5–20 files each, 2 tags. */
export const largeRepo: LargeRepoParams = { seed: 20231114, files: 2200, dirs: 150, commits: 300 }

const PACKAGES = ['core', 'editor', 'git', 'runtime', 'agent', 'billing', 'workflow', 'preview', 'ui', 'cli']
const AREAS = ['model', 'view', 'state', 'io', 'net', 'cache', 'parse', 'render', 'store', 'sync', 'auth', 'queue', 'plugins', 'commands', 'config']
const SUBS = ['internal', 'adapters', 'codecs', 'helpers', 'handlers', 'impl']
const VERBS = ['load', 'save', 'parse', 'format', 'resolve', 'update', 'create', 'remove', 'apply', 'merge', 'render', 'flush', 'read', 'write', 'compute', 'validate', 'encode', 'decode', 'schedule', 'dispatch']
const NOUNS = ['entry', 'buffer', 'session', 'token', 'record', 'index', 'range', 'patch', 'chunk', 'handle', 'frame', 'node', 'tree', 'event', 'message', 'option', 'status', 'cursor', 'layer', 'change']
const TYPES = ['string', 'number', 'boolean', 'Uint8Array', 'string[]', 'Map<string, number>', 'Promise<void>', 'readonly number[]']

const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1)

function makeBlock(r: Random, n: number): string {
  const verb = r.pick(VERBS)
  const noun = r.pick(NOUNS)
  const kind = r.int(0, 9)
  if (kind < 2) {
    const fields = Array.from({ length: r.int(2, 6) }, () => `  ${r.pick(NOUNS)}${r.int(0, 9)}: ${r.pick(TYPES)}`)
    return `/** The ${noun} as seen by ${r.pick(PACKAGES)}. */\nexport interface ${cap(noun)}${n} {\n${fields.join('\n')}\n}\n`
  }
  if (kind < 3) {
    return `export const ${noun.toUpperCase()}_LIMIT_${n} = ${r.int(1, 65536)}\n`
  }
  const body = Array.from({ length: r.int(2, 7) }, () => {
    const a = r.pick(NOUNS)
    switch (r.int(0, 3)) {
      case 0:
        return `  const ${a}${r.int(0, 99)} = ${r.pick(VERBS)}${cap(r.pick(NOUNS))}(input, ${r.int(0, 1000)})`
      case 1:
        return `  if (input.length > ${r.int(1, 512)}) throw new Error('${noun} too long: ' + input.length)`
      case 2:
        return `  // ${r.pick(VERBS)} the ${a} before the ${r.pick(NOUNS)} is ${r.pick(VERBS)}d`
      default:
        return `  total += input.length * ${r.int(2, 97)}`
    }
  })
  return (
    `/** ${cap(verb)}s a ${noun}; never mutates its input. */\n` +
    `export function ${verb}${cap(noun)}${n}(input: string, total = 0): number {\n${body.join('\n')}\n  return total\n}\n`
  )
}

interface LiveFile {
  path: string
  header: string
  blocks: string[]
  serial: number
}

const render = (f: LiveFile) => f.header + '\n' + f.blocks.join('\n')

/** Builds the large repository's spec from its parameters (deterministic). */
export function largeRepoSpec(params: LargeRepoParams = largeRepo): RepoSpec {
  const r = createRandom(params.seed)
  const dirs: string[] = []
  const seen = new Set<string>()
  while (dirs.length < params.dirs) {
    const pkg = r.pick(PACKAGES)
    const parts = ['packages', pkg, 'src', r.pick(AREAS)]
    if (r.next() < 0.4) parts.push(r.pick(SUBS))
    if (r.next() < 0.15) parts.push(r.pick(NOUNS))
    const dir = parts.join('/')
    if (!seen.has(dir)) (seen.add(dir), dirs.push(dir))
  }
  const live: LiveFile[] = []
  const paths = new Set<string>()
  while (live.length < params.files) {
    const dir = live.length < dirs.length ? dirs[live.length]! : r.pick(dirs)
    const path = `${dir}/${r.pick(VERBS)}-${r.pick(NOUNS)}.ts`
    if (paths.has(path)) continue
    paths.add(path)
    const f: LiveFile = {
      path,
      header: `// ${path}\nimport { ${r.pick(VERBS)}${cap(r.pick(NOUNS))} } from '../${r.pick(AREAS)}'\n`,
      blocks: [],
      serial: 0,
    }
    const target = r.int(900, 2200)
    while (render(f).length < target) f.blocks.push(makeBlock(r, f.serial++))
    live.push(f)
  }
  const files = live.map((f) => ({ path: f.path, content: render(f) }))

  const commits: CommitSpec[] = []
  for (let i = 1; i < params.commits; i++) {
    const touched = new Map<string, LiveFile>()
    const count = r.int(5, 20)
    while (touched.size < count) {
      // A tenth of the files get most of the churn, as in real projects.
      const f = r.next() < 0.5 ? live[r.int(0, Math.floor(live.length / 10))]! : r.pick(live)
      const op = r.next()
      if (op < 0.55 || f.blocks.length < 2) f.blocks[r.int(0, f.blocks.length - 1)] = makeBlock(r, f.serial++)
      else if (op < 0.85) f.blocks.splice(r.int(0, f.blocks.length), 0, makeBlock(r, f.serial++))
      else f.blocks.splice(r.int(0, f.blocks.length - 1), 1)
      touched.set(f.path, f)
    }
    const area = r.pick(PACKAGES)
    commits.push({
      message: `${area}: ${r.pick(VERBS)} ${r.pick(NOUNS)} handling (#${1000 + i})`,
      files: [...touched.values()].map((f) => ({ path: f.path, content: render(f) })),
    })
  }
  return {
    initialMessage: 'Import the monorepo',
    files,
    commits,
    tags: [
      { name: 'v1.0.0', at: Math.floor(params.commits / 2), message: 'Version 1.0.0' },
      { name: 'v2.0.0', at: params.commits },
    ],
  }
}

/**
 * Makes sure the generated large repository exists in the cache (`bench/.cache/large-<key>.git`,
 * key = hash of its fast-import stream), generating it the first time. Resolves to its path.
 */
export async function ensureLargeRepoCached(params: LargeRepoParams = largeRepo): Promise<string> {
  const stream = toFastImport(largeRepoSpec(params))
  const key = createHash('sha1').update(stream).digest('hex').slice(0, 12)
  const cached = join(fixtureCacheDir, `large-${key}.git`)
  if (existsSync(join(cached, 'coder-fixture-complete'))) return cached
  const building = `${cached}.tmp-${process.pid}`
  rmSync(building, { recursive: true, force: true })
  await importStream(building, stream)
  writeFileSync(join(building, 'coder-fixture-complete'), `${new Date().toISOString()}\n`)
  rmSync(cached, { recursive: true, force: true })
  renameSync(building, cached)
  return cached
}

/** Copies the cached large repository to `<root>/large.git` (generating it if needed). Resolves to its name. */
export async function createLargeRepo(root: string, params: LargeRepoParams = largeRepo): Promise<string> {
  const cached = await ensureLargeRepoCached(params)
  cpSync(cached, join(root, 'large.git'), { recursive: true })
  return 'large.git'
}
