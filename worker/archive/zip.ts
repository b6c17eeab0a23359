import { AppError } from '../../shared/errors'
import { crc32 } from '../git/pack/crc32'

/** One file of an archive: a relative path, its bytes, its POSIX mode (type bits included). */
export interface ZipEntry {
  path: string
  data: Uint8Array
  mode: number
  mtimeMs: number
}

const LIMIT = 0xffffffff

/**
 * A zip archive of `entries`, stored without compression (git objects and most source trees are
 * compressed or small already, and storing keeps the export instant). Unix modes are kept in the
 * external attributes, so `unzip` restores executable bits and symlinks. Names are UTF-8.
 */
export function createZip(entries: readonly ZipEntry[]): Uint8Array {
  const encoder = new TextEncoder()
  const names = entries.map((e) => encoder.encode(e.path))
  let size = 22
  for (let i = 0; i < entries.length; i++) size += 30 + names[i].length + entries[i].data.length + 46 + names[i].length
  if (size > LIMIT || entries.length > 0xffff) throw new AppError('BAD_INPUT', 'the project is too large for a zip download (over 4 GiB or 65,535 files)')
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  const central: Array<{ offset: number; crc: number; time: number; date: number }> = []
  let at = 0
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]
    const crc = crc32(e.data) >>> 0
    const { time, date } = dosTime(e.mtimeMs)
    central.push({ offset: at, crc, time, date })
    view.setUint32(at, 0x04034b50, true)
    view.setUint16(at + 4, 20, true) // version needed
    view.setUint16(at + 6, 0x0800, true) // UTF-8 names
    view.setUint16(at + 8, 0, true) // stored
    view.setUint16(at + 10, time, true)
    view.setUint16(at + 12, date, true)
    view.setUint32(at + 14, crc, true)
    view.setUint32(at + 18, e.data.length, true)
    view.setUint32(at + 22, e.data.length, true)
    view.setUint16(at + 26, names[i].length, true)
    view.setUint16(at + 28, 0, true)
    out.set(names[i], at + 30)
    out.set(e.data, at + 30 + names[i].length)
    at += 30 + names[i].length + e.data.length
  }
  const centralStart = at
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]
    const c = central[i]
    view.setUint32(at, 0x02014b50, true)
    view.setUint16(at + 4, (3 << 8) | 20, true) // made by: Unix
    view.setUint16(at + 6, 20, true)
    view.setUint16(at + 8, 0x0800, true)
    view.setUint16(at + 10, 0, true)
    view.setUint16(at + 12, c.time, true)
    view.setUint16(at + 14, c.date, true)
    view.setUint32(at + 16, c.crc, true)
    view.setUint32(at + 20, e.data.length, true)
    view.setUint32(at + 24, e.data.length, true)
    view.setUint16(at + 28, names[i].length, true)
    view.setUint32(at + 38, (e.mode & 0xffff) * 0x10000, true) // external attributes: the Unix mode
    view.setUint32(at + 42, c.offset, true)
    out.set(names[i], at + 46)
    at += 46 + names[i].length
  }
  view.setUint32(at, 0x06054b50, true)
  view.setUint16(at + 8, entries.length, true)
  view.setUint16(at + 10, entries.length, true)
  view.setUint32(at + 12, at - centralStart, true)
  view.setUint32(at + 16, centralStart, true)
  return out
}

function dosTime(ms: number): { time: number; date: number } {
  const d = new Date(Math.max(ms, Date.UTC(1980, 0, 1)))
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  }
}
