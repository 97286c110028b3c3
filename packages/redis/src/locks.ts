/**
 * Cross-process locks on plain Redis keys, sent through the store's {@link Commands}.
 *
 * @module
 */

import type { StoreLocks } from '@strata/cache-core'
import { type Command, type Commands, operation } from './commands.js'
import { EXTEND_LOCK, RELEASE_LOCK, runScript } from './scripts.js'
import { toPx } from './ttl.js'

const ACQUIRE = operation('lock.acquire')
const RELEASE = operation('lock.release')
const EXTEND = operation('lock.extend')

type LockArguments = readonly [key: string, owner: string, leaseMs: number]

const acquire: Command<LockArguments, 'OK' | null> = (client, [key, owner, leaseMs]) =>
  client.set(key, owner, 'PX', toPx(leaseMs), 'NX')
const release: Command<LockArguments, unknown> = (client, [key, owner]) =>
  runScript(client, RELEASE_LOCK, key, owner)
const extend: Command<LockArguments, unknown> = (client, [key, owner, leaseMs]) =>
  runScript(client, EXTEND_LOCK, key, owner, toPx(leaseMs))

const isOk = (reply: 'OK' | null): boolean => reply === 'OK'
const isOne = (reply: unknown): boolean => reply === 1

/**
 * Leased locks on plain keys: `SET key owner NX PX lease` to take one, and Lua
 * compare-and-delete / compare-and-pexpire so only the owner can release or extend it. A lock
 * key is one key, so it lives on one Cluster node and needs no cross-slot care.
 */
export class RedisLocks implements StoreLocks {
  readonly #commands: Commands

  /** @internal the store creates its locks. */
  constructor(commands: Commands) {
    this.#commands = commands
  }

  acquire(key: string, owner: string, leaseMs: number): Promise<boolean> {
    return this.#commands.call(ACQUIRE, acquire, [key, owner, leaseMs], isOk)
  }

  release(key: string, owner: string): Promise<boolean> {
    return this.#commands.call(RELEASE, release, [key, owner, 0], isOne)
  }

  extend(key: string, owner: string, leaseMs: number): Promise<boolean> {
    return this.#commands.call(EXTEND, extend, [key, owner, leaseMs], isOne)
  }
}
