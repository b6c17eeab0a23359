import { describe, expect, test } from 'vitest'
import { cronMatches, cronProblem, describeCron, formatProblem, nextCronTime, nextScheduledTime, parseWorkflow } from './index'

const utc = (...parts: [number, number, number, number?, number?, number?]) => new Date(Date.UTC(...parts))

describe('cron', () => {
  test('cronMatches: UTC, to the minute', () => {
    // 2025-01-06 is a Monday.
    expect(cronMatches('0 9 * * 1', utc(2025, 0, 6, 9, 0, 0))).toBe(true)
    expect(cronMatches('0 9 * * 1', utc(2025, 0, 6, 9, 0, 59))).toBe(true)
    expect(cronMatches('0 9 * * 1', utc(2025, 0, 6, 9, 1))).toBe(false)
    expect(cronMatches('0 9 * * 1', utc(2025, 0, 7, 9, 0))).toBe(false)
    expect(cronMatches('*/15 * * * *', utc(2025, 0, 7, 3, 45))).toBe(true)
    expect(cronMatches('not a cron', utc(2025, 0, 7))).toBe(false)
  })

  test('day of month and day of week: either', () => {
    expect(cronMatches('0 0 13 * 5', utc(2025, 5, 13))).toBe(true) // a Friday the 13th
    expect(cronMatches('0 0 13 * 5', utc(2025, 5, 20))).toBe(true) // another Friday
    expect(cronMatches('0 0 13 * 5', utc(2025, 7, 13))).toBe(true) // a Wednesday the 13th
    expect(cronMatches('0 0 13 * 5', utc(2025, 7, 14))).toBe(false)
  })

  test('nextCronTime: strictly after', () => {
    expect(nextCronTime('0 9 * * 1', utc(2025, 0, 1))?.toISOString()).toBe('2025-01-06T09:00:00.000Z')
    expect(nextCronTime('0 9 * * 1', utc(2025, 0, 6, 9))?.toISOString()).toBe('2025-01-13T09:00:00.000Z')
    expect(nextCronTime('30 6 1 * *', utc(2025, 0, 31, 23, 59, 30))?.toISOString()).toBe('2025-02-01T06:30:00.000Z')
    expect(nextCronTime('* * * * *', utc(2025, 0, 1, 0, 0, 30))?.toISOString()).toBe('2025-01-01T00:01:00.000Z')
    expect(nextCronTime('0 0 31 2 *', utc(2025, 0, 1))).toBeNull()
    expect(nextCronTime('nope', utc(2025, 0, 1))).toBeNull()
  })

  test('nextScheduledTime: the earliest of the workflow crons', () => {
    const result = parseWorkflow('name: S\non:\n  schedule: [{ cron: "0 9 * * 1" }, { cron: "0 12 * * *" }]\nsteps: [{ test: true }]\n', 'w.yml')
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'))
    expect(nextScheduledTime(result.workflow, utc(2025, 0, 6, 8))?.toISOString()).toBe('2025-01-06T09:00:00.000Z')
    expect(nextScheduledTime(result.workflow, utc(2025, 0, 6, 10))?.toISOString()).toBe('2025-01-06T12:00:00.000Z')
    const manual = parseWorkflow('name: S\non: { manual: true }\nsteps: [{ test: true }]\n', 'w.yml')
    expect(manual.ok && nextScheduledTime(manual.workflow, utc(2025, 0, 1))).toBeNull()
  })

  test('cronProblem: five fields, valid values', () => {
    expect(cronProblem('0 9 * * MON')).toBeNull()
    expect(cronProblem('0 0 9 * * 1')).toBe('a cron expression has 5 fields (minute, hour, day of month, month, day of week), `0 0 9 * * 1` has 6')
    expect(cronProblem('0 25 * * *')).toBe('invalid cron expression `0 25 * * *`: Invalid value for hour: 25')
    expect(cronProblem('')).toContain('has 0')
  })

  test('describeCron', () => {
    expect(describeCron('0 9 * * 1')).toBe('every Monday at 09:00 UTC')
    expect(describeCron('0 9 * * MON')).toBe('every Monday at 09:00 UTC')
    expect(describeCron('30 6 * * *')).toBe('every day at 06:30 UTC')
    expect(describeCron('0 9 * * 1-5')).toBe('every weekday at 09:00 UTC')
    expect(describeCron('15 * * * *')).toBe('every hour at :15')
    expect(describeCron('*/10 * * * *')).toBe('every 10 minutes')
    expect(describeCron('* * * * *')).toBe('every minute')
    expect(describeCron('0 3 1 * *')).toBe('on day 1 of every month at 03:00 UTC')
    expect(describeCron('0 3 1 1 *')).toBe('cron 0 3 1 1 * (UTC)')
  })
})
