/**
 * A dedicated LISTEN connection that reconnects by itself, shared by the store's bus and the
 * materialized view: it owns the connection, its channels and the reports of its outages.
 *
 * @module
 */

import { reportWithoutCaller } from '@strata/cache-core'
import { Client, type ClientConfig } from 'pg'

/** What a {@link NotificationListener} reports to its owner. */
export interface NotificationListenerOptions {
  /** Connection settings of the dedicated client (never a pooled one: LISTEN is per session). */
  readonly clientConfig: ClientConfig
  /** Called for every NOTIFY received on a channel being listened to. */
  readonly onNotification: (channel: string, payload: string) => void
  /**
   * Called when the connection drops (not when it is closed): notifications sent from now on
   * are lost until {@link onGap} is called.
   * @default nothing
   */
  readonly onLost?: (() => void) | undefined
  /**
   * Called once the connection was lost and is back, with every channel listened to again.
   * Notifications sent in between are lost: the owner must treat everything as possibly stale.
   */
  readonly onGap: () => void
  /** Called when the connection fails or a reconnect attempt fails (it is retried). */
  readonly onError: (error: unknown) => void
  /** Backoff between reconnect attempts, doubling from `min` to `max` ms. */
  readonly reconnectDelayMs?: { readonly min: number; readonly max: number } | undefined
}

/**
 * LISTEN on a dedicated connection that reconnects by itself (with backoff) and listens again
 * to every channel after a reconnect. Timers are unref'd: it never keeps the process alive.
 */
export class NotificationListener {
  readonly #options: NotificationListenerOptions
  readonly #channels = new Set<string>()
  #client: Client | undefined
  #connecting: Promise<Client> | undefined
  #reconnectTimer: NodeJS.Timeout | undefined
  #attempt = 0
  #closed = false

  constructor(options: NotificationListenerOptions) {
    this.#options = options
  }

  /** The live client, if connected (exposed for tests and diagnostics). */
  get client(): Client | undefined {
    return this.#client
  }

  /** Starts listening to `channel` (connecting first if needed). */
  async listen(channel: string): Promise<void> {
    const client = await this.#connect()
    await this.#command(client, `LISTEN ${quoteChannel(channel)}`)
    this.#channels.add(channel)
  }

  /** Stops listening to `channel`. */
  async unlisten(channel: string): Promise<void> {
    this.#channels.delete(channel)
    const client = this.#client
    if (client !== undefined) await this.#command(client, `UNLISTEN ${quoteChannel(channel)}`)
  }

  /**
   * Runs (UN)LISTEN on the live connection. One that fails (its query timeout, a frozen path)
   * leaves pg's client holding the unanswered query, so every later query would queue behind
   * it: the connection is let go, and the next call opens a new one.
   */
  async #command(client: Client, text: string): Promise<void> {
    try {
      await client.query(text)
    } catch (error) {
      if (this.#client === client) {
        this.#client = undefined
        client.removeAllListeners('end')
        client.end().catch(() => undefined) // already failed: the query's error is thrown
      }
      throw error
    }
  }

  /** Closes the connection and stops reconnecting. Calling it twice is harmless. */
  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#reconnectTimer)
    this.#channels.clear()
    const pending = this.#connecting
    if (pending !== undefined) await pending.catch(() => undefined) // its failure was reported
    const client = this.#client
    this.#client = undefined
    if (client !== undefined) await client.end()
  }

  #connect(): Promise<Client> {
    if (this.#closed) return Promise.reject(new Error('The notification listener is closed'))
    if (this.#client !== undefined) return Promise.resolve(this.#client)
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = undefined
    })
    return this.#connecting
  }

  async #open(): Promise<Client> {
    const client = new Client(this.#options.clientConfig)
    // Without an 'error' listener a dropped connection would crash the process.
    client.on('error', (error) => this.#lost(client, error))
    client.on('end', () => this.#lost(client, undefined))
    client.on('notification', (message) => {
      const { channel, payload } = message
      if (payload !== undefined) this.#run(() => this.#options.onNotification(channel, payload))
    })
    try {
      await client.connect()
      for (const channel of this.#channels) await client.query(`LISTEN ${quoteChannel(channel)}`)
    } catch (error) {
      client.removeAllListeners('end')
      await client.end().catch(() => undefined) // already failing: the first error is thrown
      throw error
    }
    if (this.#closed) {
      await client.end()
      throw new Error('The notification listener is closed')
    }
    this.#client = client
    return client
  }

  #lost(client: Client, error: unknown): void {
    if (this.#client !== client) return
    this.#client = undefined
    if (error !== undefined) this.#report(error)
    client.removeAllListeners('end')
    // The connection is dead; ending it only releases the socket, its outcome changes nothing.
    client.end().catch(() => undefined)
    if (this.#closed) return
    // Before the owner hears of it: nothing the owner's callbacks do may leave the listener down.
    if (this.#channels.size > 0) this.#scheduleReconnect()
    this.#run(() => this.#options.onLost?.())
  }

  #scheduleReconnect(): void {
    const { min, max } = this.#options.reconnectDelayMs ?? { min: 100, max: 5000 }
    const delay = Math.min(max, min * 2 ** this.#attempt)
    this.#reconnectTimer = setTimeout(() => {
      this.#connect().then(
        () => {
          this.#attempt = 0
          this.#run(() => this.#options.onGap())
        },
        (error: unknown) => {
          if (this.#closed) return
          this.#attempt += 1
          this.#scheduleReconnect()
          this.#report(error)
        },
      )
    }, delay)
    this.#reconnectTimer.unref()
  }

  /**
   * Runs an owner callback from a connection event or a timer, where a throw has no caller: it
   * would break pg's message parsing or skip the reconnect. The throw goes to `onError`.
   */
  #run(callback: () => void): void {
    try {
      callback()
    } catch (error) {
      this.#report(error)
    }
  }

  /** `onError` (see {@link reportWithoutCaller}). */
  #report(error: unknown): void {
    reportWithoutCaller(this.#options.onError, error)
  }
}

/** Channel names are identifiers; quoting keeps their case and any character but NUL. */
function quoteChannel(channel: string): string {
  return `"${channel.replaceAll('"', '""')}"`
}
