/**
 * Reading a workflow file: YAML (or JSON) with positions, validation against the schema, the
 * checks a schema cannot express, and normalisation to `Workflow`. Every problem found is
 * reported with its line and column; nothing here throws for bad input.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml'
import type { z } from 'zod'
import { outputFolderProblem } from '../deploy/output'
import { cronProblem } from './cron'
import { ExpressionError, parseExpression, parseTemplate, referencedStepIds, unwrapExpression, type ExpressionNode } from './expressions'
import { fieldsAt, STEP_KINDS, TRIGGER_KEYS, workflowFileSchema, type WorkflowFile, type WorkflowFileStep } from './schema'
import type { ParseResult, Workflow, WorkflowInput, WorkflowProblem, WorkflowStep, WorkflowTriggers } from './types'

type Path = (string | number)[]

/** `steps[1].agent.instructions` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else if (/^[A-Za-z_$][\w$-]*$/.test(String(segment))) out += out ? `.${String(segment)}` : String(segment)
    else out += `[${JSON.stringify(String(segment))}]`
  }
  return out
}

/** One line for logs and errors: `.coder/workflows/fix.yml:7:5: steps[0]: a step needs exactly one of …`. */
export function formatProblem(problem: WorkflowProblem): string {
  return `${problem.file}:${problem.line}:${problem.column}: ${problem.path ? `${problem.path}: ` : ''}${problem.message}`
}

// ---- Positions ---------------------------------------------------------------------------------

class Locator {
  #doc: Document
  #lines: LineCounter
  #file: string
  constructor(doc: Document, lines: LineCounter, file: string) {
    this.#doc = doc
    this.#lines = lines
    this.#file = file
  }

  /** A problem at byte range `[start, end)` of the text. */
  at(start: number, end: number | undefined, message: string, path?: Path): WorkflowProblem {
    const from = this.#lines.linePos(start)
    const problem: WorkflowProblem = { file: this.#file, line: from.line, column: from.col, message }
    if (end !== undefined && end > start) {
      const to = this.#lines.linePos(end)
      problem.endLine = to.line
      problem.endColumn = to.col
    }
    if (path && path.length) problem.path = formatPath(path)
    return problem
  }

  /**
   * A problem about the value at `path`, located there (at its key with `key`, or at the value at
   * `near`), or, when it is missing, at the nearest thing that holds it.
   */
  problem(path: Path, message: string, options: { key?: boolean; near?: Path } = {}): WorkflowProblem {
    const { node, key } = this.#find(options.near ?? path)
    const target = options.key && key ? key : node
    const range = target?.range
    if (!range) return { file: this.#file, line: 1, column: 1, message, ...(path.length ? { path: formatPath(path) } : {}) }
    return this.at(range[0], range[1], message, path)
  }

  /** The node at `path` (or the deepest existing one on the way) and, for a map value, its key. */
  #find(path: Path): { node: YamlNode | null; key: YamlNode | null } {
    let node = this.#resolve(this.#doc.contents as YamlNode | null)
    let key: YamlNode | null = null
    for (const segment of path) {
      if (!node) break
      let next: YamlNode | null = null
      let nextKey: YamlNode | null = null
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment))
        if (pair) {
          nextKey = pair.key as YamlNode
          next = (pair.value as YamlNode | null) ?? nextKey
        }
      } else if (isSeq(node) && typeof segment === 'number') {
        next = (node.items[segment] as YamlNode | undefined) ?? null
      }
      if (!next) return { node, key: null }
      node = this.#resolve(next) ?? next
      key = nextKey
    }
    return { node, key }
  }

  #resolve(node: YamlNode | null): YamlNode | null {
    if (node && isAlias(node)) return (node.resolve(this.#doc) as YamlNode | undefined) ?? node
    return node
  }
}

// ---- Schema issues as problems -----------------------------------------------------------------

