/**
 * The one road from the store to memcached: every request goes through
 * {@link Connection.execute}, which sends it through memjs's transport, bounds it by a
 * deadline and turns any failure into a `StoreError` naming the store and the operation.
 *
 * @module
 */

import type { Socket } from 'node:net'
import { OperationDeadlines, StoreError, StoreTimeoutError } from '@strata/cache-core'
import type { Client } from 'memjs'
import { encodeRequest, type Request } from './protocol.js'

/** The store's name in errors and metrics. */
export const STORE_NAME = 'memcached'

/** A binary protocol answer, as memjs parses it. */
export interface Response {
  readonly header: { readonly status: number; readonly cas: Buffer }
  readonly val: Buffer
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  1: 'key not found',
  2: 'key exists',
  3: 'value too large',
  4: 'invalid arguments',
  5: 'item not stored',
  6: 'incr/decr on a non-numeric value',
  32: 'authentication error',
  129: 'unknown command',
  130: 'out of memory',
  131: 'not supported',
  132: 'internal error',
  133: 'busy',
  134: 'temporary failure',
}

/**
 * Sends binary protocol requests through a memjs client and bounds each by a deadline, so that
 * whatever state memjs or the socket is in, a call settles within `timeoutMs`.
 */
export class Connection {
  readonly client: Client
  /** The bound on every call, in milliseconds. */
  readonly timeoutMs: number
  readonly #deadlines: OperationDeadlines
  #closed = false
  /** Requests sent in the current tick of the event loop. */
  #sentThisTick = 0
  #corkedSockets: Socket[] = []
  readonly #endTick = () => {
    this.#sentThisTick = 0
    const sockets = this.#corkedSockets
    if (sockets.length === 0) return
    this.#corkedSockets = []
    for (const socket of sockets) socket.uncork()
  }

  constructor(client: Client, timeoutMs: number) {
    this.client = client
    this.timeoutMs = timeoutMs
    this.#deadlines = new OperationDeadlines(timeoutMs)
  }

  /**
   * Sends one request and resolves with the server's answer, whatever its status. Rejects with
   * {@link StoreError} (connection failures, with memjs's error as `cause`) or
   * {@link StoreTimeoutError} (no answer within the bound); never hangs.
   */
  execute(operation: string, request: Request): Promise<Response> {
    return new Promise<Response>((resolve, reject) => {
      if (this.#closed) {
        reject(new StoreError(STORE_NAME, operation, { message: 'the store is closed' }))
        return
      }
      const pending = this.#deadlines.track(() =>
        reject(new StoreTimeoutError(STORE_NAME, operation, this.timeoutMs)),
      )
      try {
        if (this.#sentThisTick++ === 0) {
          this.#cork()
          process.nextTick(this.#endTick)
        }
        this.client.incrSeq()
        // memjs wraps its sequence with `& 0xffffffff`, which turns negative after 2^31 calls,
        // while answers carry it unsigned: register and send it unsigned so they still match.
        const seq = this.client.seq >>> 0
        this.client.perform(request.key, encodeRequest(request, seq), seq, (error, response) => {
          if (!this.#deadlines.settle(pending)) return
          if (error) reject(new StoreError(STORE_NAME, operation, { cause: error }))
          else resolve(response as Response)
        })
      } catch (error) {
        if (this.#deadlines.settle(pending)) {
          reject(new StoreError(STORE_NAME, operation, { cause: error }))
        }
      }
    })
  }

  /**
   * memjs writes every request to its socket on its own, one system call each. The servers' open
   * sockets are corked from the first request of a tick until the tick ends, so the requests of
   * one tick leave in one write: a cache read and the namespace generation read beside it,
   * getMany, setMany, concurrent callers. (Corking only from the second request, as this did
   * before, sent every such pair in two writes, and often got two answers back in two reads.)
   * A lone request waits only for the end of the current tick. Sockets memjs has not opened yet
   * are left alone.
   */
  #cork(): void {
    for (const server of this.client.servers) {
      const socket = (server as unknown as { _socket?: Socket })._socket
      if (socket !== undefined && !socket.destroyed) {
        socket.cork()
        this.#corkedSockets.push(socket)
      }
    }
  }

  /** Stops accepting calls; calls already sent still settle. */
  close(): void {
    this.#closed = true
  }
}

/** The error for an answer with a status the operation does not expect. */
export function unexpectedStatus(operation: string, status: number): StoreError {
  const text = STATUS_TEXT[status] ?? 'unknown status'
  return new StoreError(STORE_NAME, operation, {
    message: `server answered 0x${status.toString(16).padStart(4, '0')} (${text})`,
  })
}
