/**
 * `${{ … }}` expressions: a small hand-written tokenizer, parser and evaluator. Nothing here
 * reaches `eval`, `Function` or a prototype: expressions read only own properties of plain
 * objects and arrays (and `.length`), call only the few functions listed in FUNCTIONS, and start
 * from the roots of ExpressionContext.
 */
import type { ExpressionContext, StepState } from './types'

/** A bad expression: a syntax error, an unknown root or function, or a forbidden property. */
export class ExpressionError extends Error {
  /** 1-based column in the expression, when the error has one place. */
  readonly column?: number
  constructor(message: string, column?: number) {
    super(message)
    this.name = 'ExpressionError'
    this.column = column
  }
}

/** The names an expression may start from. */
export const EXPRESSION_ROOTS = ['trigger', 'inputs', 'steps', 'run', 'repository'] as const

const ROOTS = new Set<string>(EXPRESSION_ROOTS)
/** Property names that lead to prototypes and constructors: never read, even as own data. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype'])

// ---- Tokens ------------------------------------------------------------------------------------

type Token =
  | { type: 'number'; value: number; at: number }
  | { type: 'string'; value: string; at: number }
  | { type: 'name'; value: string; at: number }
  | { type: 'punct'; value: string; at: number }
  | { type: 'end'; at: number }

const PUNCT = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '.', '[', ']', '(', ')', ',']

function tokenize(source: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < source.length) {
    const ch = source[i]
    if (/\s/.test(ch)) {
      i++
      continue
    }
    const at = i
    if (ch === "'" || ch === '"') {
      let value = ''
      i++
      for (;;) {
        if (i >= source.length) throw new ExpressionError(`unterminated string starting at column ${at + 1}`, at + 1)
        const c = source[i]
        if (c === ch) {
          // GitHub's spelling of a quote inside a string: ''.
          if (source[i + 1] === ch) {
            value += ch
            i += 2
            continue
          }
          i++
          break
        }
        if (c === '\\' && i + 1 < source.length) {
          const next = source[i + 1]
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next
          i += 2
          continue
        }
        value += c
        i++
      }
      tokens.push({ type: 'string', value, at })
      continue
    }
    const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(source.slice(i))
    if (number && (ch !== '-' || /\d/.test(source[i + 1] ?? ''))) {
      tokens.push({ type: 'number', value: Number(number[0]), at })
      i += number[0].length
      continue
    }
    // Names may contain `-` (step ids like `open-pr`): there is no subtraction to confuse it with.
    const name = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(i))
    if (name) {
      tokens.push({ type: 'name', value: name[0], at })
      i += name[0].length
      continue
    }
    const punct = PUNCT.find((p) => source.startsWith(p, i))
    if (!punct) throw new ExpressionError(`unexpected \`${ch}\` at column ${at + 1}`, at + 1)
    tokens.push({ type: 'punct', value: punct, at })
    i += punct.length
  }
  tokens.push({ type: 'end', at: source.length })
  return tokens
}

// ---- Syntax ------------------------------------------------------------------------------------

/** A parsed expression. */
export type ExpressionNode =
  | { type: 'literal'; value: string | number | boolean | null }
  | { type: 'root'; name: string }
  | { type: 'member'; object: ExpressionNode; property: ExpressionNode; at: number }
  | { type: 'not'; operand: ExpressionNode }
  | { type: 'binary'; operator: string; left: ExpressionNode; right: ExpressionNode }
  | { type: 'call'; name: string; args: ExpressionNode[] }

type Fn = (...args: unknown[]) => unknown

/** The functions an expression may call, by bare name (`contains(trigger.issue.labels, 'bug')`). */
const FUNCTIONS: Record<string, { arity: [number, number]; call: Fn }> = {
  contains: {
    arity: [2, 2],
    call: (haystack, needle) =>
      Array.isArray(haystack) ? haystack.some((item) => looseEquals(item, needle)) : toText(haystack).includes(toText(needle)),
  },
  startsWith: { arity: [2, 2], call: (text, prefix) => toText(text).startsWith(toText(prefix)) },
  endsWith: { arity: [2, 2], call: (text, suffix) => toText(text).endsWith(toText(suffix)) },
  join: {
    arity: [1, 2],
    call: (list, separator) => (Array.isArray(list) ? list.map(toText).join(separator === undefined ? ',' : toText(separator)) : toText(list)),
  },
  toJSON: { arity: [1, 1], call: (value) => JSON.stringify(value ?? null, null, 2) },
}

