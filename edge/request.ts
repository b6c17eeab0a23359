import type { Context } from 'hono'
import { ApiError } from './errors'

/** The largest JSON body the API reads (1 MB): a bigger one is a 413, read no further. */
export const MAX_JSON_BYTES = 1024 * 1024

/** Resolves to the request's JSON body; throws a 400 `ApiError` (never a 500) when it is not JSON, a 413 when it is too large. */
export async function readJsonBody(c: Context, max = MAX_JSON_BYTES): Promise<unknown> {
  const tooLarge = () => new ApiError(413, 'payload_too_large', `Request body is larger than ${Math.floor(max / 1024)} KB`)
  if (Number(c.req.header('content-length') ?? 0) > max) throw tooLarge()
  const reader = c.req.raw.body?.getReader()
  const decoder = new TextDecoder()
  let text = ''
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
      text += decoder.decode(value, { stream: true })
    }
    text += decoder.decode()
  }
  if (text.trim() === '') throw new ApiError(400, 'bad_request', 'Request body is empty; expected JSON')
  try {
    return JSON.parse(text) as unknown
  } catch (cause) {
    throw new ApiError(400, 'bad_request', `Request body is not valid JSON: ${(cause as Error).message}`, { cause })
  }
}
