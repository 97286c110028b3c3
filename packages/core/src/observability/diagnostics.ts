/**
 * Instrumentation through `node:diagnostics_channel`: what a cache does, published for whoever
 * subscribes (`@strata/cache-otel` turns it into OpenTelemetry metrics and spans). Nothing is
 * published, and nothing built, while no one subscribes: each site pays one `hasSubscribers`
 * read. Messages carry the cache's name, its namespace and the store, never a key or a scope's
 * values (their cardinality is unbounded and they may be personal).
 *
 * Channels (the names are a stable, documented API):
 * - `strata:cache:lookup`: one message per lookup, {@link LookupMessage};
 * - `strata:cache:event`: counted happenings, {@link CacheEventMessage};
 * - tracing channels (`start`/`end`/`asyncStart`/`asyncEnd`/`error`, as
 *   `diagnostics_channel.tracingChannel` defines them): `strata:cache:store` around each store
 *   call ({@link StoreCallContext}), `strata:cache:load` around a load that a miss or refresh
 *   started, `strata:cache:loader` around the loader call inside it, `strata:cache:lock-wait`
 *   around a wait for another process's lock ({@link OperationContext}). A `start` subscriber
 *   may set `within` on an operation's context to run it inside a context of its own.
 *
 * @module
 */

import { channel, tracingChannel } from 'node:diagnostics_channel'

/** Who a message is about: the cache (its root namespace), a namespace path, the store. */
export interface CacheIdentity {
  /** The cache's root namespace (`namespace` option), e.g. `'strata'`. */
  readonly cache: string
  /** The namespace path under the root (`'users/admins'`), `''` at the root. Never scopes. */
  readonly namespace: string
  /** The store's name (`'redis'`, `'memory'`…), `'unknown'` before a URL store is loaded. */
  readonly store: string
}

/** A lookup's outcome. */
export interface LookupMessage extends CacheIdentity {
  readonly result: 'hit' | 'stale' | 'miss'
  /** The tier that answered (`'l1'` only with an in-process tier). */
  readonly tier: 'l1' | 'l2'
}

/** Something counted. */
export type CacheEventMessage = CacheIdentity &
  (
    | { readonly name: 'invalidate'; readonly tags: number; readonly source: 'local' | 'remote' }
    | { readonly name: 'expire'; readonly count: number; readonly source: 'local' | 'remote' }
    | { readonly name: 'earlyRefresh' | 'staleRefresh' | 'set' | 'delete' | 'clear' }
    | { readonly name: 'loaderTimeout'; readonly kind: 'soft' | 'hard' }
    | { readonly name: 'storeError'; readonly code: string; readonly operation: string }
    | { readonly name: 'circuit'; readonly state: 'open' | 'closed' }
    | { readonly name: 'busGap'; readonly phase: 'lost' | 'restored' }
  )

/** The context of a traced operation (`load`, `loader`, `lock-wait`). */
export interface OperationContext extends CacheIdentity {
  /** Set when the operation failed (on `error`). */
  error?: unknown
  /** For `loader`: whether it produced a value that is cached (set at `asyncEnd`). */
  result?: unknown
  /**
   * Set by a `start` subscriber to run the operation inside a context of its own: core calls the
   * operation as `within(operation)`. `@strata/cache-otel` sets it on `loader`, so that the
   * spans your loader starts are children of the loader span.
   * @default unset: the operation is called as is
   */
  within?: <R>(operation: () => R) => R
}

/** The context of a traced store call. */
export interface StoreCallContext extends CacheIdentity {
  /** The contract's operation: `'get'`, `'getMany'`, `'set'`, `'getCounters'`, `'publish'`… */
  readonly operation: string
  error?: unknown
  result?: unknown
}

