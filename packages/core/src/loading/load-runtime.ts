/**
 * What loading needs from the cache runtime, as an interface: loading sits below the runtime
 * that composes it.
 *
 * @module
 */

import type { CacheEmitter } from '../observability/events.js'
import type { StatCounter } from '../observability/stats.js'
import type { ResolvedOptions } from '../options/cache-options.js'
import type { StoreAccess } from '../store/access.js'
import type { L1Tier } from '../tiers/l1.js'
import type { FillSignals } from './fill-signals.js'
import type { SingleFlight } from './single-flight.js'

/** What loading needs from the cache runtime. @internal */
export interface LoadRuntime {
  readonly options: ResolvedOptions
  readonly store: StoreAccess
  readonly counters: Record<StatCounter, number>
  readonly emitter: CacheEmitter
  readonly flights: SingleFlight
  readonly fills: FillSignals
  readonly bus: {
    announceFilled(storeKey: string): Promise<void>
    announceLoaded(storeKey: string): Promise<void>
  }
  readonly l1: L1Tier | undefined
  track(task: Promise<unknown>): void
  reportError(operation: string, key: string | undefined, error: unknown): void
}