const describeToken = (token: Token) => (token.type === 'end' ? 'end of expression' : `\`${token.type === 'string' ? `'${token.value}'` : token.value}\``)

class Parser {
  #tokens: Token[]
  #index = 0
  constructor(tokens: Token[]) {
    this.#tokens = tokens
  }

  parse(): ExpressionNode {
    const node = this.#or()
    const rest = this.#peek()
    if (rest.type !== 'end') this.#fail(rest)
    return node
  }

  #peek(): Token {
    return this.#tokens[this.#index]
  }
  #next(): Token {
    return this.#tokens[this.#index++]
  }
  #isPunct(value: string): boolean {
    const token = this.#peek()
    return token.type === 'punct' && token.value === value
  }
  #expect(value: string): void {
    if (!this.#isPunct(value)) this.#fail(this.#peek(), `expected \`${value}\``)
    this.#index++
  }
  #fail(token: Token, expected?: string): never {
    const what = token.type === 'end' ? 'unexpected end of expression' : `unexpected ${describeToken(token)} at column ${token.at + 1}`
    throw new ExpressionError(expected ? `${what}: ${expected}` : what, token.at + 1)
  }

  #or(): ExpressionNode {
    let left = this.#and()
    while (this.#isPunct('||')) {
      this.#index++
      left = { type: 'binary', operator: '||', left, right: this.#and() }
    }
    return left
  }
  #and(): ExpressionNode {
    let left = this.#comparison()
    while (this.#isPunct('&&')) {
      this.#index++
      left = { type: 'binary', operator: '&&', left, right: this.#comparison() }
    }
    return left
  }
  #comparison(): ExpressionNode {
    let left = this.#unary()
    for (;;) {
      const token = this.#peek()
      if (token.type !== 'punct' || !['==', '!=', '<', '<=', '>', '>='].includes(token.value)) return left
      this.#index++
      left = { type: 'binary', operator: token.value, left, right: this.#unary() }
    }
  }
  #unary(): ExpressionNode {
    if (this.#isPunct('!')) {
      this.#index++
      return { type: 'not', operand: this.#unary() }
    }
    return this.#postfix()
  }
  #postfix(): ExpressionNode {
    let node = this.#primary()
    for (;;) {
      const token = this.#peek()
      if (token.type === 'punct' && token.value === '.') {
        this.#index++
        const name = this.#next()
        if (name.type !== 'name') this.#fail(name, 'expected a property name after `.`')
        checkPropertyName(name.value, name.at + 1)
        node = { type: 'member', object: node, property: { type: 'literal', value: name.value }, at: name.at }
      } else if (token.type === 'punct' && token.value === '[') {
        this.#index++
        const property = this.#or()
        if (property.type === 'literal' && typeof property.value === 'string') checkPropertyName(property.value, token.at + 2)
        this.#expect(']')
        node = { type: 'member', object: node, property, at: token.at }
      } else if (token.type === 'punct' && token.value === '(') {
        this.#fail(token, 'only contains, startsWith, endsWith, join and toJSON can be called')
      } else {
        return node
      }
    }
  }
  #primary(): ExpressionNode {
    const token = this.#next()
    switch (token.type) {
      case 'number':
      case 'string':
        return { type: 'literal', value: token.value }
      case 'name': {
        if (token.value === 'true' || token.value === 'false') return { type: 'literal', value: token.value === 'true' }
        if (token.value === 'null') return { type: 'literal', value: null }
        if (this.#isPunct('(')) return this.#call(token)
        if (!ROOTS.has(token.value))
          throw new ExpressionError(`unknown name \`${token.value}\`: an expression starts from ${EXPRESSION_ROOTS.join(', ')}`, token.at + 1)
        return { type: 'root', name: token.value }
      }
      case 'punct':
        if (token.value === '(') {
          const inner = this.#or()
          this.#expect(')')
          return inner
        }
        return this.#fail(token)
      case 'end':
        return this.#fail(token)
    }
  }
  #call(name: Token & { type: 'name' }): ExpressionNode {
    const fn = Object.hasOwn(FUNCTIONS, name.value) ? FUNCTIONS[name.value] : undefined
    if (!fn) throw new ExpressionError(`unknown function \`${name.value}\`: only ${Object.keys(FUNCTIONS).join(', ')} can be called`, name.at + 1)
    this.#expect('(')
    const args: ExpressionNode[] = []
    if (!this.#isPunct(')')) {
      args.push(this.#or())
      while (this.#isPunct(',')) {
        this.#index++
        args.push(this.#or())
      }
    }
    this.#expect(')')
    const [min, max] = fn.arity
    if (args.length < min || args.length > max)
      throw new ExpressionError(`\`${name.value}\` takes ${min === max ? min : `${min} or ${max}`} argument${max === 1 ? '' : 's'}, got ${args.length}`, name.at + 1)
    return { type: 'call', name: name.value, args }
  }
}

