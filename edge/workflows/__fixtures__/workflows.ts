/** @module Workflow files the tests commit to repositories of the GitHub stand-in. */

/** Issues labeled `coder`, and Run now with a required choice. */
export const FIX = `name: Fix labeled issues
on:
  issues:
    types: [labeled]
    labels: [coder]
  manual:
    inputs:
      effort:
        type: choice
        options: [low, high]
        required: true
steps:
  - agent: Fix issue \${{ trigger.issue.number }}
  - pull_request:
      title: Fix it
`

/** Mondays 09:30 UTC. */
export const WEEKLY = `name: Weekly tests
on:
  schedule:
    - cron: "30 9 * * 1"
steps:
  - run: npm test
`

/** A named webhook, in JSON. */
export const DEPLOYED = `{ "name": "After deploy", "on": { "webhook": "deployed" }, "steps": [{ "run": "npm run smoke" }] }
`

/** Line 5: a step with two kinds. */
export const BROKEN = `name: Broken
on:
  manual: true
steps:
  - run: npm test
    agent: and fix it
`

/** Pull requests opened. */
export const REVIEW = `name: Review pull requests
on:
  pull_request:
    types: [opened]
steps:
  - agent: Review pull request \${{ trigger.pull_request.number }}
`
