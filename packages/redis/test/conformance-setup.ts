import type { StoreCapabilities } from '@strata/cache-core'
import type { RedisStore } from '../src/index.js'

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
}
