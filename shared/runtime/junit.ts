import type { TestReport } from './types'

const escape = (s: string) =>
  s.replace(/[&<>"']|[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, (c) =>
    ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? '')
const seconds = (ms: number) => (ms / 1000).toFixed(3)
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '')

/**
 * The report as JUnit XML: one `<testsuite>` per file (in the order of `report.files`, then any
 * file only tests name), one `<testcase>` per test with `classname` = its suites joined by ' > '
 * (the file when it has none), times in seconds, `<failure>` with the message and stack,
 * `<skipped/>` for skipped and todo tests. A file-level error is an extra `<testcase>` with a
 * `<error>`. Everything is XML-escaped; ANSI colours are stripped.
 */
export function toJUnitXml(report: TestReport): string {
  const files = [...report.files]
  for (const t of report.tests) if (!files.some((f) => f.file === t.file)) files.push({ file: t.file, durationMs: 0, error: null })
  const suites = files.map(({ file, durationMs, error }) => {
    const tests = report.tests.filter((t) => t.file === file)
    const failures = tests.filter((t) => t.status === 'failed').length
    const skipped = tests.filter((t) => t.status === 'skipped' || t.status === 'todo').length
    const cases = tests.map((t) => {
      const open = `    <testcase classname="${escape(t.suites.length ? t.suites.join(' > ') : file)}" name="${escape(t.name)}" time="${seconds(t.durationMs)}"`
      if (t.status === 'skipped' || t.status === 'todo') return `${open}>\n      <skipped${t.status === 'todo' ? ' message="todo"' : ''}/>\n    </testcase>`
      if (t.status === 'failed' && t.failure) {
        const type = /^(\w*Error)\b/.exec(t.failure.stack ?? t.failure.message)?.[1] ?? 'Error'
        return `${open}>\n      <failure message="${escape(strip(t.failure.message))}" type="${type}">${escape(strip(t.failure.stack ?? t.failure.message))}</failure>\n    </testcase>`
      }
      return `${open}/>`
    })
    if (error) {
      cases.push(`    <testcase classname="${escape(file)}" name="${escape(file)}" time="0.000">\n      <error message="${escape(strip(error.message))}">${escape(strip(error.stack ?? error.message))}</error>\n    </testcase>`)
    }
    return `  <testsuite name="${escape(file)}" tests="${tests.length + (error ? 1 : 0)}" failures="${failures}" errors="${error ? 1 : 0}" skipped="${skipped}" time="${seconds(durationMs)}">\n${cases.join('\n')}${cases.length ? '\n' : ''}  </testsuite>`
  })
  const c = report.counts
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${escape(report.command)}" tests="${c.total}" failures="${c.failed}" errors="${files.filter((f) => f.error).length}" skipped="${c.skipped + c.todo}" time="${seconds(report.durationMs)}">\n${suites.join('\n')}${suites.length ? '\n' : ''}</testsuites>\n`
}
