import type { TestEvent } from './events'
import { isCancelled } from './report'
import type { TestCaseReport, TestFailure, TestReport } from './types'

/** Turns a run's events into terminal text (ANSI colours, `\n` line ends). Each call returns what to print next. */
export interface TestReporter {
  onEvent(event: TestEvent): string
  /** After one file's tests have all finished (vitest prints a file's results as a block). */
  onFileDone?(file: string, tests: TestCaseReport[], error: TestFailure | null, durationMs: number): string
  /** The closing text: counts, failures, duration. */
  summary(report: TestReport): string
}

const paint = (code: number, close: number) => (s: string) => `\x1b[${code}m${s}\x1b[${close}m`
const red = paint(31, 39)
const green = paint(32, 39)
const yellow = paint(33, 39)
const blue = paint(34, 39)
const gray = paint(90, 39)
const dim = paint(2, 22)
const bold = paint(1, 22)
const ms = (d: number) => `${+d.toFixed(6)}ms`
const indentLines = (text: string, pad: string) => text.replace(/^/gm, pad)

/** The error's headline and stack as V8 prints them (`Name: message\n    at ...`). */
function errorText(f: TestFailure): string {
  if (f.stack && f.stack.includes(f.message)) return f.stack
  return f.stack ? `${f.message}\n${f.stack.replace(/^(?!\s+at ).*\n?/, '')}` : f.message
}

/**
 * Node 22's `spec` reporter: a line per test as it finishes (✔/✖/﹣ with its duration), suites
 * and tests with subtests as `▶ name` headers with their children indented, then the `ℹ` counts
 * and a "✖ failing tests:" section.
 */
export function createNodeSpecReporter(): TestReporter {
  type Open = { key: string; name: string; depth: number; printed: boolean; failed: boolean }
  const open: Open[] = []
  const failing: Array<{ line: string; failure: TestFailure | null; file: string }> = []
  let suites = 0
  const keyOf = (file: string, suites: string[], name: string) => [file, ...suites, name].join('\0')
  const headers = () => {
    let out = ''
    for (const o of open) {
      if (!o.printed) out += `${'  '.repeat(o.depth)}▶ ${o.name}\n`
      o.printed = true
    }
    return out
  }
  const line = (symbol: string, color: (s: string) => string, name: string, duration: number | null, suffix = '') =>
    color(`${symbol} ${name}${duration === null ? '' : ` ${gray(`(${ms(duration)})`)}`}${suffix}`)

  return {
    onEvent(event) {
      switch (event.type) {
        case 'suite:start':
        case 'test:start':
          open.push({ key: keyOf(event.file, event.suites, event.name), name: event.name, depth: event.suites.length, printed: false, failed: false })
          return ''
        case 'test:done':
        case 'suite:done': {
          const { file, suites: path, name } = event.type === 'test:done' ? event.test : event
          const key = keyOf(file, path, name)
          const index = open.findIndex((o) => o.key === key)
          const self = index >= 0 ? open.splice(index)[0] : null
          const pad = '  '.repeat(path.length)
          let text: string
          let failure: TestFailure | null
          if (event.type === 'suite:done') {
            suites++
            failure = event.failure
            if (event.mode === 'skip') return `${headers()}${pad}${line('﹣', gray, name, event.durationMs, ' # SKIP')}\n`
            const failed = !!failure || !!self?.failed
            text = line(failed ? '✖' : '✔', failed ? red : green, name, event.durationMs, event.mode === 'todo' ? ' # TODO' : '')
            if (self && !self.printed) open.push(self)
            const out = headers()
            if (self && open.at(-1) === self) open.pop()
            if (failure) failing.push({ line: text, failure, file })
            if (failed) for (const o of open) o.failed = true
            return `${out}${pad}${text}\n`
          }
          const t = event.test
          failure = t.failure
          const cancelled = isCancelled(failure) && !/timed out/.test(failure?.message ?? '')
          const failed = t.status === 'failed' || !!self?.failed
          text =
            t.status === 'skipped'
              ? line('﹣', gray, name, t.durationMs, ' # SKIP')
              : t.status === 'todo'
                ? line(failure ? '✖' : '✔', failure ? red : green, name, t.durationMs, ' # TODO')
                : line(failed ? '✖' : '✔', failed ? red : green, name, cancelled ? null : t.durationMs)
          const out = headers()
          if (failure) failing.push({ line: text, failure, file })
          if (t.status === 'failed') for (const o of open) o.failed = true
          return `${out}${pad}${text}\n`
        }
        case 'diagnostic':
          return `${headers()}${'  '.repeat(event.suites.length)}${blue(`ℹ ${event.message}`)}\n`
      }
    },
    summary(report) {
      const c = report.counts
      const cancelled = report.tests.filter((t) => t.status === 'failed' && isCancelled(t.failure)).length
      const rows: Array<[string, number | string]> = [
        ['tests', c.total],
        ['suites', suites],
        ['pass', c.passed],
        ['fail', c.failed - cancelled],
        ['cancelled', cancelled],
        ['skipped', c.skipped],
        ['todo', c.todo],
        ['duration_ms', +report.durationMs.toFixed(6)],
      ]
      let out = rows.map(([k, v]) => blue(`ℹ ${k} ${v}`)).join('\n') + '\n'
      for (const f of report.files) if (f.error && !failing.some((x) => x.failure === f.error)) failing.push({ line: red(`✖ ${f.file}`), failure: f.error, file: f.file })
      if (failing.length) {
        out += `\n${red('✖ failing tests:')}\n\n`
        for (const { line, failure, file } of failing) {
          const at = failure?.location ? `${failure.location.path}:${failure.location.line}:${failure.location.column}` : file
          const body = failure ? (isCancelled(failure) || !failure.stack ? green(`'${failure.message}'`) : errorText(failure)) : ''
          out += `test at ${at}\n${line}\n${indentLines(body, '  ')}\n\n`
        }
      }
      return out
    },
  }
}

