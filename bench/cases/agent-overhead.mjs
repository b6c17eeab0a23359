/**
 * @module agent-overhead: the platform's time per tool step of a scripted MechaCoder run (issue 8's
 * target: ≤ 20 ms median per step), in Chromium, from a production build.
 *
 * The run is a user's: a 20-file project imported into IndexedDB as "Open folder" does (files, a
 * repository, one commit); the agent composed as its worker composes it (the project opened through
 * the workspace worker, the agent's copy-on-write overlay over it, its runtime, `runTask` with every
 * real tool), but on the bench page's thread so the provider's stream can be timed; the model is
 * the model stand-in through the local provider, answering at once. It makes 20 tool calls, one a
 * turn (list_files 2, read_file 6, search 3, edit_file 3, write_file 2, git_status 2, git_diff 2),
 * then `finish`. A step is timed from the end of the model's stream to the next request going out
 * (the tool, the events, the next prompt); the value is the median of the 20. Time inside the
 * stream (HTTP, the stand-in, SSE decoding) is model time. `finish` runs the golden rule — the
 * project's tests in the tab's runtime, then a commit on `coder/…` — which times the runtime, not
 * the loop: it is printed apart, as are the set-up before the first call and the run's total. So
 * is, as a check that the page's thread stands for the worker, the same run in the agent's own Web
 * Worker started as the Agent panel starts it, its steps read off the run's events (whole ms).
 *
 * Anchor: the same 20 operations done straight on the project's files through the workspace worker,
 * as the IDE does them (listFiles, readFile, search, read + writeFile, status, diff), median per
 * operation, on a second copy of the project in the same page. That is the storage and git work any
 * client pays for those operations, so the ratio says what the agent adds on top: its overlay (the
 * agent reads the project file by file through the workspace worker), the loop, the events and the
 * next prompt. The stand-in's round trip was not chosen: it is model time, which the value leaves out.
 */
import { median } from '../lib.mjs'

const TASK = 'agent-overhead: tidy the calculator (a scripted benchmark run)'
const MODEL = 'standin-gpt'

const lines = (n, make) => Array.from({ length: n }, (_, i) => make(i)).join('\n')

