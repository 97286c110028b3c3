/** Messages between the invalidation-delivery case (parent) and its worker processes. */

/** The libraries whose in-process tiers are kept in step over a Redis bus. */
export type DeliveryContenderId = 'strata' | 'bentocache'

/** Parent → worker. */
export type DeliveryCommand =
  /** Build the library's two-tier cache on Redis. */
  | { readonly kind: 'connect'; readonly contender: DeliveryContenderId; readonly url: string }
  /** Write `key` carrying `tag` (the round's writer only). */
  | { readonly kind: 'seed'; readonly key: string; readonly tag: string }
  /**
   * Read `key` until this process's L1 holds it, then watch it: report `missed` at the first
   * read that misses, checking on every bus message and every millisecond.
   */
  | { readonly kind: 'watch'; readonly key: string; readonly timeoutMs: number }
  /** Invalidate `tag` and report when the call started and resolved (the writer). */
  | { readonly kind: 'invalidate'; readonly tag: string }
  /** Close the library (the process stays for the next one). */
  | { readonly kind: 'close' }
  /** Leave. */
  | { readonly kind: 'exit' }

/**
 * Worker → parent. Times are `process.hrtime` in nanoseconds (CLOCK_MONOTONIC: one clock for
 * every process on the machine), as numbers.
 */
export type DeliveryReport =
  | { readonly kind: 'ready' }
  | { readonly kind: 'seeded' }
  | { readonly kind: 'watching' }
  | { readonly kind: 'invalidated'; readonly startedNs: number; readonly resolvedNs: number }
  /** `atNs` when the first missing read returned; null when none did within the timeout. */
  | { readonly kind: 'missed'; readonly atNs: number | null }
  | { readonly kind: 'closed' }
  | { readonly kind: 'error'; readonly message: string }
