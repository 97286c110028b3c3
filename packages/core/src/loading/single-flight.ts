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
 *
 * A load whose write is already on its way to the store can no longer be stopped: it is
 * "landing". Superseding it returns that write, and the change that superseded it (a `set`,
 * `delete`, `expire` or `clear`) waits for it before its own store call, so the acknowledged
 * change is always the one that lands last.
 */
export class SingleFlight {
  private readonly flights = new Map<string, Flight<unknown>>()
  /** Writes of loads on their way to the store, by key. */
  private readonly landing = new Map<string, Promise<unknown>>()

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

  /** Records that a load's write of `key` is on its way to the store until `write` settles. */
  land(key: string, write: Promise<unknown>): void {
    const settled = write.then(
      () => {},
      () => {},
    )
    this.landing.set(key, settled)
    void settled.then(() => {
      if (this.landing.get(key) === settled) this.landing.delete(key)
    })
  }

  /**
   * No load is in flight or landing: there is nothing to supersede, so a write need not build
   * the stored key to ask.
   */
  get idle(): boolean {
    return this.flights.size === 0 && this.landing.size === 0
  }

  /**
   * Supersedes the flight of one key.
   * @returns the write of a load of `key` still landing, to wait for before changing the key;
   * `undefined` when there is none (the common case: no promise to wait for).
   */
  supersedeKey(key: string): Promise<unknown> | undefined {
    const flight = this.flights.size === 0 ? undefined : this.flights.get(key)
    if (flight) {
      flight.superseded = true
      this.flights.delete(key)
    }
    return this.landing.size === 0 ? undefined : this.landing.get(key)
  }

  /** {@link supersedeKey} for many keys: the writes still landing, all together. */
  supersedeKeys(keys: readonly string[]): Promise<unknown> | undefined {
    const writes: Promise<unknown>[] = []
    for (const key of keys) {
      const landing = this.supersedeKey(key)
      if (landing) writes.push(landing)
    }
    return writes.length === 0 ? undefined : Promise.all(writes)
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

  /**
   * Supersedes every flight whose key starts with `prefix` (a cleared namespace).
   * @returns the writes under `prefix` still landing.
   */
  supersedePrefix(prefix: string): Promise<unknown> | undefined {
    for (const [key, flight] of this.flights) {
      if (key.startsWith(prefix)) {
        flight.superseded = true
        this.flights.delete(key)
      }
    }
    const writes = [...this.landing].filter(([key]) => key.startsWith(prefix))
    return writes.length === 0 ? undefined : Promise.all(writes.map(([, write]) => write))
  }

  /**
   * Supersedes every flight: after a bus gap, an invalidation of any of them may have been
   * lost, so callers from now on start new loads instead of joining these.
   */
  supersedeAll(): void {
    for (const flight of this.flights.values()) flight.superseded = true
    this.flights.clear()
  }

  /** Every in-flight promise, for `close()` to wait on. */
  pending(): Promise<unknown>[] {
    return [...this.flights.values()].map((flight) => flight.promise)
  }
}