/** A small calculator package: 20 files of 0.2–2 KB, node:test tests that pass. */
function fixture() {
  const ops = { add: '+', sub: '-', mul: '*', div: '/' }
  const files = [
    { path: 'package.json', text: JSON.stringify({ name: 'calc', version: '1.2.0', main: 'src/index.js', scripts: { test: 'node --test' } }, null, 2) + '\n' },
    { path: 'README.md', text: `# calc\n\nA small calculator library.\n\n## Usage\n\n\`\`\`js\nconst { add } = require('calc')\nadd(2, 3) // 5\n\`\`\`\n\n${lines(12, (i) => `- note ${i}: every function takes numbers and returns a number.`)}\n` },
    { path: 'AGENTS.md', text: 'Run the tests with npm test. Keep functions small and documented.\n' },
    { path: '.gitignore', text: 'node_modules/\ncoverage/\n' },
    { path: 'docs/usage.md', text: `# Usage\n\n${lines(30, (i) => `Step ${i}: call a function of calc with two numbers and read the result.`)}\n` },
    { path: 'docs/changelog.md', text: `# Changelog\n\n${lines(20, (i) => `## 1.${i}.0\n\n- small fixes in release ${i}`)}\n` },
  ]
  for (const [name, op] of Object.entries(ops)) {
    files.push({
      path: `src/${name}.js`,
      text: `'use strict'\n\n/** ${name}(a, b): a ${op} b. */\nfunction ${name}(a, b) {\n  // TODO: check the arguments\n  return a ${op} b\n}\n\n${lines(12, (i) => `// ${name} keeps to plain numbers (${i})`)}\nmodule.exports = { ${name} }\n`,
    })
  }
  files.push({ path: 'src/index.js', text: `'use strict'\n\nmodule.exports = {\n${Object.keys(ops).map((n) => `  ...require('./${n}.js'),`).join('\n')}\n  ...require('./util/format.js'),\n}\n` })
  files.push({
    path: 'src/util/format.js',
    text: `'use strict'\n\n/** Formats a number with a fixed number of digits. */\nfunction format(x, digits = 2) {\n  return x.toFixed(digits)\n}\n\n${lines(30, (i) => `// format rule ${i}: digits are counted after the point`)}\nmodule.exports = { format }\n`,
  })
  files.push({ path: 'src/util/parse.js', text: `'use strict'\n\n/** Reads a number from text. */\nfunction parse(text) {\n  return Number(String(text).trim())\n}\n\nmodule.exports = { parse }\n` })
  files.push({ path: 'src/util/round.js', text: `'use strict'\n\n/** Rounds to a number of digits. */\nfunction round(x, digits = 0) {\n  const f = 10 ** digits\n  return Math.round(x * f) / f\n}\n\nmodule.exports = { round }\n` })
  const test = (file, body) => ({ path: `test/${file}`, text: `'use strict'\nconst test = require('node:test')\nconst assert = require('node:assert')\n${body}\n` })
  files.push(test('add.test.js', "const { add } = require('../src/add.js')\n\ntest('adds', () => assert.strictEqual(add(2, 3), 5))"))
  files.push(test('sub.test.js', "const { sub } = require('../src/sub.js')\n\ntest('subtracts', () => assert.strictEqual(sub(5, 3), 2))"))
  files.push(test('div.test.js', "const { div } = require('../src/div.js')\n\ntest('divides', () => assert.strictEqual(div(6, 3), 2))"))
  files.push(test('format.test.js', "const { format } = require('../src/util/format.js')\n\ntest('formats', () => assert.strictEqual(format(1.5), '1.50'))"))
  files.push(test('parse.test.js', "const { parse } = require('../src/util/parse.js')\n\ntest('parses', () => assert.strictEqual(parse(' 42 '), 42))"))
  files.push(test('round.test.js', "const { round } = require('../src/util/round.js')\n\ntest('rounds', () => assert.strictEqual(round(1.256, 2), 1.26))"))
  return files
}

/** The 20 tool calls, one a turn, then `finish`. Each must succeed, and the tests must pass after them. */
const STEPS = [
  { name: 'list_files', arguments: {} },
  { name: 'read_file', arguments: { path: 'README.md' } },
  { name: 'search', arguments: { pattern: 'module.exports' } },
  { name: 'read_file', arguments: { path: 'src/add.js' } },
  { name: 'edit_file', arguments: { path: 'src/add.js', search: '  // TODO: check the arguments\n', replace: '  // Both arguments are numbers.\n' } },
  { name: 'git_status', arguments: {} },
  { name: 'read_file', arguments: { path: 'test/add.test.js' } },
  { name: 'write_file', arguments: { path: 'test/mul.test.js', content: "'use strict'\nconst test = require('node:test')\nconst assert = require('node:assert')\nconst { mul } = require('../src/mul.js')\n\ntest('multiplies', () => assert.strictEqual(mul(2, 3), 6))\n" } },
  { name: 'search', arguments: { pattern: 'function \\w+\\(', regex: true } },
  { name: 'list_files', arguments: { path: 'src' } },
  { name: 'read_file', arguments: { path: 'src/util/format.js', start_line: 1, end_line: 20 } },
  { name: 'edit_file', arguments: { path: 'src/util/format.js', search: '/** Formats a number with a fixed number of digits. */', replace: '/** Formats a number with `digits` digits after the point. */' } },
  { name: 'git_diff', arguments: {} },
  { name: 'write_file', arguments: { path: 'src/pow.js', content: "'use strict'\n\n/** pow(a, b): a to the power b. */\nfunction pow(a, b) {\n  return a ** b\n}\n\nmodule.exports = { pow }\n" } },
  { name: 'search', arguments: { pattern: 'TODO' } },
  { name: 'read_file', arguments: { path: 'package.json' } },
  { name: 'edit_file', arguments: { path: 'README.md', search: 'A small calculator library.', replace: 'A small calculator library: add, sub, mul, div and pow.' } },
  { name: 'git_status', arguments: {} },
  { name: 'read_file', arguments: { path: 'src/pow.js' } },
  { name: 'git_diff', arguments: { paths: ['src/add.js'] } },
]

/** The stand-in's script: turn k calls STEPS[k] (with a line of text on every other turn), the last turn `finish`. */
function scripts() {
  const match = (turn) => ({ contains: 'agent-overhead', tools: true, turn })
  return [
    ...STEPS.map((step, turn) => ({
      name: `agent-overhead ${turn}`,
      match: match(turn),
      reply: { ...(turn % 2 ? {} : { text: `Step ${turn + 1}: ${step.name}.` }), toolCalls: [step], usage: { input: 2000 + 300 * turn, output: 40 } },
    })),
    { name: 'agent-overhead finish', match: match(STEPS.length), reply: { toolCalls: [{ name: 'finish', arguments: { summary: 'Tidied the calculator: comments, a pow function and a mul test.' } }], usage: { input: 8000, output: 30 } } },
  ]
}

let standIn

const fmt = (ms) => (ms >= 100 ? Math.round(ms).toString() : ms.toFixed(1))

/** Per tool name, the median of `pick(step)` over the steps. */
function byTool(steps, pick) {
  const groups = new Map()
  for (const s of steps) groups.set(s.name, [...(groups.get(s.name) ?? []), pick(s)])
  return [...groups].map(([name, xs]) => `${name} ${fmt(median(xs))}`).join(', ')
}

export default {
  name: 'agent-overhead',
  unit: 'ms',
  anchor: 'the same 20 operations straight on the workspace worker (median per operation)',
  timeoutMs: 10 * 60_000,
  async warmup(ctx) {
    const { startModelStandIn } = await ctx.importTs('standins/models/index.ts')
    standIn = await startModelStandIn({ scripts: scripts(), open: true })
    // Builds the page once, outside the runs.
    await ctx.builtBenchUrl()
  },
  async runOnce(ctx, { subjectFirst }) {
    const files = fixture()
    const { page, close } = await ctx.openBench({ timeoutMs: 120_000, built: true })
    let agent
    let direct
    let worker
    try {
      await page.evaluate(() => window.coderBench.reset())
      const [agentProject, directProject, workerProject] = await page.evaluate((f) => window.coderBench.agentProjects(f, 3), files)
      const runAgent = async () => (agent = await page.evaluate(([id, url, task, model]) => window.coderBench.agentRun(id, url, task, model), [agentProject, standIn.openaiBaseUrl, TASK, MODEL]))
      const runDirect = async () => (direct = await page.evaluate(([id, steps]) => window.coderBench.agentDirect(id, steps), [directProject, STEPS]))
      if (subjectFirst) {
        await runAgent()
        await runDirect()
      } else {
        await runDirect()
        await runAgent()
      }
      // The cross-check in the agent's own worker comes last, so it does not warm the run above.
      worker = await page.evaluate(([id, url, task, model]) => window.coderBench.agentWorkerRun(id, url, task, model), [workerProject, standIn.openaiBaseUrl, TASK, MODEL])
    } finally {
      await close()
    }
    const { stopped, commit } = agent.result
    if (stopped.reason !== 'finished' || !commit) throw new Error(`the run ended ${stopped.reason} (${stopped.message}) ${commit ? '' : 'without a commit'}`)
    if (agent.steps.length !== STEPS.length || agent.calls !== STEPS.length + 1) throw new Error(`expected ${STEPS.length} steps and ${STEPS.length + 1} model calls, got ${agent.steps.length} and ${agent.calls}`)
    const failed = [...agent.steps, ...worker.steps].filter((s) => !s.ok)
    if (failed.length) throw new Error(`tool calls failed: ${failed.map((s) => s.name).join(', ')}`)
    if (worker.reason !== 'finished' || !worker.committed || worker.steps.length !== STEPS.length) throw new Error(`the agent worker's run ended ${worker.reason} after ${worker.steps.length} steps${worker.committed ? '' : ', without a commit'}`)
    const steps = agent.steps.map((s) => s.ms)
    const stepsTotal = steps.reduce((a, b) => a + b, 0)
    const platform = agent.wallMs - agent.modelWaitMs - agent.modelsListMs
    console.error(
      `  agent-overhead: per step median ${fmt(median(steps))} ms, mean ${fmt(stepsTotal / steps.length)}, max ${fmt(Math.max(...steps))} (target ≤ 20 ms);` +
        ` 20 steps ${fmt(stepsTotal)} ms; direct ops ${fmt(direct.reduce((a, b) => a + b, 0))} ms.\n` +
        `    run ${fmt(agent.wallMs)} ms = model ${fmt(agent.modelWaitMs)} (+ model list ${fmt(agent.modelsListMs)}) + platform ${fmt(platform)}:` +
        ` set-up ${fmt(agent.setupMs)}, 20 steps ${fmt(stepsTotal)}, during streams ${fmt(agent.inStreamMs)}, finish (tests in the runtime + commit) ${fmt(agent.finishMs)}.\n` +
        `    step split (median): before the tool ${fmt(median(agent.steps.map((s) => s.pre)))}, tool ${fmt(median(agent.steps.map((s) => s.tool)))}, after it ${fmt(median(agent.steps.map((s) => s.post)))}.\n` +
        `    per tool, agent step: ${byTool(agent.steps, (s) => s.ms)}\n` +
        `    per tool, calls from the overlay to the workspace worker: ${byTool(agent.steps, (s) => s.lowerCalls)}\n` +
        `    per tool, direct op:  ${byTool(STEPS.map((s, i) => ({ name: s.name, ms: direct[i] })), (s) => s.ms)}\n` +
        `    the same run in the agent's worker (steps from its events, whole ms): median ${fmt(median(worker.steps.map((s) => s.ms)))} ms, 20 steps ${fmt(worker.steps.reduce((a, s) => a + s.ms, 0))} ms, run ${fmt(worker.wallMs)} ms`,
    )
    return { value: median(steps), anchor: median(direct) }
  },
  async teardown() {
    await standIn?.close()
    standIn = undefined
  },
}
