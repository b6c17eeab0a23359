/** Server-sent events, parsed as the HTML standard's event-stream grammar says (the part model APIs use). */

/** One dispatched event: its `event:` name ('message' when none was given) and its `data:` lines joined with '\n'. */
export interface SseEvent {
  event: string
  data: string
}

/**
 * The events of an `text/event-stream` body, each as soon as its closing blank line arrives.
 * Handles `\n`, `\r\n` and `\r` line ends split anywhere across chunks, comments and multi-line
 * data. An event with no `data:` line is not dispatched; an unterminated last event is dropped,
 * as the standard says. Cancels the body when iteration stops early; aborting `signal` cancels it
 * too and throws the signal's reason (whatever the body's source does with the abort).
 */
export async function* parseSse(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<SseEvent> {
  const reader = body.getReader()
  const onAbort = () => void reader.cancel(signal?.reason).catch(() => undefined)
  signal?.addEventListener('abort', onAbort, { once: true })
  const decoder = new TextDecoder()
  let buffer = ''
  let name = ''
  let data: string[] = []
  let finished = false
  /** Splits the complete lines off `buffer`; the events they close, in order. */
  const takeLines = (atEnd: boolean): SseEvent[] => {
    const events: SseEvent[] = []
    let start = 0
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer[i]
      if (c !== '\n' && c !== '\r') continue
      // A trailing '\r' may be the first half of '\r\n': wait for the next chunk, unless there is none.
      if (c === '\r' && i === buffer.length - 1 && !atEnd) break
      const line = buffer.slice(start, i)
      if (c === '\r' && buffer[i + 1] === '\n') i++
      start = i + 1
      if (line === '') {
        if (data.length) events.push({ event: name || 'message', data: data.join('\n') })
        name = ''
        data = []
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':')
        const field = colon < 0 ? line : line.slice(0, colon)
        let value = colon < 0 ? '' : line.slice(colon + 1)
        if (value.startsWith(' ')) value = value.slice(1)
        if (field === 'data') data.push(value)
        else if (field === 'event') name = value
      }
    }
    buffer = buffer.slice(start)
    return events
  }
  try {
    while (true) {
      if (signal?.aborted) throw signal.reason
      const { value, done } = await reader.read()
      if (signal?.aborted) throw signal.reason
      if (done) finished = true
      else buffer += decoder.decode(value, { stream: true })
      yield* takeLines(finished)
      if (finished) return
    }
  } finally {
    signal?.removeEventListener('abort', onAbort)
    if (!finished) await reader.cancel().catch(() => undefined)
    reader.releaseLock()
  }
}
