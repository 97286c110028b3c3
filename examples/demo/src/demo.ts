/**
 * A short tour of Strata on the embedded memory store: `npm start` at the repository root.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { createCache } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const store = memoryStore({ max: 1_000 })
const cache = createCache({ store, namespace: 'demo', ttl: '5m', grace: '1h' })

let databaseReads = 0
async function loadPost(id: number) {
  databaseReads += 1
  await sleep(50) // a slow query
  return { id, title: `Post ${id}`, loadedAt: new Date().toISOString() }
}

// Events carry the key the caller used, not the scope: like a request logger, the listeners take
// the tenant from the context the call runs in.
const request = new AsyncLocalStorage<{ tenant: string }>()
const tenantOf = () => {
  const tenant = request.getStore()?.tenant
  return tenant === undefined ? '' : `  (tenant ${tenant})`
}
cache.on('miss', ({ key }) => console.log(`  miss  ${key}${tenantOf()}`))
cache.on('hit', ({ key }) => console.log(`  hit   ${key}${tenantOf()}`))
cache.on('invalidate', ({ tags }) => console.log(`  invalidated tags: ${tags.join(', ')}`))

console.log('1. First read is a miss: the loader runs and the result is cached')
const first = await cache.getOrSet('post:1', () => loadPost(1), { tags: ['posts', 'post:1'] })
console.log(`  -> ${first.title} (database reads: ${databaseReads})`)

console.log('2. Second read is a hit: no database read')
await cache.getOrSet('post:1', () => loadPost(1), { tags: ['posts', 'post:1'] })
console.log(`  -> database reads: ${databaseReads}`)

console.log('3. Tag invalidation: one version bump retires every entry tagged "posts"')
await cache.invalidateTags(['posts'])
await cache.getOrSet('post:1', () => loadPost(1), { tags: ['posts', 'post:1'] })
console.log(`  -> reloaded after invalidation (database reads: ${databaseReads})`)

console.log('4. Stampede: 1,000 concurrent requests for a cold key run the loader once')
const before = databaseReads
const quiet = createCache({ store, namespace: 'demo-stampede' })
const started = performance.now()
const results = await Promise.all(
  Array.from({ length: 1_000 }, () => quiet.getOrSet('post:2', () => loadPost(2))),
)
console.log(
  `  -> ${results.length} answers, ${databaseReads - before} database read, ${Math.round(performance.now() - started)} ms`,
)

console.log('5. Tenant scopes never share keys')
/** Runs `work` as a request of `tenant`, on that tenant's scope of the cache. */
const asTenant = <T>(tenant: string, work: (scoped: typeof cache) => Promise<T>) =>
  request.run({ tenant }, () => work(cache.scope({ tenant })))
await asTenant('acme', (scoped) => scoped.set('menu', 'acme menu'))
const acmeMenu = await asTenant('acme', (scoped) => scoped.get('menu'))
const globexMenu = await asTenant('globex', (scoped) => scoped.get('menu'))
console.log(`  -> acme: ${acmeMenu}, globex: ${globexMenu}`)

console.log('6. Stats')
const { hits, misses, loads, invalidations, hitRatio } = cache.stats()
console.log(
  `  hits ${hits}, misses ${misses}, loads ${loads}, invalidations ${invalidations}, hit ratio ${hitRatio.toFixed(2)}`,
)
const stampede = quiet.stats()
console.log(`  stampede cache: ${stampede.misses} misses collapsed into ${stampede.loads} load`)

await cache.close()
await quiet.close()
await store.close()
