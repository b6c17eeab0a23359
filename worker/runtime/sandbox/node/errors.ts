/** Linux errno numbers (negated, as Node reports them) and libuv descriptions. */
const ERRNO: Record<string, [number, string]> = {
  EPERM: [-1, 'operation not permitted'],
  ENOENT: [-2, 'no such file or directory'],
  EBADF: [-9, 'bad file descriptor'],
  EACCES: [-13, 'permission denied'],
  EEXIST: [-17, 'file already exists'],
  EXDEV: [-18, 'cross-device link not permitted'],
  ENOTDIR: [-20, 'not a directory'],
  EISDIR: [-21, 'illegal operation on a directory'],
  EINVAL: [-22, 'invalid argument'],
  ENOTEMPTY: [-39, 'directory not empty'],
  ELOOP: [-40, 'too many symbolic links encountered'],
  ENOSYS: [-38, 'function not implemented'],
  ESRCH: [-3, 'no such process'],
}

/** The error a failed file-system call throws in Node: `code`, `errno`, `syscall`, `path` and `dest` set, message `CODE: description, syscall 'path' -> 'dest'`. */
export interface SystemError extends Error {
  code: string
  errno: number
  syscall: string
  path?: string
  dest?: string
}

/** Builds a Node-style system error (never throws it). */
export function createSystemError(code: string, syscall: string, path?: string, dest?: string): SystemError {
  const [errno, description] = ERRNO[code] ?? [-1, 'unknown error']
  let message = `${code}: ${description}, ${syscall}`
  if (path !== undefined) message += ` '${path}'`
  if (dest !== undefined) message += ` -> '${dest}'`
  const error = new Error(message) as SystemError
  error.errno = errno
  error.code = code
  error.syscall = syscall
  if (path !== undefined) error.path = path
  if (dest !== undefined) error.dest = dest
  return error
}

/** Builds an error with a Node `code` (ERR_*), as Node's internal errors carry; `Type` picks the class. */
export function createCodedError(code: string, message: string, Type: new (message: string) => Error = Error): Error & { code: string } {
  const error = new Type(message) as Error & { code: string }
  error.code = code
  // Node names these `TypeError [ERR_X]` in the stack's first line but keeps `name` plain.
  return error
}

/** Node's `ERR_INVALID_ARG_TYPE` for a value of the wrong type. */
export function invalidArgType(name: string, expected: string, actual: unknown): Error & { code: string } {
  return createCodedError('ERR_INVALID_ARG_TYPE', `The "${name}" argument must be ${expected}. Received ${describeReceived(actual)}`, TypeError)
}

/** How Node's argument errors describe a received value ("type number (1)", "undefined", "an instance of Foo"). */
export function describeReceived(value: unknown): string {
  if (value == null) return String(value)
  if (typeof value === 'function') return `function ${value.name}`
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name
    return name ? `an instance of ${name}` : 'an instance of Object'
  }
  let shown = typeof value === 'string' ? `'${value.length > 28 ? value.slice(0, 25) + '...' : value}'` : String(value)
  if (typeof value === 'bigint') shown += 'n'
  return `type ${typeof value} (${shown})`
}
