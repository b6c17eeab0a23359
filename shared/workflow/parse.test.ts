import { describe, expect, test } from 'vitest'
import { formatProblem, parseWorkflow, type ParseResult, type Workflow, type WorkflowProblem } from './index'

const FILE = '.coder/workflows/fix.yml'

function workflowOf(text: string, file = FILE): Workflow {
  const result = parseWorkflow(text, file)
  if (!result.ok) throw new Error(`expected no problems, got:\n${result.problems.map(formatProblem).join('\n')}`)
  return result.workflow
}

function problemsOf(text: string, file = FILE): WorkflowProblem[] {
  const result = parseWorkflow(text, file)
  if (result.ok) throw new Error('expected problems, the file parsed')
  return result.problems
}

/** Problems as the one-line form a user reads. */
const lines = (text: string, file = FILE) => problemsOf(text, file).map(formatProblem)

const FULL = `name: Fix labeled issues
on:
  issues: { types: [labeled], labels: [coder] }
  pull_request: { types: [opened, synchronize], branches: [main] }
  schedule: [{ cron: "0 9 * * 1" }, { cron: "30  6 1 * *" }]
  webhook: { name: deploy-done }
  manual:
    inputs:
      target: { type: choice, options: [a, b], required: true, default: a, description: Where to }
      count: { type: number, default: 3 }
      dry: { type: boolean }
      note: {}
model: gpt-4o-mini
budget: { max_credits: 2, max_credits_per_day: 10, max_turns: 30, timeout_minutes: 30 }
policies: { write_paths: [src/, tests/], required_checks: [tests], approval_before_push: true, approvers: others, secrets: [NPM_TOKEN] }
steps:
  - id: fix
    name: Fix it
    if: \${{ trigger.issue.number > 0 }}
    continue-on-error: true
    agent: { role: fixer, instructions: "Fix: \${{ trigger.issue.title }}", model: claude-x }
  - id: tests
    test: true
  - run: npm run lint
  - approval: { message: Review first }
  - id: pr
    pull_request: { title: "Fix #\${{ trigger.issue.number }}", body: Body, draft: true, labels: [coder] }
  - comment: { body: "PR: \${{ steps.pr.outputs.url }}", issue: "\${{ trigger.issue.number }}" }
  - agent: Just do it
  - test: {}
  - approval: true
  - pull_request: {}
  - comment: Done
  - if: steps.tests.status == 'failed'
    run: |
      echo one
      echo two
`

