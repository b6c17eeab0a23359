import nodeModule from 'node:module'
import nodeQs from 'node:querystring'
import { StringDecoder as NodeDecoder } from 'node:string_decoder'
import nodeUrl from 'node:url'
import nodeUtil from 'node:util'
import { describe, expect, it } from 'vitest'
import { createBuiltins, createMemFs, createProcess, isBuiltin, UNAVAILABLE_BUILTINS } from './index'

function setup(stdin?: string) {
  const out: string[] = []
  const err: string[] = []
  const exits: number[] = []
  const memfs = createMemFs({ entries: [{ path: '/workspace/src', type: 'dir', mode: 0o755, size: 0, mtimeMs: 0 }] })
  const proc = createProcess({
    argv: ['/usr/local/bin/node', '/workspace/main.js', '--flag'],
    env: { HOME: '/home/user' },
    cwd: '/workspace',
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    exit: ((code: number) => {
      exits.push(code)
      throw new Error(`exit ${code}`)
    }) as (code: number) => never,
    stdin: stdin === undefined ? undefined : { text: stdin },
    isDirectory: (p) => memfs.exists(p) && memfs.stat(p).isDirectory(),
    exists: (p) => memfs.exists(p),
  })
  const builtins = createBuiltins({ memfs, process: proc, cwd: () => proc.cwd() })
  return { out, err, exits, proc, builtins, memfs }
}

