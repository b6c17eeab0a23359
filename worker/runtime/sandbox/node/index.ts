/** @module Node's built-in modules for the sandbox worker: fs over an in-memory tree, path, events, util, assert, stream, process and the rest, created lazily per process. */
import * as bufferPackage from 'buffer'
import { createAssertModule } from './assert'
import { createAsyncHooksModule } from './async-hooks'
import { createCryptoModule } from './crypto'
import { createDiagnosticsChannelModule } from './diagnostics-channel'
import { createCodedError } from './errors'
import { createEventsModule } from './events'
import { constants as fsConstants, createFsModule } from './fs'
import type { MemFs } from './memfs'
import { createOsModule } from './os'
import { createPathModule } from './path'
import { createPerfHooksModule } from './perf-hooks'
import { STDIN_TEXT, type Process } from './process'
import { createQuerystringModule } from './querystring'
import { createReadlineModule } from './readline'
import { createStreamModule } from './stream'
import { createStreamConsumersModule } from './stream-consumers'
import { StringDecoder } from './string-decoder'
import { createTimersModule } from './timers'
import { createTtyModule } from './tty'
import { createUrlModule } from './url'
import { createUtilModule } from './util'

export { createMemFs, type MemFs, type MemFsEntry, type MemFsInit, type FsChange } from './memfs'
export { createProcess, NODE_VERSION, type Process, type ProcessOptions } from './process'
export { createFsModule, type FsModule, type FsModuleOptions } from './fs'
export { createPathModule, type PathModule } from './path'
export { EventEmitter } from './events'
export { inspect, format } from './inspect'
export { AssertionError } from './assert'
export { Stats, Dirent } from './stats'
export { createSystemError, type SystemError } from './errors'

/** Every name Node 22 recognises as a built-in (without the `node:` prefix), plus the `node:`-only ones. */
const NODE_BUILTINS = [
  '_http_agent', '_http_client', '_http_common', '_http_incoming', '_http_outgoing', '_http_server', '_stream_duplex', '_stream_passthrough', '_stream_readable', '_stream_transform', '_stream_wrap',
  '_stream_writable', '_tls_common', '_tls_wrap', 'assert', 'assert/strict', 'async_hooks', 'buffer', 'child_process', 'cluster', 'console', 'constants', 'crypto', 'dgram', 'diagnostics_channel',
  'dns', 'dns/promises', 'domain', 'events', 'fs', 'fs/promises', 'http', 'http2', 'https', 'inspector', 'inspector/promises', 'module', 'net', 'os', 'path', 'path/posix', 'path/win32',
  'perf_hooks', 'process', 'punycode', 'querystring', 'readline', 'readline/promises', 'repl', 'stream', 'stream/consumers', 'stream/promises', 'stream/web', 'string_decoder', 'sys', 'timers',
  'timers/promises', 'tls', 'trace_events', 'tty', 'url', 'util', 'util/types', 'v8', 'vm', 'wasi', 'worker_threads', 'zlib',
]
/** Built-ins that exist only with the prefix (`node:test`); the sandbox's test harness provides `node:test`. */
const PREFIX_ONLY = ['test', 'test/reporters', 'sqlite', 'sea']

/** Node built-ins that cannot work in a browser tab; requiring one throws ERR_UNAVAILABLE_BUILTIN. */
export const UNAVAILABLE_BUILTINS: readonly string[] = [
  '_http_agent', '_http_client', '_http_common', '_http_incoming', '_http_outgoing', '_http_server', '_stream_wrap', '_tls_common', '_tls_wrap', 'child_process', 'cluster', 'dgram', 'dns',
  'dns/promises', 'domain', 'http', 'http2', 'https', 'inspector', 'inspector/promises', 'net', 'punycode', 'repl', 'tls', 'trace_events', 'v8', 'vm', 'wasi', 'worker_threads', 'zlib', 'sqlite', 'sea', 'test/reporters',
]

/** True for every Node built-in name, available or not, with or without `node:` (`node:test` included; bare `test` is not, as in Node). */
export function isBuiltin(name: string): boolean {
  if (name.startsWith('node:')) {
    const bare = name.slice(5)
    return NODE_BUILTINS.includes(bare) || PREFIX_ONLY.includes(bare)
  }
  return NODE_BUILTINS.includes(name)
}

/** What the built-ins of one process share. */
export interface BuiltinsContext {
  memfs: MemFs
  /** The process object from `createProcess`. */
  process: Process
  cwd(): string
  /** `module.createRequire`, supplied by the loader (called lazily, so the loader may be created after the built-ins). */
  createRequire?(filename: string): unknown
  /** `os.homedir()`; '/home/user' by default. */
  homedir?: string
}

/** The built-in modules of one process. */
export interface Builtins {
  /** True for names this object serves, unavailable ones included (their require throws); false for `node:test`, which the test harness provides. */
  has(name: string): boolean
  /** The module, created on first use and cached; throws ERR_UNKNOWN_BUILTIN_MODULE or ERR_UNAVAILABLE_BUILTIN. */
  require(name: string): unknown
  /** Every name `has` accepts, without the `node:` prefix. */
  names: string[]
}

