/**
 * The invalidation bus over Redis pub/sub: PUBLISH through the store's commands, and callbacks
 * per channel on one subscriber connection ({@link Subscriber}), with gap reports.
 *
 * @module
 */

import { type BusGap, type StoreBus, StoreError } from '@strata/cache-core'
import calculateSlot from 'cluster-key-slot'
import { type Cluster, Redis } from 'ioredis'
import { type Command, type Commands, operation, STORE_NAME } from './commands.js'
import {
  DISCONNECT_TIMEOUT_MS,
  isCluster,
  type RedisClient,
  StartupGate,
  startupWaitMs,
} from './connection.js'
import { type OpenSubscriber, Subscriber } from './subscriber.js'

/** Where the bus sends errors that have no caller. */
export interface BusErrorReporting {
  /** `error` events of the subscriber connection, wrapped in a `StoreError`. */
  readonly onConnectionError: (error: unknown) => void
  /**
   * Exceptions thrown by a subscriber's callback (`operation` `'deliver'`) or a gap listener
   * (`'busGap'`), as PostgreSQL's bus reports them.
   */
  readonly onCallbackError: (operation: 'deliver' | 'busGap', error: unknown) => void
}

/** The callbacks of one channel, and the server's confirmation that it is subscribed. */
interface Channel {
  readonly handlers: Set<(message: string) => void>
  readonly confirmed: Promise<void>
}

const PUBLISH = operation('publish')
const SUBSCRIBE = operation('subscribe')
const UNSUBSCRIBE = operation('unsubscribe')

/**
 * Publish/subscribe over Redis channels. A connection in subscriber mode can run nothing but
 * (un)subscribe commands, so messages arrive on a dedicated connection opened the first time
 * someone subscribes, always the store's own, closed with the store: duplicated from the main
 * connection for one server or Sentinel, or to one node of a Cluster (PUBLISH on any node
 * reaches subscribers on every node). The bus reports gaps (`capabilities.busGaps`).
 */
export class RedisBus implements StoreBus {
  readonly #commands: Commands
  readonly #reporting: BusErrorReporting
  readonly #channels = new Map<string, Channel>()
  readonly #gapListeners = new Set<(gap: BusGap) => void>()
  readonly #subscriber: Subscriber

  /** @internal the store creates its bus. */
  constructor(commands: Commands, reporting: BusErrorReporting) {
    this.#commands = commands
    this.#reporting = reporting
    this.#subscriber = new Subscriber(subscriberFactory(commands.client), {
      onMessage: (channel, message) => this.#dispatch(channel, message),
      onGap: (phase) => this.#reportGap({ phase }),
      onError: reporting.onConnectionError,
    })
  }

  publish(channel: string, message: string): Promise<void> {
    return this.#commands.call(PUBLISH, publish, [channel, message], ignore)
  }

  async subscribe(
    channel: string,
    onMessage: (message: string) => void,
  ): Promise<() => Promise<void>> {
    let subscribed = this.#channels.get(channel)
    if (subscribed === undefined) {
      const created: Channel = {
        handlers: new Set(),
        confirmed: this.#subscriber.subscribe(channel),
      }
      this.#channels.set(channel, created)
      // A failed SUBSCRIBE forgets the channel, so the next subscribe tries again.
      created.confirmed.catch(() => {
        if (this.#channels.get(channel) === created) this.#channels.delete(channel)
      })
      subscribed = created
    }
    // Wrapped so that one callback subscribed twice gets two independent subscriptions.
    const handler = (message: string): void => onMessage(message)
    subscribed.handlers.add(handler)
    try {
      await subscribed.confirmed
    } catch (cause) {
      subscribed.handlers.delete(handler)
      return SUBSCRIBE.fail(cause)
    }
    let active = true
    return async () => {
      if (!active) return
      active = false
      if (!this.#remove(channel, handler)) return
      await this.#subscriber.unsubscribe(channel).catch(UNSUBSCRIBE.fail)
    }
  }

  /**
   * Calls `listener` with `'lost'` when the subscriber connection drops and with `'restored'`
   * once it is back with every channel subscribed again; messages published in between are
   * lost (Redis pub/sub keeps nothing).
   * @returns a function that removes the listener.
   */
  onGap(listener: (gap: BusGap) => void): () => void {
    this.#gapListeners.add(listener)
    return () => {
      this.#gapListeners.delete(listener)
    }
  }

  /** Closes the subscriber connection, if one was opened. Idempotent. */
  async close(): Promise<void> {
    this.#channels.clear()
    this.#gapListeners.clear()
    await this.#subscriber.close()
  }

  /** Removes a handler. @returns `true` when it was the channel's last one. */
  #remove(channel: string, handler: (message: string) => void): boolean {
    const subscribed = this.#channels.get(channel)
    if (subscribed === undefined || !subscribed.handlers.delete(handler)) return false
    if (subscribed.handlers.size > 0) return false
    this.#channels.delete(channel)
    return true
  }

  #dispatch(channel: string, message: string): void {
    const subscribed = this.#channels.get(channel)
    if (subscribed === undefined) return
    for (const handler of subscribed.handlers) {
      try {
        handler(message)
      } catch (error) {
        this.#reporting.onCallbackError('deliver', error)
      }
    }
  }

  #reportGap(gap: BusGap): void {
    for (const listener of this.#gapListeners) {
      try {
        listener(gap)
      } catch (error) {
        this.#reporting.onCallbackError('busGap', error)
      }
    }
  }
}

function ignore(): void {}

/**
 * PUBLISH. In a Cluster every message of a channel goes through the master of the channel's
 * hash slot, whoever publishes: messages of one channel then leave one node in the order they
 * were published, and reach the subscribers of every other node in that order. (ioredis would
 * send each PUBLISH to a random node, and two messages could overtake each other.)
 */
const publish: Command<readonly [string, string], number> = (client, [channel, message]) => {
  const node = isCluster(client) ? slotMaster(client, channel) : client
  return (node ?? client).publish(channel, message)
}

function slotMaster(cluster: Cluster, channel: string): Redis | undefined {
  const owner = cluster.slots[calculateSlot(channel)]?.[0]
  if (owner === undefined) return undefined
  return cluster
    .nodes('master')
    .find((node) => `${node.options.host}:${node.options.port}` === owner)
}

/** How the bus opens its subscriber connection on `client`'s server(s). */
function subscriberFactory(client: RedisClient): OpenSubscriber {
  if (!isCluster(client)) {
    return async () =>
      client.duplicate({
        lazyConnect: true,
        autoResubscribe: false,
        disconnectTimeout: DISCONNECT_TIMEOUT_MS,
      })
  }
  // One node of the Cluster, taken in turn: a node that goes away for good is replaced by the
  // next one, instead of being retried for ever.
  let turn = 0
  return async () => {
    if (client.status !== 'ready') await new StartupGate(client, startupWaitMs(client)).pending
    const masters = client.nodes('master')
    const nodes = masters.length > 0 ? masters : client.nodes('all')
    const node = nodes[turn++ % Math.max(nodes.length, 1)]
    if (node === undefined) {
      throw new StoreError(STORE_NAME, 'subscribe', { message: 'the Cluster knows no node yet' })
    }
    return new Redis({
      ...node.options,
      lazyConnect: true,
      autoResubscribe: false,
      readOnly: false,
      retryStrategy: () => null,
      disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    })
  }
}
