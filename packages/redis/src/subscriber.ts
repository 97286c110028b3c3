/**
 * The bus's receiving connection: a connection in subscriber mode, its channels, and what
 * happens when it drops. ioredis' own re-subscription is off (`autoResubscribe: false`): it
 * gives no sign of when it is complete, and it would re-subscribe channels unsubscribed while
 * the connection was down. Instead this module sends one SUBSCRIBE for every wanted channel once
 * the connection is ready again, and reports the gap around it: `'lost'` when the connection
 * drops, `'restored'` once that SUBSCRIBE was answered (Redis answers in order, so every
 * channel is active by then).
 *
 * A connection that ends for good (a Cluster node that went away, or a `client` whose retry
 * strategy gave up) is replaced by a new one after a backoff.
 *
 * @module
 */

import type { BusGap } from '@strata/cache-core'
import type { Redis } from 'ioredis'
import { closeConnection } from './close.js'
import { reconnectDelay } from './connection.js'

/** What a {@link Subscriber} reports. */
export interface SubscriberEvents {
  readonly onMessage: (channel: string, message: string) => void
  readonly onGap: (phase: BusGap['phase']) => void
  /** Connection errors, and a failed re-subscription (retried on a new connection). */
  readonly onError: (error: unknown) => void
}

/** Creates a new subscriber connection, not connected yet (`lazyConnect`, no auto-resubscribe). */
export type OpenSubscriber = () => Promise<Redis>

/** See the module comment. */
export class Subscriber {
  readonly #open: OpenSubscriber
  readonly #events: SubscriberEvents
  /** The channels that must be subscribed on the connection. */
  readonly #channels = new Set<string>()
  #connection: Redis | undefined
  #connecting: Promise<Redis> | undefined
  /** Whether the connection is up with every channel subscribed. */
  #up = false
  /** Whether `'lost'` was reported and `'restored'` not yet. */
  #lost = false
  #reopenTimer: NodeJS.Timeout | undefined
  #reopenAttempts = 0
  #closed = false

  constructor(open: OpenSubscriber, events: SubscriberEvents) {
    this.#open = open
    this.#events = events
  }

  /** Subscribes `channel` on the server; resolves once Redis confirmed it. */
  async subscribe(channel: string): Promise<void> {
    const connection = await this.#connect()
    this.#channels.add(channel)
    try {
      await connection.subscribe(channel)
    } catch (error) {
      this.#channels.delete(channel)
      throw error
    }
  }

  /**
   * Unsubscribes `channel`. A connection that is down has no subscription left to cancel, and
   * the channel is not subscribed again when it returns: only a failed UNSUBSCRIBE on a live
   * connection rejects.
   */
  async unsubscribe(channel: string): Promise<void> {
    this.#channels.delete(channel)
    const connection = this.#connection
    if (connection === undefined || !isLive(connection)) return
    try {
      await connection.unsubscribe(channel)
    } catch (error) {
      if (isLive(connection)) throw error
    }
  }

  /** Closes the connection and stops replacing it. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#reopenTimer)
    this.#channels.clear()
    const connection = this.#connection
    this.#connection = undefined
    this.#connecting = undefined
    await closeConnection(connection)
  }

  #connect(): Promise<Redis> {
    if (this.#closed) return Promise.reject(new Error('The store is closed'))
    this.#connecting ??= this.#openConnection()
    return this.#connecting
  }

  async #openConnection(): Promise<Redis> {
    let connection: Redis
    try {
      connection = await this.#open()
    } catch (error) {
      this.#connecting = undefined
      throw error
    }
    this.#connection = connection
    connection.on('error', this.#events.onError)
    connection.on('message', (channel: string, message: string) => {
      if (connection === this.#connection) this.#events.onMessage(channel, message)
    })
    connection.on('ready', () => this.#onReady(connection))
    connection.on('close', () => this.#onClose(connection))
    connection.on('end', () => this.#onEnd(connection))
    try {
      await connection.connect()
    } catch (error) {
      // Not kept: the next subscribe (or the next reopening) tries a fresh connection.
      if (this.#connection === connection) {
        this.#connection = undefined
        this.#connecting = undefined
      }
      connection.disconnect()
      throw error
    }
    return connection
  }

  #onReady(connection: Redis): void {
    if (connection !== this.#connection || this.#closed) return
    this.#reopenAttempts = 0
    if (!this.#lost) {
      this.#up = true
      return
    }
    const channels = [...this.#channels]
    const subscribed = channels.length > 0 ? connection.subscribe(...channels) : Promise.resolve()
    subscribed.then(
      () => {
        if (connection !== this.#connection || this.#closed || connection.status !== 'ready') return
        this.#up = true
        this.#lost = false
        this.#events.onGap('restored')
      },
      (error: unknown) => {
        if (connection !== this.#connection || this.#closed) return
        this.#events.onError(error)
        // Try again on a new connection rather than leave channels unsubscribed.
        if (connection.status === 'ready') connection.disconnect(true)
      },
    )
  }

  #onClose(connection: Redis): void {
    if (connection !== this.#connection || this.#closed || !this.#up) return
    this.#up = false
    this.#reportLost()
  }

  /** ioredis will not reconnect this connection: open another one. */
  #onEnd(connection: Redis): void {
    if (connection !== this.#connection || this.#closed) return
    this.#connection = undefined
    this.#connecting = undefined
    this.#up = false
    this.#reportLost()
    this.#scheduleReopen()
  }

  #reportLost(): void {
    if (this.#lost) return
    this.#lost = true
    this.#events.onGap('lost')
  }

  #scheduleReopen(): void {
    if (this.#reopenTimer !== undefined) return
    this.#reopenTimer = setTimeout(
      () => {
        this.#reopenTimer = undefined
        if (this.#closed || this.#connection !== undefined) return
        this.#connect().catch((error: unknown) => {
          if (this.#closed) return
          this.#events.onError(error)
          this.#scheduleReopen()
        })
      },
      reconnectDelay(++this.#reopenAttempts),
    )
    this.#reopenTimer.unref()
  }
}

/**
 * Whether `connection` can carry a command. Right after the server dropped it, ioredis may
 * still say "ready" while its socket is no longer writable.
 */
function isLive(connection: Redis): boolean {
  return connection.status === 'ready' && connection.stream?.writable === true
}