/** Edit distance counting a swap of two neighbours as one edit (`stpes` is one from `steps`). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  return d[a.length][b.length]
}

function suggest(name: string, known: string[]): string | undefined {
  const normal = (s: string) => s.toLowerCase().replace(/[-_]/g, '')
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of known) {
    const distance = normal(candidate) === normal(name) ? 0 : editDistance(name.toLowerCase(), candidate.toLowerCase())
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance]
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined
}

const listing = (names: readonly string[], last = 'or') =>
  names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} ${last} ${names[names.length - 1]}`

function describeType(value: unknown): string {
  if (value === null || value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'string') return value.length <= 40 && !value.includes('\n') ? `\`${value}\`` : 'a string'
  return `${typeof value} ${JSON.stringify(value)}`
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'an object',
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data
  for (const segment of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return undefined
    value = (value as Record<PropertyKey, unknown>)[segment]
  }
  return value
}

function hasPath(data: unknown, path: readonly PropertyKey[]): boolean {
  if (path.length === 0) return true
  const parent = valueAt(data, path.slice(0, -1))
  return parent !== null && typeof parent === 'object' && Object.hasOwn(parent, path[path.length - 1])
}

/** What a union accepts, for "expected …" when a value matches none of its branches. */
function unionExpectation(branches: z.core.$ZodIssue[][]): string {
  const accepted: string[] = []
  for (const issues of branches) {
    const issue = issues.find((i) => i.path.length === 0)
    if (!issue) continue
    if (issue.code === 'invalid_type' && issue.expected !== 'null') accepted.push(EXPECTED[issue.expected] ?? issue.expected)
    if (issue.code === 'invalid_value') accepted.push(...issue.values.map((v) => JSON.stringify(v)))
  }
  return listing([...new Set(accepted)])
}

function issueProblems(issue: z.core.$ZodIssue, base: Path, data: unknown, locate: Locator): WorkflowProblem[] {
  const path = [...base, ...(issue.path as Path)]
  const value = valueAt(data, path)
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = fieldsAt(path)
      return issue.keys.map((key) => {
        const guess = suggest(key, known)
        const message = `unknown field \`${key}\`${guess ? ` — did you mean \`${guess}\`?` : known.length ? ` (known: ${known.join(', ')})` : ''}`
        return locate.problem([...path, key], message, { key: true })
      })
    }
    case 'invalid_union': {
      // A union of a shorthand and an object: when the value is the object, its branch's issues say what is wrong.
      const relevant = issue.errors.filter((issues) => !issues.some((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value')))
      if (relevant.length === 1) return relevant[0].flatMap((inner) => issueProblems(inner, path, data, locate))
      return [locate.problem(path, `expected ${unionExpectation(issue.errors)}, got ${describeType(value)}`)]
    }
    case 'invalid_type': {
      if (!hasPath(data, path)) return [locate.problem(path, `missing required field \`${String(path[path.length - 1])}\``, { near: path.slice(0, -1) })]
      return [locate.problem(path, `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeType(value)}`)]
    }
    case 'invalid_value':
      // A sentence the schema wrote itself (zod's own start with "Invalid") says more than "expected true".
      if (!issue.message.startsWith('Invalid')) return [locate.problem(path, issue.message, hasPath(data, path) ? {} : { near: path.slice(0, -1) })]
      if (!hasPath(data, path)) return [locate.problem(path, `missing required field \`${String(path[path.length - 1])}\``, { near: path.slice(0, -1) })]
      return [locate.problem(path, `expected ${listing(issue.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))))}, got ${describeType(value)}`)]
    case 'invalid_key':
      return [locate.problem(path, issue.issues[0]?.message ?? 'invalid name', { key: true })]
    default:
      return [locate.problem(path, issue.message)]
  }
}

// ---- Checks the schema cannot express ----------------------------------------------------------

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value)