describe('parseWorkflow: valid files', () => {
  test('a file using every field normalises to camelCase with defaults filled in', () => {
    const workflow = workflowOf(FULL)
    expect(workflow.name).toBe('Fix labeled issues')
    expect(workflow.model).toBe('gpt-4o-mini')
    expect(workflow.on).toEqual({
      issues: { types: ['labeled'], labels: ['coder'] },
      pullRequest: { types: ['opened', 'synchronize'], branches: ['main'] },
      schedule: [{ cron: '0 9 * * 1' }, { cron: '30 6 1 * *' }],
      webhook: { name: 'deploy-done' },
      manual: {
        inputs: {
          target: { type: 'choice', options: ['a', 'b'], required: true, default: 'a', description: 'Where to' },
          count: { type: 'number', required: false, default: 3 },
          dry: { type: 'boolean', required: false },
          note: { type: 'string', required: false },
        },
      },
    })
    expect(workflow.budget).toEqual({ maxCredits: 2, maxCreditsPerDay: 10, maxTurns: 30, timeoutMinutes: 30 })
    expect(workflow.policies).toEqual({
      writePaths: ['src/', 'tests/'],
      requiredChecks: ['tests'],
      approvalBeforePush: true,
      approvers: 'others',
      secrets: ['NPM_TOKEN'],
    })
    expect(workflow.steps).toEqual([
      {
        id: 'fix',
        name: 'Fix it',
        if: 'trigger.issue.number > 0',
        continueOnError: true,
        kind: 'agent',
        role: 'fixer',
        instructions: 'Fix: ${{ trigger.issue.title }}',
        model: 'claude-x',
      },
      { id: 'tests', name: 'Run the tests', continueOnError: false, kind: 'test' },
      { id: 'step-3', name: 'Run npm run lint', continueOnError: false, kind: 'run', command: 'npm run lint' },
      { id: 'step-4', name: 'Wait for approval', continueOnError: false, kind: 'approval', message: 'Review first' },
      { id: 'pr', name: 'Open a pull request', continueOnError: false, kind: 'pull_request', title: 'Fix #${{ trigger.issue.number }}', body: 'Body', draft: true, labels: ['coder'] },
      { id: 'step-6', name: 'Post a comment', continueOnError: false, kind: 'comment', body: 'PR: ${{ steps.pr.outputs.url }}', issue: '${{ trigger.issue.number }}' },
      { id: 'step-7', name: 'Run an agent', continueOnError: false, kind: 'agent', instructions: 'Just do it' },
      { id: 'step-8', name: 'Run the tests', continueOnError: false, kind: 'test' },
      { id: 'step-9', name: 'Wait for approval', continueOnError: false, kind: 'approval' },
      // A pull request without a title is titled after the workflow.
      { id: 'step-10', name: 'Open a pull request', continueOnError: false, kind: 'pull_request', title: 'Fix labeled issues', draft: false, labels: [] },
      { id: 'step-11', name: 'Post a comment', continueOnError: false, kind: 'comment', body: 'Done' },
      { id: 'step-12', name: 'Run echo one', if: "steps.tests.status == 'failed'", continueOnError: false, kind: 'run', command: 'echo one\necho two\n' },
    ])
  })

  test('the smallest file: defaults for budget, policies and triggers', () => {
    const workflow = workflowOf('name: Tiny\non:\n  issues:\n  pull_request:\n  manual: true\nsteps:\n  - test:\n')
    expect(workflow).toEqual({
      name: 'Tiny',
      on: { issues: { types: ['opened'] }, pullRequest: { types: ['opened', 'synchronize', 'reopened'] }, manual: { inputs: {} } },
      budget: {},
      policies: { requiredChecks: [], approvalBeforePush: false, approvers: 'any', secrets: [] },
      steps: [{ id: 'step-1', name: 'Run the tests', continueOnError: false, kind: 'test' }],
    })
  })

  test('shorthands: issue labels imply `labeled`, `manual: {}`, webhook by name, `if: true`', () => {
    const workflow = workflowOf('name: S\non: { issues: { labels: [bug] }, manual: {}, webhook: ping }\nsteps: [{ run: ls, if: true }]\n')
    expect(workflow.on).toEqual({ issues: { types: ['labeled'], labels: ['bug'] }, manual: { inputs: {} }, webhook: { name: 'ping' } })
    expect(workflow.steps[0]).toMatchObject({ kind: 'run', if: 'true' })
  })

  test('`manual: false` is no manual trigger, as long as another trigger remains', () => {
    expect(workflowOf('name: S\non: { manual: false, webhook: x }\nsteps: [{ test: true }]\n').on).toEqual({ webhook: { name: 'x' } })
    expect(lines('name: S\non: { manual: false }\nsteps: [{ test: true }]\n')).toEqual([
      `${FILE}:2:5: on: a workflow needs at least one trigger: issues, pull_request, schedule, webhook or manual`,
    ])
  })

  test('a default id never collides with an id given in the file', () => {
    const workflow = workflowOf('name: S\non: { manual: true }\nsteps:\n  - id: step-2\n    test: true\n  - run: ls\n')
    expect(workflow.steps.map((s) => s.id)).toEqual(['step-2', 'step-2-2'])
  })

  test('anchors and aliases are read through', () => {
    const workflow = workflowOf('name: S\non: { manual: true }\nsteps:\n  - run: &cmd npm test\n  - run: *cmd\n')
    expect(workflow.steps.map((s) => s.kind === 'run' && s.command)).toEqual(['npm test', 'npm test'])
  })
})

