/**
 * The workflow file format as written (YAML or JSON, snake_case, `continue-on-error`), as a zod
 * schema, and the JSON Schema derived from it for editors. parse.ts validates with it, adds the
 * checks a schema cannot express (exactly one kind per step, crons, expressions, step ids), and
 * normalises to the types in types.ts.
 *
 * This file imports only zod, so `node scripts/workflow-schema.ts` can load it as it is.
 */
import { z } from 'zod'

/** The keys that make a step's kind; a step has exactly one. */
export const STEP_KINDS = ['agent', 'run', 'test', 'pull_request', 'comment', 'approval', 'deploy'] as const

/** The trigger keys of `on`. */
export const TRIGGER_KEYS = ['issues', 'pull_request', 'schedule', 'webhook', 'manual'] as const

/** GitHub's `issues` webhook actions. */
export const ISSUE_ACTIONS = [
  'opened', 'edited', 'deleted', 'transferred', 'pinned', 'unpinned', 'closed', 'reopened', 'assigned', 'unassigned',
  'labeled', 'unlabeled', 'locked', 'unlocked', 'milestoned', 'demilestoned',
] as const

/** GitHub's `pull_request` webhook actions. */
export const PULL_REQUEST_ACTIONS = [
  'opened', 'synchronize', 'reopened', 'closed', 'edited', 'labeled', 'unlabeled', 'ready_for_review', 'converted_to_draft',
  'assigned', 'unassigned', 'review_requested', 'review_request_removed', 'locked', 'unlocked', 'auto_merge_enabled',
  'auto_merge_disabled', 'enqueued', 'dequeued', 'milestoned', 'demilestoned',
] as const

/** A step id: also how expressions name it (`steps.<id>.outputs.url`). */
export const STEP_ID_PATTERN = /^[a-z0-9_-]+$/
/** A secret's name (`NPM_TOKEN`): a file name under /cap/secrets and an environment variable name. */
export const SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/
/** A webhook's name: a path segment of /api/workflows/repos/<owner>/<repo>/hooks/<name>. */
export const WEBHOOK_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/
/** Why a deploy step must say `preview: true` (parse.ts shows the schema's own sentences as they are). */
export const DEPLOY_PREVIEW_REQUIRED =
  'a deploy step needs `preview: true`: it publishes a preview with a URL of its own; promoting a deployment to production stays a person’s act, in the IDE'
/** A manual input's name (`inputs.<name>` in expressions). */
export const INPUT_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/

const text = z.string().min(1, 'must not be empty')
const texts = z.array(text)

const issuesTrigger = z.union([
  z.null(),
  z.literal(true),
  z.strictObject({
    types: z
      .array(z.enum(ISSUE_ACTIONS))
      .min(1, 'needs at least one type')
      .optional()
      .describe('Issue actions that start the workflow. Default: [labeled] when `labels` is set, else [opened].'),
    labels: texts.optional().describe('For `labeled`: only these labels (any when absent).'),
  }),
])

const pullRequestTrigger = z.union([
  z.null(),
  z.literal(true),
  z.strictObject({
    types: z
      .array(z.enum(PULL_REQUEST_ACTIONS))
      .min(1, 'needs at least one type')
      .optional()
      .describe('Pull request actions that start the workflow. Default: [opened, synchronize, reopened].'),
    branches: texts.optional().describe('Base branches (any when absent).'),
  }),
])

const scheduleTrigger = z
  .array(z.strictObject({ cron: z.string().describe('Five fields, UTC: minute hour day-of-month month day-of-week.') }))
  .min(1, 'needs at least one `cron`')

const webhookName = z.string().regex(WEBHOOK_NAME_PATTERN, 'a webhook name uses letters, digits, `_`, `.` and `-`')
const webhookTrigger = z.union([webhookName, z.strictObject({ name: webhookName })])

