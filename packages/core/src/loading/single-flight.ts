/**
 * Single-flight: one load per key per process, shared by every caller that asks while it runs,
 * and superseded by invalidations so a load that began before one is never cached after it.
 *
 * @module
 */

/** One in-flight load of a key, shared by every caller that asks while it runs. */
export interface Flight<T> {
  readonly promise: Promise<T>
  /** Tags the load was started with: an invalidation of any of them supersedes it. */
  readonly tags: readonly string[]
  /** Set when an invalidation, `set` or `delete` made this load's result outdated. */
  superseded: boolean
}

/**
 * Process-local single-flight: concurrent loads of one key share one promise. A superseded
 * flight leaves the map at once, so callers arriving after an invalidation start a new load.
 */
export class SingleFlight {
  private readonly flights = new Map<string, Flight<unknown>>()

  get<T>(key: string): Flight<T> | undefined {
    return this.flights.get(key) as Flight<T> | undefined
  }

  start<T>(
    key: string,
    tags: readonly string[],
    run: (flight: Flight<T>) => Promise<T>,
  ): Flight<T> {
    const flight: { promise: Promise<T>; tags: readonly string[]; superseded: boolean } = {
      promise: undefined as unknown as Promise<T>,
      tags,
      superseded: false,
    }
    flight.promise = run(flight).finally(() => {
      if (this.flights.get(key) === flight) this.flights.delete(key)
    })
    this.flights.set(key, flight as Flight<unknown>)
    return flight
  }

  /** Supersedes the flight of one key. */
  supersedeKey(key: string): void {
    const flight = this.flights.get(key)
    if (!flight) return
    flight.superseded = true
    this.flights.delete(key)
  }

  /** Supersedes every flight carrying one of `tags`. */
  supersedeTags(tags: readonly string[]): void {
    if (this.flights.size === 0) return
    const wanted = new Set(tags)
    for (const [key, flight] of this.flights) {
      if (flight.tags.some((tag) => wanted.has(tag))) {
        flight.superseded = true
        this.flights.delete(key)
      }
    }
  }

  /** Supersedes every flight whose key starts with `prefix` (a cleared namespace). */
  supersedePrefix(prefix: string): void {
    for (const [key, flight] of this.flights) {
      if (key.startsWith(prefix)) {
        flight.superseded = true
        this.flights.delete(key)
      }
    }
  }

  /** Every in-flight promise, for `close()` to wait on. */
  pending(): Promise<unknown>[] {
    return [...this.flights.values()].map((flight) => flight.promise)
  }
}
