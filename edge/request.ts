import type { Context } from 'hono'
import { ApiError } from './errors'

/** Resolves to the request's JSON body; throws a 400 `ApiError` (never a 500) when it is not JSON. */
export async function readJsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text()
  if (text.trim() === '') throw new ApiError(400, 'bad_request', 'Request body is empty; expected JSON')
  try {
    return JSON.parse(text) as unknown
  } catch (cause) {
    throw new ApiError(400, 'bad_request', `Request body is not valid JSON: ${(cause as Error).message}`, { cause })
  }
}