/** Visits every string in `value`, each object once (a YAML alias may make the data cyclic). */
function walkStrings(value: unknown, path: Path, visit: (text: string, path: Path) => void, seen = new Set<object>()): void {
  if (typeof value === 'string') return visit(value, path)
  if (value === null || typeof value !== 'object' || seen.has(value)) return
  seen.add(value)
  if (Array.isArray(value)) value.forEach((item, i) => walkStrings(item, [...path, i], visit, seen))
  else for (const [key, item] of Object.entries(value)) walkStrings(item, [...path, key], visit, seen)
}

function semanticProblems(data: Record<string, unknown>, locate: Locator): WorkflowProblem[] {
  const problems: WorkflowProblem[] = []
  const on = data.on
  if (isObject(on) && !TRIGGER_KEYS.some((key) => on[key] !== undefined && on[key] !== false))
    problems.push(locate.problem(['on'], `a workflow needs at least one trigger: ${listing(TRIGGER_KEYS)}`))
  if (isObject(on) && Array.isArray(on.schedule))
    on.schedule.forEach((entry, i) => {
      if (isObject(entry) && typeof entry.cron === 'string') {
        const problem = cronProblem(entry.cron)
        if (problem) problems.push(locate.problem(['on', 'schedule', i, 'cron'], problem))
      }
    })
  const manual = isObject(on) ? on.manual : undefined
  if (isObject(manual) && isObject(manual.inputs))
    for (const [name, input] of Object.entries(manual.inputs)) {
      if (!isObject(input)) continue
      const path = ['on', 'manual', 'inputs', name]
      const type = input.type ?? 'string'
      const options = Array.isArray(input.options) ? input.options : undefined
      if (type === 'choice' && !options) problems.push(locate.problem(path, 'a `choice` input needs `options`'))
      if (type !== 'choice' && options) problems.push(locate.problem([...path, 'options'], 'only a `choice` input has `options`', { key: true }))
      if (input.default === undefined) continue
      const fits =
        type === 'choice' ? !options || options.includes(input.default) : type === 'string' ? typeof input.default === 'string' : typeof input.default === type
      if (!fits)
        problems.push(
          locate.problem(
            [...path, 'default'],
            type === 'choice' ? `the default must be one of the options (${options?.join(', ')})` : `the default of a ${type} input must be a ${type}`,
          ),
        )
    }

  const steps = Array.isArray(data.steps) ? data.steps : []
  const ids = new Map<string, number>()
  steps.forEach((step, index) => {
    if (!isObject(step)) return
    const kinds = STEP_KINDS.filter((kind) => Object.hasOwn(step, kind))
    if (kinds.length !== 1)
      problems.push(
        locate.problem(['steps', index], `a step needs exactly one of ${STEP_KINDS.join(', ')}${kinds.length ? ` (this one has ${listing(kinds, 'and')})` : ''}`),
      )
    const deploy = step.deploy
    if (isObject(deploy) && typeof deploy.output === 'string') {
      const problem = outputFolderProblem(deploy.output)
      if (problem) problems.push(locate.problem(['steps', index, 'deploy', 'output'], problem))
    }
    if (typeof step.id === 'string') {
      if (ids.has(step.id)) problems.push(locate.problem(['steps', index, 'id'], `duplicate step id \`${step.id}\` (also steps[${ids.get(step.id)}])`))
      else ids.set(step.id, index)
    }
  })
  const stepIds = new Set(steps.map((step, index) => (isObject(step) && typeof step.id === 'string' ? step.id : `step-${index + 1}`)))

  // Expressions: an `if` is one; any other string may hold `${{ … }}` parts.
  const checkReferences = (nodes: ExpressionNode[], path: Path) => {
    for (const id of nodes.flatMap(referencedStepIds))
      if (!stepIds.has(id)) problems.push(locate.problem(path, `no step has the id \`${id}\` (steps.${id})`))
  }
  walkStrings(data, [], (text, path) => {
    const isIf = path.length === 3 && path[0] === 'steps' && path[2] === 'if'
    try {
      if (isIf) checkReferences([parseExpression(text)], path)
      else if (text.includes('${{')) checkReferences(parseTemplate(text), path)
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error
      problems.push(locate.problem(path, isIf ? `bad expression \`${unwrapExpression(text).trim()}\`: ${error.message}` : error.message))
    }
  })

  const policies = data.policies
  if (isObject(policies) && Array.isArray(policies.required_checks))
    policies.required_checks.forEach((id, i) => {
      if (typeof id === 'string' && !stepIds.has(id))
        problems.push(locate.problem(['policies', 'required_checks', i], `no step has the id \`${id}\``))
    })
  return problems
}

