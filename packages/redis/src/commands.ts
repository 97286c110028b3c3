/**
 * The one road from the store to Redis. Every command the store, its locks and its bus send on
 * the store's connection goes through {@link Commands.call}: it holds the command back while
 * that connection makes its first attempt, batches the writes of one tick, and turns any failure
 * into a `StoreError` naming the store and the operation. The one exception is the bus's
 * subscriber connection (`subscriber.ts`), which can run nothing but SUBSCRIBE and UNSUBSCRIBE
 * and has no start-up gate or batch to go through: its failures become `StoreError`s through
 * the same {@link Operation} objects.
 *
 * @module
 */

import { CacheError, StoreError } from '@strata/cache-core'
import type { RedisClient, StartupGate } from './connection.js'
import type { WriteBatcher } from './write-batching.js'

/** The store's name in errors and metrics. */
export const STORE_NAME = 'redis'

/**
 * One kind of call (`get`, `lock.acquire`…), with its failure handler made once, so that a call
 * allocates no closure to report its failure.
 */
export interface Operation {
  readonly name: string
  /**
   * Throws the `StoreError` of this operation for `cause`. Strata's own errors pass through:
   * a command refuses bad input (a record too large) with its typed error before sending.
   */
  readonly fail: (cause: unknown) => never
}

/** Declares an operation; call it once per operation, at module level. */
export function operation(name: string): Operation {
  return {
    name,
    fail(cause: unknown): never {
      if (cause instanceof CacheError) throw cause
      throw new StoreError(STORE_NAME, name, { cause })
    },
  }
}

/** A command: what to send on `client`, given the call's argument. */
export type Command<A, R> = (client: RedisClient, argument: A) => Promise<R>

/** Sends the store's commands; see the module comment. */
export class Commands {
  /** The connection commands are sent on. */
  readonly client: RedisClient
  readonly #gate: StartupGate | undefined
  readonly #batcher: WriteBatcher | undefined

  /**
   * @param gate the start-up gate of a connection the store opened (none for a client you own).
   * @param batcher the write batcher, unless `batchWrites` is off.
   */
  constructor(
    client: RedisClient,
    gate: StartupGate | undefined,
    batcher: WriteBatcher | undefined,
  ) {
    this.client = client
    this.#gate = gate
    this.#batcher = batcher
  }

  /**
   * Sends `command(client, argument)` and resolves with `map` of its reply (the reply itself
   * without `map`). Rejects with a `StoreError` for `operation`, the driver's error as `cause`.
   *
   * The hit path of the store runs through here: it is plain promise chaining, with no async
   * frame and no closure per call (`command`, `map` and `operation.fail` are made once).
   */
  call<A, R, T = R>(
    operation: Operation,
    command: Command<A, R>,
    argument: A,
    map?: (reply: R) => T,
  ): Promise<T> {
    const pending = this.#gate?.pending
    if (pending !== undefined) {
      return pending.then(() => this.call(operation, command, argument, map))
    }
    this.#batcher?.batch()
    let reply: Promise<R>
    try {
      reply = command(this.client, argument)
    } catch (cause) {
      return Promise.reject(cause).catch(operation.fail)
    }
    return reply.then(map, operation.fail) as Promise<T>
  }
}
