/**
 * `npm start -w @strata/example-cache-manager` (after `npm run build`), with a Redis server at
 * REDIS_URL (default redis://127.0.0.1:6379). Prints what happens, closes, and exits.
 */
import { CatalogService, ProductTable } from './catalog.js'
import { createStrataCacheManager } from './strata-cache-manager.js'

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const { manager, strata, close } = createStrataCacheManager({
  redisUrl,
  namespace: `example-cache-manager-${process.pid}`,
  ttlMs: 60_000,
})
const table = new ProductTable()
const catalog = new CatalogService(manager, table)

try {
  const first = await catalog.product(1)
  console.log(`first read: ${first?.name} (database queries: ${table.queries})`)
  await catalog.product(1)
  console.log(`second read: from Redis (database queries: ${table.queries})`)
  await catalog.rename(1, 'Espresso machine II')
  const renamed = await catalog.product(1)
  console.log(`after rename: ${renamed?.name} (database queries: ${table.queries})`)
  const { hits, misses } = strata.stats()
  console.log(`strata stats: ${hits} hits, ${misses} misses`)
  await manager.clear()
} finally {
  await close()
}
