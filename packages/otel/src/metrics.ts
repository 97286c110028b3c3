/**
 * The metrics: what core publishes (lookups, counted events, traced operations) recorded on
 * OpenTelemetry instruments named in {@link STRATA_METRICS}, with the cache, namespace and store
 * as attributes and never a key or a scope's values.
 *
 * @module
 */

import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api'
import type { CacheEventMessage, LookupMessage } from '@strata/cache-core'
import {
  ATTR_CACHE_NAME,
  ATTR_CACHE_STORE,
  attributesOf,
  databaseAttributes,
  errorType,
  identityOf,
} from './attributes.js'
import { STRATA_METRICS } from './metric-names.js'
import { ObservedValues } from './observed.js'
import type { Operation, OperationListener } from './operations.js'

// Seconds. Loads run a loader (a query, an HTTP call): milliseconds to tens of seconds.
const LOAD_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
// Store calls: tens of microseconds (memory, a local Redis) to the store timeout.
const STORE_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
]

/** Records Strata's metrics on one meter. */
export class StrataMetrics implements OperationListener {
  readonly #lookups: ObservedValues
  readonly #circuits: ObservedValues
  readonly #durations: Readonly<Record<Operation['kind'], Histogram>>
  readonly #counters: Readonly<Record<CounterName, Counter>>

  constructor(meter: Meter) {
    this.#lookups = new ObservedValues(
      meter.createObservableCounter(STRATA_METRICS.lookups, {
        unit: '{lookup}',
        description: 'Cache lookups, by result (hit, stale, miss) and tier (l1, l2).',
      }),
    )
    this.#circuits = new ObservedValues(
      meter.createObservableGauge(STRATA_METRICS.circuitState, {
        unit: '1',
        description: "1 while a store's circuit breaker is open, 0 once it closed again.",
      }),
    )
    const histogram = (name: string, description: string, buckets: number[]) =>
      meter.createHistogram(name, {
        unit: 's',
        description,
        advice: { explicitBucketBoundaries: buckets },
      })
    this.#durations = {
      load: histogram(
        STRATA_METRICS.loadDuration,
        'Loads started by a miss or a refresh, from start to the value stored.',
        LOAD_BUCKETS,
      ),
      loader: histogram(STRATA_METRICS.loaderDuration, 'Loader calls.', LOAD_BUCKETS),
      lockWait: histogram(
        STRATA_METRICS.lockWaitDuration,
        "Waits for another process's lock on a key being loaded.",
        LOAD_BUCKETS,
      ),
      store: histogram(STRATA_METRICS.storeOperationDuration, 'Store calls.', STORE_BUCKETS),
    }
    const counter = (name: CounterName, unit: string, description: string) =>
      meter.createCounter(STRATA_METRICS[name], { unit, description })
    this.#counters = {
      storeErrors: counter('storeErrors', '{error}', 'Failed store calls, by error code.'),
      refreshes: counter('refreshes', '{refresh}', 'Background refreshes (early or stale).'),
      invalidations: counter('invalidations', '{tag}', 'Tags invalidated.'),
      expirations: counter('expirations', '{expiration}', 'Keys or tags expired.'),
      writes: counter('writes', '{write}', 'Sets, deletes and clears.'),
      loaderTimeouts: counter('loaderTimeouts', '{timeout}', 'Loaders past a timeout.'),
      busGaps: counter('busGaps', '{gap}', 'Connections lost by the invalidation bus.'),
    }
  }

  /** One lookup. */
  lookup(message: LookupMessage): void {
    const { cache, namespace, store, result, tier } = message
    this.#lookups.add(`${cache}\0${namespace}\0${store}\0${result}\0${tier}`, 1, () =>
      attributesOf(identityOf(message), {
        'strata.cache.result': result,
        'strata.cache.tier': tier,
      }),
    )
  }

  /** One counted event; names this version does not know are ignored. */
  event(message: CacheEventMessage): void {
    if (message.name === 'circuit') {
      this.#circuits.set(`${message.cache}\0${message.store}`, +(message.state === 'open'), () => ({
        [ATTR_CACHE_NAME]: message.cache,
        [ATTR_CACHE_STORE]: message.store,
      }))
      return
    }
    const counted = countOf(message)
    if (counted === undefined) return
    const [name, by, extra] = counted
    this.#counters[name].add(by, attributesOf(identityOf(message), extra))
  }

  finished(operation: Operation, endedAt: number): void {
    const extra: Attributes =
      operation.kind === 'store'
        ? databaseAttributes(operation.identity.store, operation.operation)
        : {}
    if (operation.failed) extra['error.type'] = errorType(operation.failed.error)
    this.#durations[operation.kind].record(
      (endedAt - operation.startedAt) / 1000,
      attributesOf(operation.identity, extra),
    )
  }

  /** Stops the observable instruments' reports. */
  close(): void {
    this.#lookups.close()
    this.#circuits.close()
  }
}

type CounterName =
  | 'storeErrors'
  | 'refreshes'
  | 'invalidations'
  | 'expirations'
  | 'writes'
  | 'loaderTimeouts'
  | 'busGaps'

/** Which counter an event adds to, by how much, with which attributes beyond the identity. */
function countOf(message: CacheEventMessage): [CounterName, number, Attributes?] | undefined {
  switch (message.name) {
    case 'invalidate':
      return ['invalidations', message.tags, { 'strata.cache.source': message.source }]
    case 'expire':
      return ['expirations', message.count, { 'strata.cache.source': message.source }]
    case 'earlyRefresh':
      return ['refreshes', 1, { 'strata.cache.refresh.reason': 'early' }]
    case 'staleRefresh':
      return ['refreshes', 1, { 'strata.cache.refresh.reason': 'stale' }]
    case 'set':
    case 'delete':
    case 'clear':
      return ['writes', 1, { 'strata.cache.operation': message.name }]
    case 'loaderTimeout':
      return ['loaderTimeouts', 1, { 'strata.cache.timeout.kind': message.kind }]
    case 'storeError':
      return [
        'storeErrors',
        1,
        storeErrorAttributes(message.store, message.operation, message.code),
      ]
    case 'busGap':
      return message.phase === 'lost' ? ['busGaps', 1] : undefined
    default:
      return undefined
  }
}

function storeErrorAttributes(store: string, operation: string, code: string): Attributes {
  const attributes = databaseAttributes(store, operation)
  attributes['error.type'] = code
  return attributes
}