// ---- Normalising -------------------------------------------------------------------------------

function firstLine(text: string, max = 60): string {
  const line = text.trim().split('\n')[0].trim()
  return line.length > max ? `${line.slice(0, max - 1)}…` : line
}

function normaliseTriggers(on: WorkflowFile['on']): WorkflowTriggers {
  const triggers: WorkflowTriggers = {}
  if (on.issues !== undefined) {
    const issues = on.issues === null || on.issues === true ? {} : on.issues
    triggers.issues = { types: issues.types ?? (issues.labels ? ['labeled'] : ['opened']) }
    if (issues.labels) triggers.issues.labels = issues.labels
  }
  if (on.pull_request !== undefined) {
    const pr = on.pull_request === null || on.pull_request === true ? {} : on.pull_request
    triggers.pullRequest = { types: pr.types ?? ['opened', 'synchronize', 'reopened'] }
    if (pr.branches) triggers.pullRequest.branches = pr.branches
  }
  if (on.schedule) triggers.schedule = on.schedule.map(({ cron }) => ({ cron: cron.trim().split(/\s+/).join(' ') }))
  if (on.webhook !== undefined) triggers.webhook = { name: typeof on.webhook === 'string' ? on.webhook : on.webhook.name }
  if (on.manual !== undefined && on.manual !== false) {
    const inputs: Record<string, WorkflowInput> = {}
    const declared = on.manual === true || on.manual === null ? {} : (on.manual.inputs ?? {})
    for (const [name, input] of Object.entries(declared)) {
      const normal: WorkflowInput = { type: input.type ?? 'string', required: input.required ?? false }
      if (input.description !== undefined) normal.description = input.description
      if (input.default !== undefined) normal.default = input.default
      if (input.options) normal.options = input.options
      inputs[name] = normal
    }
    triggers.manual = { inputs }
  }
  return triggers
}

function normaliseStep(step: WorkflowFileStep, index: number, workflowName: string, id: string): WorkflowStep {
  const common = {
    id,
    continueOnError: step['continue-on-error'] ?? false,
    ...(step.if !== undefined ? { if: typeof step.if === 'boolean' ? String(step.if) : unwrapExpression(step.if).trim() } : {}),
  }
  const named = <T extends { name: string }>(body: T): T => (step.name ? { ...body, name: step.name } : body)
  if (step.agent !== undefined) {
    const agent = typeof step.agent === 'string' ? { instructions: step.agent } : step.agent
    return named({
      ...common,
      kind: 'agent',
      name: agent.role ? `Run the ${agent.role} agent` : 'Run an agent',
      instructions: agent.instructions,
      ...(agent.role ? { role: agent.role } : {}),
      ...(agent.model ? { model: agent.model } : {}),
    })
  }
  if (step.run !== undefined) return named({ ...common, kind: 'run', name: `Run ${firstLine(step.run)}`, command: step.run })
  if (step.test !== undefined) return named({ ...common, kind: 'test', name: 'Run the tests' })
  if (step.pull_request !== undefined) {
    const pr = step.pull_request === true || step.pull_request === null ? {} : step.pull_request
    return named({
      ...common,
      kind: 'pull_request',
      name: 'Open a pull request',
      title: pr.title ?? workflowName,
      ...(pr.body !== undefined ? { body: pr.body } : {}),
      draft: pr.draft ?? false,
      labels: pr.labels ?? [],
    })
  }
  if (step.comment !== undefined) {
    const comment = typeof step.comment === 'string' ? { body: step.comment } : step.comment
    return named({
      ...common,
      kind: 'comment',
      name: 'Post a comment',
      body: comment.body,
      ...(comment.issue !== undefined ? { issue: String(comment.issue) } : {}),
    })
  }
  if (step.deploy !== undefined) {
    const { build, output, spa, visibility } = step.deploy
    return named({
      ...common,
      kind: 'deploy',
      name: build ? 'Build and deploy a preview' : 'Deploy a preview',
      preview: true,
      ...(build !== undefined ? { build } : {}),
      output: output ?? 'dist',
      spa: spa ?? false,
      visibility: visibility ?? 'public',
    })
  }
  const approval = step.approval
  const message = typeof approval === 'string' ? approval : approval && approval !== true ? approval.message : undefined
  return named({ ...common, kind: 'approval', name: 'Wait for approval', ...(message ? { message } : {}) })
}

