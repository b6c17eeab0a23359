import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git'
import { AppError } from '../../shared/errors'
import { concatBytes } from './bytes'

async function collect(body: AsyncIterableIterator<Uint8Array> | Uint8Array[] | undefined): Promise<Uint8Array | undefined> {
  if (!body) return undefined
  const parts: Uint8Array[] = []
  for await (const part of body as AsyncIterable<Uint8Array>) parts.push(part)
  return concatBytes(parts)
}

async function* chunks(stream: ReadableStream<Uint8Array>): AsyncIterableIterator<Uint8Array> {
  const reader = stream.getReader()
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}

/**
 * isomorphic-git's HTTP client over `fetch`, with an AbortSignal so a cancel stops the
 * download at once, and network failures reported as NETWORK errors that name the host.
 */
export function createHttpClient(signal?: AbortSignal, fetchImpl: typeof fetch = fetch): HttpClient {
  return {
    async request({ url, method = 'GET', headers = {}, body }: GitHttpRequest): Promise<GitHttpResponse> {
      let res: Response
      try {
        const payload = await collect(body)
        res = await fetchImpl(url, { method, headers, body: payload as BodyInit | undefined, signal })
      } catch (cause) {
        if (signal?.aborted) throw new AppError('ABORTED', 'the import was cancelled', {}, { cause })
        const host = (() => {
          try {
            return new URL(url).host
          } catch {
            return url
          }
        })()
        throw new AppError('NETWORK', `could not reach ${host}: ${cause instanceof Error ? cause.message : String(cause)}`, { url }, { cause })
      }
      const responseHeaders: Record<string, string> = {}
      res.headers.forEach((value, key) => (responseHeaders[key] = value))
      return {
        url: res.url,
        method,
        statusCode: res.status,
        statusMessage: res.statusText,
        body: res.body ? chunks(res.body) : undefined,
        headers: responseHeaders,
      }
    },
  }
}
