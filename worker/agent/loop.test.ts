import { describe, expect, it } from 'vitest'
import type { AgentEvent } from '../../shared/agent'
import { ModelError, type ModelEvent, type ModelRequest, type ToolCall } from '../../shared/models'
import { createNamespace } from '../../shared/namespace'
import { createMemoryService } from '../namespace'
import { fileTools, finishTool, runAgent, type AgentRunOptions } from './index'

/** One model turn of a script: what the model says and calls, or an error it answers with. */
type Turn = { text?: string; calls?: Array<Omit<ToolCall, 'id'>>; usage?: [number, number]; costMicros?: number; error?: ModelError; delayMs?: number }

/** A model that answers from a script, turn by turn, recording each request; the last turn repeats. */
function scripted(turns: Turn[]) {
  const requests: ModelRequest[] = []
  let n = 0
  const stream = async function* (request: ModelRequest): AsyncIterable<ModelEvent> {
    requests.push(structuredClone({ ...request, signal: undefined }))
    const turn = turns[Math.min(n, turns.length - 1)]!
    const id = n++
    if (turn.delayMs) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, turn.delayMs)
        request.signal?.addEventListener('abort', () => (clearTimeout(t), reject(new ModelError('aborted', 'aborted'))))
      })
    }
    if (turn.error) throw turn.error
    if (turn.text) for (const piece of turn.text.match(/.{1,5}/gs) ?? []) yield { type: 'text', text: piece }
    for (const [i, call] of (turn.calls ?? []).entries()) yield { type: 'tool_call', call: { id: `call_${id}_${i}`, ...call } }
    const [input, output] = turn.usage ?? [100, 10]
    yield { type: 'usage', inputTokens: input, outputTokens: output, costMicros: turn.costMicros }
    yield { type: 'stop', reason: turn.calls?.length ? 'tool_use' : 'end' }
  }
  return { stream, requests }
}

async function workspace(files: Record<string, string>) {
  const fs = createNamespace([{ path: '/workspace', service: createMemoryService() }, { path: '/task', service: createMemoryService() }])
  for (const [path, text] of Object.entries(files)) {
    const parts = path.split('/').slice(0, -1)
    for (let i = 1; i <= parts.length; i++) await fs.mkdir(`/workspace/${parts.slice(0, i).join('/')}`).catch(() => undefined)
    await fs.writeFile(`/workspace/${path}`, new TextEncoder().encode(text))
  }
  return fs
}

async function run(turns: Turn[], options: Partial<AgentRunOptions> & { files?: Record<string, string> } = {}) {
  const fs = await workspace(options.files ?? { 'src/add.js': 'export const add = (a, b) => a - b\n' })
  const model = scripted(turns)
  const events: AgentEvent[] = []
  const stopped = await runAgent({
    runId: 'run-1',
    task: 'Fix add',
    model: 'scripted',
    stream: model.stream,
    tools: [...fileTools(fs), finishTool],
    budget: {},
    signal: new AbortController().signal,
    emit: (e) => events.push(e),
    sleep: async () => undefined,
    ...options,
  })
  const text = async (path: string) => new TextDecoder().decode(await fs.readFile(path))
  return { stopped, events, requests: model.requests, text, fs }
}

const results = (events: AgentEvent[]) => events.flatMap((e) => (e.type === 'tool-finished' ? [e.result] : []))

