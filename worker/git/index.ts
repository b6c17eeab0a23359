/** @module git over the namespace with isomorphic-git: clone, status, diff, stage, commit, branches, log. */
export { openRepo, cloneRepo, initRepo, status, classifyStatus, diffFile, stage, unstage, commit, branches, createBranch, checkout, log, showCommit, addAll, isBinary } from './git'
export type { Repo, CloneOptions } from './git'
export { statusMatrix, type StatusRow } from './status'
export { createHttpClient } from './http'
