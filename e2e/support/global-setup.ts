/**
 * @module vitest globalSetup shared by the 'browser' and 'e2e' projects: builds the small fixture
 * repositories in a temp dir, serves them over real `git http-backend`, and provides its URL.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { createSmallRepos } from './fixtures'
import { startGitServer } from '../../standins/git-server'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the test git server: `${gitServerUrl}/small.git`, `${gitServerUrl}/empty.git`. */
    gitServerUrl: string
  }
}

/** Starts the fixture git server for one project's run; the returned teardown stops it and deletes the repos. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = mkdtempSync(join(tmpdir(), 'coder-git-'))
  await createSmallRepos(root)
  const server = await startGitServer({ root })
  project.provide('gitServerUrl', server.url)
  return async () => {
    await server.close()
    rmSync(root, { recursive: true, force: true })
  }
}
