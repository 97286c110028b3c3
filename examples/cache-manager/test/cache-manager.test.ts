/**
 * cache-manager 7 code, unchanged, on Strata over a real Redis: its API, sharing between
 * processes, tenant scopes, fail-fast on a frozen Redis, and the runnable example's exit.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { type StartedRedis, startRedis } from 'test-servers'
import { describeWithServers, injectServer } from 'test-servers/vitest'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { CatalogService, ProductTable } from '../src/catalog.js'
import { createStrataCacheManager, type StrataCacheManager } from '../src/strata-cache-manager.js'

let sequence = 0
const open: StrataCacheManager[] = []

/** A cache-manager on Strata on the shared Redis, in a namespace of this test's own. */
function connect(namespace = `cm-test-${process.pid}-${++sequence}`, redisUrl?: string) {
  const cm = createStrataCacheManager({
    redisUrl: redisUrl ?? injectServer('redisUrl'),
    namespace,
    ttlMs: 60_000,
  })
  open.push(cm)
  return cm
}

afterEach(async () => {
  for (const cm of open.splice(0)) await cm.close()
})

describeWithServers('cache-manager 7 over Strata on Redis', () => {
  it('runs cache-manager’s API unchanged', async () => {
    const { manager } = connect()
    expect(await manager.set('a', { n: 1 })).toEqual({ n: 1 })
    expect(await manager.get('a')).toEqual({ n: 1 })
    expect(await manager.get('missing')).toBeUndefined()
    await manager.mset<unknown>([
      { key: 'b', value: 'two' },
      { key: 'c', value: 3, ttl: 5_000 },
    ])
    expect(await manager.mget(['a', 'b', 'c', 'x'])).toEqual([{ n: 1 }, 'two', 3, undefined])
    const expires = await manager.ttl('c')
    expect(expires).toBeGreaterThan(Date.now())
    expect(expires).toBeLessThanOrEqual(Date.now() + 5_000)
    expect(await manager.del('a')).toBe(true)
    expect(await manager.get('a')).toBeUndefined()
    await manager.mdel(['b', 'c'])
    expect(await manager.mget(['b', 'c'])).toEqual([undefined, undefined])
  })

  it('wrap loads once; a second process reads the value from Redis', async () => {
    const namespace = `cm-shared-${process.pid}-${++sequence}`
    const table = new ProductTable()
    const first = new CatalogService(connect(namespace).manager, table)
    const second = new CatalogService(connect(namespace).manager, table)
    expect(await first.product(1)).toMatchObject({ name: 'Espresso machine' })
    expect(await second.product(1)).toMatchObject({ name: 'Espresso machine' })
    expect(table.queries).toBe(1)
    await second.rename(1, 'Espresso machine II')
    expect(await first.product(1)).toMatchObject({ name: 'Espresso machine II' })
    expect(table.queries).toBe(2)
  })

  it('clear() empties this cache-manager’s keys only', async () => {
    const cm = connect()
    const neighbour = connect()
    await cm.manager.set('k', 'mine')
    await cm.strata.set('strata-own', 'kept')
    await neighbour.manager.set('k', 'theirs')
    await cm.manager.clear()
    expect(await cm.manager.get('k')).toBeUndefined()
    expect(await cm.strata.get('strata-own')).toBe('kept')
    expect(await neighbour.manager.get('k')).toBe('theirs')
  })

  it('gives each tenant its own keys through Strata scopes', async () => {
    const cm = connect()
    const acme = cm.forTenant('acme')
    const globex = cm.forTenant('globex')
    await acme.set('menu', 'acme menu')
    await globex.set('menu', 'globex menu')
    expect(await acme.get('menu')).toBe('acme menu')
    expect(await globex.get('menu')).toBe('globex menu')
    await acme.clear()
    expect(await acme.get('menu')).toBeUndefined()
    expect(await globex.get('menu')).toBe('globex menu')
  })

  it('the runnable example prints its story, closes and exits by itself', async () => {
    const main = fileURLToPath(new URL('../dist/main.js', import.meta.url))
    const { stdout } = await promisify(execFile)(process.execPath, [main], {
      env: { ...process.env, REDIS_URL: injectServer('redisUrl') },
      timeout: 20_000,
    })
    expect(stdout).toContain('first read: Espresso machine (database queries: 1)')
    expect(stdout).toContain('second read: from Redis (database queries: 1)')
    expect(stdout).toContain('after rename: Espresso machine II (database queries: 2)')
  })
})

describeWithServers('cache-manager over Strata on a frozen Redis', () => {
  let redis: StartedRedis

  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(async () => {
    await redis?.stop()
  })

  it('wrap answers from the source within the store timeout instead of hanging, then caches again', async () => {
    const table = new ProductTable()
    const catalog = new CatalogService(connect('cm-frozen', redis.url).manager, table)
    await catalog.product(2)
    expect(table.queries).toBe(1)

    await redis.pause()
    try {
      const started = Date.now()
      expect(await catalog.product(2)).toMatchObject({ name: 'Grinder' })
      expect(Date.now() - started).toBeLessThan(5_000)
      expect(table.queries).toBe(2)
    } finally {
      await redis.unpause()
    }
    // Once Redis answers again the value is cached and read from it.
    await expect
      .poll(
        async () => {
          const before = table.queries
          await catalog.product(2)
          return table.queries === before
        },
        { timeout: 10_000 },
      )
      .toBe(true)
  })
})