describe('parseWorkflow: problems, located', () => {
  test('a step without a kind, as in the docs', () => {
    const text = `name: Fix
on:
  issues: { types: [labeled] }
budget: { max_turns: 3 }
policies: { approvers: any }
steps:
  - id: fix
    name: Fix it
`
    expect(lines(text)).toEqual([`${FILE}:7:5: steps[0]: a step needs exactly one of agent, run, test, pull_request, comment, approval, deploy`])
    expect(problemsOf(text)[0]).toMatchObject({ line: 7, column: 5, path: 'steps[0]', endLine: 9, endColumn: 1 })
  })

  test('a step with two kinds names them', () => {
    expect(lines('name: S\non: { manual: true }\nsteps:\n  - agent: hi\n    run: ls\n')).toEqual([
      `${FILE}:4:5: steps[0]: a step needs exactly one of agent, run, test, pull_request, comment, approval, deploy (this one has agent and run)`,
    ])
  })

  test('unknown fields, with a suggestion when one is close', () => {
    expect(lines('name: S\non: { manual: true }\nstpes: []\nsteps: [{ test: true, continue_on_error: true, wat: 1 }]\n')).toEqual([
      `${FILE}:3:1: stpes: unknown field \`stpes\` — did you mean \`steps\`?`,
      `${FILE}:4:23: steps[0].continue_on_error: unknown field \`continue_on_error\` — did you mean \`continue-on-error\`?`,
      `${FILE}:4:48: steps[0].wat: unknown field \`wat\` (known: id, name, if, continue-on-error, agent, run, test, pull_request, comment, approval, deploy)`,
    ])
  })

  test('an unknown field inside a shorthand-or-object value', () => {
    expect(lines('name: S\non: { manual: true }\nsteps:\n  - agent: { instructions: go, rol: fixer }\n')).toEqual([
      `${FILE}:4:32: steps[0].agent.rol: unknown field \`rol\` — did you mean \`role\`?`,
    ])
  })

  test('missing required fields point at what should hold them', () => {
    expect(lines('on: { manual: true }\nsteps:\n  - comment: { issue: 3 }\n')).toEqual([
      `${FILE}:1:1: name: missing required field \`name\``,
      `${FILE}:3:14: steps[0].comment.body: missing required field \`body\``,
    ])
    expect(lines('name: S\nsteps: [{ test: true }]\n')).toEqual([`${FILE}:1:1: on: missing required field \`on\``])
  })

  test('wrong types and values', () => {
    expect(
      lines(`name: S
on:
  issues: { types: [labelled] }
  manual: { inputs: { n: { type: number, default: many }, c: { type: choice, options: [a], default: b }, x: { type: choice } } }
budget: { max_turns: 1.5, max_credits: -1 }
policies: { approvers: some, secrets: [1BAD], approval_before_push: "yes" }
steps:
  - test: yes
  - agent: 5
  - run: ""
`),
    ).toEqual([
      `${FILE}:3:21: on.issues.types[0]: expected opened, edited, deleted, transferred, pinned, unpinned, closed, reopened, assigned, unassigned, labeled, unlabeled, locked, unlocked, milestoned or demilestoned, got \`labelled\``,
      `${FILE}:4:51: on.manual.inputs.n.default: the default of a number input must be a number`,
      `${FILE}:4:101: on.manual.inputs.c.default: the default must be one of the options (a)`,
      `${FILE}:4:109: on.manual.inputs.x: a \`choice\` input needs \`options\``,
      `${FILE}:5:22: budget.max_turns: expected a whole number, got number 1.5`,
      `${FILE}:5:40: budget.max_credits: must be more than 0`,
      `${FILE}:6:24: policies.approvers: expected any or others, got \`some\``,
      `${FILE}:6:40: policies.secrets[0]: a secret name uses letters, digits and \`_\`, not starting with a digit`,
      `${FILE}:6:69: policies.approval_before_push: expected true or false, got \`yes\``,
      `${FILE}:8:11: steps[0].test: expected true or an object, got \`yes\``,
      `${FILE}:9:12: steps[1].agent: expected a string or an object, got number 5`,
      `${FILE}:10:10: steps[2].run: must not be empty`,
    ])
  })

  test('a bad input name is a problem at the name', () => {
    expect(lines('name: S\non:\n  manual:\n    inputs:\n      "bad name": { type: string }\nsteps: [{ test: true }]\n')).toEqual([
      `${FILE}:5:7: on.manual.inputs["bad name"]: an input name uses letters, digits, \`_\` and \`-\``,
    ])
  })

  test('bad crons are problems at their line and column', () => {
    expect(lines('name: S\non:\n  schedule:\n    - cron: "0 9 * * 1"\n    - cron: "61 * * * *"\n    - cron: "* * * *"\nsteps: [{ test: true }]\n')).toEqual([
      `${FILE}:5:13: on.schedule[1].cron: invalid cron expression \`61 * * * *\`: Invalid value for minute: 61`,
      `${FILE}:6:13: on.schedule[2].cron: a cron expression has 5 fields (minute, hour, day of month, month, day of week), \`* * * *\` has 4`,
    ])
  })

  test('expressions are checked where they are written', () => {
    expect(
      lines(`name: S
on: { manual: true }
steps:
  - id: a
    if: \${{ trigger.issue.number > }}
    run: echo \${{ trigger.issue.title }}
  - comment: "\${{ secrets.TOKEN }}"
  - comment: "\${{ steps.nope.outputs.url }}"
  - comment: "unclosed \${{ trigger.x"
  - if: trigger.constructor
    run: ls
`),
    ).toEqual([
      `${FILE}:5:9: steps[0].if: bad expression \`trigger.issue.number >\`: unexpected end of expression`,
      `${FILE}:7:14: steps[1].comment: in \`\${{ secrets.TOKEN }}\`: unknown name \`secrets\`: an expression starts from trigger, inputs, steps, run, repository`,
      `${FILE}:8:14: steps[2].comment: no step has the id \`nope\` (steps.nope)`,
      `${FILE}:9:14: steps[3].comment: \`\${{\` without a closing \`}}\``,
      `${FILE}:10:9: steps[4].if: bad expression \`trigger.constructor\`: \`constructor\` cannot be read`,
    ])
  })

  test('duplicate step ids and required checks that name no step', () => {
    expect(lines('name: S\non: { manual: true }\npolicies: { required_checks: [test] }\nsteps:\n  - id: a\n    test: true\n  - id: a\n    run: ls\n')).toEqual([
      `${FILE}:3:31: policies.required_checks[0]: no step has the id \`test\``,
      `${FILE}:7:9: steps[1].id: duplicate step id \`a\` (also steps[0])`,
    ])
  })

  test('no steps, an empty `on`, a bad step id and webhook name', () => {
    expect(lines('name: S\non: { webhook: { name: "a b" } }\nsteps: []\n')).toEqual([
      `${FILE}:2:24: on.webhook.name: a webhook name uses letters, digits, \`_\`, \`.\` and \`-\``,
      `${FILE}:3:8: steps: a workflow needs at least one step`,
    ])
    expect(lines('name: S\non: {}\nsteps: [{ id: Fix, test: true }]\n')).toEqual([
      `${FILE}:2:5: on: a workflow needs at least one trigger: issues, pull_request, schedule, webhook or manual`,
      `${FILE}:3:15: steps[0].id: a step id uses only a-z, 0-9, \`_\` and \`-\``,
    ])
  })

  test('YAML syntax errors come with line and column', () => {
    expect(lines('name: S\non: { manual: true }\nsteps:\n  - run: ls\n   bad: indent\n')).toEqual([`${FILE}:5:1: invalid YAML: Sequence item without - indicator`])
    expect(lines('name: S\n\ton: x\n')).toEqual([`${FILE}:2:1: invalid YAML: Tabs are not allowed as indentation`])
    expect(lines('name: S\non: { manual: true\nsteps: []\n')).toEqual([
      `${FILE}:3:1: invalid YAML: Flow map in block collection must be sufficiently indented and end with a }`,
    ])
    expect(lines('name: S\nname: T\non: { manual: true }\nsteps: [{ test: true }]\n')).toEqual([`${FILE}:2:1: invalid YAML: Map keys must be unique`])
  })

  test('empty files and files that are not an object', () => {
    expect(lines('')).toEqual([`${FILE}:1:1: the file is empty: a workflow needs \`name\`, \`on\` and \`steps\``])
    expect(lines('# only a comment\n')).toEqual([`${FILE}:1:1: the file is empty: a workflow needs \`name\`, \`on\` and \`steps\``])
    expect(lines('- a\n- b\n')).toEqual([`${FILE}:1:1: expected an object with \`name\`, \`on\` and \`steps\`, got a list`])
  })

  test('never throws, whatever the input', () => {
    const samples = [
      '\u0000\u0001', '{{{', ']]', '&a [*a]', '!!binary xx', 'name: [', '"', "steps: [{ agent: '${{ (((( }}' }]", 'on: !!js/function "x"',
      'a: &a [*a, *a]\nb: *a', '\t\t', '%YAML 1.1\n---\non: yes\n', 'steps:\n  - ? complex\n    : key\n',
    ]
    for (let n = 0; n < 200; n++) samples.push(Array.from({ length: 40 }, () => String.fromCharCode(32 + ((n * 7919 + samples.length * 31) % 95))).join(''))
    for (const sample of samples) for (const file of [FILE, 'x.json']) {
      const result: ParseResult = parseWorkflow(sample, file)
      if (!result.ok) for (const p of result.problems) expect(p.line).toBeGreaterThanOrEqual(1)
    }
  })
})

