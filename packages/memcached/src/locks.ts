/**
 * Cross-process locks as memcached items holding the owner's token.
 *
 * @module
 */

import type { StoreLocks } from '@strata/cache-core'
import { type Connection, unexpectedStatus } from './connection.js'
import { toExpiration } from './expiration.js'
import { toMemcachedKey } from './keys.js'
import { Opcode, readCas, Status, storageExtras } from './protocol.js'

/**
 * Locks as memcached items holding the owner's token. `acquire` is an `add` (atomic: only one
 * client creates the item). `release` and `extend` read the item with its CAS token and then
 * delete or rewrite it only if that CAS is unchanged, so they never remove or extend a lock that
 * expired and was taken by someone else in between. Leases are rounded up to whole seconds
 * (plus one for memcached's clock), so a lock whose owner died is free again after at most
 * `leaseMs` + 2 s. A lock lives on one server: if that server restarts, its locks are lost.
 */
export class MemcachedLocks implements StoreLocks {
  readonly #connection: Connection

  /** @internal the store creates its locks. */
  constructor(connection: Connection) {
    this.#connection = connection
  }

  async acquire(key: string, owner: string, leaseMs: number): Promise<boolean> {
    const response = await this.#connection.execute('lock.acquire', {
      opcode: Opcode.add,
      key: toMemcachedKey(key),
      extras: storageExtras(toExpiration(leaseMs)),
      value: Buffer.from(owner),
    })
    const status = response.header.status
    if (status === Status.ok) return true
    if (status === Status.keyExists || status === Status.notStored) return false
    throw unexpectedStatus('lock.acquire', status)
  }

  async release(key: string, owner: string): Promise<boolean> {
    const mapped = toMemcachedKey(key)
    const cas = await this.#ownedCas('lock.release', mapped, owner)
    if (cas === undefined) return false
    const response = await this.#connection.execute('lock.release', {
      opcode: Opcode.delete,
      key: mapped,
      cas,
    })
    return this.#compareOutcome('lock.release', response.header.status)
  }

  async extend(key: string, owner: string, leaseMs: number): Promise<boolean> {
    const mapped = toMemcachedKey(key)
    const cas = await this.#ownedCas('lock.extend', mapped, owner)
    if (cas === undefined) return false
    const response = await this.#connection.execute('lock.extend', {
      opcode: Opcode.set,
      key: mapped,
      extras: storageExtras(toExpiration(leaseMs)),
      value: Buffer.from(owner),
      cas,
    })
    return this.#compareOutcome('lock.extend', response.header.status)
  }

  /** The lock item's CAS token when `owner` holds it, otherwise `undefined`. */
  async #ownedCas(operation: string, key: string, owner: string): Promise<bigint | undefined> {
    const response = await this.#connection.execute(operation, { opcode: Opcode.get, key })
    const status = response.header.status
    if (status === Status.keyNotFound) return undefined
    if (status !== Status.ok) throw unexpectedStatus(operation, status)
    return response.val.equals(Buffer.from(owner)) ? readCas(response.header) : undefined
  }

  /** A compare-and-write either applied, or lost to an expiry or another owner. */
  #compareOutcome(operation: string, status: number): boolean {
    if (status === Status.ok) return true
    if (status === Status.keyExists || status === Status.keyNotFound) return false
    throw unexpectedStatus(operation, status)
  }
}
