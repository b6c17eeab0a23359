import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import Ajv from 'ajv'
import { parse } from 'yaml'
import { expect, test } from 'vitest'
import { parseWorkflow, WORKFLOW_TEMPLATES, workflowJsonSchema } from './index'
import { workflowJsonSchemaText } from './schema'

const file = fileURLToPath(new URL('../../public/coder-workflow.schema.json', import.meta.url))

test('public/coder-workflow.schema.json is the schema (run `node_modules/.bin/node scripts/workflow-schema.ts` after changing it)', () => {
  expect(readFileSync(file, 'utf8')).toBe(workflowJsonSchemaText())
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(workflowJsonSchema)
})

test('the JSON Schema agrees with the parser on what is valid', () => {
  const validate = new Ajv({ strict: false, allErrors: true }).compile(workflowJsonSchema)
  for (const template of WORKFLOW_TEMPLATES) {
    const data = parse(template.source)
    expect(validate(data), JSON.stringify(validate.errors)).toBe(true)
  }
  const cases: [string, boolean][] = [
    ['name: S\non: { manual: true }\nsteps: [{ run: ls }]', true],
    ['name: S\non: { manual: true }\nsteps: [{ run: ls, test: true }]', false],
    ['name: S\non: { manual: true }\nsteps: [{ name: no kind }]', false],
    ['name: S\non: {}\nsteps: [{ run: ls }]', false],
    ['name: S\non: { manual: true }\nstpes: []\nsteps: [{ run: ls }]', false],
    ['name: S\non: { issues: { types: [labelled] } }\nsteps: [{ run: ls }]', false],
    ['name: S\non: { issues: { labels: [coder] } }\nsteps: [{ agent: { instructions: go, role: fixer } }, { pull_request: {} }]', true],
    ['name: S\non: { manual: true }\nsteps: [{ deploy: { preview: true, build: npm run build, output: site, spa: true, visibility: private } }]', true],
    ['name: S\non: { manual: true }\nsteps: [{ deploy: { build: npm run build } }]', false],
    ['name: S\non: { manual: true }\nsteps: [{ deploy: { preview: false } }]', false],
    ['name: S\non: { manual: true }\nsteps: [{ deploy: { preview: true, output: ../up } }]', false],
    ['name: S\non: { manual: true }\nsteps: [{ deploy: { preview: true, output: a/../b } }]', false],
    ['name: S\non: { manual: true }\nsteps: [{ deploy: { preview: true, output: a..b } }]', true],
    ['name: S\non: { manual: true }\nsteps: [{ deploy: { preview: true, target: prod } }]', false],
  ]
  for (const [text, valid] of cases) {
    expect(validate(parse(text)), text).toBe(valid)
    expect(parseWorkflow(text, 'w.yml').ok, text).toBe(valid)
  }
})
