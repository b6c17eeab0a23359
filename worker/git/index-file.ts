import type { Stat } from '../../shared/namespace'

/** One row of the git index (stage 0). */
export interface IndexRow {
  /** Repository-relative, `/`-separated. */
  path: string
  oid: string
  /** 0o100644, 0o100755, 0o120000 or 0o160000. */
  mode: number
  stat: Stat
}

const encoder = new TextEncoder()

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i]
  return a.length - b.length
}

/**
 * Serialises rows as a git index, version 2, sorted as git sorts (by path bytes). Time and
 * identity fields are what isomorphic-git derives from the same stat (seconds, nanoseconds,
 * dev/uid/gid 1), so a later `git status` finds every entry fresh without reading the files.
 */
export async function writeIndexFile(rows: IndexRow[]): Promise<Uint8Array> {
  const encoded = rows.map((r) => ({ ...r, name: encoder.encode(r.path) })).sort((a, b) => compareBytes(a.name, b.name))
  const size = 12 + encoded.reduce((n, r) => n + Math.ceil((62 + r.name.length + 1) / 8) * 8, 0) + 20
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  out.set(encoder.encode('DIRC'), 0)
  view.setUint32(4, 2)
  view.setUint32(8, encoded.length)
  let at = 12
  const secs = (ms: number) => Math.floor(ms / 1000)
  const nanos = (ms: number) => Math.floor((ms - secs(ms) * 1000) * 1_000_000)
  for (const r of encoded) {
    const s = r.stat
    view.setUint32(at, secs(s.ctimeMs) >>> 0)
    view.setUint32(at + 4, nanos(s.ctimeMs) >>> 0)
    view.setUint32(at + 8, secs(s.mtimeMs) >>> 0)
    view.setUint32(at + 12, nanos(s.mtimeMs) >>> 0)
    view.setUint32(at + 16, 1)
    view.setUint32(at + 20, s.ino >>> 0)
    view.setUint32(at + 24, r.mode)
    view.setUint32(at + 28, 1)
    view.setUint32(at + 32, 1)
    view.setUint32(at + 36, r.mode === 0o160000 ? 0 : s.size >>> 0)
    for (let i = 0; i < 20; i++) out[at + 40 + i] = parseInt(r.oid.slice(i * 2, i * 2 + 2), 16)
    view.setUint16(at + 60, Math.min(r.name.length, 0xfff))
    out.set(r.name, at + 62)
    at += Math.ceil((62 + r.name.length + 1) / 8) * 8
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', out.subarray(0, at)))
  out.set(digest, at)
  return out
}
