import { EventEmitter } from './events'

type Input = { on(e: string, fn: (...a: any[]) => void): unknown; removeListener(e: string, fn: (...a: any[]) => void): unknown; pause?(): unknown; resume?(): unknown; setEncoding?(e: string): unknown }
type Output = { write(text: string): unknown } | undefined

/** Options of `readline.createInterface` the sandbox honours. */
export interface InterfaceOptions {
  input: Input
  output?: Output
  prompt?: string
  terminal?: boolean
  crlfDelay?: number
  historySize?: number
}

/**
 * A line reader over a Readable (usually `process.stdin`): emits 'line' per line, 'close' when
 * the input ends or `close()` is called; `question` takes the next line instead of 'line'.
 */
function Interface(this: any, input: Input | InterfaceOptions, output?: Output) {
  EventEmitter.call(this)
  const options: InterfaceOptions = 'input' in (input as object) ? (input as InterfaceOptions) : { input: input as Input, output }
  this.input = options.input
  this.output = options.output
  this.terminal = !!options.terminal
  this.line = ''
  this.closed = false
  this._prompt = options.prompt ?? '> '
  this._questions = [] as Array<(answer: string) => void>
  this._partial = ''
  const decoder = new TextDecoder()
  this._onData = (chunk: Uint8Array | string) => {
    this._partial += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })
    const lines = this._partial.split(/\r?\n|\r(?!$)/)
    this._partial = lines.pop() ?? ''
    for (const line of lines) {
      if (this.closed) break
      this._line(line)
    }
  }
  this._onEnd = () => {
    if (this._partial.length > 0) this._line(this._partial.replace(/\r$/, ''))
    this._partial = ''
    this.close()
  }
  this.input.on('data', this._onData)
  this.input.on('end', this._onEnd)
  this.input.resume?.()
}
Object.setPrototypeOf(Interface.prototype, EventEmitter.prototype)
Object.assign(Interface.prototype, {
  _line(this: any, line: string) {
    const answer = this._questions.shift()
    if (answer) answer(line)
    else this.emit('line', line)
  },
  setPrompt(this: any, prompt: string) {
    this._prompt = prompt
  },
  getPrompt(this: any) {
    return this._prompt
  },
  prompt(this: any) {
    if (this.closed) throw Object.assign(new Error('readline was closed'), { code: 'ERR_USE_AFTER_CLOSE' })
    this.output?.write(this._prompt)
  },
  question(this: any, query: string, options: unknown, cb?: (answer: string) => void) {
    if (typeof options === 'function') cb = options as (answer: string) => void
    if (this.closed) throw Object.assign(new Error('readline was closed'), { code: 'ERR_USE_AFTER_CLOSE' })
    const signal = (options as { signal?: AbortSignal } | undefined)?.signal
    if (signal?.aborted) return
    this.output?.write(query)
    this._questions.push(cb!)
  },
  write(this: any, data: string) {
    if (this.closed) throw Object.assign(new Error('readline was closed'), { code: 'ERR_USE_AFTER_CLOSE' })
    this._onData(data)
  },
  pause(this: any) {
    this.input.pause?.()
    this.emit('pause')
    return this
  },
  resume(this: any) {
    this.input.resume?.()
    this.emit('resume')
    return this
  },
  close(this: any) {
    if (this.closed) return
    this.closed = true
    this.input.removeListener('data', this._onData)
    this.input.removeListener('end', this._onEnd)
    this.input.pause?.()
    this.emit('close')
  },
  getCursorPos(this: any) {
    return { rows: 0, cols: this.line.length }
  },
  [Symbol.asyncIterator](this: any): AsyncIterableIterator<string> {
    const queue: string[] = []
    const waiting: Array<(r: IteratorResult<string>) => void> = []
    let done = this.closed
    const onLine = (line: string) => {
      const next = waiting.shift()
      if (next) next({ value: line, done: false })
      else queue.push(line)
    }
    const onClose = () => {
      done = true
      for (const w of waiting.splice(0)) w({ value: undefined, done: true })
    }
    this.on('line', onLine)
    this.once('close', onClose)
    const stop = () => {
      this.removeListener('line', onLine)
      this.close()
      return Promise.resolve({ value: undefined, done: true as const })
    }
    return {
      next: () => (queue.length ? Promise.resolve({ value: queue.shift()!, done: false }) : done ? Promise.resolve({ value: undefined, done: true }) : new Promise((resolve) => waiting.push(resolve))),
      return: stop,
      [Symbol.asyncIterator]() {
        return this
      },
    } as AsyncIterableIterator<string>
  },
})

const ansi = (stream: Output, text: string, cb?: () => void) => {
  stream?.write(text)
  cb?.()
  return true
}

/** Creates the `readline` module (and, with `promises: true`, `readline/promises`, whose `question` resolves with the answer). */
export function createReadlineModule() {
  const createInterface = (input: Input | InterfaceOptions, output?: Output) => new (Interface as any)(input, output)
  const promises = {
    Interface,
    createInterface(input: Input | InterfaceOptions, output?: Output) {
      const rl = createInterface(input, output)
      const question = rl.question.bind(rl)
      rl.question = (query: string, options?: { signal?: AbortSignal }) => new Promise<string>((resolve) => question(query, options ?? {}, resolve))
      return rl
    },
  }
  return {
    Interface,
    createInterface,
    promises,
    clearLine: (stream: Output, dir: number, cb?: () => void) => ansi(stream, dir < 0 ? '\x1b[1K' : dir > 0 ? '\x1b[0K' : '\x1b[2K', cb),
    clearScreenDown: (stream: Output, cb?: () => void) => ansi(stream, '\x1b[0J', cb),
    cursorTo: (stream: Output, x: number, y?: number | (() => void), cb?: () => void) => ansi(stream, typeof y === 'number' ? `\x1b[${y + 1};${x + 1}H` : `\x1b[${x + 1}G`, typeof y === 'function' ? y : cb),
    moveCursor: (stream: Output, dx: number, dy: number, cb?: () => void) => ansi(stream, `${dx < 0 ? `\x1b[${-dx}D` : dx > 0 ? `\x1b[${dx}C` : ''}${dy < 0 ? `\x1b[${-dy}A` : dy > 0 ? `\x1b[${dy}B` : ''}`, cb),
    emitKeypressEvents: () => {},
  }
}
