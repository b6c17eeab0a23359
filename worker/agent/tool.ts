import type { RunEndReason, ToolResult } from '../../shared/agent'
import type { ToolSpec } from '../../shared/models'

/** What a tool's `run` gets besides its input. */
export interface ToolContext {
  signal: AbortSignal
}

/**
 * One tool the agent may call. `run` receives input that already passed `spec.inputSchema`; a tool
 * that cannot do what was asked returns `{ ok: false, output: why }` (the model reads it and can
 * try otherwise) and throws only for platform faults.
 */
/** A tool's result; with `stop`, the platform ends the run after it (the model's attempts are used up). */
export type ToolOutcome = ToolResult & { stop?: { reason: RunEndReason; message: string } }

export interface AgentTool {
  spec: ToolSpec
  run(input: any, context: ToolContext): Promise<ToolOutcome>
  /** The `finish` tool: its successful call ends the run. */
  finishes?: boolean
}

/** The JSON Schema subset tools declare: objects of typed properties, `required`, `enum`, `items`, bounds. */
export interface Schema {
  type?: 'object' | 'string' | 'number' | 'integer' | 'boolean' | 'array'
  description?: string
  properties?: Record<string, Schema>
  required?: string[]
  additionalProperties?: boolean
  enum?: unknown[]
  items?: Schema
  minimum?: number
  maxLength?: number
  minLength?: number
}

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v)

/** The problems of `value` against `schema`, as lines the model can act on; empty when it conforms. */
export function validate(value: unknown, schema: Schema, at = 'input'): string[] {
  const problems: string[] = []
  const actual = typeOf(value)
  if (schema.type && !(schema.type === actual || (schema.type === 'number' && actual === 'integer'))) return [`${at} must be ${schema.type === 'integer' ? 'a whole number' : `a${/^[aeiou]/.test(schema.type) ? 'n' : ''} ${schema.type}`}, not ${actual}`]
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${at} must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`)
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${at} must not be empty`)
    if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${at} must be at most ${schema.maxLength} characters`)
  }
  if (typeof value === 'number' && schema.minimum !== undefined && value < schema.minimum) problems.push(`${at} must be at least ${schema.minimum}`)
  if (Array.isArray(value) && schema.items) value.forEach((item, i) => problems.push(...validate(item, schema.items!, `${at}[${i}]`)))
  if (actual === 'object' && (schema.properties || schema.required)) {
    const object = value as Record<string, unknown>
    for (const name of schema.required ?? []) if (object[name] === undefined) problems.push(`${at}.${name} is required`)
    for (const [name, v] of Object.entries(object)) {
      const sub = schema.properties?.[name]
      if (sub) problems.push(...validate(v, sub, `${at}.${name}`))
      else if (schema.additionalProperties === false) problems.push(`${at}.${name} is not a known field (known: ${Object.keys(schema.properties ?? {}).join(', ')})`)
    }
  }
  return problems
}
