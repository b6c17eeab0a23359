/** @module One error type for every fault in Coder, shaped to survive `postMessage` and JSON. */

/** File-system codes, spelled as Node and isomorphic-git spell them. */
export type FsErrorCode =
  | 'ENOENT'
  | 'EEXIST'
  | 'ENOTDIR'
  | 'EISDIR'
  | 'ENOTEMPTY'
  | 'EROFS'
  | 'EACCES'
  | 'EINVAL'
  | 'EXDEV'
  | 'ELOOP'

/** Every code an AppError can carry. */
export type ErrorCode =
  | FsErrorCode
  | 'ABORTED'
  | 'TIMEOUT'
  | 'WORKER_DIED'
  | 'NOT_FOUND'
  | 'BUSY'
  | 'BAD_INPUT'
  | 'GIT'
  | 'NETWORK'
  | 'STORAGE'
  | 'INTERNAL'
  /** Downloaded bytes do not match the integrity (SRI) they were promised. */
  | 'INTEGRITY'
  /** A package that would write outside its folder, or is too large to unpack. */
  | 'UNSAFE_PACKAGE'
  /** A workflow runner's lease on a run is gone (it expired, or another runner holds the run now). */
  | 'LEASE_LOST'

/** Plain-data form of an AppError (what crosses a worker boundary or an HTTP response). */
export interface AppErrorJSON {
  name: 'AppError'
  code: ErrorCode
  message: string
  data?: Record<string, unknown>
  cause?: unknown
}

/**
 * The one error Coder throws. `code` is what callers switch on; `message` is for people.
 * File-system errors also carry `path`, which is what isomorphic-git reads.
 */
export class AppError extends Error {
  override readonly name = 'AppError'
  readonly code: ErrorCode
  readonly data: Record<string, unknown>

  constructor(code: ErrorCode, message: string, data: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.data = data
  }

  /** Path of a file-system error, if any. */
  get path(): string | undefined {
    return typeof this.data.path === 'string' ? this.data.path : undefined
  }

  toJSON(): AppErrorJSON {
    const cause = this.cause instanceof AppError ? this.cause.toJSON() : this.cause instanceof Error ? this.cause.message : undefined
    return { name: 'AppError', code: this.code, message: this.message, data: this.data, ...(cause === undefined ? {} : { cause }) }
  }

  /** Rebuilds an AppError from its JSON form (or wraps anything else as INTERNAL). */
  static fromJSON(value: unknown): AppError {
    if (isAppErrorJSON(value)) return new AppError(value.code, value.message, value.data ?? {}, { cause: value.cause })
    return toAppError(value)
  }
}

function isAppErrorJSON(value: unknown): value is AppErrorJSON {
  return typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'AppError' && typeof (value as { code?: unknown }).code === 'string'
}

const FS_MESSAGES: Record<FsErrorCode, string> = {
  ENOENT: 'no such file or directory',
  EEXIST: 'file already exists',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ENOTEMPTY: 'directory not empty',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EINVAL: 'invalid argument',
  EXDEV: 'cross-mount rename not permitted',
  ELOOP: 'too many levels of symbolic links',
}

/** A file-system error with the message shape Node uses: `ENOENT: no such file or directory, open '/x'`. */
export function fsError(code: FsErrorCode, op: string, path: string, detail?: string): AppError {
  const tail = detail ? ` (${detail})` : ''
  return new AppError(code, `${code}: ${FS_MESSAGES[code]}, ${op} '${path}'${tail}`, { path, op })
}

/** Turns anything thrown into an AppError, keeping AppErrors as they are. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error
  if (error instanceof Error) {
    if ((error as { name?: string }).name === 'AbortError') return new AppError('ABORTED', error.message || 'aborted', {}, { cause: error })
    return new AppError('INTERNAL', error.message, { name: error.name }, { cause: error })
  }
  return new AppError('INTERNAL', String(error))
}

/** True when `error` is an AppError with one of `codes`. */
export function hasCode(error: unknown, ...codes: ErrorCode[]): error is AppError {
  return error instanceof AppError && codes.includes(error.code)
}

/** An outcome a caller must handle, as a value rather than a throw. */
export type Result<T, E = AppError> = { ok: true; value: T } | { ok: false; error: E }

/** Marks a switch as exhaustive: calling it is a compile error when a case is missing. */
export function unreachable(value: never): never {
  throw new AppError('INTERNAL', `unreachable: ${JSON.stringify(value)}`)
}

/** Throws ABORTED when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AppError('ABORTED', 'the operation was cancelled')
}
