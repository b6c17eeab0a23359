import { describe, expect, it } from 'vitest'
import argsWasm from './__fixtures__/wasi/args.wasm?url&inline'
import echoWasm from './__fixtures__/wasi/echo.wasm?url&inline'
import exit3Wasm from './__fixtures__/wasi/exit3.wasm?url&inline'
import helloWasm from './__fixtures__/wasi/hello.wasm?url&inline'
import libraryWasm from './__fixtures__/wasi/library.wasm?url&inline'
import loopWasm from './__fixtures__/wasi/loop.wasm?url&inline'
import tidyWasm from './__fixtures__/wasi/tidy.wasm?url&inline'
import trapWasm from './__fixtures__/wasi/trap.wasm?url&inline'
import upperWasm from './__fixtures__/wasi/upper.wasm?url&inline'
import { runWasi, type WasiFs, type WasiRun } from './wasi'

const text = (data: Uint8Array | 'dir' | undefined) => (data instanceof Uint8Array ? new TextDecoder().decode(data) : data)

/** An honest WasiFs over a Map of absolute paths, logging what the runner does to it. */
/** null: an empty folder. */
function createMapFs(files: Record<string, string | Uint8Array | null>) {
  const entries = new Map<string, Uint8Array | 'dir'>([['/workspace', 'dir']])
  const log: string[] = []
  const reads: string[] = []
  for (const [path, data] of Object.entries(files)) {
    const parts = path.split('/')
    for (let i = 2; i < parts.length; i++) entries.set(parts.slice(0, i).join('/'), 'dir')
    entries.set(path, data === null ? 'dir' : typeof data === 'string' ? new TextEncoder().encode(data) : data)
  }
  const fs: WasiFs = {
    readFile(path) {
      const data = entries.get(path)
      if (!(data instanceof Uint8Array)) throw new Error(`ENOENT: ${path}`)
      reads.push(path)
      return data
    },
    readdir: (path) => [...entries.keys()].filter((p) => p.startsWith(`${path}/`) && !p.slice(path.length + 1).includes('/')).map((p) => p.slice(path.length + 1)),
    kind: (path) => (entries.get(path) === 'dir' ? 'dir' : entries.has(path) ? 'file' : null),
    writeFile(path, data) {
      log.push(`write ${path}`)
      entries.set(path, data.slice())
    },
    mkdir(path) {
      log.push(`mkdir ${path}`)
      entries.set(path, 'dir')
    },
    remove(path) {
      log.push(`remove ${path}`)
      for (const p of [...entries.keys()]) if (p === path || p.startsWith(`${path}/`)) entries.delete(p)
    },
  }
  return { ...fs, entries, log, reads }
}

/** Runs `program`: a fixture's data: URL, or the bytes to put in the .wasm file. */
async function run(program: string | Uint8Array, options: Partial<WasiRun> & { args?: string[]; files?: Record<string, string | Uint8Array | null> } = {}) {
  const bytes = typeof program === 'string' ? new Uint8Array(await (await fetch(program)).arrayBuffer()) : program
  const path = '/workspace/bin/program.wasm'
  const state = createMapFs({ ...options.files, [path]: bytes })
  const stdout: string[] = []
  const stderr: string[] = []
  const code = await runWasi(
    { argv: [path, ...(options.args ?? [])], env: options.env ?? {}, cwd: options.cwd ?? '/workspace', stdin: options.stdin ?? null },
    state,
    { stdout: (t) => stdout.push(t), stderr: (t) => stderr.push(t) },
  )
  return { code, stdout: stdout.join(''), stderr: stderr.join(''), stdoutChunks: stdout, ...state }
}

