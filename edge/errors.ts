import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** Error codes the edge reports in `{ error: { code, message } }` bodies. */
export type ApiErrorCode =
  | 'bad_request'
  | 'unauthorized'
  /** Not enough credits for what was asked. */
  | 'payment_required'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  /** A workflow runner's lease on a run is gone (expired, released, or another runner's now). */
  | 'lease_lost'
  | 'unprocessable'
  | 'payload_too_large'
  | 'too_many_requests'
  | 'internal'
  /** An upstream the edge fetches from could not be reached. */
  | 'bad_gateway'
  /** An upstream the edge fetches from did not answer in time. */
  | 'gateway_timeout'

/** The JSON body of every error response. */
export type ApiErrorBody = { error: { code: ApiErrorCode; message: string } }

/** A fault with a known HTTP meaning; `app.onError` turns it into that status and code. */
export class ApiError extends Error {
  override readonly name = 'ApiError'

  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ApiErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

const codeByStatus: Partial<Record<number, ApiErrorCode>> = {
  400: 'bad_request',
  401: 'unauthorized',
  402: 'payment_required',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  422: 'unprocessable',
  413: 'payload_too_large',
  429: 'too_many_requests',
  502: 'bad_gateway',
  504: 'gateway_timeout',
}

/** The error code for an HTTP status: its own when known, else `bad_request` (4xx) or `internal`. */
export function codeForStatus(status: number): ApiErrorCode {
  return codeByStatus[status] ?? (status >= 400 && status < 500 ? 'bad_request' : 'internal')
}
