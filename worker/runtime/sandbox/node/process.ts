import { Buffer } from 'buffer'
import { createSystemError, invalidArgType } from './errors'
import { EventEmitter } from './events'
import { createPathModule } from './path'
import { Readable, Writable } from './stream'

/** What the sandbox gives a process: its arguments, environment, directory, output sinks and exit hook. */
export interface ProcessOptions {
  argv: string[]
  env: Record<string, string>
  cwd: string
  stdout(text: string): void
  stderr(text: string): void
  /** Ends the process; must not return (the sandbox unwinds the running code). */
  exit(code: number): never
  /** stdin's whole text; or, with `subscribe`, text that arrives later (`null` ends it). Empty and ended when absent. */
  stdin?: { text?: string; subscribe?(listener: (text: string | null) => void): void }
  columns?: number
  rows?: number
  /** Whether stdout/stderr/stdin claim to be terminals (default false). */
  isTTY?: boolean
  /** Checks `chdir` targets; without it every path is accepted. */
  isDirectory?(path: string): boolean
  /** Tells a missing path (ENOENT) from a non-directory (ENOTDIR) for `chdir` errors. */
  exists?(path: string): boolean
  pid?: number
  homedir?: string
}

/** Where a process's stdin keeps its upfront text, for synchronous reads of fd 0 (`fs.readFileSync(0)`). */
export const STDIN_TEXT = Symbol('stdinText')

/** The Node version the embedded runtime reports. */
export const NODE_VERSION = 'v22.12.0'

/** Node's `process` as the sandbox builds it. */
export type Process = EventEmitter & Record<string, any>
type Proc = Process

