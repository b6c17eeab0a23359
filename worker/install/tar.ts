import { AppError } from '../../shared/errors'

/** One file of an unpacked package. */
export interface PackageFile {
  /** Relative to the package root, '/'-separated, e.g. `lib/index.js`; never absolute, never with `..`. */
  path: string
  data: Uint8Array
  /** 0o755 when the archive gave it any execute bit (or package.json names it as a bin), else 0o644. */
  mode: number
}

/** An archive entry that was not extracted, as npm drops it too. */
export interface SkippedEntry {
  /** The entry's name as written in the archive. */
  path: string
  type: 'symlink' | 'hardlink' | 'device' | 'fifo' | 'other'
}

/** Options of `extractPackage`. */
export interface ExtractOptions {
  /** Most bytes the uncompressed archive may hold (headers included); 512 MiB by default. */
  maxBytes?: number
  /** Told of each link, device, FIFO or unknown entry that was dropped. */
  onSkip?: (entry: SkippedEntry) => void
}

const DEFAULT_MAX_BYTES = 512 * 1024 * 1024
const BLOCK = 512
const utf8 = new TextDecoder()

/**
 * The files of a package tarball (`.tgz` as the registry serves it; a plain `.tar` works too),
 * unpacked as npm unpacks it: the first path component is stripped whatever it is (`package/`
 * usually), directories are implied, links/devices/FIFOs are dropped (reported to `onSkip`),
 * `.gitignore` becomes `.npmignore` unless there is one already, a later entry for the same path
 * wins, and files named as bins in the package's package.json are made executable.
 *
 * Never returns a path outside the package: an absolute name, a `..` that would climb out
 * (backslashes count as separators) or a NUL rejects the whole archive with UNSAFE_PACKAGE naming
 * the entry, as does an archive that unpacks to more than `maxBytes`. A corrupt archive is BAD_INPUT.
 */
export async function extractPackage(tgz: Uint8Array, options: ExtractOptions = {}): Promise<PackageFile[]> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
  const gzipped = tgz.length >= 2 && tgz[0] === 0x1f && tgz[1] === 0x8b
  let stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(tgz)
      controller.close()
    },
  })
  if (gzipped) stream = stream.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>)
  const input = new BlockReader(stream.getReader())
  const files = new Map<string, PackageFile>()
  const dirs = new Set<string>()
  const sawNpmignore = new Set<string>()
  let global: Record<string, string> = {}
  let local: Record<string, string> = {}
  let longName: string | null = null

  try {
    for (;;) {
      const block = await input.read(BLOCK)
      // A missing end-of-archive marker is tolerated, as node-tar tolerates it.
      if (!block) break
      if (block.length < BLOCK) throw corrupt('it ends inside an entry header')
      if (block.every((b) => b === 0)) break
      const header = parseHeader(block)
      const size = local.size !== undefined ? parseSize(local.size) : global.size !== undefined ? parseSize(global.size) : header.size
      if (input.consumed + padded(size) > maxBytes) throw tooLarge(maxBytes)
      const name = local.path ?? longName ?? global.path ?? header.name
      const type = header.type

      // Entries that describe the next entry.
      if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
        const body = await readBody(input, size)
        if (type === 'x') local = { ...local, ...parsePax(body) }
        else if (type === 'g') global = { ...global, ...parsePax(body) }
        else if (type === 'L') longName = cString(body)
        continue
      }
      local = {}
      longName = null

      const kind = entryKind(type)
      if (kind !== 'file') {
        await input.skip(padded(size))
        if (kind !== 'directory') options.onSkip?.({ path: name, type: kind })
        continue
      }
      const path = packagePath(name)
      const data = await readBody(input, size)
      if (path === null) continue
      let target = path
      const base = path.slice(path.lastIndexOf('/') + 1)
      const dir = path.slice(0, path.length - base.length)
      // pacote's rule: npm pack used to treat .gitignore as .npmignore, so the registry's copy is renamed.
      if (base === '.npmignore') sawNpmignore.add(dir)
      else if (base === '.gitignore') {
        if (sawNpmignore.has(dir)) continue
        target = `${dir}.npmignore`
      }
      place(files, dirs, { path: target, data, mode: header.mode & 0o111 ? 0o755 : 0o644 })
    }
  } finally {
    input.cancel()
  }
  markBins(files)
  return [...files.values()]
}

