/**
 * `test-servers/soak`: a fleet of cache processes under server and bus faults, with an
 * operation log on a clock shared by every process, history checkers for freshness and loader
 * calls, call bounds derived from the cache options, and figures. See docs/testing.md, "Soak".
 */
export {
  analyzeSoak,
  type CallFigures,
  type SoakExpectations,
  type SoakReport,
} from './analyze.js'
export {
  CALL_CLASSES,
  type CacheTimings,
  type CallClass,
  callBounds,
  callClass,
  recoveryMs,
} from './bounds.js'
export {
  type BusConnections,
  cutBus,
  type Fault,
  faultSchedule,
  killServer,
  pauseServer,
  type RoundTiming,
  runRound,
} from './faults.js'
export { Fleet, type FleetOptions, type WorkerClose, type WorkerFatal } from './fleet.js'
export { formatSoakReport } from './format.js'
export {
  type BusReceipt,
  type FaultWindow,
  type Interval,
  type LoaderCall,
  type OpKind,
  type OpRecord,
  overlaps,
  type ReadSource,
  sharedNow,
  writeAcknowledged,
} from './history.js'
export { HistoryBuilder } from './history-builder.js'
export {
  checkLoaderCalls,
  type ExtraLoad,
  type LoaderCallOptions,
  type LoaderCallReport,
} from './loader-bounds.js'
export {
  runJudgedSoak,
  SOAK_CACHE_OPTIONS,
  SOAK_ROUND,
  SOAK_TIMINGS,
  soakExpectations,
} from './profile.js'
export type { CreateSoakCache, SoakCache, WorkerConfig } from './protocol.js'
export { dumpSoakRun, runSoak, type SoakOptions, type SoakRun } from './run.js'
export {
  checkStaleReads,
  type StaleRead,
  type StaleReadOptions,
  type StaleReadReport,
  type StaleRule,
} from './stale-reads.js'
export { describeSoak, SOAK_PROCESSES, type SoakSuite } from './suite.js'
export { busGaps, busRecovery, unhealthyWindows } from './windows.js'
export {
  DEFAULT_WORKLOAD,
  keyName,
  nextOp,
  type PlannedOp,
  seededRandom,
  tagName,
  tagsOfKey,
  type WorkloadSpec,
} from './workload.js'
