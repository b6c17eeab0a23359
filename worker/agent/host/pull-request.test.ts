import { describe, expect, it } from 'vitest'
import { pullRequestBody, workflowPullRequestBody } from './pull-request'

const usage = { turns: 2, inputTokens: 100, outputTokens: 20, costMicros: 1_000, elapsedMs: 3_000 }
const preview = { url: 'https://d-1a2b.preview.example', id: 'd-1a2b' }

describe('the preview link in a pull request’s description', () => {
  it('a workflow’s pull request links the preview an earlier deploy step made, between its body and the checks', () => {
    const body = workflowPullRequestBody({ body: 'Fixes #3', workflowName: 'Fix issues', runUrl: 'https://coder.example/workflows/runs/r1', checks: [{ id: 'tests', passed: 4, failed: 0 }], preview })
    expect(body).toBe(
      'Fixes #3\n\n**Preview:** https://d-1a2b.preview.example\n\n**Checks:** tests: 4 passed, 0 failed\n\n_Opened by the Coder workflow “Fix issues” — run https://coder.example/workflows/runs/r1_',
    )
  })

  it('says when the preview opens only through a signed link, and has no preview line without a deploy', () => {
    const body = (p?: typeof preview & { visibility?: 'public' | 'private' }) => workflowPullRequestBody({ body: '', workflowName: 'W', runUrl: 'u', checks: [], preview: p })
    expect(body({ ...preview, visibility: 'private' })).toBe('**Preview:** https://d-1a2b.preview.example (private: it opens only through a signed link)\n\n_Opened by the Coder workflow “W” — run u_')
    expect(body()).toBe('_Opened by the Coder workflow “W” — run u_')
  })

  it('MechaCoder’s description gets a Preview section when its run deployed one', () => {
    const options = { task: 'Fix add', summary: 'Made add add.', files: ['src/add.js'], report: null, testsWaived: true, usage, runId: 'run-1' }
    expect(pullRequestBody({ ...options, preview })).toContain('## Tests\nNo tests: the task said none are needed.\n\n## Preview\n**Preview:** https://d-1a2b.preview.example\n\n## Run\n')
    expect(pullRequestBody(options)).not.toContain('Preview')
  })
})
