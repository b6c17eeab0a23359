import { AppError } from '../../../shared/errors'

/** What a `pip …` command line asks for. */
export type PipCommand =
  | { type: 'version' }
  | { type: 'help' }
  | ({ type: 'install' } & InstallOptions)
  | { type: 'uninstall'; names: string[]; files: string[] }
  | { type: 'list'; format: 'columns' | 'freeze' | 'json' }
  | { type: 'freeze' }
  | { type: 'show'; names: string[] }

/** The options of `pip install` the tab honours. */
export interface InstallOptions {
  /** Requirement strings from the command line (`greet>=1`, `tool-kit[fancy]`). */
  requirements: string[]
  /** `-r` files, as given (relative to the working folder). */
  files: string[]
  /** `-c` files. */
  constraints: string[]
  indexUrl: string | null
  extraIndexUrls: string[]
  pre: boolean
  upgrade: boolean
  forceReinstall: boolean
  noDeps: boolean
  /** `--no-index`: only what the package cache holds. */
  noIndex: boolean
  dryRun: boolean
  quiet: boolean
}

/** The usage text of `pip help`. */
export const PIP_USAGE = `Usage:
  pip install [options] <requirement specifier> ...
  pip install [options] -r <requirements file> ...
  pip uninstall [-y] <package> ... | -r <requirements file>
  pip list [--format columns|freeze|json]
  pip freeze
  pip show <package> ...
  pip --version

Install options: -r/--requirement, -c/--constraint, -i/--index-url, --extra-index-url, --pre,
-U/--upgrade, --force-reinstall, --no-deps, --no-index (the package cache only), --dry-run, -q.
Packages go into /workspace/.venv (a virtual environment Python in the tab uses automatically).
The index comes from --index-url, requirements files, PIP_INDEX_URL (Settings: Python package
index) or pip.conf at the project root ([global] index-url = https://…/simple/).
`

// Options that change nothing in the tab: accepted so that copied command lines work.
const IGNORED_FLAGS = new Set(['-v', '--verbose', '--no-cache-dir', '--disable-pip-version-check', '--no-input', '--isolated', '--user', '--break-system-packages', '--prefer-binary', '--no-build-isolation', '--no-warn-script-location', '--no-warn-conflicts', '--require-hashes', '--progress-bar', '--root-user-action', '--upgrade-strategy', '--only-binary', '--no-binary', '--trusted-host', '--timeout', '--retries', '--no-color', '--compile', '--no-compile'])
const IGNORED_WITH_VALUE = new Set(['--progress-bar', '--root-user-action', '--upgrade-strategy', '--only-binary', '--no-binary', '--trusted-host', '--timeout', '--retries'])

/**
 * Reads the arguments after `pip` (or `python -m pip`). Throws BAD_INPUT (exit status 2, as pip's
 * usage errors) for an unknown command or option, a missing value, or a form the tab cannot
 * install (`-e`, `--target`).
 */