describe('createBuiltins', () => {
  it('serves modules with and without node:, lazily and cached', () => {
    const { builtins } = setup()
    expect(builtins.require('node:fs')).toBe(builtins.require('fs'))
    expect(builtins.require('fs/promises')).toBe((builtins.require('fs') as { promises: unknown }).promises)
    expect(builtins.require('path/posix')).toBe(builtins.require('path'))
    expect(builtins.require('assert/strict')).toBe((builtins.require('assert') as { strict: unknown }).strict)
    expect(builtins.require('util/types')).toBe((builtins.require('util') as { types: unknown }).types)
    for (const name of ['events', 'stream', 'stream/promises', 'timers/promises', 'os', 'url', 'crypto', 'buffer', 'string_decoder', 'querystring', 'readline', 'tty', 'module', 'perf_hooks', 'async_hooks', 'process', 'console', 'constants', 'diagnostics_channel', 'stream/web', 'stream/consumers', 'readline/promises', 'sys']) {
      expect(builtins.require(name), name).toBeTruthy()
    }
    expect(builtins.has('node:test')).toBe(false)
    expect(builtins.has('lodash')).toBe(false)
    expect(() => builtins.require('lodash')).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_BUILTIN_MODULE' }))
  })

  it('refuses the built-ins a tab cannot run, naming them', () => {
    const { builtins } = setup()
    for (const name of ['child_process', 'node:worker_threads', 'http', 'net', 'zlib', 'vm']) {
      expect(builtins.has(name)).toBe(true)
      const bare = name.replace('node:', '')
      expect(() => builtins.require(name)).toThrow(
        expect.objectContaining({
          code: 'ERR_UNAVAILABLE_BUILTIN',
          message: `The built-in module '${bare}' is not available in the embedded runtime. Switch on WebContainer mode (Settings) to use it.`,
        }),
      )
    }
    expect(UNAVAILABLE_BUILTINS).toContain('child_process')
  })

  it('isBuiltin agrees with Node for every name Node knows, and a few it does not', () => {
    for (const name of [...nodeModule.builtinModules, 'node:test', 'test', 'node:sqlite', 'sqlite', 'lodash', 'fs/nope', 'node:nope']) {
      expect(isBuiltin(name), name).toBe(nodeModule.isBuiltin(name))
      if (!name.startsWith('node:') && nodeModule.isBuiltin(name)) expect(isBuiltin(`node:${name}`)).toBe(true)
    }
  })

  it('fs writes to fd 1 go to stdout, and fd 0 reads the given stdin', () => {
    const { builtins, out } = setup('line one\nline two\n')
    const fs = builtins.require('fs') as { writeSync(fd: number, s: string): number; readFileSync(fd: number, e: string): string }
    fs.writeSync(1, 'to stdout\n')
    expect(out).toEqual(['to stdout\n'])
    expect(fs.readFileSync(0, 'utf8')).toBe('line one\nline two\n')
  })

  it('relative fs paths follow process.chdir', () => {
    const { builtins, proc } = setup()
    const fs = builtins.require('fs') as { writeFileSync(p: string, d: string): void; existsSync(p: string): boolean }
    proc.chdir('src')
    fs.writeFileSync('here.txt', 'x')
    expect(fs.existsSync('/workspace/src/here.txt')).toBe(true)
    expect((builtins.require('path') as { resolve(p: string): string }).resolve('a')).toBe('/workspace/src/a')
  })

  it('small modules agree with Node', () => {
    const { builtins } = setup()
    const qs = builtins.require('querystring') as typeof nodeQs
    for (const q of ['a=1&b=2&a=3', 'x=%20y+z&empty=&flag', '', 'k=%E2%9C%93&bad=%zz']) expect({ ...qs.parse(q) }).toEqual({ ...nodeQs.parse(q) })
    for (const o of [{ a: [1, 2], b: 'x y', c: true, d: null, e: { nested: 1 } }, { 'ü': '✓' }]) expect(qs.stringify(o as never)).toBe(nodeQs.stringify(o as never))
    const url = builtins.require('url') as typeof nodeUrl
    for (const u of ['file:///workspace/a%20b.js', 'file:///x/%C3%A9']) expect(url.fileURLToPath(u)).toBe(nodeUrl.fileURLToPath(u))
    expect(url.pathToFileURL('/a b#c.js').href).toBe(nodeUrl.pathToFileURL('/a b#c.js').href)
    expect(url.pathToFileURL('rel.js').href).toBe('file:///workspace/rel.js')
    for (const u of ['http://user:pw@host.com:8080/p/a/t/h?query=string#hash', '/just/a/path?x=1']) {
      const ours = url.parse(u)
      const theirs = nodeUrl.parse(u)
      for (const key of ['protocol', 'auth', 'host', 'port', 'hostname', 'hash', 'search', 'query', 'pathname', 'path', 'href'] as const) expect(ours[key], `${u} ${key}`).toEqual(theirs[key])
    }
    const { StringDecoder } = builtins.require('string_decoder') as { StringDecoder: typeof NodeDecoder }
    const bytes = Buffer.from('héllo ✓ wörld')
    for (const encoding of ['utf8', 'base64', 'hex', 'utf16le'] as const) {
      const source = encoding === 'utf16le' ? Buffer.from('héllo ✓', 'utf16le') : bytes
      const ours = new StringDecoder(encoding)
      const theirs = new NodeDecoder(encoding)
      let a = ''
      let b = ''
      for (let i = 0; i < source.length; i += 3) {
        a += ours.write(source.subarray(i, i + 3))
        b += theirs.write(source.subarray(i, i + 3))
      }
      expect(a + ours.end()).toBe(b + theirs.end())
    }
  })

  it('util helpers behave like Node', async () => {
    const { builtins } = setup()
    const util = builtins.require('util') as typeof nodeUtil
    const legacy = (x: number, cb: (e: Error | null, v?: number) => void) => cb(x < 0 ? new Error('negative') : null, x * 2)
    expect(await util.promisify(legacy)(2)).toBe(4)
    await expect(util.promisify(legacy)(-1)).rejects.toThrow('negative')
    const custom = Object.assign(() => {}, { [util.promisify.custom]: () => Promise.resolve('custom') })
    expect(await util.promisify(custom)()).toBe('custom')
    const value = await new Promise((resolve) => util.callbackify(async (x: number) => x + 1)(1, (_e: unknown, v: unknown) => resolve(v)))
    expect(value).toBe(2)
    function A() {}
    function B() {}
    util.inherits(A, B)
    expect(Object.getPrototypeOf(A.prototype)).toBe(B.prototype)
    expect(util.isDeepStrictEqual({ a: [1] }, { a: [1] })).toBe(true)
    expect(util.isDeepStrictEqual({ a: 1 }, { a: '1' })).toBe(false)
    expect(util.types.isPromise(Promise.resolve())).toBe(true)
    expect(util.types.isAsyncFunction(async () => {})).toBe(true)
    expect(util.types.isRegExp(/x/)).toBe(true)
    expect(util.stripVTControlCharacters('\u001b[31mred\u001b[0m')).toBe('red')
    expect(util.inspect.custom).toBe(nodeUtil.inspect.custom)
  })
})

describe('timers, os, async_hooks', () => {
  it('timers/promises resolve with the value and reject when aborted', async () => {
    const { builtins } = setup()
    const timers = builtins.require('timers/promises') as { setTimeout<T>(ms: number, v: T, o?: object): Promise<T>; setImmediate<T>(v: T): Promise<T>; scheduler: { wait(ms: number): Promise<void> } }
    expect(await timers.setTimeout(1, 'later')).toBe('later')
    expect(await timers.setImmediate('soon')).toBe('soon')
    await timers.scheduler.wait(1)
    const controller = new AbortController()
    const pending = timers.setTimeout(1000, 'never', { signal: controller.signal })
    controller.abort()
    await expect(pending).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' })
  })

  it('os describes a Linux machine named coder', () => {
    const { builtins } = setup()
    const os = builtins.require('os') as Record<string, () => unknown> & { EOL: string }
    expect([os.platform(), os.type(), os.homedir(), os.tmpdir(), os.hostname(), os.endianness(), os.EOL]).toEqual(['linux', 'Linux', '/home/user', '/tmp', 'coder', 'LE', '\n'])
    expect((os.cpus() as unknown[]).length).toBeGreaterThan(0)
    expect(os.userInfo()).toMatchObject({ username: 'user', homedir: '/home/user' })
  })

  it('AsyncLocalStorage holds its store for a synchronous run', () => {
    const { builtins } = setup()
    const { AsyncLocalStorage } = builtins.require('async_hooks') as { AsyncLocalStorage: new () => { run<R>(s: unknown, f: () => R): R; getStore(): unknown } }
    const als = new AsyncLocalStorage()
    expect(als.run({ id: 1 }, () => als.getStore())).toEqual({ id: 1 })
    expect(als.getStore()).toBeUndefined()
  })
})

