/** What every library in the peer comparison is reduced to, so one case can time them all alike. */
export interface Contender {
  /** Shown in tables and charts, e.g. `strata` or `keyv 5.6.0`. */
  readonly name: string
  /** `strata` is what is being measured; `raw` is the bare client; `peer` another library. */
  readonly role: 'strata' | 'raw' | 'peer'
  /** Undefined when the library only offers cache-aside (cachified). */
  get?(key: string): unknown
  /** A synchronous read, timed without await: only the raw lru-cache in the large memory case. */
  getSync?(key: string): unknown
  /** Undefined when the library has no multi-key read (bentocache). */
  getMany?(keys: string[]): unknown
  set?(key: string, value: unknown): unknown
  /** Cache-aside, if the library has one (`getOrSet`, `wrap`, `cachified`); `ttlMs` overrides the default TTL. */
  getOrSet?(key: string, loader: () => Promise<unknown>, ttlMs?: number): Promise<unknown>
  close(): Promise<void>
}

/** The value every case stores: a small JSON object, as a typical cached row. */
export const SAMPLE_VALUE = { id: 42, name: 'Ada Lovelace', roles: ['admin', 'author'] }

/** One hour in milliseconds: entries written by the cases never expire during a run. */
export const HOUR_MS = 3_600_000

/** Runs `task` with `contenders`, then closes them all, in order, whatever happened. */
export async function withContenders<T>(
  contenders: readonly Contender[],
  task: (contenders: readonly Contender[]) => Promise<T>,
): Promise<T> {
  try {
    return await task(contenders)
  } finally {
    for (const contender of contenders) await contender.close()
  }
}

/** Names the contender of a Strata cache created with `clearable: false`, after the library. */
export const UNCLEARABLE_SUFFIX = '(clearable: false)'
