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
  type DeliveryFigures,
  type IdleDeliveryOptions,
  measureDelivery,
  measureIdleDelivery,
} from './delivery.js'
export {
  type BusConnections,
  cutBus,
  type Fault,
  faultSchedule,
  holdBusDown,
  killServer,
  pauseServer,
  type RoundTiming,
  runRound,
} from './faults.js'
export { Fleet, type FleetOptions, type WorkerClose, type WorkerFatal } from './fleet.js'
export { formatDelivery, formatSoakReport } from './format.js'
export {
  type BusGapEvent,
  type BusReceipt,
  EVERY_VALUE,
  type FaultWindow,
  type Interval,
  isTagChange,
  type LoaderCall,
  type OpKind,
  type OpRecord,
  overlaps,
  type ReadSource,
  returnedValue,
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
  TIER_WORKLOAD,
} from './profile.js'
export type { CreateSoakCache, SoakCache, WorkerConfig } from './protocol.js'
export { dumpSoakRun, runSoak, type SoakOptions, type SoakRun } from './run.js'
export {
  type BoundTolerance,
  checkStaleReads,
  type HeardTolerance,
  type StaleRead,
  type StaleReadOptions,
  type StaleReadReport,
  type StaleRule,
} from './stale-reads.js'
export { describeSoak, SOAK_PROCESSES, type SoakSuite } from './suite.js'
export {
  heardAfter,
  judgeTier,
  type TierExpectations,
  type TierReport,
  tierTolerances,
} from './tier.js'
export {
  busGaps,
  busRecovery,
  missedMessageWindows,
  reportedGaps,
  unhealthyWindows,
} from './windows.js'
export {
  CLEARING_WORKLOAD,
  DEFAULT_WORKLOAD,
  GET_MANY_KEYS,
  keyName,
  nextOp,
  type PlannedOp,
  PROBE_TAG_PREFIX,
  probeTag,
  seededRandom,
  tagName,
  tagsOfKey,
  type WorkloadSpec,
} from './workload.js'
