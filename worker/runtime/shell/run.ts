import { basename, dirname, joinPath, normalizePath } from '../../../shared/namespace'
import { parseCommandLine, ShellSyntaxError, type SimpleCommand } from './parse'
import type { TaskProgress } from '../../../shared/runtime'

/** Where a command's output goes. */
export interface ShellIo {
  stdout(text: string): void
  stderr(text: string): void
  /** Long work's progress (an install), for a progress bar; null when it ends. Absent where nobody shows one. */
  task?(task: TaskProgress | null): void
}

/** What a command runs with. `stdin` null: it comes from the terminal while the command runs. */
export interface CommandContext {
  cwd: string
  env: Record<string, string>
  stdin: string | null
  io: ShellIo
  signal: AbortSignal
}

/** The file operations built-ins use, and the programs the shell can start. */
export interface ShellHost {
  fs: {
    kind(path: string): 'file' | 'dir' | 'symlink' | null
    /** Names in a folder, sorted. */
    list(path: string): string[]
    size(path: string): number
    read(path: string): Promise<Uint8Array>
    write(path: string, data: Uint8Array): void
    mkdir(path: string): void
    /** A file, or a folder with everything in it. */
    remove(path: string): void
    rename(from: string, to: string): void
  }
  /** Runs a program that is not a built-in; resolves to its exit code, or null when there is no such program. */
  exec(argv: string[], context: CommandContext): Promise<number | null>
}

/** The shell's own commands. */
export const BUILTIN_COMMANDS = ['cd', 'pwd', 'echo', 'ls', 'cat', 'mkdir', 'rm', 'cp', 'mv', 'touch', 'env', 'export', 'unset', 'true', 'false', 'exit', 'which', 'help'] as const

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * Runs a command line like `sh -c`: `;`, `&&`, `||`, `|`, redirections, `NAME=value cmd`. `state`
 * is the shell's working directory and environment (`cd` and `export` change it). Resolves to the
 * exit status of the last command; a syntax error prints why and gives 2.
 */
export async function runCommandLine(line: string, state: { cwd: string; env: Record<string, string> }, host: ShellHost, io: ShellIo, signal: AbortSignal, stdin: string | null = null): Promise<number> {
  let list
  try {
    list = parseCommandLine(line, { ...state.env, PWD: state.cwd, '?': state.env['?'] ?? '0' })
  } catch (error) {
    if (error instanceof ShellSyntaxError) {
      io.stderr(`sh: ${error.message}\n`)
      return 2
    }
    throw error
  }
  let status = 0
  for (const { op, pipeline } of list) {
    if (signal.aborted) return 130
    if ((op === '&&' && status !== 0) || (op === '||' && status === 0)) continue
    let input = stdin
    for (let i = 0; i < pipeline.length; i++) {
      const last = i === pipeline.length - 1
      // A pipe hands the whole output of one command to the next (the built-ins are not streaming).
      let captured = ''
      const out: ShellIo = last ? io : { stdout: (t) => void (captured += t), stderr: io.stderr }
      status = await runSimple(pipeline[i]!, state, host, out, signal, input)
      input = captured
      if (signal.aborted) return 130
    }
    state.env['?'] = String(status)
  }
  return status
}

async function runSimple(command: SimpleCommand, state: { cwd: string; env: Record<string, string> }, host: ShellHost, io: ShellIo, signal: AbortSignal, stdin: string | null): Promise<number> {
  const resolve = (p: string) => normalizePath(p.startsWith('/') ? p : joinPath(state.cwd, p))
  if (command.words.length === 0) {
    Object.assign(state.env, command.assignments)
    return 0
  }
  // Redirections: output to files is collected and written when the command ends.
  let stdout = io.stdout
  let stderr = io.stderr
  const files = new Map<string, { text: string; append: boolean }>()
  for (const r of command.redirects) {
    const path = resolve(r.target)
    if (r.op === '<') {
      if (host.fs.kind(path) !== 'file') {
        io.stderr(`sh: ${r.target}: No such file\n`)
        return 1
      }
      stdin = decoder.decode(await host.fs.read(path))
    } else if (r.op === '>&1') stderr = (t) => stdout(t)
    else {
      const file = { text: '', append: r.op === '>>' }
      files.set(path, file)
      const sink = (t: string) => void (file.text += t)
      if (r.fd === 1) stdout = sink
      else stderr = sink
    }
  }
  const out: ShellIo = { stdout: (t) => stdout(t), stderr: (t) => stderr(t), task: io.task }
  const env = { ...state.env, ...command.assignments }
  const [name, ...args] = command.words as [string, ...string[]]
  let status: number
  try {
    status = await builtin(name, args, { state, env, host, io: out, resolve, stdin })
    if (status === NOT_BUILTIN) {
      const ran = await host.exec(command.words, { cwd: state.cwd, env, stdin, io: out, signal })
      if (ran === null) {
        out.stderr(`sh: ${name}: command not found. The embedded runtime runs node, python, npm scripts, npx vitest, WASI binaries and the built-ins (${BUILTIN_COMMANDS.join(', ')}); switch on WebContainer mode in Settings for a full shell.\n`)
        status = 127
      } else status = ran
    }
  } catch (error) {
    out.stderr(`${name}: ${error instanceof Error ? error.message : String(error)}\n`)
    status = 1
  }
  for (const [path, file] of files) {
    if (host.fs.kind(dirname(path)) !== 'dir') {
      io.stderr(`sh: ${path}: No such file or directory\n`)
      return 1
    }
    const before = file.append && host.fs.kind(path) === 'file' ? await host.fs.read(path) : new Uint8Array()
    const added = encoder.encode(file.text)
    const data = new Uint8Array(before.length + added.length)
    data.set(before)
    data.set(added, before.length)
    host.fs.write(path, data)
  }
  return status
}

