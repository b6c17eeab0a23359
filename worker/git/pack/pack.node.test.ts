import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import git from 'isomorphic-git'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ensureLargeRepoCached, makeRepo, type RepoSpec } from '../../../e2e/support/fixtures'
import { indexPack, type GitObject, type IndexedPack, type PackProgress } from '.'
import { applyDelta } from './delta'
import { writeIdx } from './idx'

const temps: string[] = []
afterAll(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })))
function tempDir(): string {
  const dir = fs.mkdtempSync(join(tmpdir(), 'coder-pack-'))
  temps.push(dir)
  return dir
}

function run(cwd: string, args: string[], input?: string | Uint8Array): Buffer {
  return execFileSync('git', args, {
    cwd,
    input,
    maxBuffer: 1 << 30,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  })
}

/** The repository's one packfile (fixtures are repacked into one). */
function packOf(bare: string): Uint8Array {
  const dir = join(bare, 'objects', 'pack')
  const [name] = fs.readdirSync(dir).filter((f) => f.endsWith('.pack'))
  return new Uint8Array(fs.readFileSync(join(dir, name!)))
}

/** What `git index-pack` writes for `pack`. */
function gitIdx(pack: Uint8Array): Uint8Array {
  const dir = tempDir()
  fs.writeFileSync(join(dir, 'x.pack'), pack)
  run(dir, ['index-pack', '-o', 'x.idx', 'x.pack'])
  return new Uint8Array(fs.readFileSync(join(dir, 'x.idx')))
}

/** Every object of a repository, as `git cat-file --batch` prints it. */
function allObjects(bare: string): Map<string, GitObject> {
  const out = run(bare, ['cat-file', '--batch-all-objects', '--batch'])
  const objects = new Map<string, GitObject>()
  let p = 0
  while (p < out.length) {
    const eol = out.indexOf(10, p)
    const [oid, type, size] = out.subarray(p, eol).toString().split(' ')
    const start = eol + 1
    const end = start + Number(size)
    objects.set(oid!, { type: type as GitObject['type'], data: new Uint8Array(out.subarray(start, end)) })
    p = end + 1
  }
  return objects
}

/** Stored entry types (1–4 whole, 6 OFS_DELTA, 7 REF_DELTA) read at the offsets an .idx lists. */
function entryKinds(pack: Uint8Array, idx: Uint8Array): number[] {
  const view = new DataView(idx.buffer, idx.byteOffset, idx.byteLength)
  const n = view.getUint32(8 + 255 * 4)
  const offsetsAt = 8 + 1024 + n * 24
  return Array.from({ length: n }, (_, k) => (pack[view.getUint32(offsetsAt + k * 4)]! >> 4) & 7)
}

/** Rewrites a pack with `body` as its entries: header count and trailing checksum recomputed. */
function repack(pack: Uint8Array, count: number, entries: Uint8Array[]): Uint8Array {
  const header = pack.slice(0, 12)
  new DataView(header.buffer).setUint32(8, count)
  const body = Buffer.concat([header, ...entries])
  return new Uint8Array(Buffer.concat([body, createHash('sha1').update(body).digest()]))
}

/** Replaces the trailing checksum with the right one for the (edited) content. */
function rechecksum(pack: Uint8Array): Uint8Array {
  const out = pack.slice()
  out.set(createHash('sha1').update(out.subarray(0, out.length - 20)).digest(), out.length - 20)
  return out
}

function expectSameObjects(indexed: IndexedPack, expected: Map<string, GitObject>, oids: Iterable<string>) {
  let n = 0
  for (const oid of oids) {
    const want = expected.get(oid)!
    const got = indexed.read(oid)
    expect(got?.type, oid).toBe(want.type)
    expect(Buffer.from(got!.data).equals(want.data), `${oid} content`).toBe(true)
    n++
  }
  return n
}

