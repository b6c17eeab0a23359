// (Re)writes public/coder-workflow.schema.json, the JSON Schema of workflow files, from
// shared/workflow/schema.ts. Run after changing the format:
//   node_modules/.bin/node scripts/workflow-schema.ts
// shared/workflow/schema.test.ts fails while the file and the schema differ.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { workflowJsonSchemaText } from '../shared/workflow/schema.ts'

const target = fileURLToPath(new URL('../public/coder-workflow.schema.json', import.meta.url))
writeFileSync(target, workflowJsonSchemaText())
console.log(`wrote ${target}`)
