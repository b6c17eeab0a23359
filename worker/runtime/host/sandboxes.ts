import type { FsChange } from '../../../shared/protocol'
import type { OutputChunk, TestEvent } from '../../../shared/runtime'
import type { HostToSandbox, SandboxRun, SandboxTests, SandboxToHost } from '../messages'
import { answerSync, createSyncBuffer, type SyncRequest } from '../sync'

/** How a sandboxed process ended. */
export interface SandboxExit {
  code: number
  signal: 'SIGINT' | 'SIGKILL' | null
  timedOut: boolean
  tests: SandboxTests | null
}

/** Where a running sandbox's output, file changes and test events go. */
export interface SandboxIo {
  output(chunks: OutputChunk[]): void
  changes(changes: FsChange[]): void
  testEvent?(event: TestEvent): void
}

/** A process running in a sandbox worker. */
export interface SandboxProcess {
  readonly exit: Promise<SandboxExit>
  /** More stdin; null ends it. */
  write(text: string | null): void
  /** SIGINT asks the program (Ctrl-C); if it has not ended within a moment, or for SIGKILL, the worker is terminated. */
  kill(signal: 'SIGINT' | 'SIGKILL'): void
}

/** Starts processes in fresh sandbox workers, keeping one started ahead so a run does not wait for it. */
export interface Sandboxes {
  /** Whether sandboxes can read files and compiled modules on demand (SharedArrayBuffer); if not, give them everything up front. */
  readonly isolated: boolean
  /** Starts `run`; the sandbox's synchronous requests (files, compiles) are answered by `answer`. */
  start(run: Omit<SandboxRun, 'type' | 'sync'>, io: SandboxIo, options: { answer: SyncAnswer; timeoutMs?: number }): SandboxProcess
  dispose(): void
}

/** How long a program gets to end after Ctrl-C before its worker is terminated. */
const SIGINT_GRACE_MS = 500

/** Answers a sandbox's synchronous request: bytes, or null for "no such file". */
export type SyncAnswer = (request: SyncRequest) => Promise<Uint8Array | null>

/** Sandboxes made by `createWorker`. */
export function createSandboxes(options: { createWorker: () => Worker }): Sandboxes {
  const isolated = typeof SharedArrayBuffer !== 'undefined' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true
  // Workers started ahead: loading a worker's code takes tens of milliseconds. Two, so that a
  // test run's files (run two at a time) both start at once; refilled when a process ends, not
  // while it runs, so loading the next one does not compete with it for the CPU.
  const SPARES = 2
  const spares: Worker[] = []
  const live = new Set<Worker>()
  let refill: ReturnType<typeof setTimeout> | null = null
  const fill = () => {
    refill = null
    while (spares.length < SPARES) spares.push(options.createWorker())
  }
  const take = () => {
    const worker = spares.shift() ?? options.createWorker()
    live.add(worker)
    return worker
  }
  const scheduleFill = () => void (refill ??= setTimeout(fill, 0))
  scheduleFill()

  return {
    isolated,
    start(run, io, { answer, timeoutMs }) {
      const worker = take()
      const sync = isolated ? createSyncBuffer() : null
      let settle!: (exit: SandboxExit) => void
      const exit = new Promise<SandboxExit>((resolve) => (settle = resolve))
      let done = false
      let interrupted = false
      let timer: ReturnType<typeof setTimeout> | null = null
      const end = (result: SandboxExit) => {
        if (done) return
        done = true
        if (timer) clearTimeout(timer)
        worker.terminate()
        live.delete(worker)
        scheduleFill()
        settle(result)
      }
      worker.addEventListener('message', (event: MessageEvent<SandboxToHost>) => {
        const msg = event.data
        switch (msg.type) {
          case 'ready':
            break
          case 'output':
            if (!done) io.output(msg.chunks)
            break
          case 'fs':
            if (!done) io.changes(msg.changes)
            break
          case 'test-event':
            if (!done) io.testEvent?.(msg.event)
            break
          case 'sync':
            if (sync) void answerSync(sync, msg.request, answer)
            break
          case 'exit':
            end({ code: msg.code, signal: interrupted ? 'SIGINT' : null, timedOut: false, tests: msg.tests })
            break
        }
      })
      worker.addEventListener('error', (event) => {
        event.preventDefault()
        io.output([{ stream: 'stderr', text: `The runtime's sandbox failed: ${event.message || 'its code did not load'}\n` }])
        end({ code: 1, signal: null, timedOut: false, tests: null })
      })
      const send = (message: HostToSandbox) => worker.postMessage(message)
      send({ ...run, type: 'run', sync })
      if (timeoutMs !== undefined && timeoutMs > 0) {
        timer = setTimeout(() => {
          io.output([{ stream: 'stderr', text: `\nTimed out after ${formatMs(timeoutMs)}: the process was stopped.\n` }])
          end({ code: 124, signal: 'SIGKILL', timedOut: true, tests: null })
        }, timeoutMs)
      }
      return {
        exit,
        write: (text) => send({ type: 'stdin', text }),
        kill(signal) {
          if (done) return
          if (signal === 'SIGKILL') return end({ code: 137, signal, timedOut: false, tests: null })
          interrupted = true
          send({ type: 'sigint' })
          setTimeout(() => end({ code: 130, signal: 'SIGINT', timedOut: false, tests: null }), SIGINT_GRACE_MS)
        },
      }
    },
    dispose() {
      if (refill) clearTimeout(refill)
      for (const worker of spares.splice(0)) worker.terminate()
      for (const worker of live) worker.terminate()
      live.clear()
    },
  }
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 ? 1 : 0)} s` : `${ms} ms`
}
