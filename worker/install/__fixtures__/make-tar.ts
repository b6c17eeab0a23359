/** One entry for `makeTar`, written as given: no name checks, so tests can build hostile archives. */
export interface TarEntry {
  name: string
  data?: Uint8Array | string
  /** Tar type flag: '0' file (default), '2' symlink, '1' hardlink, '5' directory, 'x' PAX… */
  type?: string
  mode?: number
  linkname?: string
  /** Written as a PAX extended header ('x') before the entry. */
  pax?: Record<string, string>
  /** Written as a GNU `././@LongLink` entry before the entry. */
  longName?: string
  /** ustar prefix field (the name is then the part after it). */
  prefix?: string
  /** Corrupts the header checksum. */
  badChecksum?: boolean
}

const encoder = new TextEncoder()
const bytes = (data: Uint8Array | string | undefined) => (typeof data === 'string' ? encoder.encode(data) : (data ?? new Uint8Array(0)))

/** A ustar archive of `entries` with its end-of-archive marker; `gzip` compresses it with CompressionStream. */
export async function makeTar(entries: TarEntry[], options: { gzip?: boolean; endMarker?: boolean } = {}): Promise<Uint8Array> {
  const blocks: Uint8Array[] = []
  const push = (name: string, type: string, body: Uint8Array, extra: Partial<TarEntry> = {}) => {
    blocks.push(header(name, type, body.length, extra))
    blocks.push(body)
    const pad = (512 - (body.length % 512)) % 512
    if (pad) blocks.push(new Uint8Array(pad))
  }
  for (const e of entries) {
    if (e.pax) {
      let text = ''
      for (const [k, v] of Object.entries(e.pax)) {
        const record = ` ${k}=${v}\n`
        const n = encoder.encode(record).length
        let len = n + String(n).length
        if (String(len).length !== String(n).length) len = n + String(len).length
        text += `${len}${record}`
      }
      push('PaxHeader', 'x', encoder.encode(text))
    }
    if (e.longName !== undefined) push('././@LongLink', 'L', encoder.encode(`${e.longName}\0`))
    push(e.name, e.type ?? '0', bytes(e.data), e)
  }
  if (options.endMarker !== false) blocks.push(new Uint8Array(1024))
  const tar = concat(blocks)
  if (!options.gzip) return tar
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(tar)
      c.close()
    },
  }).pipeThrough(new CompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>)
  return new Uint8Array(await new Response(stream as ReadableStream<Uint8Array<ArrayBuffer>>).arrayBuffer())
}

function header(name: string, type: string, size: number, e: Partial<TarEntry>): Uint8Array {
  const h = new Uint8Array(512)
  const put = (at: number, len: number, value: string) => h.set(encoder.encode(value).subarray(0, len), at)
  const octal = (at: number, len: number, n: number) => put(at, len, `${n.toString(8).padStart(len - 1, '0')}\0`)
  put(0, 100, name)
  octal(100, 8, e.mode ?? (type === '5' ? 0o755 : 0o644))
  octal(108, 8, 0)
  octal(116, 8, 0)
  octal(124, 12, size)
  octal(136, 12, 0)
  h[156] = type.charCodeAt(0)
  put(157, 100, e.linkname ?? '')
  put(257, 6, 'ustar\0')
  put(263, 2, '00')
  put(345, 155, e.prefix ?? '')
  h.fill(0x20, 148, 156)
  let sum = 0
  for (const b of h) sum += b
  if (e.badChecksum) sum += 1
  put(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `)
  return h
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
