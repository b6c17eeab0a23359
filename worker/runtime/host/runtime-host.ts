import { AppError } from '../../../shared/errors'
import { basename, dirname, joinPath, normalizePath } from '../../../shared/namespace'
import type { FsChange } from '../../../shared/protocol'
import type { Handlers } from '../../../shared/rpc'
import { createNodeSpecReporter, createReport, type ExitStatus, type OutputChunk, type RunProgress, type RuntimeApi, type TaskProgress, type TestEvent, type TestReport } from '../../../shared/runtime'
import { compileLoader, MODULE_EXTENSIONS } from '../modules'
import type { CompiledModule } from '../sandbox/loader'
import type { PythonRunner } from '../python'
import { runCommandLine, type CommandContext, type ShellHost, type ShellIo } from '../shell'
import type { Compiler } from './compiler'
import { createMirror, LAZY_FOLDERS, type Mirror } from './mirror'
import { runInstall, type InstallCommand, type InstallDeps } from './npm-install'
import { matchWorkspaces, workspacePatterns } from '../../install'
import type { PackageCache } from './package-cache'
import { createPackageFetch } from './package-fetch'
import { runPip, type PipDeps } from './pip-install'
import { PYODIDE_PYTHON, PYODIDE_TARGET } from '../../install/python'
import type { SandboxExit, SandboxProcess, Sandboxes, SyncAnswer } from './sandboxes'
import { discoverTests, newRunId, reportFiles, runTestFiles } from './tests'
import type { WorkspaceLink } from './workspace-link'

/** What the runtime host is made of (its composition root wires the real ones). */
export interface RuntimeHostOptions {
  link: WorkspaceLink
  compiler: Compiler
  sandboxes: Sandboxes
  /** Package tarballs kept for every project, so installs work offline once cached. */
  packages: PackageCache
  /** Made on the first Python command (loading pyodide takes seconds). */
  python: () => PythonRunner
  /** The page's origin, to tell the runtime's own stack frames from the program's. */
  origin: string
}

/** How long after a project opens esbuild is started, if nothing needed it before. */
const ESBUILD_WARM_DELAY_MS = 1500

/** The environment every process starts with. */
export const DEFAULT_ENV: Record<string, string> = {
  HOME: '/workspace',
  PATH: '/workspace/node_modules/.bin:/usr/local/bin:/usr/bin:/bin',
  SHELL: '/bin/sh',
  TERM: 'xterm-256color',
  USER: 'coder',
  LANG: 'en_US.UTF-8',
  NODE_ENV: 'development',
}

/** The package.json fields the npm commands read. */
interface PackageJson {
  name?: string
  scripts?: Record<string, string>
  dependencies?: unknown
  devDependencies?: unknown
  workspaces?: unknown
}

interface ProjectState {
  id: string
  mirror: Mirror
  /** Each module file's compiled form (null: it runs as it is), for the file's version and package type. */
  compiled: Map<string, { key: string; result: CompiledModule | null }>
  /** Applies changes to the copy at once and to the workspace in order. */
  commit(changes: FsChange[]): void
  /** Queues changes outside the copy (`/runs`) for the workspace, in the same order. */
  store(changes: FsChange[]): void
  /** Resolves when every committed change is in the workspace. */
  flush(): Promise<void>
}

/** A run's bookkeeping: stdin for the running process, test reports written. */
interface RunState {
  runs: string[]
  current: SandboxProcess | null
  timedOut: boolean
  interrupted: boolean
}

const decoder = new TextDecoder()

