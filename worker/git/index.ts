/** @module git over the namespace with isomorphic-git: clone, status, diff, stage, commit, branches, log. */
// First: isomorphic-git needs Node's Buffer as a global (loaded with git, not when the worker starts).
import '../polyfills'
export { cloneRepo, initRepo, status, classifyStatus, diffFile, stage, unstage, commit, branches, createBranch, checkout, log, showCommit, addAll, push, compareBranch } from './git'
export { openRepo, isBinary, type Repo } from './repo'
export type { CloneOptions, PushResult } from './git'
export { statusMatrix, type StatusRow } from './status'
export { createHttpClient } from './http'