interface Header {
  name: string
  size: number
  mode: number
  type: string
}

function parseHeader(block: Uint8Array): Header {
  const stored = parseOctal(block.subarray(148, 156))
  let unsigned = 0
  let signed = 0
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]
    unsigned += b
    signed += b > 127 ? b - 256 : b
  }
  if (stored !== unsigned && stored !== signed) throw corrupt('an entry header has a bad checksum')
  const magic = String.fromCharCode(...block.subarray(257, 263))
  let name = cString(block.subarray(0, 100))
  // POSIX ustar splits long names into prefix + name; GNU tar ('ustar  ') uses those bytes for times.
  if (magic === 'ustar\0') {
    const prefix = cString(block.subarray(345, 500))
    if (prefix) name = `${prefix}/${name}`
  }
  const typeByte = block[156]
  return {
    name,
    size: parseNumber(block.subarray(124, 136)),
    mode: parseOctal(block.subarray(100, 108)),
    type: typeByte === 0 ? '0' : String.fromCharCode(typeByte),
  }
}

function entryKind(type: string): 'file' | 'directory' | SkippedEntry['type'] {
  switch (type) {
    case '0':
    case '7':
      return 'file'
    case '5':
      return 'directory'
    case '1':
      return 'hardlink'
    case '2':
      return 'symlink'
    case '3':
    case '4':
      return 'device'
    case '6':
      return 'fifo'
    default:
      return 'other'
  }
}

/**
 * The path inside the package for an archive name, or null for the top folder itself (and anything
 * else with nothing left after the first component is stripped). Throws UNSAFE_PACKAGE for names
 * that could land outside the package.
 */
function packagePath(name: string): string | null {
  if (name.includes('\0')) throw unsafe(name, 'its name contains a NUL byte')
  const slashed = name.replace(/\\/g, '/')
  if (slashed.startsWith('/') || /^[a-zA-Z]:/.test(slashed)) throw unsafe(name, 'its path is absolute')
  const parts = slashed.split('/').filter((p) => p !== '' && p !== '.')
  if (parts[0] === '..') throw unsafe(name, 'its path climbs out of the archive with ..')
  const kept: string[] = []
  for (const part of parts.slice(1)) {
    if (part !== '..') kept.push(part)
    else if (!kept.pop()) throw unsafe(name, 'its path climbs out of the package folder with ..')
  }
  return kept.length ? kept.join('/') : null
}

/** Adds `file`, replacing whatever an earlier entry put at its path or at a conflicting folder. */
function place(files: Map<string, PackageFile>, dirs: Set<string>, file: PackageFile): void {
  const parts = file.path.split('/')
  for (let i = 1; i < parts.length; i++) {
    const ancestor = parts.slice(0, i).join('/')
    files.delete(ancestor)
    dirs.add(ancestor)
  }
  if (dirs.has(file.path)) {
    for (const key of [...files.keys()]) if (key.startsWith(`${file.path}/`)) files.delete(key)
    dirs.delete(file.path)
  }
  files.delete(file.path)
  files.set(file.path, file)
}

/** npm makes every file package.json names in `bin` executable, whatever the archive said. */
function markBins(files: Map<string, PackageFile>): void {
  const manifest = files.get('package.json')
  if (!manifest) return
  let bin: unknown
  try {
    bin = (JSON.parse(utf8.decode(manifest.data)) as { bin?: unknown }).bin
  } catch {
    return
  }
  const targets = typeof bin === 'string' ? [bin] : bin && typeof bin === 'object' ? Object.values(bin) : []
  for (const target of targets) {
    if (typeof target !== 'string') continue
    const path = target.replace(/\\/g, '/').split('/').filter((p) => p !== '' && p !== '.').join('/')
    const file = files.get(path)
    if (file) file.mode = 0o755
  }
}

async function readBody(input: BlockReader, size: number): Promise<Uint8Array> {
  const data = await input.read(size)
  if ((data?.length ?? 0) < size) throw corrupt('it ends inside an entry')
  await input.skip(padded(size) - size)
  return data ?? new Uint8Array(0)
}

