/** @module The terminal panel: xterm tabs over line-editing shell sessions that run commands in a runtime. */
export { createShellSession, displayCwd, splitKeys, toTerminalText, type ShellEvent, type ShellSession, type ShellSessionOptions, type ShellState } from './shell-session'
export { Terminals, type TerminalsApi } from './Terminals'