function seeded(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** ~270 KB of lines, so deltas between versions hold copies longer than 64 KiB. */
function bigText(version: number): string {
  const lines = Array.from({ length: 6000 }, (_, i) => `line ${i}: ${((i * 2654435761) >>> 0).toString(36)} lorem ipsum dolor\n`)
  for (let v = 1; v <= version; v++) {
    lines.splice(v * 997 % lines.length, 1, `changed in version ${v}\n`)
    lines.unshift(`header of version ${v}\n`)
    lines.push(`footer of version ${v}\n`)
  }
  return lines.join('')
}

function randomBytes(seed: number, length: number): Uint8Array {
  const next = seeded(seed)
  return Uint8Array.from({ length }, () => Math.floor(next() * 256))
}

const binary = randomBytes(1, 100_000) // incompressible: zlib stores it in stored blocks
const edgeRepo: RepoSpec = {
  files: [
    { path: 'empty.txt', content: '' },
    { path: 'big.txt', content: bigText(0) },
    { path: 'bin.dat', content: binary },
    { path: 'link', content: 'big.txt', mode: '120000' },
    { path: 'bin/run.sh', content: '#!/bin/sh\necho hi\n', mode: '100755' },
  ],
  commits: [
    { message: 'Edit big.txt', files: [{ path: 'big.txt', content: bigText(1) }] },
    { message: 'Edit big.txt again, drop empty.txt', files: [{ path: 'big.txt', content: bigText(2) }], delete: ['empty.txt'] },
    { message: 'Patch the binary', files: [{ path: 'bin.dat', content: Uint8Array.from(binary, (b, i) => (i % 9973 === 0 ? b ^ 0xff : b)) }] },
    { message: 'Bring empty.txt back', files: [{ path: 'empty.txt', content: '' }, { path: 'big.txt', content: bigText(3) }] },
  ],
  tags: [{ name: 'v1', at: 2, message: 'Version one' }],
}

describe('indexPack', () => {
  let edge: string
  let edgeObjects: Map<string, GitObject>
  let large: string
  let largeObjects: Map<string, GitObject>

  beforeAll(async () => {
    edge = join(tempDir(), 'edge.git')
    await makeRepo(edge, edgeRepo)
    edgeObjects = allObjects(edge)
    large = await ensureLargeRepoCached()
    largeObjects = allObjects(large)
  }, 120_000)

  it('indexes a repacked (OFS_DELTA) pack as `git index-pack` does, objects as `git cat-file` prints them', async () => {
    const pack = packOf(edge)
    const indexed = await indexPack(pack)
    const idx = gitIdx(pack)
    expect(entryKinds(pack, idx)).toContain(6)
    expect(Buffer.from(indexed.idx).equals(idx)).toBe(true)
    expect(indexed.count).toBe(edgeObjects.size)
    expect(indexed.oids).toEqual([...edgeObjects.keys()].sort())
    expect(indexed.packSha).toBe(Buffer.from(pack.subarray(pack.length - 20)).toString('hex'))
    expect(expectSameObjects(indexed, edgeObjects, indexed.oids)).toBe(edgeObjects.size)
    expect(indexed.has(indexed.oids[0]!)).toBe(true)
    expect(indexed.has('0'.repeat(40))).toBe(false)
    expect(indexed.read('0'.repeat(40))).toBeUndefined()
    // read() hands out copies: changing one changes nothing inside.
    const oid = indexed.oids.find((o) => edgeObjects.get(o)!.data.length > 0)!
    indexed.read(oid)!.data.fill(0)
    expect(Buffer.from(indexed.read(oid)!.data).equals(edgeObjects.get(oid)!.data)).toBe(true)
  })

  it('checks the pack with its own SHA-1 where WebCrypto is missing (insecure contexts)', async () => {
    const pack = packOf(edge)
    vi.stubGlobal('crypto', undefined)
    try {
      expect(Buffer.from((await indexPack(pack)).idx).equals(gitIdx(pack))).toBe(true)
      const bad = pack.slice()
      bad[bad.length - 1]! ^= 1
      await expect(indexPack(bad)).rejects.toThrow(/checksum mismatch/)
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('indexes a REF_DELTA pack, bases before or after their deltas', async () => {
    const pack = new Uint8Array(run(edge, ['pack-objects', '--revs', '--all', '--stdout'], ''))
    const idx = gitIdx(pack)
    expect(entryKinds(pack, idx)).toContain(7)
    expect(entryKinds(pack, idx)).not.toContain(6)
    const indexed = await indexPack(pack)
    expect(Buffer.from(indexed.idx).equals(idx)).toBe(true)
    expectSameObjects(indexed, edgeObjects, indexed.oids)

    // The same entries in reverse order: every delta now comes before its base.
    const view = new DataView(idx.buffer, idx.byteOffset, idx.byteLength)
    const n = indexed.count
    const starts = Array.from({ length: n }, (_, k) => view.getUint32(8 + 1024 + n * 24 + k * 4)).sort((a, b) => a - b)
    const entries = starts.map((s, k) => pack.subarray(s, starts[k + 1] ?? pack.length - 20))
    const reversed = repack(pack, n, entries.reverse())
    const indexedReversed = await indexPack(reversed)
    expect(Buffer.from(indexedReversed.idx).equals(gitIdx(reversed))).toBe(true)
    expect(expectSameObjects(indexedReversed, edgeObjects, indexedReversed.oids)).toBe(edgeObjects.size)
  })

  it('resolves a thin pack against external bases, and names the missing base without them', async () => {
    // The large fixture: its later commits make small edits, which git sends as deltas on the old versions.
    const have = run(large, ['rev-parse', 'main~5']).toString().trim()
    const pack = new Uint8Array(run(large, ['pack-objects', '--revs', '--thin', '--stdout', '--delta-base-offset'], `main\n^${have}\n`))
    const expected = run(large, ['rev-list', '--objects', 'main', `^${have}`]).toString().split('\n').filter(Boolean).map((l) => l.slice(0, 40))
    await expect(indexPack(pack)).rejects.toThrow(/deltas cannot be resolved: base [0-9a-f]{40}.* not found/)

    const asked: string[] = []
    const indexed = await indexPack(pack, {
      externalBase: (oid) => {
        asked.push(oid)
        return largeObjects.get(oid)
      },
    })
    expect(asked.length).toBeGreaterThan(0)
    expect(asked.every((oid) => !expected.includes(oid))).toBe(true)
    expect(indexed.oids).toEqual([...expected].sort())
    expect(indexed.has(asked[0]!)).toBe(false)
    expectSameObjects(indexed, largeObjects, expected)
  })

  it('indexes version 3 packs and empty packs too', async () => {
    const v3 = packOf(edge).slice()
    v3[7] = 3
    const pack3 = rechecksum(v3)
    expect(Buffer.from((await indexPack(pack3)).idx).equals(gitIdx(pack3))).toBe(true)
    const empty = new Uint8Array(run(edge, ['pack-objects', '--stdout'], ''))
    const indexed = await indexPack(empty)
    expect(indexed.count).toBe(0)
    expect(indexed.oids).toEqual([])
    expect(Buffer.from(indexed.idx).equals(gitIdx(empty))).toBe(true)
  })

  it('reports progress in two phases, at most ~100 times each, from 0 to the total', async () => {
    const events: PackProgress[] = []
    const indexed = await indexPack(packOf(edge), { onProgress: (p) => events.push(p) })
    const receiving = events.filter((e) => e.phase === 'Receiving objects')
    const resolving = events.filter((e) => e.phase === 'Resolving deltas')
    expect(receiving.length + resolving.length).toBe(events.length)
    expect(events.indexOf(resolving[0]!)).toBe(receiving.length)
    expect(receiving[0]).toEqual({ phase: 'Receiving objects', loaded: 0, total: indexed.count })
    expect(receiving.at(-1)).toEqual({ phase: 'Receiving objects', loaded: indexed.count, total: indexed.count })
    expect(resolving[0]!.loaded).toBe(0)
    expect(resolving.at(-1)!.loaded).toBe(resolving[0]!.total)
    expect(resolving[0]!.total).toBeGreaterThan(0)
    expect(receiving.length).toBeLessThanOrEqual(102)
    expect(resolving.length).toBeLessThanOrEqual(102)
  })

  describe('rejects a damaged pack with a clear error', () => {
    let pack: Uint8Array
    beforeAll(() => {
      pack = packOf(edge)
    })

    it('truncated', async () => {
      await expect(indexPack(pack.subarray(0, pack.length - 1000))).rejects.toThrow(/corrupt pack: checksum mismatch/)
      await expect(indexPack(pack.subarray(0, 20))).rejects.toThrow(/too few for a pack/)
    })

    it('bad checksum', async () => {
      const bad = pack.slice()
      bad[bad.length - 1]! ^= 1
      await expect(indexPack(bad)).rejects.toMatchObject({ name: 'AppError', code: 'GIT', message: expect.stringMatching(/checksum mismatch/) })
    })

    it('not a pack, or an unknown version', async () => {
      const sig = pack.slice()
      sig[0] = 0x4b
      await expect(indexPack(rechecksum(sig))).rejects.toThrow(/no PACK signature/)
      const version = pack.slice()
      version[7] = 4
      await expect(indexPack(rechecksum(version))).rejects.toThrow(/unsupported pack version 4/)
    })

    it('an object whose size differs from its header', async () => {
      // The first entry is a commit whose size fits the first header byte's continuation: edit its low bits.
      const bad = pack.slice()
      bad[12] = (bad[12]! & 0xf0) | ((bad[12]! + 1) & 0x0f)
      await expect(indexPack(rechecksum(bad))).rejects.toThrow(/corrupt pack: the object at offset 12 inflates to .*header says/)
    })

    it('damaged compressed data', async () => {
      const bad = pack.slice()
      for (let k = 200; k < 240; k++) bad[k] = 0x55
      await expect(indexPack(rechecksum(bad))).rejects.toThrow(/^corrupt pack: /)
    })

    it('a wrong object count', async () => {
      const more = pack.slice()
      more[11]! += 1
      await expect(indexPack(rechecksum(more))).rejects.toThrow(/the pack ends after \d+ of its \d+ objects/)
      const fewer = pack.slice()
      fewer[11]! -= 1
      await expect(indexPack(rechecksum(fewer))).rejects.toThrow(/bytes of garbage follow the last object/)
    })
  })

  it('rejects with an AbortError when its signal aborts', async () => {
    await expect(indexPack(packOf(edge), { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' })
    const controller = new AbortController()
    const onProgress = (p: PackProgress) => p.loaded > 0 && controller.abort()
    await expect(indexPack(packOf(edge), { signal: controller.signal, onProgress })).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('indexes the large fixture like `git index-pack` (and prints how long it and isomorphic-git take)', async () => {
    const pack = packOf(large)
    const expected = largeObjects

    const times: number[] = []
    let indexed: IndexedPack | undefined
    for (let round = 0; round < 3; round++) {
      const start = performance.now()
      indexed = await indexPack(pack)
      times.push(performance.now() - start)
    }
    expect(Buffer.from(indexed!.idx).equals(gitIdx(pack))).toBe(true)
    expect(indexed!.count).toBe(expected.size)
    expect(expectSameObjects(indexed!, expected, expected.keys())).toBe(expected.size)

    const dir = tempDir()
    run(dir, ['init', '--quiet'])
    fs.writeFileSync(join(dir, 'x.pack'), pack)
    const start = performance.now()
    await git.indexPack({ fs, dir, filepath: 'x.pack' })
    const theirs = performance.now() - start
    expect(Buffer.from(fs.readFileSync(join(dir, 'x.idx'))).equals(indexed!.idx)).toBe(true)
    const ms = (t: number) => `${Math.round(t)} ms`
    console.log(
      `large fixture (${pack.length} bytes, ${indexed!.count} objects): indexPack ${times.map(ms).join(' / ')} (3 runs); ` +
        `isomorphic-git indexPack over node:fs ${ms(theirs)}`,
    )
  }, 120_000)
})

describe('writeIdx', () => {
  it('puts offsets of 2^31 and more in the 64-bit table, as `git show-index` reads them', () => {
    const oids = new Uint8Array(60)
    oids.set(createHash('sha1').update('c').digest(), 0)
    oids.set(createHash('sha1').update('a').digest(), 20)
    oids.set(createHash('sha1').update('b').digest(), 40)
    const hex = (i: number) => Buffer.from(oids.subarray(i * 20, i * 20 + 20)).toString('hex')
    const offsets = [12, 2 ** 31 + 5, 2 ** 32 + 7]
    const crcs = [0x01020304, 0xfffffffe, 7]
    const order = [0, 1, 2].sort((a, b) => hex(a).localeCompare(hex(b)))
    const idx = writeIdx({ order, oids, crcs, offsets, packSha: new Uint8Array(20).fill(9) })
    expect(idx.length).toBe(8 + 1024 + 3 * 28 + 2 * 8 + 40)
    expect(Buffer.from(idx.subarray(idx.length - 20)).equals(createHash('sha1').update(idx.subarray(0, idx.length - 20)).digest())).toBe(true)
    const shown = run(tempDir(), ['show-index'], idx).toString().trim().split('\n').sort()
    const want = order.map((i) => `${offsets[i]} ${hex(i)} (${crcs[i]!.toString(16).padStart(8, '0')})`).sort()
    expect(shown).toEqual(want)
  })
})

describe('applyDelta', () => {
  const base = Uint8Array.from({ length: 70_000 }, (_, i) => i % 251)
  const header = (baseSize: number, resultSize: number) => {
    const varint = (n: number) => {
      const out: number[] = []
      do {
        out.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0))
        n = Math.floor(n / 128)
      } while (n > 0)
      return out
    }
    return [...varint(baseSize), ...varint(resultSize)]
  }

  it('copies (size 0 meaning 64 KiB) and inserts', () => {
    // copy 0x10000 bytes from offset 0x0102, insert "hi", copy 3 bytes from offset 5
    const delta = Uint8Array.from([...header(base.length, 0x10000 + 5), 0x80 | 0x01 | 0x02, 0x02, 0x01, 2, 104, 105, 0x80 | 0x01 | 0x10, 5, 3])
    const out = applyDelta(base, delta, 0)
    expect(out.length).toBe(0x10000 + 5)
    expect(Buffer.from(out.subarray(0, 0x10000)).equals(base.subarray(0x102, 0x102 + 0x10000))).toBe(true)
    expect([...out.subarray(0x10000)]).toEqual([104, 105, 5, 6, 7])
  })

  it('rejects a wrong base size, a copy outside the base, the reserved instruction, a short result', () => {
    expect(() => applyDelta(base, Uint8Array.from([...header(5, 1), 1, 0]), 40)).toThrow(/offset 40 is a delta against a 5-byte base/)
    expect(() => applyDelta(base, Uint8Array.from([...header(base.length, 10), 0x80 | 0x04 | 0x10, 0x7f, 10]), 0)).toThrow(/copying bytes/)
    expect(() => applyDelta(base, Uint8Array.from([...header(base.length, 1), 0]), 0)).toThrow(/reserved instruction/)
    expect(() => applyDelta(base, Uint8Array.from([...header(base.length, 3), 1, 9]), 0)).toThrow(/makes 1 bytes, its header says 3/)
    expect(() => applyDelta(base, Uint8Array.from([...header(base.length, 1), 2, 9]), 0)).toThrow(/cut short/)
  })
})
