/**
 * Runs CDN purges behind the response: each purge is retried with exponential backoff (and the
 * CDN's own `Retry-After`) until it succeeds, fails for good, or runs out of attempts; a final
 * failure is reported, never thrown at the request that caused it.
 */
import {
  type Duration,
  InvalidOptionError,
  parseDuration,
  parsePositiveInteger,
  rejectUnknownOptions,
} from '@strata/cache-core'
import { type CdnPurger, PurgeError } from './purger.js'

/** Retries of a failed purge. */
export interface PurgeRetryOptions {
  /**
   * Attempts in all, the first included.
   * @default 5
   */
  readonly attempts?: number
  /**
   * Wait before the second attempt; each next wait doubles (with jitter), up to `maxDelay`.
   * @default '250ms'
   */
  readonly initialDelay?: Duration
  /**
   * The longest wait between two attempts, `Retry-After` included.
   * @default '30s'
   */
  readonly maxDelay?: Duration
}

/** How one purge ended. It never rejects. */
export type PurgeOutcome =
  | { readonly ok: true; readonly attempts: number }
  | { readonly ok: false; readonly attempts: number; readonly error: unknown }

/** A purge that failed for good, as `onPurgeError` receives it. */
export interface PurgeFailure {
  readonly purger: string
  readonly tags: readonly string[]
  readonly soft: boolean
  readonly attempts: number
  /** The last error (a `PurgeError` for the shipped purgers). */
  readonly error: unknown
}

interface ResolvedRetry {
  readonly attempts: number
  readonly initialDelayMs: number
  readonly maxDelayMs: number
}

const RETRY_OPTIONS = ['attempts', 'initialDelay', 'maxDelay']

/** Validates `purgeRetry`. @throws InvalidOptionError naming the bad option. */
export function resolveRetry(options: PurgeRetryOptions | undefined): ResolvedRetry {
  rejectUnknownOptions(options, RETRY_OPTIONS, 'purgeRetry')
  const initialDelayMs = parseDuration(options?.initialDelay ?? '250ms', 'purgeRetry.initialDelay')
  const maxDelayMs = parseDuration(options?.maxDelay ?? '30s', 'purgeRetry.maxDelay')
  if (maxDelayMs < initialDelayMs) {
    throw new InvalidOptionError('purgeRetry.maxDelay', 'must not be shorter than initialDelay')
  }
  return {
    attempts: parsePositiveInteger(options?.attempts ?? 5, 'purgeRetry.attempts'),
    initialDelayMs,
    maxDelayMs,
  }
}

export class PurgeDispatcher {
  private readonly pending = new Set<Promise<PurgeOutcome>>()

  constructor(
    private readonly purger: CdnPurger,
    private readonly retry: ResolvedRetry,
    private readonly onFailure: (failure: PurgeFailure) => void,
  ) {}

  /** Starts purging `tags`; the promise settles when the purge succeeded or was given up. */
  dispatch(tags: readonly string[], soft: boolean): Promise<PurgeOutcome> {
    const run = this.run([...tags], soft).finally(() => this.pending.delete(run))
    this.pending.add(run)
    return run
  }

  /** Resolves when every purge dispatched so far has succeeded or been given up. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending])
  }

  private async run(tags: string[], soft: boolean): Promise<PurgeOutcome> {
    let delayMs = this.retry.initialDelayMs
    for (let attempt = 1; ; attempt++) {
      try {
        await this.purger.purge(tags, { soft })
        return { ok: true, attempts: attempt }
      } catch (error) {
        const retryable = !(error instanceof PurgeError) || error.retryable
        if (!retryable || attempt >= this.retry.attempts) {
          this.report({ purger: this.purger.name, tags, soft, attempts: attempt, error })
          return { ok: false, attempts: attempt, error }
        }
        const asked = error instanceof PurgeError ? (error.retryAfterMs ?? 0) : 0
        // Half fixed, half random: retries of many purges do not arrive at the CDN in lockstep.
        const wait = Math.min(
          this.retry.maxDelayMs,
          Math.max(asked, delayMs / 2 + Math.random() * (delayMs / 2)),
        )
        await sleep(wait)
        delayMs = Math.min(this.retry.maxDelayMs, delayMs * 2)
      }
    }
  }

  private report(failure: PurgeFailure): void {
    try {
      this.onFailure(failure)
    } catch (error) {
      // A throwing report handler must not turn a reported failure into an unhandled rejection.
      console.error('@strata/cache-http: onPurgeError threw', error)
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