function normalise(file: WorkflowFile): Workflow {
  const taken = new Set(file.steps.flatMap((step) => (step.id ? [step.id] : [])))
  const steps = file.steps.map((step, index) => {
    let id = step.id ?? `step-${index + 1}`
    // A default id never collides with one given in the file.
    for (let n = 2; !step.id && taken.has(id); n++) id = `step-${index + 1}-${n}`
    taken.add(id)
    return normaliseStep(step, index, file.name, id)
  })
  const budget: Workflow['budget'] = {}
  if (file.budget?.max_credits !== undefined) budget.maxCredits = file.budget.max_credits
  if (file.budget?.max_credits_per_day !== undefined) budget.maxCreditsPerDay = file.budget.max_credits_per_day
  if (file.budget?.max_turns !== undefined) budget.maxTurns = file.budget.max_turns
  if (file.budget?.timeout_minutes !== undefined) budget.timeoutMinutes = file.budget.timeout_minutes
  const policies: Workflow['policies'] = {
    requiredChecks: file.policies?.required_checks ?? [],
    approvalBeforePush: file.policies?.approval_before_push ?? false,
    approvers: file.policies?.approvers ?? 'any',
    secrets: file.policies?.secrets ?? [],
  }
  if (file.policies?.write_paths) policies.writePaths = file.policies.write_paths
  return {
    name: file.name,
    on: normaliseTriggers(file.on),
    ...(file.model ? { model: file.model } : {}),
    budget,
    policies,
    steps,
  }
}

// ---- The entry point ---------------------------------------------------------------------------

/**
 * Parses a workflow file (JSON when `file` ends in `.json`, else YAML) into a normalised
 * Workflow, or every problem found, each with a 1-based line and column. Never throws.
 */
export function parseWorkflow(text: string, file: string): ParseResult {
  try {
    return parse(text, file)
  } catch (error) {
    // The promise is "never throws": a bug here must still come back as a problem, not break a caller's list of workflows.
    const message = error instanceof Error ? error.message : String(error)
    return { ok: false, problems: [{ file, line: 1, column: 1, message: `could not read the workflow: ${message}` }] }
  }
}

