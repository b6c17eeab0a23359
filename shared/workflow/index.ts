/** @module The workflow DSL: parsing `.coder/workflows/*.yml`, its JSON Schema, sandboxed `${{ }}` expressions, triggers, cron, inputs and policies. */
export type * from './types'
export { parseWorkflow, formatProblem } from './parse'
export { STEP_KINDS, TRIGGER_KEYS, SECRET_NAME_PATTERN, WEBHOOK_NAME_PATTERN, type WorkflowFile } from './schema'
export { ExpressionError, EXPRESSION_ROOTS, evaluate, interpolate, isTruthy, expressionText, stepsContext } from './expressions'
export { matchesTrigger, triggerInfo } from './triggers'
export { cronMatches, nextCronTime, nextScheduledTime, describeCron, cronProblem } from './cron'
export { checkInputs, type InputsCheck } from './inputs'
export { isWriteAllowed, maskSecrets, normaliseWorkspacePath, WORKFLOW_DIR, WORKFLOW_BRANCH_PREFIX, isWorkflowPath } from './policy'
export { WORKFLOW_TEMPLATES, type WorkflowTemplate } from './templates'

import { buildWorkflowJsonSchema } from './schema'

/** The JSON Schema (draft-07) of the workflow file format; public/coder-workflow.schema.json holds the same. */
export const workflowJsonSchema: Record<string, unknown> = buildWorkflowJsonSchema()