const NOT_BUILTIN = -1

interface BuiltinContext {
  state: { cwd: string; env: Record<string, string> }
  env: Record<string, string>
  host: ShellHost
  io: ShellIo
  resolve(path: string): string
  stdin: string | null
}

/** Splits `-rf` style flags from operands. */
function flags(args: string[]): { set: Set<string>; rest: string[] } {
  const set = new Set<string>()
  const rest: string[] = []
  let done = false
  for (const a of args) {
    if (!done && a === '--') done = true
    else if (!done && /^-[A-Za-z]+$/.test(a)) for (const f of a.slice(1)) set.add(f)
    else if (!done && a.startsWith('--')) set.add(a)
    else rest.push(a)
  }
  return { set, rest }
}

async function builtin(name: string, args: string[], ctx: BuiltinContext): Promise<number> {
  const { host, io, resolve } = ctx
  const fs = host.fs
  const fail = (message: string) => {
    io.stderr(`${name}: ${message}\n`)
    return 1
  }
  switch (name) {
    case 'true':
      return 0
    case 'false':
      return 1
    case 'pwd':
      io.stdout(`${ctx.state.cwd}\n`)
      return 0
    case 'cd': {
      const target = resolve(args[0] ?? ctx.env.HOME ?? '/workspace')
      if (fs.kind(target) !== 'dir') return fail(`${args[0]}: No such file or directory`)
      ctx.state.cwd = target
      return 0
    }
    case 'echo': {
      const { set, rest } = args[0]?.startsWith('-') && /^-[neE]+$/.test(args[0]) ? flags(args.slice(0, 1)) : { set: new Set<string>(), rest: [] }
      const words = set.size ? args.slice(1) : args
      void rest
      let text = words.join(' ')
      if (set.has('e')) text = text.replace(/\\n/g, '\n').replace(/\\t/g, '\t')
      io.stdout(set.has('n') ? text : `${text}\n`)
      return 0
    }
    case 'env':
      io.stdout(Object.entries(ctx.env).filter(([k]) => k !== '?').map(([k, v]) => `${k}=${v}\n`).join(''))
      return 0
    case 'export':
    case 'unset':
      for (const a of args) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/s.exec(a)
        if (!m) return fail(`'${a}': not a valid identifier`)
        if (name === 'unset') delete ctx.state.env[m[1]!]
        else if (m[2] !== undefined) ctx.state.env[m[1]!] = m[2]
      }
      return 0
    case 'exit':
      return Number(args[0] ?? 0) || 0
    case 'which': {
      let status = 0
      for (const a of args) {
        if ((BUILTIN_COMMANDS as readonly string[]).includes(a)) io.stdout(`${a}: shell built-in command\n`)
        else if (['node', 'npm', 'npx', 'python', 'python3', 'pip', 'pip3', 'vitest', 'jest'].includes(a)) io.stdout(`/usr/local/bin/${a}\n`)
        else status = 1
      }
      return status
    }
    case 'help':
      io.stdout(
        [
          'The embedded shell (offline, in this tab). Commands:',
          `  built-ins: ${BUILTIN_COMMANDS.join(' ')}`,
          '  node <file> [args], node --test [files], node -e <code>',
          '  npm test, npm run <script>, npm start, npx vitest run [filter]',
          '  python <file> [args], python -m unittest [args], python -c <code>',
          '  pip install <pkg>... | -r requirements.txt, pip uninstall|list|freeze|show (into /workspace/.venv)',
          '  <file>.wasm [args] (WASI)',
          '  joined with ; && || | and redirected with > >> < 2>&1',
          '',
        ].join('\n'),
      )
      return 0
    case 'ls': {
      const { set, rest } = flags(args)
      const targets = rest.length ? rest : ['.']
      let status = 0
      for (const t of targets) {
        const path = resolve(t)
        const kind = fs.kind(path)
        if (!kind) {
          io.stderr(`ls: cannot access '${t}': No such file or directory\n`)
          status = 2
          continue
        }
        const names = kind === 'dir' ? fs.list(path).filter((n) => set.has('a') || set.has('A') || !n.startsWith('.')) : [t]
        if (targets.length > 1 && kind === 'dir') io.stdout(`${t}:\n`)
        const decorate = (n: string) => (kind === 'dir' && fs.kind(joinPath(path, n)) === 'dir' ? `${n}/` : n)
        if (set.has('l')) {
          for (const n of names) {
            const full = kind === 'dir' ? joinPath(path, n) : path
            const k = fs.kind(full)
            io.stdout(`${k === 'dir' ? 'd' : k === 'symlink' ? 'l' : '-'}rw-r--r-- ${String(k === 'file' ? fs.size(full) : 0).padStart(8)} ${n}\n`)
          }
        } else if (names.length) io.stdout(`${names.map(decorate).join(set.has('1') ? '\n' : '  ')}\n`)
      }
      return status
    }
    case 'cat': {
      if (args.length === 0) {
        io.stdout(ctx.stdin ?? '')
        return 0
      }
      for (const a of args) {
        if (a === '-') {
          io.stdout(ctx.stdin ?? '')
          continue
        }
        const path = resolve(a)
        const kind = fs.kind(path)
        if (kind === 'dir') return fail(`${a}: Is a directory`)
        if (!kind) return fail(`${a}: No such file or directory`)
        io.stdout(decoder.decode(await fs.read(path)))
      }
      return 0
    }
    case 'mkdir': {
      const { set, rest } = flags(args)
      if (!rest.length) return fail('missing operand')
      for (const a of rest) {
        const path = resolve(a)
        if (fs.kind(path)) {
          if (set.has('p') && fs.kind(path) === 'dir') continue
          return fail(`cannot create directory '${a}': File exists`)
        }
        if (!set.has('p') && fs.kind(dirname(path)) !== 'dir') return fail(`cannot create directory '${a}': No such file or directory`)
        fs.mkdir(path)
      }
      return 0
    }
    case 'touch':
      for (const a of args) {
        const path = resolve(a)
        if (fs.kind(dirname(path)) !== 'dir') return fail(`cannot touch '${a}': No such file or directory`)
        fs.write(path, fs.kind(path) === 'file' ? await fs.read(path) : new Uint8Array())
      }
      return 0
    case 'rm': {
      const { set, rest } = flags(args)
      if (!rest.length) return set.has('f') ? 0 : fail('missing operand')
      for (const a of rest) {
        const path = resolve(a)
        if (!path.startsWith('/workspace/') && !path.startsWith('/tmp/')) return fail(`refusing to remove '${a}'`)
        const kind = fs.kind(path)
        if (!kind) {
          if (set.has('f')) continue
          return fail(`cannot remove '${a}': No such file or directory`)
        }
        if (kind === 'dir' && !set.has('r') && !set.has('R')) return fail(`cannot remove '${a}': Is a directory`)
        fs.remove(path)
      }
      return 0
    }
    case 'cp':
    case 'mv': {
      const { set, rest } = flags(args)
      if (rest.length < 2) return fail(`missing destination file operand after '${rest[0] ?? ''}'`)
      const dest = resolve(rest[rest.length - 1]!)
      const sources = rest.slice(0, -1)
      const destIsDir = fs.kind(dest) === 'dir'
      if (sources.length > 1 && !destIsDir) return fail(`target '${rest[rest.length - 1]}' is not a directory`)
      for (const s of sources) {
        const from = resolve(s)
        const kind = fs.kind(from)
        if (!kind) return fail(`cannot stat '${s}': No such file or directory`)
        const to = destIsDir ? joinPath(dest, basename(from)) : dest
        if (to === from || to.startsWith(`${from}/`)) return fail(`cannot ${name === 'mv' ? 'move' : 'copy'} '${s}' into itself`)
        if (name === 'mv') fs.rename(from, to)
        else if (kind === 'dir') {
          if (!set.has('r') && !set.has('R')) return fail(`-r not specified; omitting directory '${s}'`)
          await copyTree(fs, from, to)
        } else fs.write(to, await fs.read(from))
      }
      return 0
    }
    default:
      return NOT_BUILTIN
  }
}

async function copyTree(fs: ShellHost['fs'], from: string, to: string): Promise<void> {
  if (fs.kind(to) !== 'dir') fs.mkdir(to)
  for (const name of fs.list(from)) {
    const [a, b] = [joinPath(from, name), joinPath(to, name)]
    if (fs.kind(a) === 'dir') await copyTree(fs, a, b)
    else fs.write(b, await fs.read(a))
  }
}
