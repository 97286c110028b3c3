/**
 * The connections of one view manager and who owns them. The pool its queries run on is yours
 * when you passed `pool` (never ended by Strata) or the manager's when it was created from
 * `connectionString` (by the shared connection code). The dedicated LISTEN connection is always
 * the manager's. `close()` releases what the manager owns even when the server or the LISTEN
 * connection is gone, reporting failures rather than throwing them.
 */
import { type CacheError, StoreError } from '@strata/cache-core'
import type { Pool } from 'pg'
import { companionClientConfig, createPool, type Timeouts } from '../shared/connection.js'
import { NotificationListener } from '../shared/notification-listener.js'
import { STORE } from './errors.js'
import type { ViewConnectionSource } from './options.js'

/** Connections of the pool the manager creates (pg's own default). */
const POOL_SIZE = 10

/** What the connections report to the manager. */
export interface ViewConnectionEvents {
  readonly onNotification: (payload: string) => void
  readonly onGap: () => void
  readonly report: (error: CacheError) => void
}

/** See the file header. */
export class ViewConnection {
  /** The pool queries run on (yours when you passed `pool`). */
  readonly pool: Pool
  /** LISTEN on a connection of its own, reconnecting by itself. */
  readonly listener: NotificationListener
  readonly #ownsPool: boolean
  readonly #report: (error: CacheError) => void
  // An idle pooled connection that dies emits 'error' on the pool: unheard, it would crash the
  // process.
  readonly #onPoolError = (error: Error) =>
    this.#report(new StoreError(STORE, 'pool', { cause: error }))

  constructor(source: ViewConnectionSource, timeouts: Timeouts, events: ViewConnectionEvents) {
    this.#report = events.report
    if (source.pool !== undefined) {
      this.pool = source.pool
      this.#ownsPool = false
    } else {
      // This pool also runs your SQL (`query()`), which Strata does not bound, and refreshes
      // that set their own statement_timeout: only the connection timeout applies to all of it.
      this.pool = createPool(
        source.connectionString,
        { ...timeouts, statementTimeoutMs: 0, queryTimeoutMs: 0 },
        POOL_SIZE,
      )
      this.#ownsPool = true
    }
    this.pool.on('error', this.#onPoolError)
    this.listener = new NotificationListener({
      clientConfig: companionClientConfig(this.pool, timeouts),
      onNotification: (_channel, payload) => events.onNotification(payload),
      onGap: events.onGap,
      onError: (error) => this.#report(new StoreError(STORE, 'listen', { cause: error })),
    })
  }

  /**
   * Closes the LISTEN connection and, when the manager created it, ends the pool. Always
   * resolves: what cannot be released cleanly (the server is gone) is reported and dropped.
   */
  async close(): Promise<void> {
    await this.#release('listen', () => this.listener.close())
    if (this.#ownsPool) {
      await this.#release('pool', () => this.pool.end())
    } else {
      // Your pool stays open and its 'error' events are yours again.
      this.pool.off('error', this.#onPoolError)
    }
  }

  async #release(what: string, release: () => Promise<void>): Promise<void> {
    try {
      await release()
    } catch (error) {
      this.#report(new StoreError(STORE, `materializedView.close.${what}`, { cause: error }))
    }
  }
}
