/**
 * @module Synchronous calls from a sandbox worker to the runtime host: the sandbox blocks on a
 * SharedArrayBuffer (Atomics.wait) while the host, on its own thread, computes the answer. This is
 * how `require()` and `fs.readFileSync` reach files and compiled code the sandbox was not given up
 * front. Needs cross-origin isolation (SharedArrayBuffer); without it the host sends everything ahead.
 */

/** What a sandbox asks for: a file's bytes, or a module compiled to CommonJS. */
export type SyncRequest = { op: 'read'; path: string } | { op: 'compile'; path: string; source: string }

/** The message a sandbox posts to ask; the answer arrives in the shared buffer. */
export interface SyncMessage {
  type: 'sync'
  request: SyncRequest
}

/** Three Int32 slots: the call's state, its outcome, and the answer's byte length. */
const HEADER = 12
const IDLE = 0
const PENDING = 1
const DONE = 2
const OK = 0
/** No such file. */
const MISSING = 1
/** The host failed; the answer is its message. */
const FAILED = 2

/** ES2024's growable SharedArrayBuffer (this project's lib is ES2022). */
interface Growable {
  readonly maxByteLength: number
  grow(length: number): void
}
type GrowableConstructor = new (length: number, options: { maxByteLength: number }) => SharedArrayBuffer

/** A growable shared buffer for one sandbox's calls. */
export function createSyncBuffer(): SharedArrayBuffer {
  return new (SharedArrayBuffer as unknown as GrowableConstructor)(HEADER + 64 * 1024, { maxByteLength: HEADER + 256 * 1024 * 1024 })
}

/**
 * The sandbox's side: `call` posts the request with `post` and blocks until the host answers.
 * Returns the answer's bytes, or null when the host has no such file; throws the host's error.
 */
export function createSyncCaller(buffer: SharedArrayBuffer, post: (message: SyncMessage) => void): (request: SyncRequest) => Uint8Array | null {
  const slots = new Int32Array(buffer, 0, 3)
  return (request) => {
    Atomics.store(slots, 0, PENDING)
    post({ type: 'sync', request })
    if (Atomics.wait(slots, 0, PENDING, 60_000) === 'timed-out') {
      throw new Error(`the runtime did not answer a request for '${request.path}' within 60 s`)
    }
    const outcome = slots[1]
    const bytes = new Uint8Array(buffer, HEADER, slots[2]).slice()
    Atomics.store(slots, 0, IDLE)
    if (outcome === MISSING) return null
    if (outcome === FAILED) throw new Error(new TextDecoder().decode(bytes))
    return bytes
  }
}

/**
 * The host's side: answers one request into the buffer and wakes the sandbox. `answer` resolves
 * to bytes, null for "no such file", or throws (its message reaches the sandbox as an error).
 */
export async function answerSync(buffer: SharedArrayBuffer, request: SyncRequest, answer: (request: SyncRequest) => Promise<Uint8Array | null>): Promise<void> {
  let outcome = OK
  let bytes: Uint8Array
  try {
    const answered = await answer(request)
    if (answered) bytes = answered
    else [outcome, bytes] = [MISSING, new Uint8Array(0)]
  } catch (error) {
    ;[outcome, bytes] = [FAILED, new TextEncoder().encode(error instanceof Error ? error.message : String(error))]
  }
  const growable = buffer as unknown as Growable
  if (buffer.byteLength < HEADER + bytes.length) {
    if (growable.maxByteLength < HEADER + bytes.length) {
      ;[outcome, bytes] = [FAILED, new TextEncoder().encode(`'${request.path}' is too large to load (${bytes.length} bytes)`)]
    } else growable.grow(HEADER + bytes.length)
  }
  new Uint8Array(buffer, HEADER, bytes.length).set(bytes)
  const slots = new Int32Array(buffer, 0, 3)
  Atomics.store(slots, 1, outcome)
  Atomics.store(slots, 2, bytes.length)
  Atomics.store(slots, 0, DONE)
  Atomics.notify(slots, 0)
}