describe('createProcess', () => {
  it('has the facts of a Linux Node 22', () => {
    const { proc } = setup()
    expect(proc.argv).toEqual(['/usr/local/bin/node', '/workspace/main.js', '--flag'])
    expect([proc.platform, proc.version, proc.execPath, proc.env.HOME, proc.cwd()]).toEqual(['linux', 'v22.12.0', '/usr/local/bin/node', '/home/user', '/workspace'])
    expect(Object.prototype.toString.call(proc)).toBe('[object process]')
    const [s, ns] = proc.hrtime()
    expect(Number.isInteger(s) && Number.isInteger(ns)).toBe(true)
    expect(typeof proc.hrtime.bigint()).toBe('bigint')
    proc.env.NUM = 5
    expect(proc.env.NUM).toBe('5')
    expect(() => proc.binding('fs')).toThrow()
  })

  it('writes to stdout/stderr synchronously and validates chdir', () => {
    const { proc, out, err } = setup()
    expect(proc.stdout.write('a')).toBe(true)
    proc.stdout.write(new TextEncoder().encode('b'))
    proc.stderr.write('c')
    expect([out.join(''), err.join('')]).toEqual(['ab', 'c'])
    expect(proc.stdout.isTTY).toBe(false)
    expect(() => proc.chdir('/nope')).toThrow("ENOENT: no such file or directory, chdir '/workspace' -> '/nope'")
  })

  it('emits exit once, then calls the hook with the code', () => {
    const { proc, exits } = setup()
    const seen: number[] = []
    proc.on('exit', (code: number) => seen.push(code))
    proc.exitCode = 3
    expect(() => proc.exit()).toThrow('exit 3')
    proc.emit('exit', 3)
    expect([seen, exits]).toEqual([[3], [3]])
  })

  it('prints warnings like Node', async () => {
    const { proc, err } = setup()
    proc.emitWarning('careful')
    proc.emitWarning('old', 'DeprecationWarning', 'DEP0001')
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(err.join('')).toBe('(node:42) Warning: careful\n(Use `node --trace-warnings ...` to show where the warning was created)\n(node:42) [DEP0001] DeprecationWarning: old\n')
  })

  it('stdin is a Readable of the given text that ends, and readline reads its lines', async () => {
    const { proc, builtins } = setup('one\ntwo\nthree')
    const readline = builtins.require('readline') as { createInterface(o: object): AsyncIterable<string> & { on(e: string, f: () => void): void } }
    const lines: string[] = []
    for await (const line of readline.createInterface({ input: proc.stdin })) lines.push(line)
    expect(lines).toEqual(['one', 'two', 'three'])
    const empty = setup()
    const chunks = await empty.proc.stdin.toArray()
    expect(chunks).toEqual([])
  })

  it('stdin can receive text later through subscribe', async () => {
    let feed: (text: string | null) => void = () => {}
    const proc = createProcess({
      argv: ['node'], env: {}, cwd: '/workspace', stdout: () => {}, stderr: () => {},
      exit: (() => { throw new Error('exit') }) as (code: number) => never,
      stdin: { subscribe: (listener) => (feed = listener) },
    })
    const chunks: string[] = []
    proc.stdin.setEncoding('utf8')
    proc.stdin.on('data', (c: string) => chunks.push(c))
    const ended = new Promise((resolve) => proc.stdin.on('end', resolve))
    await Promise.resolve()
    await Promise.resolve()
    feed('typed\n')
    feed('more')
    feed(null)
    await ended
    expect(chunks.join('')).toBe('typed\nmore')
  })

  it('readline question answers with the next line', async () => {
    const { proc, builtins, out } = setup('Ada\n')
    const readline = builtins.require('readline/promises') as { createInterface(o: object): { question(q: string): Promise<string>; close(): void } }
    const rl = readline.createInterface({ input: proc.stdin, output: proc.stdout })
    expect(await rl.question('Name? ')).toBe('Ada')
    rl.close()
    expect(out.join('')).toBe('Name? ')
  })

  it('nextTick runs soon, in order, with arguments', async () => {
    const { proc } = setup()
    const order: unknown[] = []
    proc.nextTick((a: number) => order.push(a), 1)
    proc.nextTick((a: number, b: number) => order.push(a + b), 1, 1)
    order.push(0)
    await Promise.resolve()
    await Promise.resolve()
    expect(order).toEqual([0, 1, 2])
  })
})
