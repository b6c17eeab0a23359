/** @module The runtime contract: processes with streamed output and exit status, and test reports. */
export type {
  ExitStatus,
  OutputChunk,
  Runtime,
  RuntimeProcess,
  SourceLocation,
  SpawnOptions,
  TaskProgress,
  TestCaseReport,
  TestFailure,
  TestReport,
  TestRunnerKind,
  TestSpec,
  TestStatus,
} from './types'
export type { TestEvent } from './events'
export { countTests, createReport, isCancelled } from './report'
export { createNodeSpecReporter, createVitestReporter, type TestReporter } from './reporters'
export { toJUnitXml } from './junit'
export type { RunProgress, RuntimeApi, RuntimeConnect, SpawnRequest } from './protocol'
