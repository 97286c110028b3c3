import { type StoreBus, StoreError } from '@strata/cache-core'
import { closeConnection } from './close.js'
import { isCluster, type RedisClient, type StartupGate } from './connection.js'

/** Where the bus sends errors that have no caller. */
export interface BusErrorReporting {
  /** `error` events of the subscriber connection. */
  readonly onConnectionError: (error: unknown) => void
  /** Exceptions thrown by a subscriber's callback. */
  readonly onCallbackError: (error: unknown) => void
}

/** The callbacks of one channel, and the server's confirmation that it is subscribed. */
interface Subscription {
  readonly handlers: Set<(message: string) => void>
  readonly confirmed: Promise<void>
}

/**
 * Publish/subscribe over Redis channels. A connection in subscriber mode can run nothing but
 * (un)subscribe commands, so messages arrive on a dedicated connection, duplicated from the
 * main one (same server, same options) the first time someone subscribes. It is always the
 * store's own and closes with the store. ioredis re-subscribes it after a reconnection.
 *
 * In Cluster mode, PUBLISH on any node reaches subscribers on every node.
 */
export class RedisBus implements StoreBus {
  readonly #client: RedisClient
  readonly #gate: StartupGate | undefined
  readonly #reporting: BusErrorReporting
  readonly #subscriptions = new Map<string, Subscription>()
  #subscriber: Promise<RedisClient> | undefined
  #closed = false

  /**
   * @param client the main connection: PUBLISH goes through it, and the subscriber connection
   * is duplicated from it.
   * @param gate the main connection's start-up gate, when the store opened it.
   */
  constructor(client: RedisClient, gate: StartupGate | undefined, reporting: BusErrorReporting) {
    this.#client = client
    this.#gate = gate
    this.#reporting = reporting
  }

  async publish(channel: string, message: string): Promise<void> {
    if (this.#gate?.pending) await this.#gate.pending
    try {
      await this.#client.publish(channel, message)
    } catch (cause) {
      throw new StoreError('redis', 'publish', { cause })
    }
  }

  async subscribe(
    channel: string,
    onMessage: (message: string) => void,
  ): Promise<() => Promise<void>> {
    let subscription = this.#subscriptions.get(channel)
    if (subscription === undefined) {
      const created: Subscription = {
        handlers: new Set(),
        confirmed: this.#subscribeOnServer(channel),
      }
      this.#subscriptions.set(channel, created)
      // A failed SUBSCRIBE forgets the channel, so the next subscribe tries again.
      created.confirmed.catch(() => {
        if (this.#subscriptions.get(channel) === created) this.#subscriptions.delete(channel)
      })
      subscription = created
    }
    // Wrapped so that one callback subscribed twice gets two independent subscriptions.
    const handler = (message: string): void => onMessage(message)
    subscription.handlers.add(handler)
    try {
      await subscription.confirmed
    } catch (cause) {
      subscription.handlers.delete(handler)
      throw new StoreError('redis', 'subscribe', { cause })
    }
    let active = true
    return async () => {
      if (!active) return
      active = false
      if (!this.#remove(channel, handler) || this.#subscriber === undefined) return
      try {
        await (await this.#subscriber).unsubscribe(channel)
      } catch (cause) {
        throw new StoreError('redis', 'unsubscribe', { cause })
      }
    }
  }

  /** Closes the subscriber connection, if one was opened. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#subscriptions.clear()
    const subscriber = this.#subscriber
    if (subscriber === undefined) return
    await closeConnection(await subscriber.catch(() => undefined))
  }

  /** Removes a handler. @returns `true` when it was the channel's last one. */
  #remove(channel: string, handler: (message: string) => void): boolean {
    const subscription = this.#subscriptions.get(channel)
    if (subscription === undefined || !subscription.handlers.delete(handler)) return false
    if (subscription.handlers.size > 0) return false
    this.#subscriptions.delete(channel)
    return true
  }

  async #subscribeOnServer(channel: string): Promise<void> {
    await (await this.#connectSubscriber()).subscribe(channel)
  }

  #connectSubscriber(): Promise<RedisClient> {
    if (this.#closed) return Promise.reject(new Error('The store is closed'))
    this.#subscriber ??= this.#openSubscriber()
    return this.#subscriber
  }

  async #openSubscriber(): Promise<RedisClient> {
    const subscriber = isCluster(this.#client)
      ? this.#client.duplicate([], { lazyConnect: true })
      : this.#client.duplicate({ lazyConnect: true })
    subscriber.on('error', this.#reporting.onConnectionError)
    subscriber.on('message', (channel: string, message: string) => this.#dispatch(channel, message))
    try {
      await subscriber.connect()
    } catch (error) {
      // Not cached: the next subscribe tries a fresh connection.
      this.#subscriber = undefined
      subscriber.disconnect()
      throw error
    }
    return subscriber
  }

  #dispatch(channel: string, message: string): void {
    const subscription = this.#subscriptions.get(channel)
    if (subscription === undefined) return
    for (const handler of subscription.handlers) {
      try {
        handler(message)
      } catch (error) {
        this.#reporting.onCallbackError(error)
      }
    }
  }
}
