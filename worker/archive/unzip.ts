import { AppError } from '../../shared/errors'
import { crc32 } from '../git/pack/crc32'

/** One file entry of a zip archive, as its central directory describes it (nothing read yet). */
export interface ZipItem {
  /** '/'-separated, relative, normalised: never absolute, never with `..`. */
  path: string
  /** Uncompressed size, as declared. */
  size: number
  /** 0o755 when the archive gave it any execute bit, else 0o644. */
  mode: number
  /** Where the entry's local header starts, its compression method and CRC-32. */
  offset: number
  method: number
  compressedSize: number
  crc: number
}

/** One extracted file. */
export interface UnzippedFile {
  path: string
  data: Uint8Array
  mode: number
}

/** Options of `listZip` and `unzip`. */
export interface UnzipOptions {
  /** Most bytes all entries may unpack to together; 512 MiB by default. */
  maxBytes?: number
}

const DEFAULT_MAX_BYTES = 512 * 1024 * 1024
const EOCD = 0x06054b50
const ZIP64_LOCATOR = 0x07064b50
const ZIP64_EOCD = 0x06064b50
const CENTRAL = 0x02014b50
const LOCAL = 0x04034b50
const S_IFMT = 0o170000
const S_IFLNK = 0o120000
const S_IFDIR = 0o040000

/**
 * The file entries of a zip archive, from its central directory. Directory entries and symlinks
 * are left out. Never returns a path outside the archive's root: an absolute name, a drive letter,
 * a `..` that would climb out (backslashes count as separators) or a NUL rejects the whole archive
 * with UNSAFE_PACKAGE naming the entry, as do declared sizes adding up to more than `maxBytes`.
 * A corrupt or encrypted archive is BAD_INPUT.
 */
export function listZip(zip: Uint8Array, options: UnzipOptions = {}): ZipItem[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength)
  const end = findEndOfCentralDirectory(view)
  let count = view.getUint16(end + 10, true)
  let size = view.getUint32(end + 12, true)
  let start = view.getUint32(end + 16, true)
  if (count === 0xffff || size === 0xffffffff || start === 0xffffffff) {
    const locator = end - 20
    if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR) throw corrupt('its zip64 end record is missing')
    const record = number64(view, locator + 8)
    if (record + 56 > zip.length || view.getUint32(record, true) !== ZIP64_EOCD) throw corrupt('its zip64 end record is damaged')
    count = number64(view, record + 32)
    size = number64(view, record + 40)
    start = number64(view, record + 48)
  }
  if (start + size > zip.length) throw corrupt('its central directory lies outside the file')
  const items = new Map<string, ZipItem>()
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
  let total = 0
  let at = start
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || view.getUint32(at, true) !== CENTRAL) throw corrupt(`central directory entry ${i + 1} is damaged`)
    const madeBy = view.getUint16(at + 4, true) >> 8
    const flags = view.getUint16(at + 8, true)
    const method = view.getUint16(at + 10, true)
    const crc = view.getUint32(at + 16, true)
    let compressedSize = view.getUint32(at + 20, true)
    let uncompressed = view.getUint32(at + 24, true)
    const nameLength = view.getUint16(at + 28, true)
    const extraLength = view.getUint16(at + 30, true)
    const commentLength = view.getUint16(at + 32, true)
    const external = view.getUint32(at + 38, true)
    let offset = view.getUint32(at + 42, true)
    const nameBytes = zip.subarray(at + 46, at + 46 + nameLength)
    const name = flags & 0x800 ? new TextDecoder().decode(nameBytes) : cp437(nameBytes)
    // zip64: the sizes and offset that did not fit in 32 bits follow in this order in extra 0x0001.
    const extra = zip.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength)
    for (let e = 0; e + 4 <= extra.length; ) {
      const id = extra[e] | (extra[e + 1] << 8)
      const length = extra[e + 2] | (extra[e + 3] << 8)
      if (id === 0x0001) {
        const fields = new DataView(extra.buffer, extra.byteOffset + e + 4, Math.min(length, extra.length - e - 4))
        let f = 0
        const next = () => {
          if (f + 8 > fields.byteLength) throw corrupt(`the zip64 sizes of "${name}" are damaged`)
          const value = number64(fields, f)
          f += 8
          return value
        }
        if (uncompressed === 0xffffffff) uncompressed = next()
        if (compressedSize === 0xffffffff) compressedSize = next()
        if (offset === 0xffffffff) offset = next()
      }
      e += 4 + length
    }
    at += 46 + nameLength + extraLength + commentLength
    if (flags & 0x1) throw new AppError('BAD_INPUT', `the archive is encrypted ("${name}"); encrypted archives cannot be unpacked`)
    const unixMode = madeBy === 3 ? external >>> 16 : 0
    if (name.endsWith('/') || (unixMode & S_IFMT) === S_IFDIR) {
      entryPath(name)
      continue
    }
    if ((unixMode & S_IFMT) === S_IFLNK) continue
    const path = entryPath(name)
    if (!path) continue
    total += uncompressed
    if (total > maxBytes) throw new AppError('UNSAFE_PACKAGE', `the archive unpacks to more than ${Math.round(maxBytes / 1024 / 1024)} MiB: refusing it`, { maxBytes })
    items.set(path, { path, size: uncompressed, mode: unixMode & 0o111 ? 0o755 : 0o644, offset, method, compressedSize, crc })
  }
  return [...items.values()]
}

