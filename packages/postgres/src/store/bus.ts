/**
 * The store's invalidation bus over LISTEN/NOTIFY: publishing through the store's queries,
 * subscriptions dispatched from one dedicated listen connection, and the gap reports of that
 * connection.
 *
 * @module
 */

import { type BusGap, reportWithoutCaller, type StoreBus, StoreError } from '@strata/cache-core'
import type { ClientConfig } from 'pg'
import { NotificationListener } from '../shared/notification-listener.js'

/** PostgreSQL rejects NOTIFY payloads of 8000 bytes or more (default build). */
export const MAX_NOTIFY_PAYLOAD_BYTES = 7999

/** A published message does not fit in one NOTIFY payload. */
export class NotifyPayloadTooLargeError extends StoreError {
  /** The encoded payload's size in bytes (channel name and framing included). */
  readonly bytes: number
  /** The largest payload PostgreSQL accepts. */
  readonly limit: number
  constructor(store: string, bytes: number) {
    super(store, 'publish', {
      code: 'E_VALUE_TOO_LARGE',
      message: `the NOTIFY payload would be ${bytes} bytes; PostgreSQL accepts at most ${MAX_NOTIFY_PAYLOAD_BYTES}`,
    })
    this.bytes = bytes
    this.limit = MAX_NOTIFY_PAYLOAD_BYTES
  }
}

/** What the bus needs from its store. */
export interface PostgresBusContext {
  readonly storeName: string
  /** The single PostgreSQL channel carrying every logical channel of this store. */
  readonly pgChannel: string
  /** Connection settings of the listen connection (never a pooled one: LISTEN is per session). */
  readonly clientConfig: ClientConfig
  /** Runs `SELECT pg_notify($1, $2)` through the store's queries (which name their errors). */
  readonly notify: (pgChannel: string, payload: string) => Promise<void>
  readonly wrapError: (operation: string, error: unknown) => StoreError
  /**
   * Errors that have no caller: those of the listen connection (which reconnects by itself),
   * and exceptions thrown by a subscriber's callback or a gap listener.
   */
  readonly onError: (error: StoreError) => void
}

type Handler = (message: string) => void

/**
 * The invalidation bus over LISTEN/NOTIFY. Every logical channel travels on one PostgreSQL
 * channel as `{"c": channel, "m": message}`, so channel names of any length or content work.
 * Notifications reach only sessions listening at commit time: see {@link PostgresBus.onGap} for
 * what happens across a reconnect.
 */
export class PostgresBus implements StoreBus {
  readonly #context: PostgresBusContext
  readonly #listener: NotificationListener
  readonly #handlers = new Map<string, Set<Handler>>()
  readonly #gapListeners = new Set<(gap: BusGap) => void>()
  /** Settles once the listen connection listens; forgotten when it drops. */
  #listening: Promise<void> | undefined

  /** @internal the store creates its bus. */
  constructor(context: PostgresBusContext) {
    this.#context = context
    this.#listener = new NotificationListener({
      clientConfig: context.clientConfig,
      onNotification: (_channel, payload) => this.#deliver(payload),
      onLost: () => {
        // A subscribe from now on must wait for a live connection, not trust the dead one.
        this.#listening = undefined
        this.#reportGap({ phase: 'lost' })
      },
      onGap: () => this.#reportGap({ phase: 'restored' }),
      onError: (error) => context.onError(context.wrapError('listen', error)),
    })
  }

  async publish(channel: string, message: string): Promise<void> {
    const payload = JSON.stringify({ c: channel, m: message })
    const bytes = Buffer.byteLength(payload, 'utf8')
    if (bytes > MAX_NOTIFY_PAYLOAD_BYTES) {
      throw new NotifyPayloadTooLargeError(this.#context.storeName, bytes)
    }
    await this.#context.notify(this.#context.pgChannel, payload)
  }

  async subscribe(
    channel: string,
    onMessage: (message: string) => void,
  ): Promise<() => Promise<void>> {
    const handlers = this.#handlers.get(channel) ?? new Set<Handler>()
    this.#handlers.set(channel, handlers)
    // Each subscription gets its own wrapper so one function subscribed twice is two entries.
    const handler: Handler = (message) => onMessage(message)
    handlers.add(handler)
    try {
      this.#listening ??= this.#listener.listen(this.#context.pgChannel)
      await this.#listening
    } catch (error) {
      this.#listening = undefined
      this.#remove(channel, handler)
      throw this.#context.wrapError('subscribe', error)
    }
    // Every logical channel shares the one LISTEN: unsubscribing never talks to the server.
    return async () => this.#remove(channel, handler)
  }

  /**
   * Calls `listener` with `'lost'` when the listen connection drops, and with `'restored'` once
   * it is back and listening again. Notifications sent in between were not delivered: a
   * subscriber should treat what it derived from the bus as possibly stale.
   * @returns a function that removes the listener.
   */
  onGap(listener: (gap: BusGap) => void): () => void {
    this.#gapListeners.add(listener)
    return () => {
      this.#gapListeners.delete(listener)
    }
  }

  /** Closes the listen connection and stops reconnecting. Idempotent. */
  async close(): Promise<void> {
    this.#handlers.clear()
    this.#gapListeners.clear()
    await this.#listener.close()
  }

  #remove(channel: string, handler: Handler): void {
    const handlers = this.#handlers.get(channel)
    if (handlers === undefined) return
    handlers.delete(handler)
    if (handlers.size === 0) this.#handlers.delete(channel)
  }

  /** A notification on the store's channel; someone else's payload is ignored. */
  #deliver(payload: string): void {
    const parsed = parseMessage(payload)
    if (parsed === undefined) return
    for (const handler of this.#handlers.get(parsed.channel) ?? []) {
      this.#isolate('deliver', () => handler(parsed.message))
    }
  }

  #reportGap(gap: BusGap): void {
    for (const listener of this.#gapListeners) this.#isolate('busGap', () => listener(gap))
  }

  /**
   * Runs one subscriber's callback: its throw is reported, and spares the other callbacks and
   * the listen connection's reconnect (an `onError` that throws too included).
   */
  #isolate(operation: string, callback: () => void): void {
    try {
      callback()
    } catch (error) {
      reportWithoutCaller(
        this.#context.onError,
        new StoreError(this.#context.storeName, operation, { cause: error }),
      )
    }
  }
}

function parseMessage(payload: string): { channel: string; message: string } | undefined {
  let value: unknown
  try {
    value = JSON.parse(payload)
  } catch {
    return undefined // someone else's NOTIFY on our channel: not a message of this bus
  }
  if (typeof value !== 'object' || value === null) return undefined
  const { c, m } = value as { c?: unknown; m?: unknown }
  return typeof c === 'string' && typeof m === 'string' ? { channel: c, message: m } : undefined
}
