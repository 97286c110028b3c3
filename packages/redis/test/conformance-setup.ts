import type { ConformanceFaults } from '@strata/cache-conformance'
import type { Store, StoreCapabilities } from '@strata/cache-core'
import type { RedisStore } from '../src/index.js'
import { masters } from './store-extras.js'

/** A new store, connected: its first command does not have to wait for the connection. */
export async function connected(store: RedisStore): Promise<RedisStore> {
  await store.get('conformance:connect')
  return store
}

/** What the Redis store declares, in every topology (standalone, Sentinel, Cluster). */
export const redisCapabilities: StoreCapabilities = {
  records: 'bytes',
  ttlResolutionMs: 1,
  maxValueBytes: 512 * 1024 * 1024,
  scopedClear: true,
  locks: true,
  bus: true,
  busGaps: true,
}

/**
 * `CLIENT KILL` of every pub/sub connection on the store's server (on each master of a
 * Cluster, since the subscriber may be on any of them), except the Sentinels' own
 * connections to a master they monitor. Resolves with how many were killed.
 */
export async function killPubSubConnections(store: RedisStore): Promise<number> {
  const killed = await Promise.all(
    masters(store).map(async (node) => {
      const list = (await node.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string
      let count = 0
      for (const line of list.split('\n')) {
        const id = /(?:^| )id=(\d+)/.exec(line)?.[1]
        const name = /(?:^| )name=(\S*)/.exec(line)?.[1] ?? ''
        if (id === undefined || name.startsWith('sentinel')) continue
        count += Number(await node.call('CLIENT', 'KILL', 'ID', id))
      }
      return count
    }),
  )
  return killed.reduce((sum, count) => sum + count, 0)
}

/** The faults the conformance suite injects into a Redis store (any topology). */
export const redisFaults: ConformanceFaults = {
  async dropBusConnection(store: Store) {
    if ((await killPubSubConnections(store as RedisStore)) === 0) {
      throw new Error('no pub/sub connection to kill: the bus has not subscribed')
    }
  },
}
