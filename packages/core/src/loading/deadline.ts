/**
 * Deadlines on promises: a loader's soft and hard timeouts.
 *
 * @module
 */

/** Settles with `onTimeout()` (a value, or a rejection when it is an `Error`) if `promise` has not settled within `ms`. */
export function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => T | Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const outcome = onTimeout()
      if (outcome instanceof Error) reject(outcome)
      else resolve(outcome)
    }, ms)
    timer.unref?.()
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