const input = z.strictObject({
  type: z.enum(['string', 'number', 'boolean', 'choice']).optional().describe('Default: string.'),
  description: z.string().optional(),
  required: z.boolean().optional(),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  options: texts.min(1, 'needs at least one option').optional().describe('For `choice`: the allowed values.'),
})

const manualTrigger = z.union([
  z.boolean(),
  z.null(),
  z.strictObject({
    inputs: z.record(z.string().regex(INPUT_NAME_PATTERN, 'an input name uses letters, digits, `_` and `-`'), input).optional(),
  }),
])

const triggers = z
  .strictObject({
    issues: issuesTrigger.optional().describe('GitHub issue events of this repository.'),
    pull_request: pullRequestTrigger.optional().describe('GitHub pull request events of this repository.'),
    schedule: scheduleTrigger.optional().describe('Cron schedules (UTC).'),
    webhook: webhookTrigger.optional().describe('A named webhook: POST /api/workflows/repos/<owner>/<repo>/hooks/<name>.'),
    manual: manualTrigger.optional().describe('"Run now" from the IDE or the API, with typed inputs.'),
  })
  .meta({ minProperties: 1 })

const positive = z.number().positive('must be more than 0')

const budget = z.strictObject({
  max_credits: positive.optional().describe('Credits one run may spend on model calls.'),
  max_credits_per_day: positive.optional().describe('Credits all runs of this workflow may spend per UTC day.'),
  max_turns: z.number().int('must be a whole number').positive('must be more than 0').optional().describe('Model calls per agent step.'),
  timeout_minutes: positive.optional().describe('Wall time of one run.'),
})

const policies = z.strictObject({
  write_paths: z
    .array(z.string())
    .optional()
    .describe('Directories (workspace-relative, e.g. src/) a run may write; absent: anywhere; []: nowhere.'),
  required_checks: texts.optional().describe('Ids of steps that must have succeeded before a pull request is opened.'),
  approval_before_push: z.boolean().optional().describe('A person must approve in the IDE before anything is pushed or published: the first pull_request or deploy step waits for it.'),
  approvers: z.enum(['any', 'others']).optional().describe('Who may approve: any member, or only others than the run\'s author.'),
  secrets: z
    .array(z.string().regex(SECRET_NAME_PATTERN, 'a secret name uses letters, digits and `_`, not starting with a digit'))
    .optional()
    .describe('Names of the project\'s secrets the run may read (masked in logs).'),
})

const agentStep = z.union([
  text,
  z.strictObject({
    role: z.string().optional(),
    instructions: text,
    model: z.string().optional(),
  }),
])

const step = z
  .strictObject({
    id: z
      .string()
      .regex(STEP_ID_PATTERN, 'a step id uses only a-z, 0-9, `_` and `-`')
      .optional()
      .describe('Unique; default step-<n>. Expressions read steps.<id>.outputs.'),
    name: text.optional(),
    if: z.union([z.string(), z.boolean()]).optional().describe('An expression; the step is skipped when it is false.'),
    'continue-on-error': z.boolean().optional().describe('A failure of this step does not stop the workflow.'),
    agent: agentStep.optional().describe('A coding agent works on the run\'s working copy: its instructions, or { role, instructions, model }.'),
    run: text.optional().describe('A shell command on the runtime.'),
    test: z.union([z.literal(true), z.null(), z.strictObject({})]).optional().describe('Runs the project\'s tests.'),
    pull_request: z
      .union([
        z.literal(true),
        z.null(),
        z.strictObject({
          title: text.optional().describe('Default: the workflow\'s name.'),
          body: z.string().optional(),
          draft: z.boolean().optional(),
          labels: texts.optional(),
        }),
      ])
      .optional()
      .describe('Pushes the working copy to a branch and opens a pull request.'),
    comment: z
      .union([text, z.strictObject({ body: text, issue: z.union([z.string(), z.number().int()]).optional() })])
      .optional()
      .describe('Comments on the trigger\'s issue or pull request (or `issue`).'),
    approval: z
      .union([z.literal(true), z.null(), z.string(), z.strictObject({ message: z.string().optional() })])
      .optional()
      .describe('Waits until a member approves in the IDE.'),
    deploy: z
      .strictObject({
        preview: z
          .literal(true, { error: DEPLOY_PREVIEW_REQUIRED })
          .describe('Required, and only `true` for now: the step publishes a new preview deployment; promoting one to production stays a person’s act, in the IDE.'),
        build: text.optional().describe('A shell command run first on the runtime, like a `run` step (e.g. `npm run build`); its writes are undone after the upload, so they never reach a pull request.'),
        output: z
          .string()
          // For editors; parse.ts says why (outputFolderProblem).
          .meta({ not: { pattern: '(^|/)\\.\\.(/|$)' } })
          .optional()
          .describe('The folder to publish, relative to the repository (no `..`). Default: dist. node_modules, .git and dotfiles are never published.'),
        spa: z.boolean().optional().describe('A single-page app: unknown paths without a file extension are answered with index.html. Default false.'),
        visibility: z.enum(['public', 'private']).optional().describe('public (default): anyone with the URL; private: only through a signed link.'),
      })
      .optional()
      .describe('Builds (optionally) and publishes a folder of the working copy as a preview deployment; outputs `url` and `id`, and a later pull request links the preview.'),
  })
  .meta({ oneOf: STEP_KINDS.map((kind) => ({ required: [kind] })) })

