/** Scripts: which reply the model stand-in gives to which request. Plain data, loadable from JSON files. */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The two wire formats the stand-in speaks. */
export type Api = 'openai' | 'anthropic'

/** When a script applies; every given field must hold. An empty `match` matches everything. */
export interface ScriptMatch {
  /** Only requests on this API. */
  api?: Api
  /** The request's `model` equals this. */
  model?: string
  /** The last user message's text contains this (case-sensitive). Tool results are not user text (an Anthropic user turn of only tool results is skipped). */
  contains?: string
  /** The last user message's text matches this regular expression (JavaScript syntax, no flags). */
  regex?: string
  /** The request offers tools (`true`) or offers none (`false`). */
  tools?: boolean
  /** The conversation's turn: how many assistant messages the request already holds (0 on the first request). */
  turn?: number
}

/** A tool call the model makes. */
export interface ScriptToolCall {
  name: string
  /** The arguments object; sent as JSON text (OpenAI) or an `input` object (Anthropic). */
  arguments: Record<string, unknown>
  /** Default a deterministic `call_…` / `toolu_…` id. */
  id?: string
}

/** An HTTP error the stand-in answers with, shaped per API (type names are derived from the status). */
export interface ScriptError {
  /** 400, 401, 403, 404, 429, 500, 503, 529… */
  status: number
  message?: string
  /** Seconds for the `retry-after` header (429, 503, 529); default 1 on those statuses. */
  retryAfter?: number
  /**
   * Fail mid-stream after this many content chunks: a streaming request gets 200, the chunks, then
   * the API's in-stream error; a non-streaming request gets the error status at once. Absent: fail at once.
   */
  afterChunks?: number
}

/** What the model answers. */
export interface ScriptReply {
  /** Assistant text; may be empty when the reply is only tool calls. */
  text?: string
  toolCalls?: ScriptToolCall[]
  /** Token counts; each absent number is computed (~4 characters a token). */
  usage?: { input?: number; output?: number }
  /** Why the model stopped; default `tool_use` with tool calls, else `end`. `max_tokens` is OpenAI's `length`. */
  stop?: 'end' | 'tool_use' | 'max_tokens'
  /** Characters per streamed text chunk (and per tool-argument chunk); default 8. */
  chunkSize?: number
  /** Milliseconds to wait before each streamed chunk (a slow stream); default 0. */
  delayMs?: number
  error?: ScriptError
}

/** One scripted behaviour: the first script whose `match` holds answers. */
export interface Script {
  /** Shown in the request log; default the file name and position. */
  name?: string
  match?: ScriptMatch
  reply: ScriptReply
}

/** What the scripts see of a request, the same for both APIs. */
export interface RequestFacts {
  api: Api
  model: string
  lastUserText: string
  hasTools: boolean
  turn: number
}

/** The fallback that answers anything, so a developer can try the stand-in without writing a script. */
export const defaultScript: Script = {
  name: 'default',
  reply: { text: 'Hello from the model stand-in. Put scripts in standins/models/scripts/ to choose what I say.' },
}

/** Whether `script` applies to the request. */
export function matches(script: Script, facts: RequestFacts): boolean {
  const m = script.match ?? {}
  if (m.api !== undefined && m.api !== facts.api) return false
  if (m.model !== undefined && m.model !== facts.model) return false
  if (m.contains !== undefined && !facts.lastUserText.includes(m.contains)) return false
  if (m.regex !== undefined && !new RegExp(m.regex).test(facts.lastUserText)) return false
  if (m.tools !== undefined && m.tools !== facts.hasTools) return false
  if (m.turn !== undefined && m.turn !== facts.turn) return false
  return true
}

/** The first script that applies, else the default one. */
export function pickScript(scripts: readonly Script[], facts: RequestFacts): Script {
  return scripts.find((s) => matches(s, facts)) ?? defaultScript
}

/**
 * Checks one parsed script and names what is wrong, so a bad file fails loudly at start rather than
 * answering oddly later. Returns the script (with `name` filled in).
 */
export function validateScript(value: unknown, where: string): Script {
  const fail = (why: string): never => {
    throw new Error(`Model stand-in script ${where}: ${why}`)
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) fail('expected an object with a "reply"')
  const script = value as Script
  const reply = script.reply
  if (!reply || typeof reply !== 'object') fail('missing "reply" object')
  if (reply.text !== undefined && typeof reply.text !== 'string') fail('"reply.text" must be a string')
  for (const call of reply.toolCalls ?? []) {
    if (typeof call?.name !== 'string' || !call.name) fail('each tool call needs a "name"')
    if (!call.arguments || typeof call.arguments !== 'object' || Array.isArray(call.arguments)) fail(`tool call "${call.name}": "arguments" must be an object`)
  }
  if (reply.error && (typeof reply.error.status !== 'number' || reply.error.status < 400)) fail('"reply.error.status" must be an HTTP error status (400 or more)')
  if (reply.chunkSize !== undefined && !(Number.isInteger(reply.chunkSize) && reply.chunkSize > 0)) fail('"reply.chunkSize" must be a positive integer')
  if (script.match?.regex !== undefined) {
    try {
      new RegExp(script.match.regex)
    } catch (error) {
      fail(`"match.regex" is not a valid regular expression: ${(error as Error).message}`)
    }
  }
  return { ...script, name: script.name ?? where }
}

/**
 * Loads every `*.json` file in `dir` (sorted by name), each holding one script or an array of them.
 * Throws with the file name on unreadable JSON or a malformed script.
 */
export function loadScriptDir(dir: string): Script[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
  return files.flatMap((file) => {
    let parsed: unknown
    try {
      parsed = JSON.parse(readFileSync(join(dir, file), 'utf8'))
    } catch (error) {
      throw new Error(`Model stand-in script ${file}: ${(error as Error).message}`)
    }
    const list = Array.isArray(parsed) ? parsed : [parsed]
    return list.map((item, i) => validateScript(item, list.length > 1 ? `${file}#${i}` : file))
  })
}

/** Splits `text` into chunks of `size` characters (code points, so no surrogate pair is cut). */
export function chunk(text: string, size: number): string[] {
  const chars = [...text]
  const out: string[] = []
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''))
  return out
}

/** The stand-in's token estimate: about four characters a token, at least one for non-empty text. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4)
}
