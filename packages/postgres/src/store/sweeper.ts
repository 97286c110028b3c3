/**
 * The background sweep of expired rows: one run at a time, on a timer that never keeps the
 * process alive.
 *
 * @module
 */

/**
 * Runs `sweepOnce` every `intervalMs` on an unref'd timer (it never keeps the process alive),
 * one run at a time, reporting failures to `onError`. `stop()` waits for a run in progress.
 */
export class Sweeper {
  readonly #sweepOnce: () => Promise<number>
  readonly #onError: (error: unknown) => void
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined

  constructor(
    sweepOnce: () => Promise<number>,
    intervalMs: number,
    onError: (error: unknown) => void,
  ) {
    this.#sweepOnce = sweepOnce
    this.#onError = onError
    if (intervalMs > 0) {
      this.#timer = setInterval(() => this.#tick(), intervalMs)
      this.#timer.unref()
    }
  }

  /** Stops the timer and waits for a sweep in progress to end. */
  async stop(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#running
  }

  #tick(): void {
    if (this.#running !== undefined) return
    this.#running = this.#sweepOnce()
      .then(
        () => undefined,
        (error: unknown) => this.#onError(error),
      )
      .finally(() => {
        this.#running = undefined
      })
  }
}
