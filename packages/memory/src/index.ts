import type { Store } from '@strata/cache-core'
import { MemoryStore, type MemoryStoreOptions } from './memory-store.js'

export { MemoryStore, type MemoryStoreOptions, memoryStore } from './memory-store.js'

/**
 * Creates a store from `memory://?max=1000&maxSize=1000000`, for
 * `createCache({ store: 'memory://' })`.
 */
export function createStoreFromUrl(url: string): Store {
  const params = new URL(url).searchParams
  const options: { -readonly [K in keyof MemoryStoreOptions]: MemoryStoreOptions[K] } = {}
  if (params.has('max')) options.max = Number(params.get('max'))
  if (params.has('maxSize')) options.maxSize = Number(params.get('maxSize'))
  return new MemoryStore(options)
}
