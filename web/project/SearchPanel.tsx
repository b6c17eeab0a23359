import { For, Show, createMemo, createSignal, onCleanup } from 'solid-js'
import type { FileMatches, SearchQuery } from '../../shared/protocol'
import type { ProjectModel } from './model'

/** How many matches the panel shows at first, and how many more each "Show more" adds. */
export const RESULTS_STEP = 200

/**
 * Search across the workspace's files (Ctrl/Cmd-Shift-F): text or regex, case and whole-word
 * options, include/exclude globs. Results stream in as the worker finds them; a click opens the
 * file at the match. Typing again cancels the search in flight. The page shows the first
 * RESULTS_STEP matches and a button for the next ones: thousands of result rows in the page
 * would hold it for seconds on every layout.
 */
export function SearchPanel(props: { model: ProjectModel; /** Opens a file at a match: 1-based line and column. */
  onOpen(path: string, at: { line: number; column: number; length: number }): void; ref?: (focus: () => void) => void }) {
  const [query, setQuery] = createSignal('')
  const [regex, setRegex] = createSignal(false)
  const [caseSensitive, setCaseSensitive] = createSignal(false)
  const [wholeWord, setWholeWord] = createSignal(false)
  const [include, setInclude] = createSignal('')
  const [exclude, setExclude] = createSignal('')
  const [results, setResults] = createSignal<FileMatches[]>([])
  const [summary, setSummary] = createSignal<string | null>(null)
  const [error, setError] = createSignal<string | null>(null)
  const [searching, setSearching] = createSignal<{ searched: number; total: number } | null>(null)
  const [collapsed, setCollapsed] = createSignal<ReadonlySet<string>>(new Set())
  const [budget, setBudget] = createSignal(RESULTS_STEP)
  /** The files shown, how many of each one's matches, and how many matches are left out. */
  const shown = createMemo(() => {
    const files: FileMatches[] = []
    const counts = new Map<string, number>()
    let left = budget()
    let hidden = 0
    for (const file of results()) {
      const n = Math.min(file.matches.length, Math.max(0, left))
      if (n > 0) {
        files.push(file)
        counts.set(file.path, n)
      }
      left -= n
      hidden += file.matches.length - n
    }
    return { files, counts, hidden }
  })
  let input!: HTMLInputElement
  let running: AbortController | null = null
  let timer: ReturnType<typeof setTimeout> | undefined
  // Focus waits for the box to be in the page (the panel may be shown before it is attached).
  const focus = (tries = 10) => {
    if (!input?.isConnected) return void (tries > 0 && requestAnimationFrame(() => focus(tries - 1)))
    input.focus()
    input.select()
  }
  props.ref?.(() => focus())

  async function run() {
    running?.abort()
    setError(null)
    if (!query()) {
      setResults([])
      setSummary(null)
      return
    }
    const controller = new AbortController()
    running = controller
    const q: SearchQuery = { query: query(), regex: regex(), caseSensitive: caseSensitive(), wholeWord: wholeWord(), include: include(), exclude: exclude() }
    const found: FileMatches[] = []
    setResults([])
    setBudget(RESULTS_STEP)
    setSearching({ searched: 0, total: 0 })
    try {
      const totals = await props.model.client.rpc.call('search', { projectId: props.model.projectId, ...q }, {
        signal: controller.signal,
        timeoutMs: 60_000,
        onProgress: (p) => {
          if (running !== controller) return
          if (p.results.length) {
            found.push(...p.results)
            setResults([...found])
          }
          setSearching({ searched: p.searched, total: p.total })
        },
      })
      if (running !== controller) return
      setSummary(
        totals.matches === 0
          ? `No results in ${totals.searched.toLocaleString('en')} files.`
          : `${totals.matches.toLocaleString('en')} result${totals.matches === 1 ? '' : 's'} in ${totals.files.toLocaleString('en')} file${totals.files === 1 ? '' : 's'}${totals.truncated ? ' (stopped at the limit; refine the search)' : ''}.`,
      )
    } catch (e) {
      if (running === controller && (e as { code?: string }).code !== 'ABORTED') setError((e as Error).message)
    } finally {
      if (running === controller) setSearching(null)
    }
  }
  const schedule = () => {
    clearTimeout(timer)
    timer = setTimeout(() => void run(), 200)
  }
  onCleanup(() => {
    clearTimeout(timer)
    running?.abort()
  })

  const toggle = (get: () => boolean, set: (v: boolean) => void) => () => {
    set(!get())
    schedule()
  }

  return (
    <section class="search-panel" aria-label="Search">
      <div class="search-inputs">
        <div class="search-row">
          <input
            ref={input}
            aria-label="Search in files"
            placeholder="Search"
            value={query()}
            onInput={(e) => (setQuery(e.currentTarget.value), schedule())}
            onKeyDown={(e) => e.key === 'Enter' && (clearTimeout(timer), void run())}
          />
          <button type="button" class="toggle" aria-pressed={caseSensitive()} title="Match case" aria-label="Match case" onClick={toggle(caseSensitive, setCaseSensitive)}>Aa</button>
          <button type="button" class="toggle" aria-pressed={wholeWord()} title="Match whole word" aria-label="Match whole word" onClick={toggle(wholeWord, setWholeWord)}>ab</button>
          <button type="button" class="toggle" aria-pressed={regex()} title="Use regular expression" aria-label="Use regular expression" onClick={toggle(regex, setRegex)}>.*</button>
        </div>
        <input aria-label="Files to include" placeholder="files to include (e.g. src, *.ts)" value={include()} onInput={(e) => (setInclude(e.currentTarget.value), schedule())} />
        <input aria-label="Files to exclude" placeholder="files to exclude" value={exclude()} onInput={(e) => (setExclude(e.currentTarget.value), schedule())} />
      </div>
      <Show when={searching()}>
        {(s) => <progress class="search-progress" max={s().total || 1} value={s().searched} aria-label="Searching" />}
      </Show>
      <Show when={error()}>
        <p class="error" role="alert">{error()}</p>
      </Show>
      <Show when={summary() && !searching()}>
        <p class="hint search-summary">{summary()}</p>
      </Show>
      <ul class="search-results">
        <For each={shown().files}>
          {(file) => (
            <li class="search-file">
              <button type="button" class="file-head" onClick={() => setCollapsed((c) => { const n = new Set(c); n.has(file.path) ? n.delete(file.path) : n.add(file.path); return n })}>
                <span class="icon">{collapsed().has(file.path) ? '▸' : '▾'}</span>
                <span class="name">{file.path.split('/').pop()}</span> <span class="dir">{file.path.split('/').slice(0, -1).join('/')}</span>
                <span class="count">{file.matches.length}</span>
              </button>
              <Show when={!collapsed().has(file.path)}>
                <ul>
                  <For each={file.matches.slice(0, shown().counts.get(file.path) ?? 0)}>
                    {(m) => (
                      <li>
                        <button
                          type="button"
                          class="match"
                          data-line={m.line}
                          onClick={() => props.onOpen(`/workspace/${file.path}`, { line: m.line, column: m.column + 1, length: m.length })}
                        >
                          <span class="line-no">{m.line}</span>
                          <span class="before">{m.preview.slice(0, m.previewColumn).trimStart()}</span>
                          <mark>{m.preview.slice(m.previewColumn, m.previewColumn + m.length)}</mark>
                          <span class="after">{m.preview.slice(m.previewColumn + m.length)}</span>
                        </button>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
            </li>
          )}
        </For>
      </ul>
      <Show when={shown().hidden > 0}>
        <button type="button" class="search-more" onClick={() => setBudget((b) => b + RESULTS_STEP)}>
          Show {Math.min(RESULTS_STEP, shown().hidden).toLocaleString('en')} more ({shown().hidden.toLocaleString('en')} not shown)
        </button>
      </Show>
    </section>
  )
}