function checkPropertyName(name: string, column: number): void {
  if (FORBIDDEN.has(name)) throw new ExpressionError(`\`${name}\` cannot be read`, column)
}

/** Strips one `${{ … }}` around a whole expression (an `if:` may be written either way). */
export function unwrapExpression(expression: string): string {
  const match = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(expression)
  return match && !match[1].includes('}}') ? match[1] : expression
}

/** Parses one expression (with or without `${{ }}` around it); throws ExpressionError. */
export function parseExpression(expression: string): ExpressionNode {
  const source = unwrapExpression(expression)
  if (!source.trim()) throw new ExpressionError('empty expression')
  return new Parser(tokenize(source)).parse()
}

/** The `${{ … }}` parts of a template: where each starts and ends, and the expression inside. */
export interface TemplatePart {
  start: number
  end: number
  expression: string
}

/** Finds the `${{ … }}` parts of `template` (a `}}` inside a quoted string does not end one); throws ExpressionError for an unclosed one. */
export function templateParts(template: string): TemplatePart[] {
  const parts: TemplatePart[] = []
  let from = 0
  for (;;) {
    const start = template.indexOf('${{', from)
    if (start < 0) return parts
    let i = start + 3
    let quote: string | null = null
    let end = -1
    for (; i < template.length; i++) {
      const ch = template[i]
      if (quote) {
        if (ch === '\\') i++
        else if (ch === quote) quote = null
      } else if (ch === "'" || ch === '"') {
        quote = ch
      } else if (ch === '}' && template[i + 1] === '}') {
        end = i + 2
        break
      }
    }
    if (end < 0) throw new ExpressionError('`${{` without a closing `}}`')
    parts.push({ start, end, expression: template.slice(start + 3, end - 2) })
    from = end
  }
}

/** Checks every `${{ … }}` of a template and returns the expressions parsed; throws ExpressionError. */
export function parseTemplate(template: string): ExpressionNode[] {
  return templateParts(template).map((part) => {
    try {
      return parseExpression(part.expression)
    } catch (error) {
      if (error instanceof ExpressionError) throw new ExpressionError(`in \`\${{${part.expression}}}\`: ${error.message}`, error.column)
      throw error
    }
  })
}

/** The step ids an expression names as `steps.<id>` or `steps['<id>']`. */
export function referencedStepIds(node: ExpressionNode): string[] {
  const ids: string[] = []
  const visit = (n: ExpressionNode): void => {
    switch (n.type) {
      case 'member':
        if (n.object.type === 'root' && n.object.name === 'steps' && n.property.type === 'literal' && typeof n.property.value === 'string')
          ids.push(n.property.value)
        visit(n.object)
        visit(n.property)
        return
      case 'not':
        return visit(n.operand)
      case 'binary':
        visit(n.left)
        return visit(n.right)
      case 'call':
        return n.args.forEach(visit)
      case 'literal':
      case 'root':
        return
    }
  }
  visit(node)
  return ids
}

// ---- Evaluation --------------------------------------------------------------------------------

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Data only: functions (and anything else not JSON-like) read as undefined. */
function asData(value: unknown): unknown {
  return typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint' ? undefined : value
}

function readProperty(object: unknown, key: unknown, column: number): unknown {
  if (typeof key !== 'string' && typeof key !== 'number') return undefined
  const name = String(key)
  if (FORBIDDEN.has(name)) throw new ExpressionError(`\`${name}\` cannot be read`, column)
  if (typeof object === 'string' || Array.isArray(object)) {
    if (name === 'length') return object.length
    const index = typeof key === 'number' ? key : /^\d+$/.test(name) ? Number(name) : NaN
    return Number.isInteger(index) && index >= 0 && index < object.length ? asData(object[index]) : undefined
  }
  if (isPlainObject(object) && Object.hasOwn(object, name)) return asData(object[name])
  return undefined
}

