import type { SoakExpectations } from '../src/soak/index.js'

/** What the analyzer unit tests hold hand-made runs to: short bounds, a bus, small heaps. */
export const TEST_EXPECTATIONS: SoakExpectations = {
  timings: { storeTimeoutMs: 100, lockWaitMs: 1000, cooldownMs: 500, loaderMaxMs: 10, slackMs: 50 },
  recoveryMs: 1000,
  bus: true,
  maxHeapGrowthBytes: 1024 * 1024,
  closeBoundMs: 1000,
  exitBoundMs: 2000,
}
