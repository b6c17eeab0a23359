import type { OutputChunk } from '../../shared/runtime'

/** A process's output as it arrives: pushed by the adapter, read once as an async iterable. */
export interface OutputQueue {
  push(...chunks: OutputChunk[]): void
  /** No more output: the reader finishes once it has read what is queued. */
  end(): void
  readonly output: AsyncIterable<OutputChunk>
}

/** A queue of output chunks between a runtime adapter and the process's reader. */
export function createOutputQueue(): OutputQueue {
  const queue: OutputChunk[] = []
  let wake: (() => void) | null = null
  let ended = false
  return {
    push(...chunks) {
      queue.push(...chunks)
      wake?.()
    },
    end() {
      ended = true
      wake?.()
    },
    output: {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          while (queue.length) yield queue.shift()!
          if (ended) return
          await new Promise<void>((resolve) => (wake = resolve))
          wake = null
        }
      },
    },
  }
}
