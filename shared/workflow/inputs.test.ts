import { expect, test } from 'vitest'
import { checkInputs, formatProblem, parseWorkflow, type Workflow } from './index'

function workflow(text: string): Workflow {
  const result = parseWorkflow(text, 'w.yml')
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'))
  return result.workflow
}

const w = workflow(`name: Deploy
on:
  manual:
    inputs:
      target: { type: choice, options: [staging, prod], required: true, description: Where to deploy }
      count: { type: number, default: 3 }
      dry: { type: boolean, default: false }
      note: { type: string }
steps: [{ run: deploy }]
`)

test('defaults fill in; optional inputs without a value are left out', () => {
  expect(checkInputs(w, { target: 'prod' })).toEqual({ ok: true, inputs: { target: 'prod', count: 3, dry: false } })
})

test('values from a form (text) become numbers and booleans', () => {
  expect(checkInputs(w, { target: 'staging', count: '7', dry: 'true', note: 'hi' })).toEqual({
    ok: true,
    inputs: { target: 'staging', count: 7, dry: true, note: 'hi' },
  })
  expect(checkInputs(w, { target: 'staging', note: 42 })).toEqual({ ok: true, inputs: { target: 'staging', count: 3, dry: false, note: '42' } })
})

test('required, types, options and unknown names', () => {
  expect(checkInputs(w, {})).toEqual({ ok: false, message: 'input `target` is required (Where to deploy)' })
  expect(checkInputs(w, { target: '' })).toEqual({ ok: false, message: 'input `target` is required (Where to deploy)' })
  expect(checkInputs(w, { target: 'dev' })).toEqual({ ok: false, message: 'input `target` must be one of staging, prod, got "dev"' })
  expect(checkInputs(w, { target: 'prod', count: 'many' })).toEqual({ ok: false, message: 'input `count` must be a number, got "many"' })
  expect(checkInputs(w, { target: 'prod', dry: 'yes' })).toEqual({ ok: false, message: 'input `dry` must be true or false, got "yes"' })
  expect(checkInputs(w, { target: 'prod', tagret: 'x' })).toEqual({
    ok: false,
    message: 'unknown input `tagret` (this workflow takes target, count, dry, note)',
  })
})

test('a workflow without inputs takes none', () => {
  const plain = workflow('name: P\non: { manual: true }\nsteps: [{ test: true }]\n')
  expect(checkInputs(plain, {})).toEqual({ ok: true, inputs: {} })
  expect(checkInputs(plain, { x: 1 })).toEqual({ ok: false, message: 'unknown input `x` (this workflow takes none)' })
})