function parsePax(body: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {}
  let at = 0
  while (at < body.length) {
    let space = at
    while (space < body.length && body[space] !== 0x20) space++
    const length = Number(String.fromCharCode(...body.subarray(at, space)))
    if (!Number.isInteger(length) || length <= 0 || at + length > body.length) {
      // Trailing NUL padding is common; anything else is a broken header.
      if (body.subarray(at).every((b) => b === 0)) break
      throw corrupt('a PAX extended header is malformed')
    }
    const record = utf8.decode(body.subarray(space + 1, at + length - 1))
    const eq = record.indexOf('=')
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1)
    at += length
  }
  return out
}

function parseSize(text: string): number {
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 0) throw corrupt(`a PAX size "${text}" is not a byte count`)
  return n
}

/** A numeric header field: octal text, or base-256 when the high bit of the first byte is set. */
function parseNumber(field: Uint8Array): number {
  if (field[0] & 0x80) {
    let n = field[0] & 0x7f
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]
    if (!Number.isSafeInteger(n)) throw corrupt('an entry is too large')
    return n
  }
  return parseOctal(field)
}

function parseOctal(field: Uint8Array): number {
  const text = String.fromCharCode(...field).replace(/\0.*$/s, '').trim()
  if (!text) return 0
  if (!/^[0-7]+$/.test(text)) throw corrupt(`a header field "${text}" is not an octal number`)
  return parseInt(text, 8)
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0)
  return utf8.decode(end < 0 ? bytes : bytes.subarray(0, end))
}

function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK
}

function corrupt(why: string): AppError {
  return new AppError('BAD_INPUT', `the package tarball is not a valid tar archive: ${why}`)
}

function unsafe(entry: string, why: string): AppError {
  return new AppError('UNSAFE_PACKAGE', `refusing to unpack the package: the entry "${entry}" is unsafe (${why})`, { entry })
}

function tooLarge(maxBytes: number): AppError {
  return new AppError('UNSAFE_PACKAGE', `refusing to unpack the package: it unpacks to more than ${maxBytes} bytes`, { maxBytes })
}

/** Exact-length reads over a byte stream, counting what it consumed. */
class BlockReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>
  #chunks: Uint8Array[] = []
  #buffered = 0
  #done = false
  consumed = 0

  constructor(reader: ReadableStreamDefaultReader<Uint8Array>) {
    this.#reader = reader
  }

  /** Up to `n` bytes (fewer only at the end of the stream), or null at the end. */
  async read(n: number): Promise<Uint8Array | null> {
    await this.#fill(n)
    if (this.#buffered === 0 && n > 0) return null
    const take = Math.min(n, this.#buffered)
    const out = new Uint8Array(take)
    let at = 0
    while (at < take) {
      const chunk = this.#chunks[0]
      const part = Math.min(chunk.length, take - at)
      out.set(chunk.subarray(0, part), at)
      at += part
      if (part === chunk.length) this.#chunks.shift()
      else this.#chunks[0] = chunk.subarray(part)
    }
    this.#buffered -= take
    this.consumed += take
    return out
  }

  /** Skips `n` bytes without keeping them. */
  async skip(n: number): Promise<void> {
    let left = n
    while (left > 0) {
      if (!this.#buffered) {
        await this.#fill(1)
        if (!this.#buffered) throw corrupt('it ends inside an entry')
      }
      const chunk = this.#chunks[0]
      const part = Math.min(chunk.length, left)
      if (part === chunk.length) this.#chunks.shift()
      else this.#chunks[0] = chunk.subarray(part)
      this.#buffered -= part
      this.consumed += part
      left -= part
    }
  }

  cancel(): void {
    this.#reader.cancel().catch(() => {})
  }

  async #fill(n: number): Promise<void> {
    while (this.#buffered < n && !this.#done) {
      let result: ReadableStreamReadResult<Uint8Array>
      try {
        result = await this.#reader.read()
      } catch (error) {
        throw new AppError('BAD_INPUT', `the package tarball is not valid gzip: ${error instanceof Error ? error.message : String(error)}`, {}, { cause: error })
      }
      if (result.done) this.#done = true
      else if (result.value.length) {
        this.#chunks.push(result.value)
        this.#buffered += result.value.length
      }
    }
  }
}