/** The runtime worker's handlers: processes, shells and test runs over each project's mirror. */
export function createRuntimeHost(options: RuntimeHostOptions): Handlers<RuntimeApi> {
  const { link, compiler, sandboxes } = options
  const projects = new Map<string, Promise<ProjectState>>()
  const running = new Map<string, RunState>()
  let python: PythonRunner | null = null

  function openProject(projectId: string): Promise<ProjectState> {
    if (typeof projectId !== 'string' || !projectId) throw new AppError('BAD_INPUT', 'a project id is required')
    let state = projects.get(projectId)
    if (!state) {
      state = (async () => {
        await link.ready
        await link.rpc.call('openProject', { projectId })
        const mirror = createMirror(link, projectId)
        await mirror.loaded
        let writes: Promise<void> = Promise.resolve()
        let failed: unknown = null
        const p: ProjectState = {
          id: projectId,
          mirror,
          compiled: new Map(),
          commit(changes) {
            if (!changes.length) return
            mirror.apply(changes)
            p.store(changes)
          },
          store(changes) {
            writes = writes.then(() => link.rpc.call('applyChanges', { projectId, changes })).catch((error: unknown) => void (failed = error))
          },
          async flush() {
            await writes
            if (failed) {
              const error = failed
              failed = null
              throw new AppError('STORAGE', `the runtime could not save a file change: ${error instanceof Error ? error.message : String(error)}`)
            }
          },
        }
        return p
      })()
      projects.set(projectId, state)
      state.catch(() => projects.delete(projectId))
    }
    return state
  }

  /** Compiles every module file outside node_modules (or every one, with `all`) that changed since the last run. */
  async function precompile(p: ProjectState, all = false): Promise<Record<string, CompiledModule>> {
    const out: Record<string, CompiledModule> = {}
    const jobs: Array<Promise<void>> = []
    for (const entry of p.mirror.entries()) {
      if (entry.type !== 'file' || !entry.data || !MODULE_EXTENSIONS.test(entry.path) || (!all && entry.path.includes('/node_modules/'))) continue
      // An unchanged file (same version, same package type) is neither decoded nor compiled again.
      const type = entry.path.endsWith('.js') ? p.mirror.packageType(entry.path) : null
      const key = `${entry.version}\0${type}`
      const cached = p.compiled.get(entry.path)
      if (cached?.key === key) {
        if (cached.result) out[entry.path] = cached.result
        continue
      }
      const source = decoder.decode(entry.data)
      const loader = compileLoader(entry.path, source, type)
      if (!loader) {
        p.compiled.set(entry.path, { key, result: null })
        continue
      }
      jobs.push(
        compiler.compile(entry.path, source, loader).then(
          (result) => void p.compiled.set(entry.path, { key, result: (out[entry.path] = result) }),
          // Requiring the file reports the syntax error, as Node would; other files still run.
          (error: unknown) => void (out[entry.path] = { code: `throw new SyntaxError(${JSON.stringify(error instanceof Error ? error.message : String(error))})`, map: null }),
        ),
      )
    }
    await Promise.all(jobs)
    return out
  }

  function answerFor(p: ProjectState): SyncAnswer {
    return async (request) => {
      if (request.op === 'read') return p.mirror.read(request.path)
      const loader = compileLoader(request.path, request.source, p.mirror.packageType(request.path)) ?? 'js'
      return new TextEncoder().encode(JSON.stringify(await compiler.compile(request.path, request.source, loader)))
    }
  }

  /** Runs one sandboxed process to its end, streaming its output and committing its file changes. */
  async function runSandbox(p: ProjectState, run: RunState, spec: { mode: 'node' | 'test' | 'wasi'; argv: string[]; cwd: string; env: Record<string, string>; stdin: string | null; test?: NonNullable<Parameters<Sandboxes['start']>[0]['test']> }, io: ShellIo, signal: AbortSignal, onEvent?: (e: TestEvent) => void): Promise<SandboxExit> {
    // Without SharedArrayBuffer a sandbox cannot ask for files or compiles as it runs: all go ahead.
    if (!sandboxes.isolated) await p.mirror.readAll()
    const compiled = spec.mode === 'wasi' ? {} : await precompile(p, !sandboxes.isolated)
    // `node file.test.js`: the tests a script declares print as Node's spec reporter prints them.
    let reporter: ReturnType<typeof createNodeSpecReporter> | null = null
    const printTests = (event: TestEvent) => io.stdout((reporter ??= createNodeSpecReporter()).onEvent(event))
    const t0 = performance.now()
    const startedAt = Date.now()
    const process = sandboxes.start(
      { mode: spec.mode, argv: spec.argv, env: spec.env, cwd: spec.cwd, entries: p.mirror.entries(), compiled, stdin: spec.stdin, test: spec.test ?? null, columns: 100, origin: options.origin },
      {
        output: (chunks) => {
          for (const c of chunks) (c.stream === 'stdout' ? io.stdout : io.stderr)(c.text)
        },
        changes: (changes) => {
          const allowed = changes.filter((c) => mayChange(c))
          if (allowed.length < changes.length) io.stderr(`The runtime kept the program from changing ${changes.filter((c) => !mayChange(c)).map(changedPaths).flat().join(', ')}: processes may change /workspace (not its .git) and /tmp.\n`)
          p.commit(allowed)
        },
        testEvent: onEvent ?? (spec.mode === 'node' ? printTests : undefined),
      },
      { answer: answerFor(p) },
    )
    const previous = run.current
    run.current = process
    const onAbort = () => process.kill(run.timedOut ? 'SIGKILL' : 'SIGINT')
    signal.addEventListener('abort', onAbort)
    if (signal.aborted) onAbort()
    try {
      const exit = await process.exit
      if (spec.mode === 'node' && exit.tests && (exit.tests.tests.length || exit.tests.error)) {
        const file = (spec.argv[1] ?? '').replace(/^\/workspace\//, '')
        const report = createReport({ id: newRunId(), runner: 'node-test', command: spec.argv.join(' '), startedAt, durationMs: performance.now() - t0, files: [{ file, durationMs: performance.now() - t0, error: exit.tests.error }], tests: exit.tests.tests })
        io.stdout((reporter ??= createNodeSpecReporter()).summary(report))
        saveReport(p, run, report)
      }
      return exit
    } finally {
      signal.removeEventListener('abort', onAbort)
      run.current = previous
    }
  }

  /** The shell's view of a project: file operations on the mirror, programs in sandboxes. */
  function shellHost(p: ProjectState, run: RunState): ShellHost {
    const kind = (path: string) => p.mirror.get(path)?.type ?? (path === '/workspace' || path === '/tmp' ? 'dir' : null)
    const host: ShellHost = {
      fs: {
        kind,
        list: (path) => {
          const prefix = `${path === '/' ? '' : path}/`
          return p.mirror.entries().filter((e) => e.path.startsWith(prefix) && !e.path.slice(prefix.length).includes('/')).map((e) => basename(e.path)).sort()
        },
        size: (path) => p.mirror.get(path)?.size ?? 0,
        read: async (path) => {
          const data = await p.mirror.read(path)
          if (!data) throw new Error(`${path}: No such file`)
          return data
        },
        write: (path, data) => commitChecked(p, { type: 'write', path, data, mode: p.mirror.get(path)?.mode ?? 0o100644 }),
        mkdir: (path) => commitChecked(p, { type: 'mkdir', path }),
        remove: (path) => commitChecked(p, { type: 'remove', path }),
        rename: (from, to) => commitChecked(p, { type: 'rename', from, to }),
      },
      exec: (argv, ctx) => execProgram(p, run, host, argv, ctx),
    }
    return host
  }

  /** A shell built-in's change, refused (the built-in reports it) where a process may not change things. */
  function commitChecked(p: ProjectState, change: FsChange): void {
    if (!mayChange(change)) throw new Error(`${changedPaths(change).join(', ')}: Permission denied (only /workspace, not its .git, and /tmp can be changed)`)
    p.commit([change])
  }

  function resolvePath(cwd: string, path: string): string {
    return normalizePath(path.startsWith('/') ? path : joinPath(cwd, path))
  }

  /** The nearest package.json from `cwd` up: its folder and its parsed content. */
  async function findPackage(p: ProjectState, cwd: string): Promise<{ dir: string; json: PackageJson } | null> {
    for (let dir = cwd; dir.startsWith('/workspace'); dir = dirname(dir)) {
      const data = await p.mirror.read(`${dir}/package.json`)
      if (data) {
        try {
          return { dir, json: JSON.parse(decoder.decode(data)) as PackageJson }
        } catch (error) {
          throw new Error(`${dir}/package.json is not valid JSON: ${(error as Error).message}`)
        }
      }
      if (dir === '/workspace') break
    }
    return null
  }

  /**
   * Where npm installs for the package in `dir`, as npm run inside a workspace does: the root
   * above whose `workspaces` globs name `dir` (with `dir`'s folder relative to it as the
   * target of `npm install <pkg>`), else `dir` itself.
   */
  async function installRoot(p: ProjectState, pkg: { dir: string; json: PackageJson }): Promise<{ dir: string; json: PackageJson; target: string }> {
    for (let dir = dirname(pkg.dir); pkg.dir !== '/workspace' && dir.startsWith('/workspace'); dir = dirname(dir)) {
      const data = await p.mirror.read(`${dir}/package.json`)
      if (data) {
        try {
          const json = JSON.parse(decoder.decode(data)) as PackageJson
          const target = pkg.dir.slice(dir.length + 1)
          if (workspacePatterns(json.workspaces).length && matchWorkspaces(json.workspaces, [target]).length) return { dir, json, target }
        } catch {
          // Not a root npm could read either: the package stands alone.
        }
      }
      if (dir === '/workspace') break
    }
    return { ...pkg, target: '' }
  }

  /** node --test / vitest over `filters`, printing like the real runner; writes the report to /runs. */
  async function testCommand(p: ProjectState, run: RunState, runner: 'node-test' | 'vitest', command: string, filters: string[], testName: string | undefined, ctx: CommandContext, onEvent?: (e: TestEvent) => void): Promise<TestReport> {
    const files = discoverTests(runner, p.mirror.entries().filter((e) => e.type === 'file').map((e) => e.path), ctx.cwd, filters)
    const report = await runTestFiles({
      runner,
      command,
      files,
      io: ctx.io,
      signal: ctx.signal,
      onEvent,
      runFile: async (file, emit) => {
        const t0 = performance.now()
        const exit = await runSandbox(p, run, { mode: 'test', argv: ['node', file], cwd: ctx.cwd, env: ctx.env, stdin: '', test: { runner, file: file.replace(/^\/workspace\//, ''), testName } }, ctx.io, ctx.signal, emit)
        const error = exit.tests?.error ?? (exit.tests ? null : { message: exit.timedOut ? 'the test file timed out' : exit.signal ? `the test file was stopped (${exit.signal})` : `the test file's process exited with code ${exit.code}`, stack: null, location: null })
        return { tests: exit.tests?.tests ?? [], error, durationMs: performance.now() - t0, code: exit.code }
      },
    })
    saveReport(p, run, report)
    return report
  }

  /** Queues the report's files for `/runs/<id>/` (written in order with the run's other changes). */
  function saveReport(p: ProjectState, run: RunState, report: TestReport): void {
    p.store(reportFiles(report).map((f) => ({ type: 'write' as const, path: f.path, data: f.data, mode: 0o100644 })))
    run.runs.push(report.id)
  }

  const failedExit = (report: TestReport) => (report.counts.failed > 0 || report.files.some((f) => f.error) || report.files.length === 0 ? 1 : 0)

  async function execProgram(p: ProjectState, run: RunState, host: ShellHost, argv: string[], ctx: CommandContext): Promise<number | null> {
    const [name, ...args] = argv as [string, ...string[]]
    const exitCode = (exit: SandboxExit) => exit.code
    switch (name) {
      case 'node': {
        if (args[0] === '--version' || args[0] === '-v') {
          ctx.io.stdout('v22.12.0\n')
          return 0
        }
        const flags: string[] = []
        let i = 0
        for (; i < args.length && args[i]!.startsWith('-'); i++) {
          flags.push(args[i]!)
          if (args[i] === '-e' || args[i] === '-p' || args[i] === '--eval' || args[i] === '--print') {
            const code = args[i + 1] ?? ''
            const print = args[i] === '-p' || args[i] === '--print'
            const path = `/tmp/[eval]-${crypto.randomUUID().slice(0, 8)}.js`
            // Node resolves `-e` code's requires from the working directory, not from where we keep it.
            const from = `var require = require('node:module').createRequire(${JSON.stringify(joinPath(ctx.cwd, '[eval]'))});`
            const source = from + (print ? `console.log(require('node:util').inspect(eval(${JSON.stringify(code)})))` : code)
            p.commit([{ type: 'write', path, data: new TextEncoder().encode(source), mode: 0o100644 }])
            const exit = await runSandbox(p, run, { mode: 'node', argv: ['node', path, ...args.slice(i + 2)], cwd: ctx.cwd, env: ctx.env, stdin: ctx.stdin }, ctx.io, ctx.signal)
            p.commit([{ type: 'remove', path }])
            return exitCode(exit)
          }
        }
        if (flags.includes('--test')) {
          const report = await testCommand(p, run, 'node-test', argv.join(' '), args.slice(i), undefined, ctx)
          return failedExit(report)
        }
        const script = args[i]
        if (!script) {
          ctx.io.stderr('node: the embedded runtime has no interactive prompt; give a script (node index.js) or code (node -e "...").\n')
          return 9
        }
        const path = realPath(p, resolvePath(ctx.cwd, script))
        if (!p.mirror.get(path) && !p.mirror.get(`${path}.js`)) {
          ctx.io.stderr(`node: cannot find module '${path}'\n`)
          return 1
        }
        return exitCode(await runSandbox(p, run, { mode: 'node', argv: ['node', path, ...args.slice(i + 1)], cwd: ctx.cwd, env: ctx.env, stdin: ctx.stdin }, ctx.io, ctx.signal))
      }
      case 'npm': {
        const sub = args[0]
        if (sub === '-v' || sub === '--version') {
          ctx.io.stdout('10.9.0\n')
          return 0
        }
        const pkg = await findPackage(p, ctx.cwd)
        if (!pkg) {
          ctx.io.stderr(`npm error: no package.json found in ${ctx.cwd} or above\n`)
          return 254
        }
        const flags = args.slice(1).filter((a) => a.startsWith('-'))
        const named = args.slice(1).filter((a) => !a.startsWith('-'))
        const root = await installRoot(p, pkg)
        const how = {
          omitDev: flags.includes('--omit=dev') || flags.includes('--production'),
          legacyPeerDeps: flags.includes('--legacy-peer-deps'),
          force: flags.includes('--force') || flags.includes('-f'),
        }
        if (sub === 'ci' || sub === 'clean-install') return npmInstall(p, root.dir, ctx, { kind: 'ci', ...how })
        if (sub === 'install' || sub === 'i' || sub === 'add' || sub === 'isntall' || sub === 'in') {
          const dev = flags.includes('-D') || flags.includes('--save-dev')
          const add = named.map((spec) => ({ ...parsePackageSpec(spec), dev }))
          return npmInstall(p, root.dir, ctx, { kind: 'install', add, target: root.target, ...how })
        }
        if (sub === 'uninstall' || sub === 'remove' || sub === 'rm' || sub === 'un' || sub === 'r' || sub === 'unlink') {
          if (!named.length) {
            ctx.io.stderr('npm error: name the packages to remove, e.g. `npm uninstall left-pad`\n')
            return 1
          }
          return npmInstall(p, root.dir, ctx, { kind: 'install', remove: named, target: root.target, ...how })
        }
        const scripts = pkg.json.scripts ?? {}
        let script: string | undefined
        let extra: string[] = []
        if (sub === 'test' || sub === 't' || sub === 'tst' || sub === 'start' || sub === 'stop' || sub === 'restart') [script, extra] = [sub === 't' || sub === 'tst' ? 'test' : sub, args.slice(1)]
        else if (sub === 'run' || sub === 'run-script' || sub === 'rum' || sub === 'urn') {
          if (!args[1]) {
            const names = Object.keys(scripts)
            ctx.io.stdout(names.length ? `Scripts available in ${pkg.json.name ?? basename(pkg.dir)} via \`npm run\`:\n${names.map((n) => `  ${n}\n    ${scripts[n]}\n`).join('')}` : 'This package has no scripts.\n')
            return 0
          }
          ;[script, extra] = [args[1], args.slice(2)]
        } else {
          ctx.io.stderr(`npm: '${sub ?? ''}' is not available in the embedded runtime (it runs npm test, npm start and npm run <script>).\n`)
          return 1
        }
        if (extra[0] === '--') extra = extra.slice(1)
        const line = scripts[script]
        if (line === undefined) {
          if (script === 'start' && p.mirror.get(`${pkg.dir}/server.js`)) return execProgram(p, run, host, ['node', 'server.js'], { ...ctx, cwd: pkg.dir })
          ctx.io.stderr(script === 'test' ? 'npm error: Missing script: "test"\n' : `npm error: Missing script: "${script}"\n\nTo see a list of scripts, run:\n  npm run\n`)
          return 1
        }
        // Like `npm test` after a fresh clone: dependencies first, when they are missing.
        if (needsInstall(p, root.dir, [root.json, pkg.json])) {
          ctx.io.stdout('node_modules is missing: installing the dependencies first.\n')
          const code = await npmInstall(p, root.dir, ctx, { kind: 'install' })
          if (code !== 0) return code
        }
        const env = { ...ctx.env, npm_lifecycle_event: script, npm_package_name: String(pkg.json.name ?? '') }
        for (const [phase, text] of [[`pre${script}`, scripts[`pre${script}`]], [script, [line, ...extra.map(quote)].join(' ')], [`post${script}`, scripts[`post${script}`]]] as const) {
          if (text === undefined) continue
          ctx.io.stdout(`\n> ${pkg.json.name ?? basename(pkg.dir)} ${phase}\n> ${text}\n\n`)
          const state = { cwd: pkg.dir, env: { ...env } }
          const code = await runCommandLine(text, state, host, ctx.io, ctx.signal, ctx.stdin)
          if (code !== 0) return code
        }
        return 0
      }
      case 'npx':
      case 'vitest':
      case 'jest': {
        const rest = name === 'npx' ? args.filter((a) => a !== '--no-install' && a !== '-y' && a !== '--yes') : argv
        const tool = rest[0]
        if (tool === 'vitest' || tool === 'jest') {
          const filters: string[] = []
          let testName: string | undefined
          const opts = rest.slice(1)
          for (let k = 0; k < opts.length; k++) {
            const o = opts[k]!
            if (o === '-t' || o === '--testNamePattern') testName = opts[++k]
            else if (o === 'run' || o.startsWith('-')) continue
            else filters.push(o)
          }
          const report = await testCommand(p, run, 'vitest', rest.join(' '), filters, testName, ctx)
          return failedExit(report)
        }
        if (name === 'npx' && tool) {
          const bin = findBin(p, ctx.cwd, tool)
          if (bin) return execProgram(p, run, host, ['node', bin, ...rest.slice(1)], ctx)
          ctx.io.stderr(`npx: '${tool}' is not installed in this project, and the embedded runtime cannot download packages.\n`)
          return 1
        }
        return null
      }
      case 'pip':
      case 'pip3':
        return pipCommand(p, args, ctx)
      case 'python':
      case 'python3':
        return (await runPython(p, run, argv, ctx)).code
      case 'wasmtime':
      case 'wasmer':
      case 'wasi':
        return args[0] ? execProgram(p, run, host, args, ctx) : null
      default: {
        if (name.endsWith('.wasm')) {
          const path = resolvePath(ctx.cwd, name)
          if (p.mirror.get(path)?.type !== 'file') return null
          return exitCode(await runSandbox(p, run, { mode: 'wasi', argv: [path, ...args], cwd: ctx.cwd, env: ctx.env, stdin: ctx.stdin }, ctx.io, ctx.signal))
        }
        const path = name.includes('/') ? resolvePath(ctx.cwd, name) : (findBin(p, ctx.cwd, name) ?? findVenvScript(p, name))
        if (!path || p.mirror.get(path)?.type !== 'file') return null
        if (path.endsWith('.py')) return (await runPython(p, run, ['python', path, ...args], ctx)).code
        const head = decoder.decode((await p.mirror.read(path))?.slice(0, 128) ?? new Uint8Array())
        if (/^#!\S*\bpython[\d.]*\s*$/.test(head.split('\n')[0]!)) return (await runPython(p, run, ['python', path, ...args], ctx)).code
        if (/\.[cm]?js$/.test(path) || /^#!.*\bnode\b/.test(head)) return execProgram(p, run, host, ['node', path, ...args], ctx)
        if (/^#!.*\b(sh|bash)\b/.test(head)) {
          const script = decoder.decode((await p.mirror.read(path))!)
          return runCommandLine(script.replace(/^#!.*\n/, ''), { cwd: ctx.cwd, env: { ...ctx.env } }, host, ctx.io, ctx.signal, ctx.stdin)
        }
        return null
      }
    }
  }

  /**
   * Installs the dependencies of the project (or workspace root) in `dir`: `ci` from the lockfile;
   * `install` from the lockfile when it matches package.json, resolving from the registry
   * otherwise, adding or removing the packages named. Prints what happened; resolves to an exit
   * code (1 on failure, as npm).
   */
  async function npmInstall(p: ProjectState, dir: string, ctx: CommandContext, command: Omit<InstallCommand, 'registry'>): Promise<number> {
    const deps: InstallDeps = {
      read: (path) => p.mirror.read(path),
      async folders(root) {
        const prefix = `${root}/`
        return p.mirror
          .entries()
          .filter((e) => e.type === 'dir' && e.path.startsWith(prefix))
          .map((e) => e.path.slice(prefix.length))
          .filter((rel) => !rel.split('/').some((part) => part === 'node_modules' || part.startsWith('.')))
      },
      async commit(changes) {
        const refused = changes.filter((c) => !mayChange(c))
        if (refused.length) throw new AppError('BAD_INPUT', `the install would change ${changedPaths(refused[0]!).join(', ')}`)
        p.commit(changes)
        await p.flush()
      },
      fetch: createPackageFetch(ctx.env),
      cache: options.packages,
    }
    try {
      await runInstall(dir, deps, ctx.io, ctx.signal, { ...command, registry: ctx.env.npm_config_registry || null })
      return 0
    } catch (error) {
      ctx.io.stderr(`\n${error instanceof Error ? error.message : String(error)}\n`)
      return error instanceof AppError && error.code === 'ABORTED' ? 130 : 1
    } finally {
      ctx.io.task?.(null)
    }
  }

  /** Whether a project (its root's and its own package.json) has dependencies or workspaces but no node_modules. */
  function needsInstall(p: ProjectState, dir: string, packages: PackageJson[]): boolean {
    const wanted = packages.some((json) => Object.keys({ ...(json.dependencies as object), ...(json.devDependencies as object) }).length > 0 || (Array.isArray(json.workspaces) ? json.workspaces.length > 0 : !!json.workspaces))
    return wanted && !p.mirror.get(`${dir}/node_modules`)
  }

  /** `node_modules/.bin/<name>` from `cwd` up, following its links (a workspace's bin goes through node_modules/<name> → packages/<dir>); null when none. */
  function findBin(p: ProjectState, cwd: string, name: string): string | null {
    for (let dir = cwd; dir.startsWith('/workspace'); dir = dirname(dir)) {
      const bin = p.mirror.get(`${dir}/node_modules/.bin/${name}`)
      if (bin?.type === 'symlink' && bin.target) return realPath(p, resolvePath(`${dir}/node_modules/.bin`, bin.target))
      if (bin?.type === 'file') return bin.path
      if (dir === '/workspace') break
    }
    return null
  }

  /** `path` with the symlinks among its folders resolved through the mirror (at most 40, as a kernel allows). */
  function realPath(p: ProjectState, path: string): string {
    let parts = path.split('/').filter(Boolean)
    for (let i = 0, hops = 0; i < parts.length - 1 && hops < 40; i++) {
      const prefix = `/${parts.slice(0, i + 1).join('/')}`
      const entry = p.mirror.get(prefix)
      if (entry?.type !== 'symlink' || !entry.target) continue
      parts = resolvePath(dirname(prefix), `${entry.target}/${parts.slice(i + 1).join('/')}`).split('/').filter(Boolean)
      i = -1
      hops++
    }
    return `/${parts.join('/')}`
  }

  /** `pip …` (also `pip3`, `python -m pip`) on the project's /workspace/.venv; resolves to pip's exit status. */
  function pipCommand(p: ProjectState, args: string[], ctx: CommandContext): Promise<number> {
    const deps: PipDeps = {
      read: (path) => p.mirror.read(path),
      files: (dir) => p.mirror.entries().filter((e) => e.type === 'file' && e.path.startsWith(`${dir}/`)).map((e) => e.path),
      async commit(changes) {
        const refused = changes.filter((c) => !mayChange(c))
        if (refused.length) throw new AppError('BAD_INPUT', `pip would change ${changedPaths(refused[0]!).join(', ')}`)
        p.commit(changes)
        await p.flush()
      },
      fetch: createPackageFetch(ctx.env),
      cache: options.packages,
    }
    return runPip(args, { cwd: ctx.cwd, env: ctx.env, signal: ctx.signal }, deps, ctx.io).finally(() => ctx.io.task?.(null))
  }

  /** A console script pip put in the project's environment (`/workspace/.venv/bin/<name>`), or null. */
  function findVenvScript(p: ProjectState, name: string): string | null {
    const path = `${PYODIDE_TARGET.venv}/bin/${name}`
    return p.mirror.get(path)?.type === 'file' ? path : null
  }

  /** Runs Python in pyodide's worker; a unittest run's report is saved to /runs like any test run's. */
  async function runPython(p: ProjectState, run: RunState, argv: string[], ctx: CommandContext): Promise<{ code: number; report: TestReport | null }> {
    if (argv[1] === '--version' || argv[1] === '-V') {
      ctx.io.stdout(`Python ${PYODIDE_PYTHON}\n`)
      return { code: 0, report: null }
    }
    if (argv[1] === '-m' && argv[2] === 'pip') return { code: await pipCommand(p, argv.slice(3), ctx), report: null }
    python ??= options.python()
    const files: Array<{ path: string; data: Uint8Array; mode: number }> = []
    for (const entry of p.mirror.entries()) {
      if (entry.type !== 'file' || entry.path.split('/').some((part) => LAZY_FOLDERS.includes(part))) continue
      const data = entry.data ?? (await p.mirror.read(entry.path))
      if (data) files.push({ path: entry.path, data, mode: entry.mode })
    }
    const t0 = performance.now()
    const startedAt = Date.now()
    const result = await python.run({ argv, cwd: ctx.cwd, env: ctx.env, files, stdin: ctx.stdin ?? undefined }, ctx.io, ctx.signal)
    p.commit(result.changes.map((c): FsChange => (c.type === 'write' ? { type: 'write', path: c.path, data: c.data, mode: c.mode } : { type: 'remove', path: c.path })))
    if (!result.tests) return { code: result.code, report: null }
    // Locations are namespace paths, as the JavaScript runners give them.
    for (const t of result.tests) {
      const at = t.failure?.location
      if (at && !at.path.startsWith('/')) at.path = `/workspace/${at.path}`
    }
    const report = createReport({ id: newRunId(), runner: 'python-unittest', command: argv.join(' '), startedAt, durationMs: performance.now() - t0, files: [...new Set(result.tests.map((t) => t.file))].map((file) => ({ file, durationMs: 0, error: null })), tests: result.tests })
    saveReport(p, run, report)
    return { code: result.code, report }
  }

  /** Wraps a progress reporter: output chunks batched, at most one message per 16 ms. */
  function batcher(progress: (p: RunProgress) => void) {
    let chunks: OutputChunk[] = []
    let events: TestEvent[] = []
    // undefined: no change to report; null: the task ended.
    let task: TaskProgress | null | undefined
    let timer: ReturnType<typeof setTimeout> | null = null
    const flush = () => {
      timer = null
      if (!chunks.length && !events.length && task === undefined) return
      progress({ ...(chunks.length ? { output: chunks } : {}), ...(events.length ? { events } : {}), ...(task !== undefined ? { task } : {}) })
      chunks = []
      events = []
      task = undefined
    }
    const schedule = () => void (timer ??= setTimeout(flush, 16))
    const add = (stream: OutputChunk['stream'], text: string) => {
      if (!text) return
      const last = chunks[chunks.length - 1]
      if (last?.stream === stream) last.text += text
      else chunks.push({ stream, text })
      schedule()
    }
    return {
      io: {
        stdout: (t: string) => add('stdout', t),
        stderr: (t: string) => add('stderr', t),
        task: (t: TaskProgress | null) => {
          // Each step is shown, however short: a new phase sends what the last one reached first.
          if (task && t?.phase !== task.phase) flush()
          task = t
          schedule()
        },
      } satisfies ShellIo,
      event: (e: TestEvent) => {
        events.push(e)
        schedule()
      },
      flush() {
        if (timer) clearTimeout(timer)
        flush()
      },
    }
  }

  /** Runs `fn` with a signal that aborts on the caller's cancel or after `timeoutMs`. */
  async function withDeadline<T>(signal: AbortSignal, timeoutMs: number | undefined, run: RunState, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController()
    const abort = () => {
      run.interrupted = true
      controller.abort()
    }
    signal.addEventListener('abort', abort)
    if (signal.aborted) abort()
    const timer = timeoutMs && timeoutMs > 0 ? setTimeout(() => {
      run.timedOut = true
      controller.abort()
    }, timeoutMs) : null
    try {
      return await fn(controller.signal)
    } finally {
      if (timer) clearTimeout(timer)
      signal.removeEventListener('abort', abort)
    }
  }

  return {
    async open({ projectId }) {
      const opened = openProject(projectId)
      // esbuild starts a little later: a first run usually finds its modules in the compile cache,
      // and should not share the CPU with esbuild's start (a compile that misses starts it at once).
      setTimeout(() => void compiler.warm().catch((error: unknown) => console.warn('runtime: esbuild did not start', error)), ESBUILD_WARM_DELAY_MS)
      await opened
    },
    async spawn(request, { signal, progress }): Promise<ExitStatus> {
      const p = await openProject(request.projectId)
      await Promise.all([p.mirror.settled(), p.flush()])
      const run: RunState = { runs: [], current: null, timedOut: false, interrupted: false }
      running.set(request.pid, run)
      const out = batcher(progress)
      const state = { cwd: normalizePath(request.cwd ?? '/workspace'), env: { ...DEFAULT_ENV, ...request.env } }
      const stdin = request.stdin ?? null
      let code: number
      try {
        code = await withDeadline(signal, request.timeoutMs, run, async (inner) => {
          const host = shellHost(p, run)
          if (request.command === 'sh' && request.args[0] === '-c') return runCommandLine(request.args[1] ?? '', state, host, out.io, inner, stdin)
          const ctx: CommandContext = { cwd: state.cwd, env: state.env, stdin, io: out.io, signal: inner }
          const ran = await host.exec([request.command, ...request.args], ctx)
          if (ran === null) {
            out.io.stderr(`${request.command}: command not found in the embedded runtime\n`)
            return 127
          }
          return ran
        })
      } finally {
        running.delete(request.pid)
      }
      if (run.timedOut) code = 124
      else if (run.interrupted && code === 0) code = 130
      out.flush()
      await p.flush()
      return { code, signal: run.timedOut ? 'SIGKILL' : run.interrupted ? 'SIGINT' : null, timedOut: run.timedOut, cwd: state.cwd, runs: run.runs }
    },
    input({ pid, text }) {
      running.get(pid)?.current?.write(text)
    },
    async runTests(spec, { signal, progress }) {
      const p = await openProject(spec.projectId)
      await Promise.all([p.mirror.settled(), p.flush()])
      const run: RunState = { runs: [], current: null, timedOut: false, interrupted: false }
      const out = batcher(progress)
      const ctx = (inner: AbortSignal): CommandContext => ({ cwd: '/workspace', env: { ...DEFAULT_ENV, ...spec.env }, stdin: '', io: out.io, signal: inner })
      const runner = spec.runner ?? (await detectRunner(p))
      try {
        return await withDeadline(signal, spec.timeoutMs, run, async (inner) => {
          // As `npm test` does after a fresh clone: the dependencies first, when they are missing.
          const pkg = runner === 'python-unittest' ? null : await findPackage(p, '/workspace')
          if (pkg && needsInstall(p, pkg.dir, [pkg.json])) {
            out.io.stdout('node_modules is missing: installing the dependencies first.\n')
            if ((await npmInstall(p, pkg.dir, ctx(inner), { kind: 'install' })) !== 0) throw new AppError('BAD_INPUT', 'the dependencies could not be installed (see the output): the tests did not run')
          }
          if (runner === 'python-unittest') {
            const names = (spec.files ?? []).map((f) => f.replace(/\.py$/, '').replace(/\//g, '.'))
            const testArgs = spec.testName ? [spec.testName.split(' > ').length > 1 ? `${names[0] ?? ''}.${spec.testName.split(' > ').join('.')}`.replace(/^\./, '') : spec.testName] : names
            const { report } = await runPython(p, run, ['python', '-m', 'unittest', ...testArgs], ctx(inner))
            if (report) return report
            const empty = createReport({ id: newRunId(), runner, command: 'python -m unittest', startedAt: Date.now(), durationMs: 0, files: [], tests: [] })
            saveReport(p, run, empty)
            return empty
          }
          const files = spec.files?.map((f) => `/workspace/${f.replace(/^\/?workspace\//, '').replace(/^\//, '')}`)
          return testCommand(p, run, runner, runner === 'node-test' ? 'node --test' : 'vitest run', files ?? [], spec.testName, ctx(inner), out.event)
        })
      } finally {
        out.flush()
      }
    },
  }
}

/** Which runner a project's tests use: vitest/jest if its test script or files say so, Python if it has only Python tests. */
async function detectRunner(p: ProjectState): Promise<'node-test' | 'vitest' | 'python-unittest'> {
  const pkg = await p.mirror.read('/workspace/package.json')
  if (pkg) {
    const text = decoder.decode(pkg)
    if (/\b(vitest|jest)\b/.test(text)) return 'vitest'
    if (/node\s+--test/.test(text)) return 'node-test'
  }
  const files = p.mirror.entries().map((e) => e.path)
  if (!pkg && files.some((f) => /\/test[^/]*\.py$/.test(f))) return 'python-unittest'
  if (files.some((f) => /\.(test|spec)\.[cm]?tsx?$/.test(f) && !f.includes('/node_modules/'))) return 'vitest'
  return 'node-test'
}

/** The paths a change touches. */
function changedPaths(change: FsChange): string[] {
  return change.type === 'rename' ? [change.from, change.to] : [change.path]
}

/**
 * Whether a process may make `change`: inside /workspace but not its .git (history changes go
 * through git, where they can be reviewed), or inside /tmp. A sandbox can post any message, so
 * the host checks.
 */
export function mayChange(change: FsChange): boolean {
  return changedPaths(change).every((raw) => {
    const path = normalizePath(raw)
    if (path.startsWith('/tmp/')) return true
    return path.startsWith('/workspace/') && path !== '/workspace/.git' && !path.startsWith('/workspace/.git/')
  })
}

/** `name@spec` as npm reads it on the command line (`@scope/name@^1`, `left-pad`, `x@latest`). */
export function parsePackageSpec(arg: string): { name: string; spec: string } {
  const at = arg.indexOf('@', arg.startsWith('@') ? 1 : 0)
  return at < 0 ? { name: arg, spec: '' } : { name: arg.slice(0, at), spec: arg.slice(at + 1) }
}

/** Quotes an argument for a shell line, when it needs it. */
function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`
}
