/**
 * What a loader receives: the key, the stale value, and the means to change how its result is
 * cached (TTL, grace, tags) or to skip caching it.
 *
 * @module
 */

import type { WritePlan } from '../entries/entries.js'
import { InvalidOptionError } from '../errors.js'
import { type Duration, parseDuration, parsePositiveDuration } from '../options/duration.js'

/** What a loader receives: it can change how its result is cached, or skip caching it. */
export interface LoaderContext<T = unknown> {
  /** The cache key being loaded (as the caller gave it, without namespace). */
  readonly key: string
  /** The stale value being replaced, when there is one (a refresh within grace). */
  readonly stale: T | undefined
  /** Caches this result for `ttl` instead of the configured TTL. */
  setTtl(ttl: Duration): void
  /** Changes the grace period of this result. */
  setGrace(grace: Duration): void
  /**
   * Replaces the tags of this result. Versions of tags known when the load started are captured
   * before the loader runs; tags first named here are captured when the loader returns, so an
   * invalidation of them during the load is not seen. Declare tags up front when you can.
   */
  setTags(tags: readonly string[]): void
  /** Returns the result to the callers without caching it (e.g. a `null` "not found"). */
  skipCache(): void
}

/** The mutable state behind a {@link LoaderContext}. @internal */
export class LoaderState<T> implements LoaderContext<T> {
  skip = false
  constructor(
    readonly key: string,
    readonly stale: T | undefined,
    public plan: WritePlan,
  ) {}

  setTtl(ttl: Duration): void {
    this.plan = { ...this.plan, ttlMs: parsePositiveDuration(ttl, 'ttl') }
  }

  setGrace(grace: Duration): void {
    this.plan = { ...this.plan, graceMs: parseDuration(grace, 'grace') }
  }

  setTags(tags: readonly string[]): void {
    if (!Array.isArray(tags)) throw new InvalidOptionError('tags', 'must be an array of strings')
    this.plan = { ...this.plan, tags: [...tags] }
  }

  skipCache(): void {
    this.skip = true
  }
}
