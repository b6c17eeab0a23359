/** What git says about a pull request, read from its repository's bare repository. */
import { countCommits, diffStat, mergesCleanly } from './git.ts'
import type { PullGitFacts } from './shapes.ts'
import type { GitHubState, Issue, Repo } from './state.ts'

/** Commits, diff size and mergeability of pull request `pr` between its base and head shas (remembered per sha pair). */
export function pullFacts(state: GitHubState, repo: Repo, pr: Issue): Promise<PullGitFacts> {
  const pull = pr.pull
  if (!pull) throw new Error(`#${pr.number} is not a pull request`)
  const key = `${repo.dir}\0${pull.baseSha}\0${pull.headSha}`
  let facts = state.gitMemo.get(key) as Promise<PullGitFacts> | undefined
  if (!facts) {
    facts = computeFacts(repo.dir, pull.baseSha, pull.headSha)
    state.gitMemo.set(key, facts)
    facts.catch(() => state.gitMemo.delete(key))
  }
  return facts
}

async function computeFacts(dir: string, base: string, head: string): Promise<PullGitFacts> {
  const [commits, stat, mergeable] = await Promise.all([
    countCommits(dir, base, head),
    diffStat(dir, base, head),
    mergesCleanly(dir, base, head),
  ])
  return { commits, additions: stat.additions, deletions: stat.deletions, changedFiles: stat.changedFiles, mergeable }
}
