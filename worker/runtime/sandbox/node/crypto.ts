import { Buffer } from 'buffer'
import { createCodedError, invalidArgType } from './errors'
import { BLOCK_SIZE, digest, hmac, type HashName } from './hashes'

type Data = string | Uint8Array | ArrayBufferView
type Encoding = 'hex' | 'base64' | 'base64url' | 'latin1' | 'binary' | 'utf8'

function toBytes(data: Data, encoding?: string): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, (encoding ?? 'utf8') as 'utf8')
  if (data instanceof Uint8Array) return data
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  throw invalidArgType('data', 'of type string or an instance of Buffer, TypedArray, or DataView', data)
}

function checkAlgorithm(algorithm: string): HashName {
  const name = String(algorithm).toLowerCase().replace(/^sha-/, 'sha') as HashName
  if (!(name in BLOCK_SIZE)) throw Object.assign(new Error('Digest method not supported'), { code: 'ERR_OSSL_EVP_UNSUPPORTED' })
  return name
}

/** Node's `Hash` (and, with a key, `Hmac`): update() any number of times, then digest() once. */
class Hash {
  #chunks: Uint8Array[] = []
  #done = false
  constructor(
    readonly algorithm: HashName,
    readonly key?: Uint8Array,
  ) {}
  update(data: Data, encoding?: string): this {
    if (this.#done) throw createCodedError('ERR_CRYPTO_HASH_FINALIZED', 'Digest already called')
    this.#chunks.push(toBytes(data, encoding).slice())
    return this
  }
  digest(encoding?: Encoding | 'buffer'): Buffer | string {
    if (this.#done) throw createCodedError('ERR_CRYPTO_HASH_FINALIZED', 'Digest already called')
    this.#done = true
    const data = Buffer.concat(this.#chunks)
    const out = Buffer.from(this.key ? hmac(this.algorithm, this.key, data) : digest(this.algorithm, data)!)
    return encoding && encoding !== 'buffer' ? out.toString(encoding) : out
  }
  copy(): Hash {
    const copy = new Hash(this.algorithm, this.key)
    for (const chunk of this.#chunks) copy.update(chunk)
    return copy
  }
}

/** Creates the `crypto` module: synchronous hashes/HMAC/PBKDF2 in pure TS, randomness from Web Crypto, `webcrypto`/`subtle` as the worker's. */
export function createCryptoModule() {
  const webcrypto = globalThis.crypto
  const randomBytes = (size: number, cb?: (e: Error | null, b: Buffer) => void) => {
    if (!Number.isInteger(size) || size < 0) throw invalidArgType('size', 'of type number', size)
    const out = Buffer.alloc(size)
    for (let i = 0; i < size; i += 65536) webcrypto.getRandomValues(out.subarray(i, Math.min(size, i + 65536)))
    if (cb) queueMicrotask(() => cb(null, out))
    return out
  }
  const randomInt = (a: number, b?: number | Function, cb?: Function) => {
    if (typeof b === 'function') (cb = b), (b = undefined)
    const [min, max] = b === undefined ? [0, a] : [a, b as number]
    if (!(max > min)) throw createCodedError('ERR_OUT_OF_RANGE', `The value of "max" is out of range. It must be greater than the value of "min" (${min}). Received ${max}`, RangeError)
    const range = max - min
    const limit = 2 ** 48 - (2 ** 48 % range)
    let x: number
    do {
      const bytes = randomBytes(6)
      x = bytes.readUIntBE(0, 6)
    } while (x >= limit)
    const value = min + (x % range)
    if (cb) queueMicrotask(() => cb!(null, value))
    return value
  }
  const pbkdf2Sync = (password: Data, salt: Data, iterations: number, keylen: number, algorithm: string) => {
    const name = checkAlgorithm(algorithm)
    const p = toBytes(password)
    const s = toBytes(salt)
    const out = Buffer.alloc(keylen)
    for (let block = 1, offset = 0; offset < keylen; block++) {
      const first = new Uint8Array(s.length + 4)
      first.set(s)
      new DataView(first.buffer).setUint32(s.length, block)
      let u = hmac(name, p, first)
      const t = u.slice()
      for (let i = 1; i < iterations; i++) {
        u = hmac(name, p, u)
        for (let j = 0; j < t.length; j++) t[j] ^= u[j]
      }
      out.set(t.subarray(0, Math.min(t.length, keylen - offset)), offset)
      offset += t.length
    }
    return out
  }
  const unavailable = (name: string) => () => {
    throw createCodedError('ERR_FEATURE_UNAVAILABLE_ON_PLATFORM', `crypto.${name} is not available in the embedded runtime (use crypto.subtle, or switch on WebContainer mode).`)
  }
  return {
    webcrypto,
    subtle: webcrypto.subtle,
    getRandomValues: <T extends ArrayBufferView | null>(array: T) => webcrypto.getRandomValues(array as unknown as Uint8Array) as unknown as T,
    randomUUID: () => webcrypto.randomUUID(),
    randomBytes,
    pseudoRandomBytes: randomBytes,
    randomFillSync<T extends ArrayBufferView>(buffer: T, offset = 0, size?: number): T {
      const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
      bytes.set(randomBytes(size ?? bytes.length - offset), offset)
      return buffer
    },
    randomFill<T extends ArrayBufferView>(buffer: T, ...args: unknown[]) {
      const cb = args.pop() as (e: Error | null, b: T) => void
      const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
      const [offset = 0, size] = args as [number?, number?]
      bytes.set(randomBytes(size ?? bytes.length - offset), offset)
      queueMicrotask(() => cb(null, buffer))
    },
    randomInt,
    createHash: (algorithm: string) => new Hash(checkAlgorithm(algorithm)),
    createHmac: (algorithm: string, key: Data) => new Hash(checkAlgorithm(algorithm), toBytes(key).slice()),
    hash: (algorithm: string, data: Data, encoding: Encoding | 'buffer' = 'hex') => new Hash(checkAlgorithm(algorithm)).update(data).digest(encoding),
    getHashes: () => ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'],
    getCiphers: () => [],
    getCurves: () => [],
    pbkdf2Sync,
    pbkdf2(password: Data, salt: Data, iterations: number, keylen: number, algorithm: string, cb: (e: Error | null, key?: Buffer) => void) {
      try {
        const key = pbkdf2Sync(password, salt, iterations, keylen, algorithm)
        queueMicrotask(() => cb(null, key))
      } catch (error) {
        queueMicrotask(() => cb(error as Error))
      }
    },
    timingSafeEqual(a: ArrayBufferView, b: ArrayBufferView): boolean {
      const x = toBytes(a)
      const y = toBytes(b)
      if (x.length !== y.length) throw createCodedError('ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH', 'Input buffers must have the same byte length', RangeError)
      let diff = 0
      for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i]
      return diff === 0
    },
    createCipheriv: unavailable('createCipheriv'),
    createDecipheriv: unavailable('createDecipheriv'),
    createSign: unavailable('createSign'),
    createVerify: unavailable('createVerify'),
    generateKeyPairSync: unavailable('generateKeyPairSync'),
    scryptSync: unavailable('scryptSync'),
    constants: {},
  }
}