describe('parseWorkflow: deploy steps', () => {
  const steps = (yaml: string) => `name: Site\non: { manual: true }\nsteps:\n${yaml}`

  test('a preview deploy, with a build, and the defaults of the smallest one', () => {
    const workflow = workflowOf(
      steps(`  - id: preview
    if: \${{ inputs.ship != 'no' }}
    continue-on-error: true
    deploy: { preview: true, build: npm run build, output: ./site/public/, spa: true, visibility: private }
  - deploy: { preview: true }
  - comment: "See \${{ steps.preview.outputs.url }} (\${{ steps.preview.outputs.id }})"
`),
    )
    expect(workflow.steps.slice(0, 2)).toEqual([
      {
        id: 'preview',
        name: 'Build and deploy a preview',
        if: "inputs.ship != 'no'",
        continueOnError: true,
        kind: 'deploy',
        preview: true,
        build: 'npm run build',
        output: './site/public/',
        spa: true,
        visibility: 'private',
      },
      { id: 'step-2', name: 'Deploy a preview', continueOnError: false, kind: 'deploy', preview: true, output: 'dist', spa: false, visibility: 'public' },
    ])
  })

  test('`preview: true` is required: production stays a person’s act', () => {
    const why = 'a deploy step needs `preview: true`: it publishes a preview with a URL of its own; promoting a deployment to production stays a person’s act, in the IDE'
    expect(lines(steps('  - deploy: { build: npm run build }\n'))).toEqual([`${FILE}:4:13: steps[0].deploy.preview: ${why}`])
    expect(lines(steps('  - deploy: { preview: false }\n'))).toEqual([`${FILE}:4:24: steps[0].deploy.preview: ${why}`])
    expect(lines(steps('  - deploy: true\n'))).toEqual([`${FILE}:4:13: steps[0].deploy: expected an object, got boolean true`])
  })

  test('an output folder may not leave the project', () => {
    expect(lines(steps('  - deploy: { preview: true, output: ../secrets }\n  - deploy: { preview: true, output: "dist/../../x" }\n'))).toEqual([
      `${FILE}:4:38: steps[0].deploy.output: "../secrets" leaves the project (no ".." in the output folder)`,
      `${FILE}:5:38: steps[1].deploy.output: "dist/../../x" leaves the project (no ".." in the output folder)`,
    ])
    expect(lines(steps('  - deploy: { preview: true, output: "dist\\\\web" }\n'))).toEqual([
      `${FILE}:4:38: steps[0].deploy.output: "dist\\web" is not a folder path (use / between folders)`,
    ])
  })

  test('unknown fields, a bad visibility, and a deploy beside another kind', () => {
    expect(lines(steps('  - deploy: { preview: true, outptu: dist, visibility: secret }\n'))).toEqual([
      `${FILE}:4:30: steps[0].deploy.outptu: unknown field \`outptu\` — did you mean \`output\`?`,
      `${FILE}:4:56: steps[0].deploy.visibility: expected public or private, got \`secret\``,
    ])
    expect(lines(steps('  - deploy: { preview: true, production: true }\n'))).toEqual([
      `${FILE}:4:30: steps[0].deploy.production: unknown field \`production\` (known: preview, build, output, spa, visibility)`,
    ])
    expect(lines(steps('  - run: npm run build\n    deploy: { preview: true }\n'))).toEqual([
      `${FILE}:4:5: steps[0]: a step needs exactly one of agent, run, test, pull_request, comment, approval, deploy (this one has run and deploy)`,
    ])
  })
})

