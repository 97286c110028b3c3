/**
 * The circuit breaker of one store: after consecutive failures, calls fail at once for a
 * cooldown, then one trial call decides.
 *
 * @module
 */

/**
 * Closed: calls go through. Open: calls fail at once until `retryAt`. Then one trial call
 * goes through (half-open); its success closes the circuit, its failure opens it again.
 */
export class CircuitBreaker {
  #consecutiveFailures = 0
  #openUntil = 0
  #trialInFlight = false
  readonly #threshold: number
  readonly #cooldownMs: number
  readonly #clock: () => number

  readonly #onChange: ((state: 'open' | 'closed') => void) | undefined

  /** @param onChange - told when the circuit opens, and when it closes again. */
  constructor(
    threshold: number,
    cooldownMs: number,
    clock: () => number,
    onChange?: (state: 'open' | 'closed') => void,
  ) {
    this.#threshold = threshold
    this.#cooldownMs = cooldownMs
    this.#clock = clock
    this.#onChange = onChange
  }

  /** @returns 0 when the call may go ahead, else the time the circuit may be retried. */
  blockedUntil(): number {
    if (this.#openUntil === 0) return 0
    if (this.#clock() < this.#openUntil || this.#trialInFlight) return this.#openUntil
    this.#trialInFlight = true
    return 0
  }

  succeeded(): void {
    const wasOpen = this.#openUntil !== 0
    this.#consecutiveFailures = 0
    this.#openUntil = 0
    this.#trialInFlight = false
    if (wasOpen) this.#onChange?.('closed')
  }

  failed(): void {
    this.#consecutiveFailures += 1
    if (this.#trialInFlight || this.#consecutiveFailures >= this.#threshold) {
      const wasOpen = this.#openUntil !== 0
      this.#openUntil = this.#clock() + this.#cooldownMs
      this.#trialInFlight = false
      if (!wasOpen) this.#onChange?.('open')
    }
  }
}
