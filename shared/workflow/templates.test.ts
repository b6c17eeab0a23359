import { expect, test } from 'vitest'
import { formatProblem, isWorkflowPath, matchesTrigger, parseWorkflow, WORKFLOW_DIR, WORKFLOW_TEMPLATES, type Workflow } from './index'

function parsed(id: string): Workflow {
  const template = WORKFLOW_TEMPLATES.find((t) => t.id === id)!
  const result = parseWorkflow(template.source, `${WORKFLOW_DIR}/${template.fileName}`)
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'))
  return result.workflow
}

test('every template parses cleanly and has a workflow file name', () => {
  expect(WORKFLOW_TEMPLATES.map((t) => t.id)).toEqual(['fix-labeled-issues', 'review-pull-requests', 'weekly-dependency-bump', 'preview-pull-requests'])
  for (const template of WORKFLOW_TEMPLATES) {
    expect(isWorkflowPath(`${WORKFLOW_DIR}/${template.fileName}`)).toBe(true)
    expect(parsed(template.id).name).toBe(template.title)
  }
})

test('fix-labeled-issues: a coder label → agent → tests → pull request → comment with its link', () => {
  const w = parsed('fix-labeled-issues')
  expect(matchesTrigger(w, { kind: 'issues', action: 'labeled', payload: { label: { name: 'coder' } } })).toBe(true)
  expect(matchesTrigger(w, { kind: 'issues', action: 'labeled', payload: { label: { name: 'bug' } } })).toBe(false)
  expect(w.steps.map((s) => s.kind)).toEqual(['agent', 'test', 'pull_request', 'comment'])
  expect(w.policies.requiredChecks).toEqual(['tests'])
  const comment = w.steps[3]
  expect(comment.kind === 'comment' && comment.body).toContain('${{ steps.pr.outputs.url }}')
})

test('review-pull-requests: opened and synchronize, a reviewer that writes nothing, then a comment', () => {
  const w = parsed('review-pull-requests')
  expect(w.on.pullRequest?.types).toEqual(['opened', 'synchronize'])
  expect(w.policies.writePaths).toEqual([])
  expect(w.steps.map((s) => s.kind)).toEqual(['agent', 'comment'])
})

test('weekly-dependency-bump: Monday schedule and Run now → bump → tests → pull request', () => {
  const w = parsed('weekly-dependency-bump')
  expect(w.on.schedule).toEqual([{ cron: '0 9 * * 1' }])
  expect(w.on.manual).toBeDefined()
  expect(w.steps.map((s) => s.kind)).toEqual(['agent', 'test', 'pull_request'])
})

test('preview-pull-requests: each update of a pull request → build and deploy a preview → comment its link', () => {
  const w = parsed('preview-pull-requests')
  expect(w.on.pullRequest?.types).toEqual(['opened', 'synchronize', 'reopened'])
  expect(w.policies.writePaths).toEqual([])
  expect(w.steps.map((s) => s.kind)).toEqual(['deploy', 'comment'])
  expect(w.steps[0]).toMatchObject({ kind: 'deploy', preview: true, build: 'npm run build', output: 'dist' })
  const comment = w.steps[1]
  expect(comment.kind === 'comment' && comment.body).toContain('${{ steps.preview.outputs.url }}')
})
