import type { Context } from 'hono'
import { ApiError } from './errors'

/** The largest JSON body the API reads (1 MB): a bigger one is a 413, read no further. */
export const MAX_JSON_BYTES = 1024 * 1024

/** Reads a request body of at most `max` bytes, or throws a 413 naming `what` without reading the rest. */
export async function readBoundedBody(c: Context, max: number, what = 'Request body'): Promise<Uint8Array> {
  const tooLarge = () => new ApiError(413, 'payload_too_large', `${what} is larger than ${Math.floor(max / 1024)} KB`)
  if (Number(c.req.header('content-length') ?? 0) > max) throw tooLarge()
  const reader = c.req.raw.body?.getReader()
  const parts: Uint8Array[] = []
  let size = 0
  if (reader) {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > max) {
        await reader.cancel()
        throw tooLarge()
      }
      parts.push(value)
    }
  }
  const out = new Uint8Array(size)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.byteLength
  }
  return out
}

/** Resolves to the request's JSON body; throws a 400 `ApiError` (never a 500) when it is not JSON, a 413 when it is too large. */
export async function readJsonBody(c: Context, max = MAX_JSON_BYTES): Promise<unknown> {
  const text = new TextDecoder().decode(await readBoundedBody(c, max))
  if (text.trim() === '') throw new ApiError(400, 'bad_request', 'Request body is empty; expected JSON')
  try {
    return JSON.parse(text) as unknown
  } catch (cause) {
    throw new ApiError(400, 'bad_request', `Request body is not valid JSON: ${(cause as Error).message}`, { cause })
  }
}