function parse(text: string, file: string): ParseResult {
  const lines = new LineCounter()
  const isJson = file.toLowerCase().endsWith('.json')
  // JSON is YAML 1.2 (flow style), so one parser gives both formats their positions.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: true })
  const locate = new Locator(doc, lines, file)
  const problems: WorkflowProblem[] = []
  // YAML accepts more than JSON (comments, trailing commas, bare words): a .json file must be JSON.
  const notJson = isJson ? jsonSyntaxError(text) : null
  if (notJson) return { ok: false, problems: [locate.at(notJson.offset, undefined, `invalid JSON: ${notJson.message}`)] }
  for (const error of doc.errors) {
    const message = error.message.replace(/\s+at line \d+, column \d+[\s\S]*$/, '')
    problems.push(locate.at(error.pos[0], error.pos[1], isJson ? `invalid JSON: ${message}` : `invalid YAML: ${message}`))
  }
  if (problems.length) return { ok: false, problems: sortProblems(problems) }

  let data: unknown
  try {
    data = doc.toJS({ maxAliasCount: 100 })
  } catch (error) {
    return { ok: false, problems: [locate.at(0, undefined, `invalid ${isJson ? 'JSON' : 'YAML'}: ${error instanceof Error ? error.message : String(error)}`)] }
  }
  if (data === null || data === undefined)
    return { ok: false, problems: [locate.at(0, undefined, 'the file is empty: a workflow needs `name`, `on` and `steps`')] }
  if (!isObject(data)) return { ok: false, problems: [locate.problem([], `expected an object with \`name\`, \`on\` and \`steps\`, got ${describeType(data)}`)] }

  const result = workflowFileSchema.safeParse(data)
  if (!result.success) for (const issue of result.error.issues) problems.push(...issueProblems(issue, [], data, locate))
  problems.push(...semanticProblems(data, locate))
  if (problems.length || !result.success) return { ok: false, problems: sortProblems(problems) }
  return { ok: true, workflow: normalise(result.data) }
}

/**
 * The first place where `text` is not JSON, or null. YAML reads JSON with positions but also
 * accepts comments, trailing commas and bare words; engines' JSON.parse messages rarely say where.
 */
export function jsonSyntaxError(text: string): { offset: number; message: string } | null {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  const fail = (message: string): never => {
    throw { offset: i, message }
  }
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++
  }
  const describe = () => (i >= text.length ? 'end of file' : `\`${text[i]}\``)
  const value = (): void => {
    space()
    const ch = text[i]
    if (ch === '{') {
      i++
      space()
      if (text[i] === '}') return void i++
      for (;;) {
        space()
        if (text[i] !== '"') fail(`expected a "quoted" key, found ${describe()}`)
        string()
        space()
        if (text[i] !== ':') fail(`expected \`:\`, found ${describe()}`)
        i++
        value()
        space()
        if (text[i] === '}') return void i++
        if (text[i] !== ',') fail(`expected \`,\` or \`}\`, found ${describe()}`)
        const comma = i++
        space()
        if (text[i] === '}') {
          i = comma
          fail('a trailing comma is not allowed in JSON')
        }
      }
    }
    if (ch === '[') {
      i++
      space()
      if (text[i] === ']') return void i++
      for (;;) {
        value()
        space()
        if (text[i] === ']') return void i++
        if (text[i] !== ',') fail(`expected \`,\` or \`]\`, found ${describe()}`)
        const comma = i++
        space()
        if (text[i] === ']') {
          i = comma
          fail('a trailing comma is not allowed in JSON')
        }
      }
    }
    if (ch === '"') return string()
    const literal = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i))
    if (!literal) fail(`expected a value, found ${describe()}`)
    i += literal![0].length
  }
  const string = () => {
    i++
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++
      else if (text[i] === '\n') fail('a string cannot span lines')
      i++
    }
    if (i >= text.length) fail('unterminated string')
    i++
  }
  try {
    value()
    space()
    if (i < text.length) fail(`unexpected ${describe()} after the end of the document`)
    return null
  } catch (error) {
    return error as { offset: number; message: string }
  }
}

function sortProblems(problems: WorkflowProblem[]): WorkflowProblem[] {
  const seen = new Set<string>()
  return problems
    .filter((p) => {
      const key = `${p.line}:${p.column}:${p.path}:${p.message}`
      return seen.has(key) ? false : (seen.add(key), true)
    })
    .sort((a, b) => a.line - b.line || a.column - b.column)
}