/** The names of the channels core publishes on, for subscribers (`diagnostics_channel`). */
export const DIAGNOSTICS_CHANNELS = {
  /** One message per lookup: {@link LookupMessage}. */
  lookup: 'strata:cache:lookup',
  /** Counted happenings: {@link CacheEventMessage}. */
  event: 'strata:cache:event',
  /** A tracing channel around each store call: {@link StoreCallContext}. */
  store: 'strata:cache:store',
  /** A tracing channel around a load a miss or refresh started: {@link OperationContext}. */
  load: 'strata:cache:load',
  /** A tracing channel around the loader call inside a load: {@link OperationContext}. */
  loader: 'strata:cache:loader',
  /** A tracing channel around a wait for another process's lock: {@link OperationContext}. */
  lockWait: 'strata:cache:lock-wait',
} as const

/** @internal */
export const lookupChannel = channel(DIAGNOSTICS_CHANNELS.lookup)
/** @internal */
export const eventChannel = channel(DIAGNOSTICS_CHANNELS.event)
/** @internal */
export const storeCallChannel = tracingChannel<string, StoreCallContext>(DIAGNOSTICS_CHANNELS.store)
/** @internal */
export const loadChannel = tracingChannel<string, OperationContext>(DIAGNOSTICS_CHANNELS.load)
/** @internal */
export const loaderChannel = tracingChannel<string, OperationContext>(DIAGNOSTICS_CHANNELS.loader)
/** @internal */
export const lockWaitChannel = tracingChannel<string, OperationContext>(
  DIAGNOSTICS_CHANNELS.lockWait,
)

type Traced = typeof storeCallChannel | typeof loadChannel

/**
 * Runs `fn` inside `traced`'s events when anyone subscribes (else calls it as is), for a
 * function that may answer synchronously or with a promise: `start`, then `end` once it
 * returned (or threw: `error` first); for a promise, `asyncStart` and `asyncEnd` once it
 * settled (`error` first when it rejected), as `tracePromise` does.
 */
export function traced<T>(
  traced: Traced,
  about: CacheIdentity,
  operation: string | undefined,
  fn: () => T | Promise<T>,
): T | Promise<T> {
  if (!traced.hasSubscribers) return fn()
  // A message of its own for each operation: the identity given is shared and must stay clean
  // (a result or an error written on it would reach every later message, values included).
  const message: StoreCallContext | OperationContext =
    operation === undefined
      ? { cache: about.cache, namespace: about.namespace, store: about.store }
      : { cache: about.cache, namespace: about.namespace, store: about.store, operation }
  const channels = traced as unknown as Record<
    'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error',
    { publish(message: unknown): void; runStores<R>(m: unknown, f: () => R): R }
  >
  return channels.start.runStores(message, () => {
    let result: T | Promise<T>
    try {
      // A `start` subscriber may have asked to run the operation inside its own context.
      const within = (message as OperationContext).within
      result = within === undefined ? fn() : within(fn)
    } catch (error) {
      message.error = error
      channels.error.publish(message)
      channels.end.publish(message)
      throw error
    }
    if (!(result instanceof Promise)) {
      // Set before `end`, as traceSync does: a subscriber then knows no `asyncEnd` follows.
      message.result = result
      channels.end.publish(message)
      return result
    }
    channels.end.publish(message)
    return result.then(
      (value) => {
        message.result = value
        channels.asyncStart.publish(message)
        channels.asyncEnd.publish(message)
        return value
      },
      (error: unknown) => {
        message.error = error
        channels.error.publish(message)
        channels.asyncStart.publish(message)
        channels.asyncEnd.publish(message)
        throw error
      },
    )
  })
}

/** Something a message can be about: it names its cache, namespace and store on demand. */
export interface Identified {
  identity(): CacheIdentity
}

/** Publishes a counted happening, when anyone subscribes. */
export function publishEvent(about: Identified, event: DistributiveOmit<CacheEventMessage>): void {
  if (!eventChannel.hasSubscribers) return
  // Fields copied one by one: object spreads are slow on Node 20.
  const identity = about.identity()
  const message = event as Record<string, unknown>
  message.cache = identity.cache
  message.namespace = identity.namespace
  message.store = identity.store
  eventChannel.publish(message)
}

type DistributiveOmit<T> = T extends unknown ? Omit<T, keyof CacheIdentity> : never