export function parsePipArgs(args: readonly string[]): PipCommand {
  const usage = (why: string) => new AppError('BAD_INPUT', `${why}\n\n${PIP_USAGE}`, { usage: true })
  let i = 0
  // Global options before the command.
  for (; i < args.length && args[i]!.startsWith('-'); i++) {
    const a = args[i]!
    if (a === '--version' || a === '-V') return { type: 'version' }
    if (a === '-h' || a === '--help') return { type: 'help' }
    if (a === '-q' || a === '--quiet' || IGNORED_FLAGS.has(a.split('=')[0]!)) {
      if (IGNORED_WITH_VALUE.has(a)) i++
      continue
    }
    throw usage(`no such option: ${a}`)
  }
  const command = args[i]
  const rest = args.slice(i + 1)
  if (command === undefined || command === 'help') return { type: 'help' }
  if (rest.includes('-h') || rest.includes('--help')) return { type: 'help' }
  const value = (k: number, name: string) => {
    const v = rest[k + 1]
    if (v === undefined) throw usage(`${name} option requires 1 argument`)
    return v
  }
  switch (command) {
    case 'install':
    case 'i': {
      const o: InstallOptions = { requirements: [], files: [], constraints: [], indexUrl: null, extraIndexUrls: [], pre: false, upgrade: false, forceReinstall: false, noDeps: false, noIndex: false, dryRun: false, quiet: args.slice(0, i).some((a) => a === '-q' || a === '--quiet') }
      for (let k = 0; k < rest.length; k++) {
        const raw = rest[k]!
        const eq = raw.startsWith('--') ? raw.indexOf('=') : -1
        const name = eq > 0 ? raw.slice(0, eq) : raw
        const inline = eq > 0 ? raw.slice(eq + 1) : null
        const take = () => inline ?? value(k++, name)
        if (!raw.startsWith('-') || raw === '-') o.requirements.push(raw)
        else if (name === '-r' || name === '--requirement') o.files.push(take())
        else if (/^-r./.test(raw)) o.files.push(raw.slice(2))
        else if (name === '-c' || name === '--constraint') o.constraints.push(take())
        else if (name === '-i' || name === '--index-url') o.indexUrl = take()
        else if (/^-i./.test(raw)) o.indexUrl = raw.slice(2)
        else if (name === '--extra-index-url') o.extraIndexUrls.push(take())
        else if (name === '--pre') o.pre = true
        else if (name === '-U' || name === '--upgrade') o.upgrade = true
        else if (name === '--force-reinstall') o.forceReinstall = true
        else if (name === '--no-deps') o.noDeps = true
        else if (name === '--no-index') o.noIndex = true
        else if (name === '--dry-run') o.dryRun = true
        else if (name === '-q' || name === '--quiet') o.quiet = true
        else if (name === '-e' || name === '--editable') throw usage(`editable installs (${raw}${inline === null && rest[k + 1] ? ` ${rest[k + 1]}` : ''}) are not supported in the tab: the project's own code is importable from /workspace already`)
        else if (name === '-t' || name === '--target' || name === '--prefix' || name === '--root') throw usage(`${name} is not supported in the tab: packages go into /workspace/.venv`)
        else if (IGNORED_FLAGS.has(name)) {
          if (IGNORED_WITH_VALUE.has(name) && inline === null) k++
        } else throw usage(`no such option: ${raw}`)
      }
      if (!o.requirements.length && !o.files.length) throw usage('You must give at least one requirement to install (e.g. "pip install greet" or "pip install -r requirements.txt").')
      return { type: 'install', ...o }
    }
    case 'uninstall': {
      const names: string[] = []
      const files: string[] = []
      for (let k = 0; k < rest.length; k++) {
        const a = rest[k]!
        if (a === '-y' || a === '--yes' || a === '-q' || a === '--quiet' || a === '--break-system-packages' || a === '--root-user-action') continue
        if (a === '-r' || a === '--requirement') files.push(value(k++, a))
        else if (a.startsWith('--requirement=')) files.push(a.slice('--requirement='.length))
        else if (a.startsWith('-')) throw usage(`no such option: ${a}`)
        else names.push(a)
      }
      if (!names.length && !files.length) throw usage('You must give at least one requirement to uninstall (e.g. "pip uninstall greet").')
      return { type: 'uninstall', names, files }
    }
    case 'list': {
      let format: 'columns' | 'freeze' | 'json' = 'columns'
      for (let k = 0; k < rest.length; k++) {
        const a = rest[k]!
        const f = a === '--format' ? value(k++, a) : a.startsWith('--format=') ? a.slice('--format='.length) : null
        if (f !== null) {
          if (f !== 'columns' && f !== 'freeze' && f !== 'json') throw usage(`invalid --format: "${f}" (choose from columns, freeze, json)`)
          format = f
        } else if (a === '-o' || a === '--outdated' || a === '-u' || a === '--uptodate') throw usage(`${a} is not supported in the tab`)
        else if (a !== '-l' && a !== '--local' && a !== '-v' && a !== '--not-required' && a !== '--exclude-editable') throw usage(`no such option: ${a}`)
      }
      return { type: 'list', format }
    }
    case 'freeze':
      for (const a of rest) if (!['-l', '--local', '--all', '--exclude-editable'].includes(a)) throw usage(`no such option: ${a}`)
      return { type: 'freeze' }
    case 'show': {
      const names = rest.filter((a) => !a.startsWith('-'))
      if (!names.length) throw usage('Please provide a package name or names.')
      return { type: 'show', names }
    }
    default:
      throw usage(`pip ${command} is not available in the tab (it runs install, uninstall, list, freeze and show).`)
  }
}