/** A line diff of printable expected/actual, as vitest shows it (`- Expected` / `+ Received`). */
export function diffLines(expected: string, actual: string): string {
  const a = expected.split('\n')
  const b = actual.split('\n')
  // Longest common subsequence table, small inputs only (assertion values).
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0))
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1])
  const out: string[] = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) out.push(dim(`  ${a[i++]}`)) && j++
    else if (j >= b.length || (i < a.length && lcs[i + 1][j] >= lcs[i][j + 1])) out.push(green(`- ${a[i++]}`))
    else out.push(red(`+ ${b[j++]}`))
  }
  return `${green('- Expected')}\n${red('+ Received')}\n\n${out.join('\n')}`
}

/**
 * vitest's default reporter: per file ` ✓ file (N tests) 5ms` (a failing file also lists its
 * tests), then the failed tests with their errors and diffs, and the `Test Files` / `Tests` summary.
 */
export function createVitestReporter(): TestReporter {
  const failures: Array<{ title: string; failure: TestFailure }> = []
  const files: Array<{ file: string; failed: boolean }> = []
  const join = (parts: string[]) => parts.join(dim(' | '))

  function tree(tests: TestCaseReport[]): string {
    let out = ''
    const shown: string[] = []
    for (const t of tests) {
      t.suites.forEach((s, depth) => {
        const key = t.suites.slice(0, depth + 1).join('\0')
        if (shown.includes(key)) return
        shown.push(key)
        const inside = tests.filter((x) => x.suites.slice(0, depth + 1).join('\0') === key)
        const icon = inside.some((x) => x.status === 'failed') ? red('❯') : inside.every((x) => x.status === 'skipped' || x.status === 'todo') ? dim(gray('↓')) : green('✓')
        out += `${'  '.repeat(depth + 1)} ${icon} ${s} ${dim(`(${inside.length})`)}\n`
      })
      const pad = '  '.repeat(t.suites.length + 1)
      const time = t.status === 'passed' || t.status === 'failed' ? green(` ${Math.round(t.durationMs)}${dim('ms')}`) : ''
      if (t.status === 'failed') out += red(`${pad} ${red('×')}${red(` ${t.name}`)}`) + time + '\n'
      else if (t.status === 'passed') out += `${pad} ${green('✓')} ${t.name}${time}\n`
      else out += `${pad} ${dim(gray(t.status === 'todo' ? '□' : '↓'))} ${t.name}\n`
    }
    return out
  }

  return {
    onEvent: () => '',
    onFileDone(file, tests, error, durationMs) {
      const failed = tests.filter((t) => t.status === 'failed')
      const skipped = tests.filter((t) => t.status === 'skipped').length
      const todo = tests.filter((t) => t.status === 'todo').length
      files.push({ file, failed: failed.length > 0 || !!error })
      for (const t of failed) if (t.failure) failures.push({ title: [file, ...t.suites, t.name].join(dim(' > ')), failure: t.failure })
      if (error) failures.push({ title: file, failure: error })
      const n = `${tests.length} test${tests.length === 1 ? '' : 's'}`
      const parts = [dim(n), ...(failed.length ? [red(`${failed.length} failed`)] : []), ...(skipped ? [yellow(`${skipped} skipped`)] : []), ...(todo ? [gray(`${todo} todo`)] : [])]
      const bad = failed.length > 0 || !!error
      const head = ` ${bad ? red('❯') : skipped + todo === tests.length && tests.length ? yellow('↓') : green('✓')} ${file} ${dim('(')}${join(parts)}${dim(')')}${green(` ${Math.round(durationMs)}${dim('ms')}`)}\n`
      return bad ? head + tree(tests) : head
    },
    summary(report) {
      let out = ''
      if (failures.length) {
        const rule = (n: number) => red('⎯'.repeat(n))
        out += `\n${rule(7)}${bold(`\x1b[41m Failed Tests ${failures.length} \x1b[49m`)}${rule(7)}\n\n`
        failures.forEach(({ title, failure }, i) => {
          const head = errorText(failure).split(/\n\s+at /)[0]
          const colon = head.indexOf(': ')
          out += `${bold('\x1b[41m FAIL \x1b[49m')} ${title}\n`
          out += red(colon > 0 && /^\w+$/.test(head.slice(0, colon)) ? `${bold(head.slice(0, colon))}${head.slice(colon)}` : head) + '\n'
          if (failure.expected !== undefined && failure.actual !== undefined) out += `\n${diffLines(failure.expected, failure.actual)}\n`
          if (failure.location) out += `\x1b[36m ${dim('❯')} ${failure.location.path}:${dim(`${failure.location.line}:${failure.location.column}`)}\x1b[39m\n`
          out += `\n${red(dim(`${'⎯'.repeat(24)}[${i + 1}/${failures.length}]⎯`))}\n\n`
        })
      }
      const c = report.counts
      const failedFiles = report.files.filter((f) => f.error || report.tests.some((t) => t.file === f.file && t.status === 'failed')).length
      const fileParts = [...(failedFiles ? [bold(red(`${failedFiles} failed`))] : []), ...(report.files.length - failedFiles ? [bold(green(`${report.files.length - failedFiles} passed`))] : [])]
      const testParts = [
        ...(c.failed ? [bold(red(`${c.failed} failed`))] : []),
        ...(c.passed ? [bold(green(`${c.passed} passed`))] : []),
        ...(c.skipped ? [yellow(`${c.skipped} skipped`)] : []),
        ...(c.todo ? [gray(`${c.todo} todo`)] : []),
      ]
      out += `\n${dim(' Test Files ')} ${join(fileParts)}${gray(` (${report.files.length})`)}\n`
      out += `${dim('      Tests ')} ${c.total ? `${join(testParts)}${gray(` (${c.total})`)}` : dim('no tests')}\n`
      out += `${dim('   Duration ')} ${Math.round(report.durationMs)}ms\n`
      return out
    },
  }
}
