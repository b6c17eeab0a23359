/** The inputs of a manual run, checked against what the workflow's `manual` trigger declares. */
import type { Workflow, WorkflowInput } from './types'

/** The inputs as the run sees them (`inputs.<name>`), or why they cannot start it. */
export type InputsCheck = { ok: true; inputs: Record<string, string | number | boolean> } | { ok: false; message: string }

const isMissing = (value: unknown) => value === undefined || value === null || value === ''

function coerce(name: string, input: WorkflowInput, value: unknown): { value: string | number | boolean } | { message: string } {
  switch (input.type) {
    case 'string':
      if (typeof value === 'string') return { value }
      if (typeof value === 'number' || typeof value === 'boolean') return { value: String(value) }
      return { message: `input \`${name}\` must be text` }
    case 'number': {
      // Forms send text: "3" is the number 3.
      const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN
      return Number.isFinite(number) ? { value: number } : { message: `input \`${name}\` must be a number, got ${JSON.stringify(value)}` }
    }
    case 'boolean':
      if (typeof value === 'boolean') return { value }
      if (value === 'true' || value === 'false') return { value: value === 'true' }
      return { message: `input \`${name}\` must be true or false, got ${JSON.stringify(value)}` }
    case 'choice': {
      const options = input.options ?? []
      const text = typeof value === 'number' || typeof value === 'boolean' ? String(value) : value
      return typeof text === 'string' && options.includes(text)
        ? { value: text }
        : { message: `input \`${name}\` must be one of ${options.join(', ')}, got ${JSON.stringify(value)}` }
    }
  }
}

/**
 * Checks `inputs` against the workflow's declared manual inputs: unknown names, required ones
 * missing (an empty string counts as missing), types (numbers and booleans may come as text from a
 * form) and choice options. Fills in defaults; an optional input without a value or default is left out.
 */
export function checkInputs(workflow: Workflow, inputs: Record<string, unknown>): InputsCheck {
  const declared = workflow.on.manual?.inputs ?? {}
  const unknown = Object.keys(inputs).filter((name) => !Object.hasOwn(declared, name))
  if (unknown.length)
    return {
      ok: false,
      message: `unknown input${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `\`${n}\``).join(', ')}${
        Object.keys(declared).length ? ` (this workflow takes ${Object.keys(declared).join(', ')})` : ' (this workflow takes none)'
      }`,
    }
  const out: Record<string, string | number | boolean> = {}
  for (const [name, input] of Object.entries(declared)) {
    const given = inputs[name]
    const value = isMissing(given) ? input.default : given
    if (isMissing(value)) {
      if (input.required) return { ok: false, message: `input \`${name}\` is required${input.description ? ` (${input.description})` : ''}` }
      continue
    }
    const result = coerce(name, input, value)
    if ('message' in result) return { ok: false, message: result.message }
    out[name] = result.value
  }
  return { ok: true, inputs: out }
}
