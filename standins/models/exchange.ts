/** What both wire formats share: the request log, the reply plan, pacing and abort. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { chunk, estimateTokens, type Api, type Script, type ScriptError, type ScriptReply } from './script.ts'

/** One request the stand-in received, as tests and the page see it. */
export interface ModelRequest {
  /** 1, 2, 3… in arrival order; also in the response ids. */
  seq: number
  /** Which API the request was for; null for paths outside both. */
  api: Api | null
  method: string
  path: string
  /** The request headers as received (lower-case names), e.g. to check which key a proxy forwarded. */
  headers: Record<string, string>
  /** The parsed JSON body (null without one or when it was not JSON). */
  body: unknown
  /** The answering script's name, once one was picked. */
  script: string | null
  /** The HTTP status sent (a mid-stream failure keeps its 200). */
  status: number
  stream: boolean
  /** Content chunks (text or tool-argument pieces) written to a stream. */
  chunksSent: number
  /** The client went away before the reply was complete; the stand-in stopped generating. */
  aborted: boolean
  /** The reply is complete, failed or aborted. */
  done: boolean
  startedAt: number
  finishedAt: number | null
}

/** One step of a reply, in the order a stream sends it. */
export type Piece =
  | { type: 'text'; text: string }
  | { type: 'tool_start'; index: number; id: string; name: string }
  | { type: 'tool_args'; index: number; json: string }

/** A reply worked out for one request: what to send, whatever the wire format. */
export interface Plan {
  text: string
  toolCalls: { id: string; name: string; arguments: Record<string, unknown> }[]
  pieces: Piece[]
  stop: 'end' | 'tool_use' | 'max_tokens'
  usage: { input: number; output: number }
  delayMs: number
  error: ScriptError | null
}

/** Builds the plan: chunks the text and tool arguments, fills ids and the usage numbers the script left out. */
export function planReply(script: Script, api: Api, seq: number, requestBody: unknown): Plan {
  const reply: ScriptReply = script.reply
  const size = reply.chunkSize ?? 8
  const text = reply.text ?? ''
  const prefix = api === 'openai' ? 'call_standin' : 'toolu_standin'
  const toolCalls = (reply.toolCalls ?? []).map((c, i) => ({ id: c.id ?? `${prefix}_${seq}_${i}`, name: c.name, arguments: c.arguments }))
  const pieces: Piece[] = chunk(text, size).map((t) => ({ type: 'text', text: t }))
  let argsText = ''
  toolCalls.forEach((call, index) => {
    const json = JSON.stringify(call.arguments)
    argsText += json
    pieces.push({ type: 'tool_start', index, id: call.id, name: call.name })
    for (const part of chunk(json, size)) pieces.push({ type: 'tool_args', index, json: part })
  })
  const input = reply.usage?.input ?? estimateTokens(JSON.stringify(requestBody ?? ''))
  const output = reply.usage?.output ?? estimateTokens(text + toolCalls.map((c) => c.name).join('') + argsText)
  return {
    text,
    toolCalls,
    pieces,
    stop: reply.stop ?? (toolCalls.length ? 'tool_use' : 'end'),
    usage: { input, output },
    delayMs: reply.delayMs ?? 0,
    error: reply.error ?? null,
  }
}

/** A request in flight: its log entry and a signal that fires when the client goes away. */
export interface Exchange {
  req: IncomingMessage
  res: ServerResponse
  record: ModelRequest
  signal: AbortSignal
  /** Seconds since epoch for `created` fields. */
  nowSeconds(): number
}

/** How one wire format writes a stream; the pacing and the mid-stream failure are common. */
export interface StreamWriter {
  start(): void
  piece(piece: Piece): void
  fail(error: ScriptError): void
  finish(): void
}

/**
 * Streams `plan` through `writer`: waits `delayMs` before each content chunk, fails after
 * `error.afterChunks` chunks when scripted, and stops at once when the client disconnects.
 */
export async function runStream(ex: Exchange, plan: Plan, writer: StreamWriter): Promise<void> {
  ex.res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
  })
  ex.record.status = 200
  writer.start()
  let sent = 0
  for (const piece of plan.pieces) {
    if (piece.type !== 'tool_start') {
      if (plan.error && sent >= (plan.error.afterChunks ?? 0)) break
      if (plan.delayMs > 0) {
        try {
          await sleep(plan.delayMs, undefined, { signal: ex.signal })
        } catch {
          return
        }
      }
      if (ex.signal.aborted) return
      sent++
      ex.record.chunksSent = sent
    }
    writer.piece(piece)
  }
  if (ex.signal.aborted) return
  if (plan.error) writer.fail(plan.error)
  else writer.finish()
  ex.res.end()
}

/** Answers with a JSON body and the given extra headers. */
export function sendJson(ex: Exchange, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  ex.record.status = status
  ex.res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), ...headers })
  ex.res.end(text)
}

/** The `retry-after` header an error status carries, as the providers send it on 429/503/529. */
export function retryHeaders(error: ScriptError): Record<string, string> {
  if (error.retryAfter !== undefined) return { 'retry-after': String(error.retryAfter) }
  return [429, 503, 529].includes(error.status) ? { 'retry-after': '1' } : {}
}

/** The text of a message `content` that is either a string or a list of parts with `text` (both APIs use this shape). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content
    .map((part: unknown) => (part && typeof part === 'object' && 'text' in part && typeof part.text === 'string' ? part.text : ''))
    .join('')
}
