import { afterEach, describe, expect, it } from 'vitest'
import { AppError } from '../errors'
import { createRpcClient, serveRpc, type Endpoint, type Handlers, type RpcClient } from './index'

type Api = {
  add: { params: { a: number; b: number }; result: number }
  fail: { params: { code: 'NOT_FOUND' | 'GIT' }; result: never }
  crash: { params: null; result: never }
  count: { params: { to: number }; result: string; progress: number }
  wait: { params: null; result: string }
  stubborn: { params: { ms: number }; result: string }
  silent: { params: null; result: never }
}

const channels: MessageChannel[] = []

afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close()
    c.port2.close()
  }
})

/** A client and a server over a real MessageChannel, as between the page and the worker. */
function connect(handlers: Partial<Handlers<Api>>, defaults?: { timeoutMs?: number }): RpcClient<Api> {
  const channel = new MessageChannel()
  channels.push(channel)
  serveRpc<Api>(channel.port2 as unknown as Endpoint, handlers as Handlers<Api>)
  const client = createRpcClient<Api>(channel.port1 as unknown as Endpoint, defaults)
  channel.port1.start()
  channel.port2.start()
  return client
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const outcome = await p.then(
    () => 'resolved',
    (error: unknown) => error,
  )
  expect(outcome).toBeInstanceOf(AppError)
  return outcome as AppError
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('rpc', () => {
  it('resolves a call with what the handler returns', async () => {
    const client = connect({ add: ({ a, b }) => a + b })
    expect(await client.call('add', { a: 2, b: 3 })).toBe(5)
    // Concurrent calls each get their own answer.
    expect(await Promise.all([1, 2, 3].map((n) => client.call('add', { a: n, b: 10 })))).toEqual([11, 12, 13])
  })

  it("rejects with the handler's AppError, code, message and data intact", async () => {
    const client = connect({
      fail: async ({ code }) => {
        throw new AppError(code, `no project 'p1'`, { project: 'p1' })
      },
      crash: () => {
        throw new TypeError('x is undefined')
      },
    })
    const error = await rejection(client.call('fail', { code: 'NOT_FOUND' }))
    expect(error.code).toBe('NOT_FOUND')
    expect(error.message).toBe(`no project 'p1'`)
    expect(error.data).toEqual({ project: 'p1' })

    const crash = await rejection(client.call('crash', null))
    expect(crash.code).toBe('INTERNAL')
    expect(crash.message).toBe('x is undefined')
    // The server survives a throwing handler.
    expect((await rejection(client.call('fail', { code: 'GIT' }))).code).toBe('GIT')
  })

  it('answers an unknown method with BAD_INPUT, including names inherited from Object', async () => {
    const client = connect({ add: ({ a, b }) => a + b })
    for (const method of ['nope', 'toString', 'constructor', '__proto__']) {
      const error = await rejection((client as unknown as RpcClient<Record<string, { params: null; result: unknown }>>).call(method, null))
      expect(error.code, method).toBe('BAD_INPUT')
      expect(error.message, method).toContain(method)
    }
  })

  it('delivers progress to onProgress in order, before the result', async () => {
    const client = connect({
      count: async ({ to }, { progress }) => {
        for (let i = 1; i <= to; i++) progress(i)
        return 'done'
      },
    })
    const seen: Array<number | string> = []
    const result = await client.call('count', { to: 20 }, { onProgress: (n) => seen.push(n) })
    seen.push(result)
    expect(seen).toEqual([...Array.from({ length: 20 }, (_, i) => i + 1), 'done'])
  })

  it('cancels the handler when the signal aborts, and rejects the call', async () => {
    let handlerSignal: AbortSignal | undefined
    let started!: () => void
    const running = new Promise<void>((r) => (started = r))
    const client = connect({
      wait: (_params, { signal }) =>
        new Promise((_resolve, reject) => {
          handlerSignal = signal
          started()
          signal.addEventListener('abort', () => reject(new Error('stopped')))
        }),
    })
    const controller = new AbortController()
    const call = client.call('wait', null, { signal: controller.signal })
    await running
    expect(handlerSignal?.aborted).toBe(false)
    controller.abort()
    expect((await rejection(call)).code).toBe('ABORTED')
    await delay(0)
    expect(handlerSignal?.aborted).toBe(true)

    // An already aborted signal never reaches the handler.
    expect((await rejection(client.call('wait', null, { signal: controller.signal }))).code).toBe('ABORTED')
  })

  it('rejects an aborted call at once, even when the handler ignores the signal', async () => {
    let handlerSignal: AbortSignal | undefined
    let finish!: () => void
    let finished = false
    const client = connect({
      stubborn: async (_params, { signal }) => {
        handlerSignal = signal
        await new Promise<void>((resolve) => (finish = resolve))
        finished = true
        return 'finished anyway'
      },
    })
    const controller = new AbortController()
    const call = client.call('stubborn', {}, { signal: controller.signal })
    await delay(20)
    controller.abort()
    expect((await rejection(call)).code).toBe('ABORTED')
    // The caller did not wait for the handler, which is still running.
    expect(finished).toBe(false)
    // The cancel still reaches the handler, a message later.
    await delay(10)
    expect(handlerSignal?.aborted).toBe(true)
    finish()
  })

  it('fails a call that gets no answer with TIMEOUT, and cancels its handler', async () => {
    let handlerSignal: AbortSignal | undefined
    const client = connect({
      silent: (_params, { signal }) => {
        handlerSignal = signal
        return new Promise<never>(() => undefined)
      },
    })
    const error = await rejection(client.call('silent', null, { timeoutMs: 50 }))
    expect(error.code).toBe('TIMEOUT')
    expect(error.message).toContain("'silent'")
    expect(error.message).toContain('50 ms')
    await delay(10)
    expect(handlerSignal?.aborted).toBe(true)

    // The client-wide default applies when a call sets none.
    const impatient = connect({ silent: () => new Promise<never>(() => undefined) }, { timeoutMs: 50 })
    expect((await rejection(impatient.call('silent', null))).code).toBe('TIMEOUT')
  })

  it('counts progress as a sign of life, so a slow call that reports progress does not time out', async () => {
    const client = connect({
      count: async ({ to }, { progress }) => {
        for (let i = 1; i <= to; i++) {
          await delay(20)
          progress(i)
        }
        return 'done'
      },
    })
    // 8 × 20 ms is well past the 60 ms timeout, but no gap between messages is.
    expect(await client.call('count', { to: 8 }, { timeoutMs: 60 })).toBe('done')
  })

  it('rejects every pending call and every new one after close', async () => {
    const client = connect({ silent: () => new Promise<never>(() => undefined), add: ({ a, b }) => a + b })
    const pending = [client.call('silent', null), client.call('silent', null)]
    await delay(10)
    const reason = new AppError('WORKER_DIED', 'the workspace worker stopped')
    client.close(reason)
    for (const call of pending) {
      const error = await rejection(call)
      expect(error.code).toBe('WORKER_DIED')
      expect(error.message).toBe('the workspace worker stopped')
    }
    expect((await rejection(client.call('add', { a: 1, b: 1 }))).code).toBe('WORKER_DIED')
  })
})