describe('the agent loop', () => {
  it('reads, edits and finishes: the file changes and the events come in order', async () => {
    const { stopped, events, text, requests } = await run([
      { text: 'Let me look.', calls: [{ name: 'read_file', input: { path: 'src/add.js' } }] },
      { calls: [{ name: 'edit_file', input: { path: 'src/add.js', search: 'a - b', replace: 'a + b' } }] },
      { calls: [{ name: 'finish', input: { summary: 'add adds now' } }] },
    ])
    expect(stopped).toMatchObject({ reason: 'finished', summary: 'add adds now' })
    expect(await text('/workspace/src/add.js')).toBe('export const add = (a, b) => a + b\n')
    expect(events[0]!.type).toBe('run-started')
    expect(events.at(-1)).toBe(stopped)
    expect(events.filter((e) => e.type === 'run-stopped')).toHaveLength(1)
    const toolOrder = events.filter((e) => e.type === 'tool-started' || e.type === 'tool-finished').map((e) => `${e.type}:${'name' in e ? e.name : ''}`)
    expect(toolOrder).toEqual(['tool-started:read_file', 'tool-finished:read_file', 'tool-started:edit_file', 'tool-finished:edit_file', 'tool-started:finish', 'tool-finished:finish'])
    expect(results(events)[0]).toEqual({ ok: true, output: '1| export const add = (a, b) => a - b\n2| ' })
    // The model saw the file it read, as the result of its own call.
    expect(requests[1]!.messages.at(-1)).toMatchObject({ role: 'tool', toolCallId: 'call_0_0', content: expect.stringContaining('a - b') })
    expect(events.filter((e) => e.type === 'text').map((e) => (e as { text: string }).text).join('')).toBe('Let me look.')
  })

  it('gives invalid input, unknown tools and unreadable arguments back to the model as failed results, and goes on', async () => {
    const { stopped, events } = await run([
      { calls: [{ name: 'read_file', input: { file: 'src/add.js' } }, { name: 'rm_rf', input: {} }, { name: 'read_file', input: { $invalidJson: '{"path": src' } }] },
      { calls: [{ name: 'finish', input: { summary: 'done' } }] },
    ])
    const [invalid, unknown, unreadable] = results(events)
    expect(invalid).toEqual({ ok: false, output: 'Invalid input for read_file:\ninput.path is required\ninput.file is not a known field (known: path, start_line, end_line)' })
    expect(unknown!.output).toMatch(/^There is no tool named "rm_rf"\. The tools are: list_files, read_file, search, write_file, edit_file, apply_patch, delete_file, rename_file, finish\.$/)
    expect(unreadable!.output).toContain('not valid JSON')
    expect(stopped.reason).toBe('finished')
  })

  it('refuses writes outside /workspace, and the refusal is what the model reads', async () => {
    const { events, fs } = await run([
      { calls: [{ name: 'write_file', input: { path: '/task/status', content: 'hacked' } }, { name: 'write_file', input: { path: '../../etc/passwd', content: 'x' } }, { name: 'rename_file', input: { from: 'src/add.js', to: '/tmp/add.js' } }] },
      { calls: [{ name: 'finish', input: { summary: 'done' } }] },
    ])
    const [task, climb, moved] = results(events)
    expect(task).toEqual({ ok: false, output: 'Refused: /task/status is outside /workspace. The agent may only change files of the project, under /workspace.' })
    expect(climb!.output).toBe('Refused: /etc/passwd is outside /workspace. The agent may only change files of the project, under /workspace.')
    expect(moved!.ok).toBe(false)
    await expect(fs.readFile('/task/status')).rejects.toThrow(/ENOENT/)
    expect(new TextDecoder().decode(await fs.readFile('/workspace/src/add.js'))).toContain('a - b')
  })

  it('stops on its credits budget before a call that could overspend, and never spends past it', async () => {
    // 1 credit a million input tokens and 4 an output token's million: each call here costs 0.0005 credits.
    const { stopped, requests, events } = await run([{ calls: [{ name: 'list_files', input: {} }], usage: [100, 100], costMicros: 500 }], {
      budget: { maxCreditsMicros: 2000 },
      price: { input: 1, output: 4 },
      maxTokens: 400,
    })
    expect(stopped.reason).toBe('budget')
    expect(stopped.message).toMatch(/^The run's budget of 0\.0020 credits is used up: 0\.\d{4} spent, and the next call could cost up to 0\.\d{4}\.$/)
    expect(stopped.usage.costMicros).toBeLessThanOrEqual(2000)
    expect(requests.length).toBeGreaterThanOrEqual(2)
    // Each call's worst case (its prompt, about 4 characters a token, and its whole output allowance) fitted in what was left.
    requests.forEach((r, i) => {
      const prompt = Math.ceil((JSON.stringify(r.messages).length + JSON.stringify(r.tools).length) / 4)
      expect(prompt * 1 + r.maxTokens! * 4).toBeLessThanOrEqual(2000 - 500 * i)
      expect(r.maxTokens).toBeLessThan(400)
    })
    expect(requests[0]!.meta).toEqual({ project: undefined, runId: 'run-1', runBudgetMicros: 2000 })
    expect(events.filter((e) => e.type === 'budget-warning').map((e) => (e as { message: string }).message)).toEqual(stopped.usage.costMicros >= 1600 ? [expect.stringMatching(/^\d+% of the run's budget of 0\.0020 credits is used\.$/)] : [])
  })

  it('stops when its model calls are used up, before the next call', async () => {
    const { stopped, requests } = await run([{ calls: [{ name: 'list_files', input: {} }] }], { budget: { maxTurns: 2 } })
    expect(stopped).toMatchObject({ reason: 'budget', message: "The run's budget of 2 model calls is used up." })
    expect(requests).toHaveLength(2)
    expect(stopped.usage.turns).toBe(2)
  })

  it('stops at its time limit, even in the middle of a slow call', async () => {
    const { stopped } = await run([{ delayMs: 5_000, calls: [] }], { budget: { maxWallMs: 50 } })
    expect(stopped).toMatchObject({ reason: 'budget', message: "The run's time limit of 0 s is reached." })
    expect(stopped.usage.elapsedMs).toBeLessThan(2_000)
  })

  it('stops as stuck when the same step fails the same way three times', async () => {
    const edit = { name: 'edit_file', input: { path: 'src/add.js', search: 'a * b', replace: 'a + b' } }
    const { stopped, requests } = await run([{ calls: [edit] }])
    expect(stopped.reason).toBe('stuck')
    expect(stopped.message).toBe('Stuck: `edit_file` failed the same way 3 times (The search text does not occur in src/add.js. Read the file again and copy the lines exactly, whitespace included.). Stopped before spending more.')
    expect(requests).toHaveLength(3)
  })

  it('stops at once when the user aborts, mid-call', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 30)
    const { stopped, events } = await run([{ delayMs: 5_000 }], { signal: controller.signal })
    expect(stopped).toMatchObject({ reason: 'user', message: 'Stopped by you.' })
    expect(events.filter((e) => e.type === 'run-stopped')).toHaveLength(1)
  })

  it("stops with the edge's own words when a spending cap or the credits refuse a call", async () => {
    const cap = new ModelError('cap', "Today's spending cap of 5 credits is reached.", 402)
    const { stopped } = await run([{ error: cap }])
    expect(stopped).toMatchObject({ reason: 'budget', message: "Today's spending cap of 5 credits is reached." })
  })

  it('retries a rate-limited call, then goes on', async () => {
    const waits: number[] = []
    const { stopped, requests } = await run(
      [{ error: new ModelError('rate_limit', 'slow down', 429, 7) }, { calls: [{ name: 'finish', input: { summary: 'ok' } }] }],
      { sleep: async (ms) => void waits.push(ms) },
    )
    expect(waits).toEqual([7000])
    expect(requests).toHaveLength(2)
    expect(stopped.reason).toBe('finished')
  })

  it('ends as "no action" when the model keeps answering without tools, after one nudge', async () => {
    const { stopped, requests } = await run([{ text: 'I think it is fine.' }])
    expect(stopped).toMatchObject({ reason: 'no_action', summary: 'I think it is fine.' })
    expect(requests).toHaveLength(2)
    expect(requests[1]!.messages.at(-1)).toMatchObject({ role: 'user', content: expect.stringContaining('finish') })
  })

  it('applies a unified diff whole, or nothing when a hunk does not fit', async () => {
    const good = '--- a/src/add.js\n+++ b/src/add.js\n@@ -1,1 +1,1 @@\n-export const add = (a, b) => a - b\n+export const add = (a, b) => a + b\n--- /dev/null\n+++ b/src/sub.js\n@@ -0,0 +1,1 @@\n+export const sub = (a, b) => a - b\n'
    const bad = '--- a/src/add.js\n+++ b/src/add.js\n@@ -1,1 +1,1 @@\n-export const add = (a, b) => a * b\n+export const add = 0\n'
    const { events, text } = await run([{ calls: [{ name: 'apply_patch', input: { patch: bad } }, { name: 'apply_patch', input: { patch: good } }] }, { calls: [{ name: 'finish', input: { summary: 'ok' } }] }])
    const [refused, applied] = results(events)
    expect(refused).toEqual({ ok: false, output: 'The patch does not apply to src/add.js: its context lines differ from the file. Read the file again and make the patch from what it holds now.' })
    expect(applied).toEqual({ ok: true, output: 'Patched src/add.js, src/sub.js' })
    expect(await text('/workspace/src/add.js')).toBe('export const add = (a, b) => a + b\n')
    expect(await text('/workspace/src/sub.js')).toBe('export const sub = (a, b) => a - b\n')
  })

  it('searches and lists the workspace, skipping node_modules', async () => {
    const { events } = await run(
      [{ calls: [{ name: 'search', input: { pattern: 'add\\b', regex: true } }, { name: 'list_files', input: {} }, { name: 'read_file', input: { path: 'src/add.js', start_line: 9 } }] }, { calls: [{ name: 'finish', input: { summary: 'ok' } }] }],
      { files: { 'src/add.js': 'export const add = 1\n', 'node_modules/x/add.js': 'add\n', 'README.md': 'no\n' } },
    )
    const [search, list, pastEnd] = results(events)
    expect(search).toEqual({ ok: true, output: 'src/add.js:1: export const add = 1' })
    expect(list).toEqual({ ok: true, output: 'README.md\nsrc/\nsrc/add.js' })
    expect(pastEnd).toEqual({ ok: false, output: 'src/add.js has 2 lines; start_line 9 is past the end' })
  })
})