describe('runWasi', () => {
  it('streams stdout and stderr as written, decoding UTF-8 split across writes', async () => {
    const result = await run(helloWasm)
    expect(result.code).toBe(0)
    expect(result.stdoutChunks).toEqual(['hello, w', 'örld\n'])
    expect(result.stderr).toBe('bye\n')
    expect(result.log).toEqual([])
  })

  it('passes argv (argv[0] the program path) and the environment', async () => {
    const result = await run(argsWasm, { args: ['one', 'héllo wörld ✓'], env: { GREETING: 'hi there', EMPTY: '' } })
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('/workspace/bin/program.wasm\none\nhéllo wörld ✓\nGREETING=hi there\nEMPTY=\n')
  })

  it('feeds stdin, and an empty one when there is none', async () => {
    expect((await run(echoWasm, { stdin: 'line 1\nünïcode 2\n' })).stdout).toBe('line 1\nünïcode 2\n')
    const none = await run(echoWasm)
    expect([none.code, none.stdout]).toEqual([0, ''])
  })

  it('resolves relative paths against cwd and writes new files back', async () => {
    const files = { '/workspace/sub/in.txt': 'Hello, World\n', '/workspace/sub/other.txt': 'x' }
    const result = await run(upperWasm, { cwd: '/workspace/sub', args: ['in.txt', './out.txt'], files })
    expect([result.code, result.stderr]).toEqual([0, ''])
    expect(text(result.entries.get('/workspace/sub/out.txt'))).toBe('HELLO, WORLD\n')
    expect(result.log).toEqual(['write /workspace/sub/out.txt'])
  })

  it('resolves absolute paths under /workspace whatever the cwd', async () => {
    const files = { '/workspace/data/in.txt': 'abc', '/workspace/sub/keep': '' }
    const result = await run(upperWasm, { cwd: '/workspace/sub', args: ['/workspace/data/in.txt', '/workspace/data/out.txt'], files })
    expect([result.code, result.stderr]).toEqual([0, ''])
    expect(text(result.entries.get('/workspace/data/out.txt'))).toBe('ABC')
    expect(result.log).toEqual(['write /workspace/data/out.txt'])
  })

  it('resolves ".." from the cwd up to /workspace, and no further', async () => {
    const files = { '/workspace/data/in.txt': 'up', '/workspace/sub/deeper/keep': '' }
    const result = await run(upperWasm, { cwd: '/workspace/sub/deeper', args: ['../../data/in.txt', '../out.txt'], files })
    expect([result.code, result.stderr]).toEqual([0, ''])
    expect(text(result.entries.get('/workspace/sub/out.txt'))).toBe('UP')
    const escape = await run(upperWasm, { cwd: '/workspace/sub', args: ['../../etc/passwd', 'out.txt'], files })
    expect([escape.code, escape.stderr]).toEqual([1, 'upper: cannot open input\n'])
  })

  it('falls back to /workspace when the cwd is elsewhere', async () => {
    const result = await run(upperWasm, { cwd: '/tmp', args: ['in.txt', 'out.txt'], files: { '/workspace/in.txt': 'root' } })
    expect(text(result.entries.get('/workspace/out.txt'))).toBe('ROOT')
  })

  it('overwrites a changed file and reports a missing one as the program does', async () => {
    const files = { '/workspace/in.txt': 'new', '/workspace/out.txt': 'old contents' }
    const result = await run(upperWasm, { args: ['in.txt', 'out.txt'], files })
    expect(text(result.entries.get('/workspace/out.txt'))).toBe('NEW')
    const missing = await run(upperWasm, { args: ['nope.txt', 'out.txt'] })
    expect([missing.code, missing.stderr]).toEqual([1, 'upper: cannot open input\n'])
    expect(missing.log).toEqual([])
  })

  it('writes back new folders, deletions, moves and in-place edits', async () => {
    const files = { '/workspace/w/old.txt': 'bye', '/workspace/w/gone': null, '/workspace/w/a.txt': 'moved', '/workspace/w/edit.txt': 'jello', '/workspace/w/same.txt': 'same' }
    const result = await run(tidyWasm, { cwd: '/workspace/w', files })
    expect(result.code).toBe(0)
    expect(result.readdir('/workspace/w').sort()).toEqual(['edit.txt', 'made', 'same.txt'])
    expect(result.readdir('/workspace/w/made')).toEqual(['a.txt'])
    expect(text(result.entries.get('/workspace/w/made/a.txt'))).toBe('moved')
    expect(text(result.entries.get('/workspace/w/edit.txt'))).toBe('Jello')
    expect(result.log).toEqual([
      'write /workspace/w/edit.txt',
      'mkdir /workspace/w/made',
      'write /workspace/w/made/a.txt',
      'remove /workspace/w/old.txt',
      'remove /workspace/w/gone',
      'remove /workspace/w/a.txt',
    ])
  })

  it('reads only the directories the program looks into', async () => {
    const result = await run(upperWasm, { cwd: '/workspace/sub', args: ['in.txt', 'out.txt'], files: { '/workspace/sub/in.txt': 'a', '/workspace/big/blob.bin': new Uint8Array(1 << 20) } })
    expect(result.code).toBe(0)
    expect(result.reads.sort()).toEqual(['/workspace/bin/program.wasm', '/workspace/sub/in.txt'])
  })

  it('resolves to the proc_exit code', async () => {
    expect((await run(exit3Wasm)).code).toBe(3)
  })

  it('turns a trap into 134 with the message on stderr', async () => {
    const result = await run(trapWasm)
    expect(result.code).toBe(134)
    expect(result.stderr).toMatch(/^wasm trap: .*unreachable/)
  })

  it('refuses modules that are not WASI commands, files that are not wasm, and missing files', async () => {
    const library = await run(libraryWasm)
    expect(library.code).toBe(126)
    expect(library.stderr).toMatch(/not a WASI command.*_start/)
    const script = await run(new TextEncoder().encode('#!/bin/sh\necho hi\n'))
    expect(script.code).toBe(126)
    expect(script.stderr).toMatch(/not a WebAssembly binary/)
    const stderr: string[] = []
    const missing = await runWasi({ argv: ['/workspace/nope.wasm'], env: {}, cwd: '/workspace', stdin: null }, createMapFs({}), {
      stdout: () => {},
      stderr: (t) => stderr.push(t),
    })
    expect([missing, stderr.join('')]).toEqual([127, '/workspace/nope.wasm: no such file\n'])
  })

  it('runs a compute-bound program to its end (100M loop iterations)', async () => {
    const result = await run(loopWasm)
    expect(result.code).toBe(56)
  })
})
