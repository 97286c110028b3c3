/**
 * `@strata/cache-memory`: the in-process Strata store on lru-cache.
 *
 * @module
 */

export { MemoryStore, type MemoryStoreOptions, memoryStore } from './memory-store.js'
export { createStoreFromUrl } from './url.js'
