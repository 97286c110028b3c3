/**
 * The circuit breaker of one store: after consecutive failures, calls fail at once for a
 * cooldown, then one trial call decides.
 *
 * @module
 */

import type { Duration } from '../options/duration.js'

/** When to stop calling a failing store, and for how long. */
export interface CircuitBreakerOptions {
  /**
   * Consecutive failed store calls that open the circuit.
   * @default 5
   */
  readonly failures?: number
  /**
   * How long the circuit stays open before one trial call is let through.
   * @default '5s'
   */
  readonly cooldown?: Duration
}

/**
 * Closed: calls go through. Open: calls fail at once until `retryAt`. Then one trial call
 * goes through (half-open); its success closes the circuit, its failure opens it again.
 */
export class CircuitBreaker {
  private consecutiveFailures = 0
  private openUntil = 0
  private trialInFlight = false

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly clock: () => number,
  ) {}

  /** @returns 0 when the call may go ahead, else the time the circuit may be retried. */
  blockedUntil(): number {
    if (this.openUntil === 0) return 0
    if (this.clock() < this.openUntil || this.trialInFlight) return this.openUntil
    this.trialInFlight = true
    return 0
  }

  succeeded(): void {
    this.consecutiveFailures = 0
    this.openUntil = 0
    this.trialInFlight = false
  }

  failed(): void {
    this.consecutiveFailures += 1
    if (this.trialInFlight || this.consecutiveFailures >= this.threshold) {
      this.openUntil = this.clock() + this.cooldownMs
      this.trialInFlight = false
    }
  }
}
