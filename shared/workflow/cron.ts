/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week), always UTC, read by
 * croner. A day-of-month and a day-of-week both set mean either (classic cron).
 */
import { Cron } from 'croner'
import type { Workflow } from './types'

const FIELDS = ['minute', 'hour', 'day of month', 'month', 'day of week']

function compile(cron: string): Cron {
  return new Cron(cron.trim(), { mode: '5-part', utcOffset: 0, paused: true })
}

/** Why `cron` is not a valid five-field expression, or null when it is. */
export function cronProblem(cron: string): string | null {
  const fields = cron.trim().split(/\s+/).filter(Boolean)
  if (fields.length !== 5)
    return `a cron expression has 5 fields (${FIELDS.join(', ')}), \`${cron}\` has ${fields.length}`
  try {
    compile(cron)
    return null
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error)
    return `invalid cron expression \`${cron}\`: ${detail}`
  }
}

function startOfMinute(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 60_000) * 60_000)
}

/** Whether `cron` fires in the UTC minute that contains `at`; false for an invalid expression. */
export function cronMatches(cron: string, at: Date): boolean {
  if (cronProblem(cron)) return false
  return compile(cron).match(startOfMinute(at))
}

/** The first minute strictly after `after` at which `cron` fires, or null (invalid, or never). */
export function nextCronTime(cron: string, after: Date): Date | null {
  if (cronProblem(cron)) return null
  return compile(cron).nextRun(after)
}

/** The earliest next firing of any of the workflow's schedules after `after`, or null when it has none. */
export function nextScheduledTime(workflow: Workflow, after: Date): Date | null {
  let next: Date | null = null
  for (const { cron } of workflow.on.schedule ?? []) {
    const time = nextCronTime(cron, after)
    if (time && (!next || time < next)) next = time
  }
  return next
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const pad = (n: number) => String(n).padStart(2, '0')

/**
 * A short English reading of common expressions ("every Monday at 09:00 UTC", "every hour at
 * :15"); other expressions come back as `cron <expr> (UTC)`.
 */
export function describeCron(cron: string): string {
  const fields = cron.trim().split(/\s+/)
  const fallback = `cron ${fields.join(' ')} (UTC)`
  if (fields.length !== 5 || cronProblem(cron)) return fallback
  const [minute, hour, dom, month, dow] = fields
  const isNumber = (field: string) => /^\d+$/.test(field)
  if (month !== '*') return fallback
  if (minute === '*' && hour === '*' && dom === '*' && dow === '*') return 'every minute'
  const step = /^\*\/(\d+)$/.exec(minute)
  if (step && hour === '*' && dom === '*' && dow === '*') return `every ${step[1]} minutes`
  if (!isNumber(minute)) return fallback
  if (hour === '*' && dom === '*' && dow === '*') return `every hour at :${pad(Number(minute))}`
  if (!isNumber(hour)) return fallback
  const time = `${pad(Number(hour))}:${pad(Number(minute))} UTC`
  if (dom === '*' && dow === '*') return `every day at ${time}`
  if (dom === '*' && (dow === '1-5' || dow.toUpperCase() === 'MON-FRI')) return `every weekday at ${time}`
  if (dom === '*' && /^[0-7]$/.test(dow)) return `every ${DAYS[Number(dow) % 7]} at ${time}`
  const named = DAYS.findIndex((day) => day.slice(0, 3).toUpperCase() === dow.toUpperCase())
  if (dom === '*' && named >= 0) return `every ${DAYS[named]} at ${time}`
  if (dow === '*' && isNumber(dom)) return `on day ${Number(dom)} of every month at ${time}`
  return fallback
}
