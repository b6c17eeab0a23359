/** What Node's console needs: its two streams and util's formatting. */
export interface ConsoleOptions {
  stdout(text: string): void
  stderr(text: string): void
  format(...args: unknown[]): string
  inspect(value: unknown, options?: { depth?: number | null }): string
}

/**
 * Node's global `console`, writing to the process's stdout and stderr (the worker's own console
 * would go to the browser's devtools instead of the terminal).
 */
export function createConsole(options: ConsoleOptions): Console {
  let indent = ''
  const counts = new Map<string, number>()
  const timers = new Map<string, number>()
  const write = (stream: 'stdout' | 'stderr', args: unknown[]) => {
    const text = options.format(...args)
    options[stream](`${indent ? text.replace(/^/gm, indent) : text}\n`)
  }
  const out = (...args: unknown[]) => write('stdout', args)
  const err = (...args: unknown[]) => write('stderr', args)
  const console = {
    log: out,
    info: out,
    debug: out,
    error: err,
    warn: err,
    dir: (value: unknown, opts?: { depth?: number | null }) => options.stdout(`${indent}${options.inspect(value, opts)}\n`),
    dirxml: out,
    trace: (...args: unknown[]) => err(`Trace${args.length ? `: ${options.format(...args)}` : ''}\n${(new Error().stack ?? '').split('\n').slice(2).join('\n')}`),
    assert: (condition: unknown, ...args: unknown[]) => {
      if (!condition) err(args.length ? `Assertion failed: ${options.format(...args)}` : 'Assertion failed')
    },
    count: (label = 'default') => {
      const n = (counts.get(label) ?? 0) + 1
      counts.set(label, n)
      out(`${label}: ${n}`)
    },
    countReset: (label = 'default') => void counts.delete(label),
    group: (...args: unknown[]) => {
      if (args.length) out(...args)
      indent += '  '
    },
    groupCollapsed: (...args: unknown[]) => console.group(...args),
    groupEnd: () => void (indent = indent.slice(2)),
    time: (label = 'default') => void timers.set(label, performance.now()),
    timeLog: (label = 'default', ...args: unknown[]) => {
      const start = timers.get(label)
      if (start !== undefined) out(`${label}: ${(performance.now() - start).toFixed(3)}ms`, ...args)
    },
    timeEnd: (label = 'default') => {
      const start = timers.get(label)
      if (start === undefined) return
      timers.delete(label)
      out(`${label}: ${(performance.now() - start).toFixed(3)}ms`)
    },
    table: (data: unknown) => out(data),
    clear: () => {},
    profile: () => {},
    profileEnd: () => {},
    timeStamp: () => {},
  }
  return console as unknown as Console
}