/** A workflow file as written (before parse.ts checks what the schema cannot and normalises it). */
export const workflowFileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: text.describe('Shown in the IDE and in run lists.'),
    on: triggers.describe('What starts the workflow: at least one of issues, pull_request, schedule, webhook, manual.'),
    model: z.string().optional().describe('The default model of agent steps.'),
    budget: budget.optional(),
    policies: policies.optional(),
    steps: z.array(step).min(1, 'a workflow needs at least one step'),
  })
  .meta({ title: 'Coder workflow', description: 'A workflow file in .coder/workflows/ (YAML or JSON).' })

/** A workflow file as written and validated by workflowFileSchema. */
export type WorkflowFile = z.infer<typeof workflowFileSchema>
export type WorkflowFileStep = WorkflowFile['steps'][number]

/** The JSON Schema (draft-07, what editors' YAML and JSON support read) of the workflow file format. */
export function buildWorkflowJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(workflowFileSchema, { target: 'draft-07', io: 'input' }) as Record<string, unknown>
}

/** The JSON Schema as public/coder-workflow.schema.json holds it (the script writes this, a test compares). */
export function workflowJsonSchemaText(): string {
  return `${JSON.stringify(buildWorkflowJsonSchema(), null, 2)}\n`
}

type Def = { type: string; [key: string]: unknown }
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def

/** The schemas that an object's value can take at `path` (unions fan out). */
function schemasAt(schema: unknown, path: readonly PropertyKey[]): unknown[] {
  const def = defOf(schema)
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
      return schemasAt(def.innerType, path)
    case 'pipe':
      return schemasAt(def.in, path)
    case 'union':
      return (def.options as unknown[]).flatMap((option) => schemasAt(option, path))
  }
  if (path.length === 0) return [schema]
  const [head, ...rest] = path
  switch (def.type) {
    case 'object': {
      const shape = def.shape as Record<string, unknown>
      return typeof head === 'string' && Object.hasOwn(shape, head) ? schemasAt(shape[head], rest) : []
    }
    case 'array':
      return schemasAt(def.element, rest)
    case 'record':
      return schemasAt(def.valueType, rest)
    default:
      return []
  }
}

/** The field names the format allows in the object at `path` (e.g. `['steps', 0]`), for "did you mean". */
export function fieldsAt(path: readonly PropertyKey[]): string[] {
  const names = new Set<string>()
  for (const schema of schemasAt(workflowFileSchema, path)) {
    const def = defOf(schema)
    if (def.type === 'object') for (const name of Object.keys(def.shape as object)) names.add(name)
  }
  return [...names]
}
