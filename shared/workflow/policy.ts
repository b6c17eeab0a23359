/**
 * What a run may touch: the directories it may write, secrets kept out of its logs, and where
 * workflow files live.
 */

/** Where a repository keeps its workflow files. */
export const WORKFLOW_DIR = '.coder/workflows'

/** The branches workflow runs push (`coder/wf-<workflow>-<run>`); pull requests from them start no workflow. */
export const WORKFLOW_BRANCH_PREFIX = 'coder/wf-'

/**
 * A workspace-relative path with `.` and `..` resolved, without leading `./` or `/` and trailing
 * `/`; '' is the workspace itself. Null when `..` would leave the workspace.
 */
export function normaliseWorkspacePath(path: string): string | null {
  const parts: string[] = []
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') {
      if (!parts.length) return null
      parts.pop()
    } else parts.push(part)
  }
  return parts.join('/')
}

/** Whether `path` is a workflow file: `.coder/workflows/<name>.yml`, `.yaml` or `.json`, directly in that folder. */
export function isWorkflowPath(path: string): boolean {
  const normal = normaliseWorkspacePath(path)
  if (!normal?.startsWith(`${WORKFLOW_DIR}/`)) return false
  const name = normal.slice(WORKFLOW_DIR.length + 1)
  return !name.includes('/') && /^[^.].*\.(ya?ml|json)$/i.test(name)
}

/**
 * Whether a run whose policy lists `writePaths` may write `path` (workspace-relative). Absent
 * `writePaths`: anywhere in the workspace; `[]`: nowhere. `src/` and `src` both mean the
 * directory src and everything in it (and a file src). A path that `..` takes out of the
 * workspace is never allowed.
 */
export function isWriteAllowed(path: string, writePaths: string[] | undefined): boolean {
  const target = normaliseWorkspacePath(path)
  if (target === null || target === '') return false
  if (!writePaths) return true
  return writePaths.some((entry) => {
    const dir = normaliseWorkspacePath(entry)
    if (dir === null) return false
    return dir === '' || target === dir || target.startsWith(`${dir}/`)
  })
}

/**
 * `text` with every occurrence of each secret value (of 4 characters or more) replaced by `***`.
 * A secret pasted with a trailing newline is masked without it too, and each line of a multi-line
 * secret (a PEM key) on its own, as logs may break it anywhere a line ends.
 */
export function maskSecrets(text: string, secrets: string[]): string {
  const candidates = secrets.flatMap((secret) => [secret, secret.trim(), ...secret.split(/\r?\n/).map((line) => line.trim())])
  // Longest first, so a secret that contains another is masked whole.
  const values = [...new Set(candidates.filter((value) => value.length >= 4))].sort((a, b) => b.length - a.length)
  let out = text
  for (const secret of values) out = out.split(secret).join('***')
  return out
}
