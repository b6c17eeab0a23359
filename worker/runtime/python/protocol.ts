/**
 * The messages between a PythonRunner (in the runtime host) and its pyodide worker: one union per
 * direction, discriminated on `type`.
 */
import type { TestCaseReport } from '../../../shared/runtime'

/** A file as it is sent to or read back from pyodide's /workspace. */
export interface WireFile {
  path: string
  data: Uint8Array
  mode: number
}

/** A change the program made under /workspace. */
export type WireChange = ({ type: 'write' } & WireFile) | { type: 'remove'; path: string }

/** Runner → worker. */
export type ToPyodide =
  | { type: 'load'; indexURL: string; interrupt: SharedArrayBuffer | null }
  | {
      type: 'run'
      argv: string[]
      cwd: string
      env: Record<string, string>
      stdin: string
      writes: WireFile[]
      removes: string[]
    }

/** Worker → runner. */
export type FromPyodide =
  | { type: 'progress'; phase: string; loaded: number; total: number }
  | { type: 'loaded'; loadMs: number }
  | { type: 'load-failed'; message: string }
  | { type: 'output'; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'done'; code: number; tests: TestCaseReport[] | null; changes: WireChange[] }
  /** The interpreter failed in a way that leaves it unusable (a fatal error); the worker must be replaced. */
  | { type: 'fatal'; message: string }
