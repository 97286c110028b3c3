import type { BusGap, StoreBus } from '@strata/cache-core'
import { StoreError } from '@strata/cache-core'
import type { NotificationListener } from '../shared/notification-listener.js'

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
  readonly listener: NotificationListener
  /** Runs `SELECT pg_notify($1, $2)` through the pool. */
  readonly notify: (pgChannel: string, payload: string) => Promise<void>
  readonly wrapError: (operation: string, error: unknown) => StoreError
}

type Handler = (message: string) => void

/**
 * The invalidation bus over LISTEN/NOTIFY. Every logical channel travels on one PostgreSQL
 * channel as `{"c": channel, "m": message}`, so channel names of any length or content work.
 * Notifications are delivered only to sessions listening at commit time: see
 * {@link PostgresBus.onGap} for what happens across a reconnect.
 */
export class PostgresBus implements StoreBus {
  readonly #context: PostgresBusContext
  readonly #handlers = new Map<string, Set<Handler>>()
  readonly #gapListeners = new Set<(gap: BusGap) => void>()
  #listening: Promise<void> | undefined

  /** @internal the store creates its bus. */
  constructor(context: PostgresBusContext) {
    this.#context = context
  }

  async publish(channel: string, message: string): Promise<void> {
    const payload = JSON.stringify({ c: channel, m: message })
    const bytes = Buffer.byteLength(payload, 'utf8')
    if (bytes > MAX_NOTIFY_PAYLOAD_BYTES) {
      throw new NotifyPayloadTooLargeError(this.#context.storeName, bytes)
    }
    try {
      await this.#context.notify(this.#context.pgChannel, payload)
    } catch (error) {
      throw this.#context.wrapError('publish', error)
    }
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
      this.#listening ??= this.#context.listener.listen(this.#context.pgChannel)
      await this.#listening
    } catch (error) {
      this.#listening = undefined
      handlers.delete(handler)
      throw this.#context.wrapError('subscribe', error)
    }
    return async () => {
      handlers.delete(handler)
      if (handlers.size === 0) this.#handlers.delete(channel)
    }
  }

  /**
   * Registers `listener` to be called after the listen connection was lost and re-established.
   * Messages published meanwhile were not delivered: a subscriber should treat everything it
   * derived from the bus as possibly stale (e.g. drop its in-process copies).
   * @returns a function that removes the listener.
   */
  onGap(listener: (gap: BusGap) => void): () => void {
    this.#gapListeners.add(listener)
    return () => this.#gapListeners.delete(listener)
  }

  /** Called by the store for each notification on its channel. Foreign payloads are ignored. */
  deliver(payload: string): void {
    const parsed = parseMessage(payload)
    if (parsed === undefined) return
    for (const handler of this.#handlers.get(parsed.channel) ?? []) handler(parsed.message)
  }

  /** Called by the store after the listen connection came back. */
  reportGap(): void {
    for (const listener of this.#gapListeners) listener({ phase: 'restored' })
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