/** The bytes of one entry listed by `listZip`: inflated, its size and CRC-32 checked (BAD_INPUT if they differ). */
export async function readZipItem(zip: Uint8Array, item: ZipItem): Promise<Uint8Array> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength)
  if (item.offset + 30 > zip.length || view.getUint32(item.offset, true) !== LOCAL) throw corrupt(`the local header of "${item.path}" is damaged`)
  const begin = item.offset + 30 + view.getUint16(item.offset + 26, true) + view.getUint16(item.offset + 28, true)
  if (begin + item.compressedSize > zip.length) throw corrupt(`"${item.path}" runs past the end of the file`)
  const raw = zip.subarray(begin, begin + item.compressedSize)
  let data: Uint8Array
  if (item.method === 0) data = raw.slice()
  else if (item.method === 8) data = await inflateRaw(raw, item.size, item.path)
  else throw new AppError('BAD_INPUT', `"${item.path}" uses zip compression method ${item.method}; only stored and deflated entries can be unpacked`)
  if (data.length !== item.size) throw corrupt(`"${item.path}" unpacks to ${data.length} bytes, not the ${item.size} its header declares`)
  if (crc32(data) >>> 0 !== item.crc) throw corrupt(`"${item.path}" fails its CRC-32 check`)
  return data
}

/** Every file of a zip archive (see `listZip` for what is refused and left out). */
export async function unzip(zip: Uint8Array, options: UnzipOptions = {}): Promise<UnzippedFile[]> {
  const files: UnzippedFile[] = []
  for (const item of listZip(zip, options)) files.push({ path: item.path, data: await readZipItem(zip, item), mode: item.mode })
  return files
}

function findEndOfCentralDirectory(view: DataView): number {
  // The record is 22 bytes plus a comment of at most 65,535 bytes, at the very end.
  for (let at = view.byteLength - 22; at >= Math.max(0, view.byteLength - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === EOCD && at + 22 + view.getUint16(at + 20, true) === view.byteLength) return at
  }
  throw corrupt('it has no end of central directory record (not a zip file, or truncated)')
}

function number64(view: DataView, at: number): number {
  const value = view.getBigUint64(at, true)
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt('a zip64 size is out of range')
  return Number(value)
}

/** An entry name as a safe relative path, or null for the root itself. */
function entryPath(name: string): string | null {
  if (name.includes('\0')) throw unsafe(name, 'its name contains a NUL byte')
  const slashed = name.replace(/\\/g, '/')
  if (slashed.startsWith('/') || /^[a-zA-Z]:/.test(slashed)) throw unsafe(name, 'its path is absolute')
  const kept: string[] = []
  for (const part of slashed.split('/')) {
    if (part === '' || part === '.') continue
    if (part !== '..') kept.push(part)
    else if (!kept.pop()) throw unsafe(name, 'its path climbs out of the archive with ..')
  }
  return kept.length ? kept.join('/') : null
}

async function inflateRaw(data: Uint8Array, expected: number, path: string): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>)
  const reader = stream.getReader()
  const out = new Uint8Array(expected)
  let length = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      // More than declared: stop before it can fill memory (a zip bomb lies about its sizes).
      if (length + value.length > expected) throw corrupt(`"${path}" unpacks to more than the ${expected} bytes its header declares`)
      out.set(value, length)
      length += value.length
    }
  } catch (error) {
    if (error instanceof AppError) throw error
    throw corrupt(`"${path}" is not valid deflate data (${error instanceof Error ? error.message : String(error)})`)
  } finally {
    reader.cancel().catch(() => undefined)
  }
  return length === expected ? out : out.slice(0, length)
}

// Code page 437, bytes 0x80–0xFF: what names mean when the UTF-8 flag is not set.
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0'

function cp437(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80]
  return s
}

function corrupt(why: string): AppError {
  return new AppError('BAD_INPUT', `the zip archive is corrupt: ${why}`)
}

function unsafe(name: string, why: string): AppError {
  return new AppError('UNSAFE_PACKAGE', `refusing the archive: its entry "${name}" is unsafe (${why})`, { entry: name })
}