function createOutput(fd: 1 | 2, sink: (text: string) => void, options: ProcessOptions): any {
  const decoder = new TextDecoder()
  const stream: any = new (Writable as any)({
    write(chunk: Uint8Array | string, _encoding: string, cb: () => void) {
      sink(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }))
      cb()
    },
    decodeStrings: false,
  })
  // Node writes to a pipe synchronously; so does the sandbox (text reaches the sink at once).
  stream.write = (chunk: unknown, encoding?: unknown, cb?: unknown) => {
    if (typeof encoding === 'function') cb = encoding
    if (typeof chunk === 'string') sink(chunk)
    else if (chunk instanceof Uint8Array) sink(decoder.decode(chunk, { stream: true }))
    else throw invalidArgType('chunk', 'of type string or an instance of Buffer, TypedArray, or DataView', chunk)
    if (typeof cb === 'function') queueMicrotask(() => (cb as (e: null) => void)(null))
    return true
  }
  const isTTY = options.isTTY ?? false
  Object.assign(stream, {
    fd,
    isTTY,
    columns: options.columns ?? 80,
    rows: options.rows ?? 24,
    _type: isTTY ? 'tty' : 'pipe',
    _isStdio: true,
    getColorDepth: () => (isTTY ? 8 : 1),
    hasColors: (count = 16) => isTTY && count <= 256,
    getWindowSize: () => [stream.columns, stream.rows],
    cursorTo(x: number, y?: number | (() => void), cb?: () => void) {
      sink(typeof y === 'number' ? `\x1b[${y + 1};${x + 1}H` : `\x1b[${x + 1}G`)
      if (typeof y === 'function') y()
      cb?.()
      return true
    },
    moveCursor(dx: number, dy: number, cb?: () => void) {
      sink(`${dx < 0 ? `\x1b[${-dx}D` : dx > 0 ? `\x1b[${dx}C` : ''}${dy < 0 ? `\x1b[${-dy}A` : dy > 0 ? `\x1b[${dy}B` : ''}`)
      cb?.()
      return true
    },
    clearLine(dir = 0, cb?: () => void) {
      sink(dir < 0 ? '\x1b[1K' : dir > 0 ? '\x1b[0K' : '\x1b[2K')
      cb?.()
      return true
    },
    clearScreenDown(cb?: () => void) {
      sink('\x1b[0J')
      cb?.()
      return true
    },
  })
  stream.end = (chunk?: unknown, encoding?: unknown, cb?: unknown) => {
    if (typeof chunk === 'function') cb = chunk
    else if (chunk != null) stream.write(chunk, encoding)
    if (typeof encoding === 'function') cb = encoding
    if (typeof cb === 'function') queueMicrotask(cb as () => void)
    return stream
  }
  return stream
}

function createStdin(options: ProcessOptions): any {
  const source = options.stdin
  let fed = false
  const stream: any = new (Readable as any)({
    read() {
      if (fed) return
      fed = true
      if (source?.subscribe) {
        source.subscribe((text) => stream.push(text === null ? null : Buffer.from(text)))
        if (source.text) stream.push(Buffer.from(source.text))
        return
      }
      if (source?.text) stream.push(Buffer.from(source.text))
      stream.push(null)
    },
  })
  Object.defineProperty(stream, STDIN_TEXT, { value: source?.subscribe ? undefined : (source?.text ?? '') })
  Object.assign(stream, {
    fd: 0,
    isTTY: options.isTTY ?? false,
    isRaw: false,
    setRawMode(mode: boolean) {
      stream.isRaw = mode
      return stream
    },
    ref: () => stream,
    unref: () => stream,
  })
  return stream
}

/**
 * Creates Node's `process` for one sandboxed run: an EventEmitter with argv, env, cwd/chdir,
 * exit (emits 'exit' once, then calls the hook), stdout/stderr writing synchronously to the
 * sinks, stdin as a Readable, and the version/platform facts of a Linux Node 22.
 */
export function createProcess(options: ProcessOptions): Proc {
  const path = createPathModule(() => cwd)
  let cwd = options.cwd
  let umask = 0o022
  let exitEmitted = false
  let warnedOnce = false
  const started = performance.now()
  const pid = options.pid ?? 42
  const env = new Proxy(options.env, {
    set(target, key, value) {
      if (typeof key === 'string') target[key] = String(value)
      return true
    },
    defineProperty(target, key, desc) {
      if (typeof key === 'string') target[key] = String(desc.value)
      return true
    },
  })

  const proc = new (EventEmitter as any)() as Proc
  const emit = proc.emit
  // 'exit' fires once, however many parties try to emit it.
  proc.emit = function (name: string | symbol, ...args: unknown[]): boolean {
    if (name === 'exit') {
      if (exitEmitted) return false
      exitEmitted = true
    }
    return emit.call(this, name, ...args)
  }

  function hrtime(previous?: [number, number]): [number, number] {
    const now = performance.timeOrigin + performance.now()
    let sec = Math.floor(now / 1000)
    let ns = Math.floor((now % 1000) * 1e6)
    if (previous) {
      sec -= previous[0]
      ns -= previous[1]
      if (ns < 0) {
        sec -= 1
        ns += 1e9
      }
    }
    return [sec, ns]
  }
  hrtime.bigint = () => BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1e6))

  const memoryUsage = () => {
    const heap = (performance as unknown as { memory?: { usedJSHeapSize: number; totalJSHeapSize: number } }).memory
    return { rss: 50_000_000, heapTotal: heap?.totalJSHeapSize ?? 6_000_000, heapUsed: heap?.usedJSHeapSize ?? 4_000_000, external: 1_000_000, arrayBuffers: 10_000 }
  }
  memoryUsage.rss = () => 50_000_000

  function emitWarning(warning: string | Error, typeOrOptions?: string | { type?: string; code?: string; detail?: string }, code?: string): void {
    let type = 'Warning'
    let detail: string | undefined
    if (typeof typeOrOptions === 'string') type = typeOrOptions
    else if (typeOrOptions) {
      type = typeOrOptions.type ?? type
      code = typeOrOptions.code
      detail = typeOrOptions.detail
    }
    let error: Error & { code?: string; detail?: string }
    if (typeof warning === 'string') {
      error = new Error(warning)
      error.name = type
      if (code) error.code = code
      if (detail) error.detail = detail
    } else if (warning instanceof Error) {
      error = warning
      type = warning.name
    } else throw invalidArgType('warning', 'of type string or an instance of Error', warning)
    if (type === 'DeprecationWarning' && proc.noDeprecation) return
    queueMicrotask(() => {
      proc.emit('warning', error)
      let text = `(node:${pid}) ${error.code ? `[${error.code}] ` : ''}${error.name}: ${error.message}\n`
      if (error.detail) text += `${error.detail}\n`
      if (!warnedOnce) {
        warnedOnce = true
        text += '(Use `node --trace-warnings ...` to show where the warning was created)\n'
      }
      options.stderr(text)
    })
  }

  Object.assign(proc, {
    title: 'node',
    version: NODE_VERSION,
    versions: { node: NODE_VERSION.slice(1), acorn: '8.14.0', ada: '2.9.2', ares: '1.34.3', brotli: '1.1.0', cjs_module_lexer: '1.4.1', icu: '76.1', llhttp: '9.2.1', modules: '127', napi: '10', nghttp2: '1.64.0', openssl: '3.0.15+quic', simdutf: '5.6.4', tz: '2024b', undici: '6.21.0', unicode: '16.0', uv: '1.49.2', uvwasi: '0.0.21', v8: '12.4.254.21-node.21', zlib: '1.3.0.1-motley-82a5fec' },
    release: { name: 'node', lts: 'Jod', sourceUrl: `https://nodejs.org/download/release/${NODE_VERSION}/node-${NODE_VERSION}.tar.gz`, headersUrl: `https://nodejs.org/download/release/${NODE_VERSION}/node-${NODE_VERSION}-headers.tar.gz` },
    features: { inspector: false, debug: false, uv: true, ipv6: true, tls_alpn: false, tls_sni: false, tls_ocsp: false, tls: false, cached_builtins: true, require_module: false, typescript: false },
    config: { target_defaults: {}, variables: { host_arch: 'x64', node_shared: false } },
    platform: 'linux',
    arch: 'x64',
    pid,
    ppid: 1,
    argv: [...options.argv],
    argv0: 'node',
    execArgv: [],
    execPath: '/usr/local/bin/node',
    env,
    exitCode: undefined,
    allowedNodeEnvironmentFlags: new Set<string>(),
    stdout: createOutput(1, options.stdout, options),
    stderr: createOutput(2, options.stderr, options),
    stdin: createStdin(options),
    cwd: () => cwd,
    chdir(directory: string) {
      if (typeof directory !== 'string') throw invalidArgType('directory', 'of type string', directory)
      const target = path.resolve(cwd, directory)
      if (options.isDirectory && !options.isDirectory(target)) {
        const missing = options.exists ? !options.exists(target) : true
        throw createSystemError(missing ? 'ENOENT' : 'ENOTDIR', 'chdir', cwd, directory)
      }
      cwd = target
    },
    exit(code?: number | string | null) {
      if (code !== undefined && code !== null) proc.exitCode = Number(code) | 0
      const final = proc.exitCode ?? 0
      proc._exiting = true
      proc.emit('exit', final)
      return options.exit(proc.exitCode ?? final)
    },
    reallyExit: (code: number) => options.exit(code),
    abort: () => options.exit(134),
    kill(target: number, signal: string | number = 'SIGTERM') {
      if (target !== pid && target !== 0) throw createSystemError('ESRCH', 'kill')
      const name = typeof signal === 'number' ? 'SIGTERM' : signal
      if (proc.listenerCount(name) > 0) proc.emit(name, name)
      else options.exit(128 + ({ SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGHUP: 1 }[name] ?? 15))
      return true
    },
    hrtime,
    uptime: () => (performance.now() - started) / 1000,
    memoryUsage,
    cpuUsage: (previous?: { user: number; system: number }) => {
      const user = Math.round((performance.now() - started) * 1000)
      return previous ? { user: user - previous.user, system: 0 } : { user, system: 0 }
    },
    resourceUsage: () => ({ userCPUTime: Math.round((performance.now() - started) * 1000), systemCPUTime: 0, maxRSS: 50_000 }),
    availableMemory: () => 2 ** 31,
    constrainedMemory: () => 0,
    nextTick(callback: (...args: unknown[]) => void, ...args: unknown[]) {
      if (typeof callback !== 'function') throw invalidArgType('callback', 'of type function', callback)
      queueMicrotask(() => callback(...args))
    },
    emitWarning,
    umask(mask?: number | string) {
      const old = umask
      if (mask !== undefined) umask = typeof mask === 'string' ? parseInt(mask, 8) : mask
      return old
    },
    getuid: () => 1000,
    geteuid: () => 1000,
    getgid: () => 1000,
    getegid: () => 1000,
    getgroups: () => [1000],
    binding(name: string) {
      throw new Error(`No such module: ${name}`)
    },
    _linkedBinding(name: string) {
      throw new Error(`No such binding: ${name}`)
    },
    getActiveResourcesInfo: () => [],
    hasUncaughtExceptionCaptureCallback: () => false,
    setUncaughtExceptionCaptureCallback: () => {},
    setSourceMapsEnabled: () => {},
    emitter: undefined,
    noDeprecation: false,
    throwDeprecation: false,
    traceDeprecation: false,
  })
  Object.defineProperty(proc, Symbol.toStringTag, { value: 'process', enumerable: false, configurable: true })
  delete proc.emitter
  return proc
}
