/** @module What every stand-in's command line shares: stopping cleanly on Ctrl-C / SIGTERM, and running `main` only when started as a script. */
import { fileURLToPath } from 'node:url'

/** Closes the stand-in, then exits, on SIGINT or SIGTERM (as `npm start` stops it). */
export function stopOnSignals(close: () => Promise<void>): void {
  const stop = () => void close().then(() => process.exit(0))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

/** Runs `main` when the module at `moduleUrl` is the script Node started; a failure is printed and exits 1. */
export function runAsScript(moduleUrl: string, main: () => Promise<void>): void {
  if (!process.argv[1] || fileURLToPath(moduleUrl) !== process.argv[1]) return
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  })
}