describe('parseWorkflow: JSON files', () => {
  test('a .json file with the same structure parses the same', () => {
    const json = JSON.stringify(
      {
        $schema: 'https://coder.example/coder-workflow.schema.json',
        name: 'Fix labeled issues',
        on: { issues: { types: ['labeled'], labels: ['coder'] }, schedule: [{ cron: '0 9 * * 1' }] },
        policies: { write_paths: ['src'], required_checks: ['tests'] },
        steps: [{ id: 'fix', agent: 'Fix it' }, { id: 'tests', test: true }, { pull_request: { title: 'Fix' } }],
      },
      null,
      '\t',
    )
    const workflow = workflowOf(json, '.coder/workflows/fix.json')
    expect(workflow.on).toEqual({ issues: { types: ['labeled'], labels: ['coder'] }, schedule: [{ cron: '0 9 * * 1' }] })
    expect(workflow.steps.map((s) => `${s.id}:${s.kind}`)).toEqual(['fix:agent', 'tests:test', 'step-3:pull_request'])
  })

  test('problems in JSON are located too', () => {
    const json = '{\n  "name": "S",\n  "on": { "manual": true },\n  "steps": [\n    { "run": "ls" },\n    { "agent": 1, "tset": true }\n  ]\n}\n'
    expect(lines(json, 'w.json')).toEqual([
      'w.json:6:16: steps[1].agent: expected a string or an object, got number 1',
      'w.json:6:19: steps[1].tset: unknown field `tset` — did you mean `test`?',
    ])
  })

  test('what YAML allows but JSON does not is a JSON error with its position', () => {
    expect(lines('{\n  "name": "S",\n  "steps": [ { "run": "ls" }, ]\n}\n', 'w.json')).toEqual([
      'w.json:3:29: invalid JSON: a trailing comma is not allowed in JSON',
    ])
    expect(lines('{\n  # note\n  "name": "S"\n}\n', 'w.json')).toEqual(['w.json:2:3: invalid JSON: expected a "quoted" key, found `#`'])
    expect(lines('{ "name": "S", "on": { "manual": true }, "steps": [ { "run": ls } ] }', 'w.json')).toEqual([
      'w.json:1:62: invalid JSON: expected a value, found `l`',
    ])
    expect(lines('{ "name": "S" ', 'w.json')).toEqual(['w.json:1:15: invalid JSON: expected `,` or `}`, found end of file'])
  })
})