/** Creates the built-ins for one process; nothing is built until it is first required. */
export function createBuiltins(context: BuiltinsContext): Builtins {
  const cache = new Map<string, unknown>()
  const get = <T>(name: string): T => require(name) as T
  const proc = context.process
  const factories: Record<string, () => unknown> = {
    assert: () => createAssertModule(),
    'assert/strict': () => get<{ strict: unknown }>('assert').strict,
    async_hooks: () => createAsyncHooksModule(),
    buffer: () => ({
      ...bufferPackage,
      Blob: globalThis.Blob,
      File: (globalThis as { File?: unknown }).File,
      atob: globalThis.atob,
      btoa: globalThis.btoa,
      constants: { MAX_LENGTH: (bufferPackage as { kMaxLength?: number }).kMaxLength ?? 2 ** 32, MAX_STRING_LENGTH: 2 ** 29 - 24 },
      isUtf8: (input: ArrayBufferView) => {
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(input)
          return true
        } catch {
          return false
        }
      },
      isAscii: (input: ArrayBufferView) => new Uint8Array(input.buffer, input.byteOffset, input.byteLength).every((b) => b < 0x80),
    }),
    console: () => globalThis.console,
    constants: () => ({ ...fsConstants, ...get<{ constants: { signals: object; errno: object } }>('os').constants.signals, ...get<{ constants: { errno: object } }>('os').constants.errno }),
    crypto: () => createCryptoModule(),
    diagnostics_channel: () => createDiagnosticsChannelModule(),
    events: () => createEventsModule(),
    fs: () => {
      const decoder = new TextEncoder()
      return createFsModule(context.memfs, {
        cwd: context.cwd,
        writeStdio: (fd, data) => (fd === 1 ? proc.stdout : proc.stderr).write(data),
        readStdin: () => decoder.encode(proc.stdin?.[STDIN_TEXT] ?? ''),
      })
    },
    'fs/promises': () => get<{ promises: unknown }>('fs').promises,
    module: () => {
      const createRequire = (filename: string | URL) => {
        if (!context.createRequire) throw createCodedError('ERR_UNAVAILABLE_BUILTIN', 'module.createRequire is not wired in this sandbox')
        return context.createRequire(typeof filename === 'string' ? filename : get<{ fileURLToPath(u: URL): string }>('url').fileURLToPath(filename))
      }
      function Module() {}
      return Object.assign(Module, {
        Module,
        createRequire,
        builtinModules: NODE_BUILTINS.slice(),
        isBuiltin,
        register: () => {},
        syncBuiltinESMExports: () => {},
        findSourceMap: () => undefined,
        enableCompileCache: () => ({ status: 3 }),
        _extensions: {},
        _cache: {},
      })
    },
    os: () => createOsModule({ homedir: context.homedir }),
    path: () => createPathModule(context.cwd),
    'path/posix': () => get('path'),
    'path/win32': () => get<{ win32: unknown }>('path').win32,
    perf_hooks: () => createPerfHooksModule(),
    process: () => proc,
    querystring: () => createQuerystringModule(),
    readline: () => createReadlineModule(),
    'readline/promises': () => get<{ promises: unknown }>('readline').promises,
    stream: () => createStreamModule(),
    'stream/promises': () => get<{ promises: unknown }>('stream').promises,
    'stream/consumers': () => createStreamConsumersModule(),
    'stream/web': () => {
      const g = globalThis as Record<string, unknown>
      const names = ['ReadableStream', 'ReadableStreamDefaultReader', 'ReadableStreamBYOBReader', 'ReadableByteStreamController', 'ReadableStreamDefaultController', 'WritableStream', 'WritableStreamDefaultWriter', 'WritableStreamDefaultController', 'TransformStream', 'TransformStreamDefaultController', 'ByteLengthQueuingStrategy', 'CountQueuingStrategy', 'TextEncoderStream', 'TextDecoderStream', 'CompressionStream', 'DecompressionStream']
      return Object.fromEntries(names.map((n) => [n, g[n]]))
    },
    _stream_duplex: () => get<{ Duplex: unknown }>('stream').Duplex,
    _stream_passthrough: () => get<{ PassThrough: unknown }>('stream').PassThrough,
    _stream_readable: () => get<{ Readable: unknown }>('stream').Readable,
    _stream_transform: () => get<{ Transform: unknown }>('stream').Transform,
    _stream_writable: () => get<{ Writable: unknown }>('stream').Writable,
    string_decoder: () => ({ StringDecoder }),
    sys: () => get('util'),
    timers: () => createTimersModule(),
    'timers/promises': () => get<{ promises: unknown }>('timers').promises,
    tty: () => createTtyModule(!!proc.stdout?.isTTY),
    url: () => createUrlModule((p) => get<{ resolve(...p: string[]): string }>('path').resolve(p)),
    util: () => createUtilModule((message, type, code) => proc.emitWarning?.(message, type, code)),
    'util/types': () => get<{ types: unknown }>('util').types,
  }
  const names = Object.keys(factories).concat(UNAVAILABLE_BUILTINS.filter((n) => !PREFIX_ONLY.includes(n)))

  function require(name: string): unknown {
    const bare = name.startsWith('node:') ? name.slice(5) : name
    const cached = cache.get(bare)
    if (cached !== undefined) return cached
    const factory = factories[bare]
    if (!factory) {
      if (isBuiltin(name)) {
        throw createCodedError('ERR_UNAVAILABLE_BUILTIN', `The built-in module '${bare}' is not available in the embedded runtime. Switch on WebContainer mode (Settings) to use it.`)
      }
      throw createCodedError('ERR_UNKNOWN_BUILTIN_MODULE', `No such built-in module: ${name}`)
    }
    const module = factory()
    cache.set(bare, module)
    return module
  }

  return {
    has: (name: string) => isBuiltin(name) && !/^node:test(\/|$)/.test(name),
    require,
    names,
  }
}
