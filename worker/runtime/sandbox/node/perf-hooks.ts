/** `perf_hooks`: the worker's `performance` and little else. */
export function createPerfHooksModule() {
  const g = globalThis as { PerformanceObserver?: unknown; PerformanceEntry?: unknown }
  return {
    performance: globalThis.performance,
    PerformanceObserver: g.PerformanceObserver,
    PerformanceEntry: g.PerformanceEntry,
    constants: { NODE_PERFORMANCE_GC_MAJOR: 4, NODE_PERFORMANCE_GC_MINOR: 1, NODE_PERFORMANCE_GC_INCREMENTAL: 8, NODE_PERFORMANCE_GC_WEAKCB: 16 },
    monitorEventLoopDelay: () => ({ enable() {}, disable() {}, reset() {}, percentile: () => 0, min: 0, max: 0, mean: 0, stddev: 0, percentiles: new Map(), exceeds: 0 }),
  }
}
