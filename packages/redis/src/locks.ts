import { StoreError, type StoreLocks } from '@strata/cache-core'
import type { RedisClient, StartupGate } from './connection.js'
import { EXTEND_LOCK, RELEASE_LOCK, runScript } from './scripts.js'
import { toPx } from './ttl.js'

/**
 * Leased locks on plain keys: `SET key owner NX PX lease` to take one, and Lua
 * compare-and-delete / compare-and-pexpire so only the owner can release or extend it. A lock
 * key is one key, so it lives on one Cluster node and needs no cross-slot care.
 */
export class RedisLocks implements StoreLocks {
  readonly #client: RedisClient
  readonly #gate: StartupGate | undefined

  constructor(client: RedisClient, gate: StartupGate | undefined) {
    this.#client = client
    this.#gate = gate
  }

  async acquire(key: string, owner: string, leaseMs: number): Promise<boolean> {
    if (this.#gate?.pending) await this.#gate.pending
    try {
      return (await this.#client.set(key, owner, 'PX', toPx(leaseMs), 'NX')) === 'OK'
    } catch (cause) {
      throw new StoreError('redis', 'lock.acquire', { cause })
    }
  }

  async release(key: string, owner: string): Promise<boolean> {
    if (this.#gate?.pending) await this.#gate.pending
    try {
      return (await runScript(this.#client, RELEASE_LOCK, key, owner)) === 1
    } catch (cause) {
      throw new StoreError('redis', 'lock.release', { cause })
    }
  }

  async extend(key: string, owner: string, leaseMs: number): Promise<boolean> {
    if (this.#gate?.pending) await this.#gate.pending
    try {
      return (await runScript(this.#client, EXTEND_LOCK, key, owner, toPx(leaseMs))) === 1
    } catch (cause) {
      throw new StoreError('redis', 'lock.extend', { cause })
    }
  }
}
