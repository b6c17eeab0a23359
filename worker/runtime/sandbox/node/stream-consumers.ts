import { Buffer } from 'buffer'

/** `stream/consumers`: read a whole stream (or async iterable) as text, JSON, bytes or a Blob. */
export function createStreamConsumersModule() {
  const collect = async (stream: AsyncIterable<unknown>) => {
    const chunks: Uint8Array[] = []
    for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array))
    return Buffer.concat(chunks)
  }
  return {
    buffer: collect,
    arrayBuffer: async (s: AsyncIterable<unknown>) => {
      const b = await collect(s)
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)
    },
    text: async (s: AsyncIterable<unknown>) => (await collect(s)).toString('utf8'),
    json: async (s: AsyncIterable<unknown>) => JSON.parse((await collect(s)).toString('utf8')),
    blob: async (s: AsyncIterable<unknown>) => new Blob([await collect(s)]),
  }
}
