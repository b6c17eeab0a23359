/** Starting points for a new workflow file, offered by the IDE. Each parses cleanly (templates.test.ts). */

/** A workflow file to start from. */
export interface WorkflowTemplate {
  id: 'fix-labeled-issues' | 'review-pull-requests' | 'weekly-dependency-bump' | 'preview-pull-requests'
  title: string
  description: string
  /** Its name in .coder/workflows/. */
  fileName: string
  /** The file's YAML. */
  source: string
}

const fixLabeledIssues = `# Fixes issues labeled \`coder\`: an agent changes the code, the tests must pass,
# then Coder opens a pull request and links it on the issue.
name: Fix labeled issues
on:
  issues:
    types: [labeled]
    labels: [coder]
budget:
  max_credits: 2
  max_credits_per_day: 10
  max_turns: 30
  timeout_minutes: 30
policies:
  required_checks: [tests]
steps:
  - id: fix
    agent:
      role: fixer
      instructions: |
        Fix GitHub issue #\${{ trigger.issue.number }}: \${{ trigger.issue.title }}

        \${{ trigger.issue.body }}

        Keep the change small, and add or update tests that show the fix.
  - id: tests
    test: true
  - id: pr
    pull_request:
      title: "Fix #\${{ trigger.issue.number }}: \${{ trigger.issue.title }}"
      body: |
        Fixes #\${{ trigger.issue.number }}.

        Made by the workflow "Fix labeled issues" (run \${{ run.url }}).
      labels: [coder]
  - id: link
    comment: "I opened a pull request for this issue: \${{ steps.pr.outputs.url }}"
`

const reviewPullRequests = `# Reviews each pull request when it is opened or updated, and posts the review as a comment.
# The reviewer reads the code and changes nothing (write_paths: []).
name: Review pull requests
on:
  pull_request:
    types: [opened, synchronize]
budget:
  max_credits: 1
  max_credits_per_day: 10
  max_turns: 20
  timeout_minutes: 15
policies:
  write_paths: []
steps:
  - id: review
    agent:
      role: reviewer
      instructions: |
        Review pull request #\${{ trigger.pull_request.number }}: \${{ trigger.pull_request.title }}
        (\${{ trigger.pull_request.head }} into \${{ trigger.pull_request.base }}).

        \${{ trigger.pull_request.body }}

        Read the changed files and their tests. Do not change any file. Reply with a short
        review: bugs first, then risks and missing tests, then style, each with file and line.
  - id: post
    comment: |
      **Coder review**

      \${{ steps.review.outputs.summary }}
`

const weeklyDependencyBump = `# Every Monday (and on "Run now"): update the dependencies, run the tests, open a pull request.
name: Weekly dependency bump
on:
  schedule:
    - cron: "0 9 * * 1"
  manual:
    inputs:
      scope:
        type: choice
        options: [minor, major]
        default: minor
        description: Allow major version updates too?
budget:
  max_credits: 2
  max_turns: 30
  timeout_minutes: 45
policies:
  write_paths: [package.json, package-lock.json]
  required_checks: [tests]
steps:
  - id: bump
    agent:
      role: maintainer
      instructions: |
        Update this project's npm dependencies to their latest \${{ inputs.scope || 'minor' }} versions
        (package.json and package-lock.json only). Run the install, then list what changed.
  - id: tests
    test: true
  - id: pr
    pull_request:
      title: Weekly dependency bump
      body: |
        Dependency updates (\${{ inputs.scope || 'minor' }}), made by the workflow "Weekly dependency bump".

        \${{ steps.bump.outputs.summary }}
      labels: [dependencies]
`

const previewPullRequests = `# Builds each pull request when it is opened or updated, publishes the build as a preview
# (its own URL), and links it on the pull request. Promoting a preview to production stays
# a person's act, in the IDE.
name: Preview pull requests
on:
  pull_request:
    types: [opened, synchronize, reopened]
budget:
  timeout_minutes: 15
policies:
  write_paths: []
steps:
  - id: preview
    deploy:
      preview: true
      build: npm run build          # installs the dependencies first when node_modules is missing
      output: dist
  - id: link
    comment: "Preview of \${{ trigger.pull_request.head }}: \${{ steps.preview.outputs.url }}"
`

/** The templates the IDE offers for a new workflow. */
export const WORKFLOW_TEMPLATES: readonly WorkflowTemplate[] = [
  {
    id: 'fix-labeled-issues',
    title: 'Fix labeled issues',
    description: 'When an issue is labeled coder, an agent fixes it, the tests run, and a pull request is linked on the issue.',
    fileName: 'fix-labeled-issues.yml',
    source: fixLabeledIssues,
  },
  {
    id: 'review-pull-requests',
    title: 'Review pull requests',
    description: 'When a pull request is opened or updated, an agent reviews it (changing nothing) and comments.',
    fileName: 'review-pull-requests.yml',
    source: reviewPullRequests,
  },
  {
    id: 'weekly-dependency-bump',
    title: 'Weekly dependency bump',
    description: 'Every Monday at 09:00 UTC, or on Run now: update dependencies, run the tests, open a pull request.',
    fileName: 'weekly-dependency-bump.yml',
    source: weeklyDependencyBump,
  },
  {
    id: 'preview-pull-requests',
    title: 'Preview pull requests',
    description: 'When a pull request is opened or updated: build it, publish the build as a preview, and comment its link.',
    fileName: 'preview-pull-requests.yml',
    source: previewPullRequests,
  },
]
