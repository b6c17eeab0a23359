import { LanguageDescription, LanguageSupport, StreamLanguage } from '@codemirror/language'
import type { Extension } from '@codemirror/state'

// Every pack sits behind a dynamic import() so that it is its own chunk, fetched the first time
// a file of its kind opens. LanguageDescription caches the loaded support.
const LANGUAGES: LanguageDescription[] = [
  LanguageDescription.of({
    name: 'JavaScript',
    alias: ['js', 'javascript', 'node', 'mjs', 'cjs'],
    extensions: ['js', 'mjs', 'cjs'],
    load: async () => (await import('@codemirror/lang-javascript')).javascript(),
  }),
  LanguageDescription.of({
    name: 'JSX',
    alias: ['jsx'],
    extensions: ['jsx'],
    load: async () => (await import('@codemirror/lang-javascript')).javascript({ jsx: true }),
  }),
  LanguageDescription.of({
    name: 'TypeScript',
    alias: ['ts', 'typescript', 'mts', 'cts'],
    extensions: ['ts', 'mts', 'cts'],
    load: async () => (await import('@codemirror/lang-javascript')).javascript({ typescript: true }),
  }),
  LanguageDescription.of({
    name: 'TSX',
    alias: ['tsx'],
    extensions: ['tsx'],
    load: async () => (await import('@codemirror/lang-javascript')).javascript({ typescript: true, jsx: true }),
  }),
  LanguageDescription.of({
    name: 'JSON',
    alias: ['json', 'jsonc', 'json5'],
    extensions: ['json', 'jsonc', 'webmanifest', 'map'],
    filename: /^\.(babelrc|eslintrc|prettierrc)$/,
    load: async () => (await import('@codemirror/lang-json')).json(),
  }),
  LanguageDescription.of({
    name: 'CSS',
    alias: ['css'],
    extensions: ['css'],
    load: async () => (await import('@codemirror/lang-css')).css(),
  }),
  LanguageDescription.of({
    name: 'HTML',
    alias: ['html', 'xhtml'],
    extensions: ['html', 'htm', 'xhtml'],
    load: async () => (await import('@codemirror/lang-html')).html(),
  }),
  LanguageDescription.of({
    name: 'Markdown',
    alias: ['md', 'markdown'],
    extensions: ['md', 'markdown', 'mdown', 'mkd'],
    // Fenced code blocks get the same lazily loaded languages, matched by their info string.
    load: async () => (await import('./markdown')).markdownSupport(LANGUAGES),
  }),
  LanguageDescription.of({
    name: 'Python',
    alias: ['py', 'python', 'python3'],
    extensions: ['py', 'pyi', 'pyw'],
    load: async () => (await import('@codemirror/lang-python')).python(),
  }),
  LanguageDescription.of({
    name: 'YAML',
    alias: ['yml', 'yaml'],
    extensions: ['yml', 'yaml'],
    load: async () => (await import('@codemirror/lang-yaml')).yaml(),
  }),
  LanguageDescription.of({
    name: 'Rust',
    alias: ['rs', 'rust'],
    extensions: ['rs'],
    load: async () => (await import('@codemirror/lang-rust')).rust(),
  }),
  LanguageDescription.of({
    name: 'Go',
    alias: ['go', 'golang'],
    extensions: ['go'],
    load: async () => (await import('@codemirror/lang-go')).go(),
  }),
  LanguageDescription.of({
    name: 'Shell',
    alias: ['sh', 'bash', 'shell', 'zsh', 'console', 'shellscript'],
    extensions: ['sh', 'bash', 'zsh', 'ksh'],
    filename: /^(\.bashrc|\.bash_profile|\.bash_aliases|\.zshrc|\.zprofile|\.profile|\.envrc|PKGBUILD)$/,
    load: async () => new LanguageSupport(StreamLanguage.define((await import('@codemirror/legacy-modes/mode/shell')).shell)),
  }),
]

function describe(path: string): LanguageDescription | null {
  const name = path.slice(path.lastIndexOf('/') + 1)
  return LanguageDescription.matchFilename(LANGUAGES, name) ?? LanguageDescription.matchFilename(LANGUAGES, name.toLowerCase())
}

/** A workflow file's repository-relative path (`.coder/workflows/x.yml`) for its workspace path, else null. */
function workflowFile(path: string): string | null {
  const m = /^\/workspace\/(\.coder\/workflows\/[^/]+\.(?:ya?ml|json))$/.exec(path)
  return m ? m[1]! : null
}

// Workflow files also get the workflow linter and key completion: its own chunk (it brings the parser).
let workflowHelp: typeof import('./workflow-lint') | null = null
const loadWorkflowHelp = async () => (workflowHelp ??= await import('./workflow-lint'))

/**
 * The language extension for a file, by its name (extension or well-known file name, any
 * directory), with the workflow linter for workflow files. Resolves to null for a file it does not
 * know; rejects only when the language's chunk fails to load, and a later call tries again.
 */
export async function loadLanguage(path: string): Promise<Extension | null> {
  const description = describe(path)
  const workflow = workflowFile(path)
  if (!workflow) return description ? description.load() : null
  const [language, help] = await Promise.all([description ? description.load() : null, loadWorkflowHelp()])
  return [language ?? [], help.workflowExtensions(workflow)]
}

/** The language for `path` if its chunk has already loaded, `undefined` while it still has to load, null for no language. */
export function loadedLanguage(path: string): Extension | null | undefined {
  const description = describe(path)
  const workflow = workflowFile(path)
  if (workflow) return description?.support && workflowHelp ? [description.support, workflowHelp.workflowExtensions(workflow)] : undefined
  if (!description) return null
  return description.support ?? undefined
}
