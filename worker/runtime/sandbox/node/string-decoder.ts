import { Buffer } from 'buffer'

/** Node's `StringDecoder`: decodes byte chunks without splitting multi-byte characters (or base64 groups) between them. */
export class StringDecoder {
  readonly encoding: string
  #decoder: TextDecoder | null = null
  #pending: Uint8Array = new Uint8Array(0)

  constructor(encoding = 'utf8') {
    const e = encoding.toLowerCase().replace('-', '')
    this.encoding = e === 'utf8' ? 'utf8' : e === 'ucs2' || e === 'utf16le' ? 'utf16le' : e === 'binary' ? 'latin1' : e
    if (!Buffer.isEncoding(this.encoding)) throw Object.assign(new TypeError(`Unknown encoding: ${encoding}`), { code: 'ERR_UNKNOWN_ENCODING' })
    if (this.encoding === 'utf8') this.#decoder = new TextDecoder('utf-8')
    if (this.encoding === 'utf16le') this.#decoder = new TextDecoder('utf-16le')
  }

  /** Decodes what can be decoded now, keeping an incomplete tail for the next call. */
  write(chunk: Uint8Array | string): string {
    if (typeof chunk === 'string') return chunk
    if (this.#decoder) return this.#decoder.decode(chunk, { stream: true })
    if (this.encoding === 'base64' || this.encoding === 'base64url') {
      const all = Buffer.concat([this.#pending, chunk])
      const keep = all.length % 3
      this.#pending = all.subarray(all.length - keep)
      return all.toString(this.encoding as 'base64', 0, all.length - keep)
    }
    return Buffer.from(chunk).toString(this.encoding as 'hex')
  }

  /** Decodes `chunk` (if any) and flushes what was kept back. */
  end(chunk?: Uint8Array): string {
    let out = chunk ? this.write(chunk) : ''
    if (this.#decoder) out += this.#decoder.decode()
    else if (this.#pending.length) out += Buffer.from(this.#pending).toString(this.encoding as 'base64')
    this.#pending = new Uint8Array(0)
    return out
  }
}
