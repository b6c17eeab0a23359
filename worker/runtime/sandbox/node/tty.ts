import { Readable, Writable } from './stream'

/** `tty`: nothing in the sandbox is a terminal (`isatty` is false unless the process says otherwise). */
export function createTtyModule(isTTY = false) {
  return { isatty: (_fd: number) => isTTY, ReadStream: Readable, WriteStream: Writable }
}