function toText(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value) ?? ''
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value
  if (typeof value === 'boolean') return value ? 1 : 0
  if (value === null || value === undefined) return 0
  if (typeof value === 'string') return value.trim() === '' ? 0 : Number(value)
  return NaN
}

function looseEquals(a: unknown, b: unknown): boolean {
  if (a === undefined) a = null
  if (b === undefined) b = null
  if (a === null || b === null) return a === b
  if (typeof a === typeof b) return a === b
  if (typeof a === 'object' || typeof b === 'object') return false
  return toNumber(a) === toNumber(b)
}

function compare(operator: string, a: unknown, b: unknown): boolean {
  if (operator === '==') return looseEquals(a, b)
  if (operator === '!=') return !looseEquals(a, b)
  let x: string | number
  let y: string | number
  if (typeof a === 'string' && typeof b === 'string') [x, y] = [a, b]
  else [x, y] = [toNumber(a), toNumber(b)]
  if (Number.isNaN(x) || Number.isNaN(y)) return false
  switch (operator) {
    case '<':
      return x < y
    case '<=':
      return x <= y
    case '>':
      return x > y
    default:
      return x >= y
  }
}

function evaluateNode(node: ExpressionNode, context: ExpressionContext): unknown {
  switch (node.type) {
    case 'literal':
      return node.value
    case 'root':
      return readProperty(context, node.name, 1)
    case 'member':
      return readProperty(evaluateNode(node.object, context), evaluateNode(node.property, context), node.at + 1)
    case 'not':
      return !isTruthy(evaluateNode(node.operand, context))
    case 'binary': {
      const left = evaluateNode(node.left, context)
      if (node.operator === '&&') return isTruthy(left) ? evaluateNode(node.right, context) : left
      if (node.operator === '||') return isTruthy(left) ? left : evaluateNode(node.right, context)
      return compare(node.operator, left, evaluateNode(node.right, context))
    }
    case 'call':
      return FUNCTIONS[node.name].call(...node.args.map((arg) => evaluateNode(arg, context)))
  }
}

/** Whether a value counts as true for `if:` and `!`/`&&`/`||`: all but false, 0, NaN, '', null and undefined. */
export function isTruthy(value: unknown): boolean {
  return !(value === false || value === 0 || value === '' || value === null || value === undefined || Number.isNaN(value))
}

/**
 * Evaluates one expression (`trigger.issue.number > 0`, with or without `${{ }}` around it)
 * against `context`. A missing property is undefined; throws ExpressionError on bad syntax, an
 * unknown root or function, or a forbidden property (`__proto__`, `constructor`, `prototype`).
 */
export function evaluate(expression: string, context: ExpressionContext): unknown {
  return evaluateNode(parseExpression(expression), context)
}

/** A value as text in a template: undefined and null as '', objects and arrays as JSON. */
export function expressionText(value: unknown): string {
  return toText(value)
}

/** Replaces each `${{ expr }}` in `template` with its value as text (see expressionText); throws ExpressionError. */
export function interpolate(template: string, context: ExpressionContext): string {
  let out = ''
  let from = 0
  for (const part of templateParts(template)) {
    let value: unknown
    try {
      value = evaluate(part.expression, context)
    } catch (error) {
      if (error instanceof ExpressionError) throw new ExpressionError(`in \`\${{${part.expression}}}\`: ${error.message}`, error.column)
      throw error
    }
    out += template.slice(from, part.start) + toText(value)
    from = part.end
  }
  return out + template.slice(from)
}

/**
 * The expressions' `steps` from the run's steps: `steps.<id>.status`, and `steps.<id>.outputs`
 * = the step's output values plus `summary`, and for a pull request step `url` and `number` (a
 * comment step: `url`; a pushed commit: `branch`, `commit`). Values a step set win.
 */
export function stepsContext(steps: readonly StepState[]): ExpressionContext['steps'] {
  const context: ExpressionContext['steps'] = {}
  for (const step of steps) {
    const output = step.output
    const outputs: Record<string, unknown> = {}
    if (output?.summary !== undefined) outputs.summary = output.summary
    if (output?.commit) Object.assign(outputs, { branch: output.commit.branch, commit: output.commit.oid })
    if (output?.comment) outputs.url = output.comment.url
    if (output?.pullRequest) Object.assign(outputs, { url: output.pullRequest.url, number: output.pullRequest.number })
    Object.assign(outputs, output?.values)
    context[step.id] = { status: step.status, outputs }
  }
  return context
}
