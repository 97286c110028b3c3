import { type Cache, CacheError, createCache, type InvalidOptionError } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  CLOUDFLARE_TAGS_PER_REQUEST,
  cloudflarePurger,
  createResponseCache,
  FASTLY_KEYS_PER_REQUEST,
  fastlyPurger,
  PurgeError,
  type PurgeFailure,
  varnishPurger,
} from '../src/index.js'
import { type FakeCdnApi, startCloudflareApi, startFastlyApi } from './cdn-apis.js'

// The Fastly and Cloudflare purgers against local servers that check each request against the
// providers' documented APIs (cdn-apis.ts); no real account is used. Retries, backoff and
// failure reports run through createResponseCache, as in production.

const tags = (count: number) => Array.from({ length: count }, (_, i) => `tag-${i}`)

let cache: Cache
beforeAll(() => {
  cache = createCache({ store: memoryStore() })
})
afterAll(async () => {
  await cache.close()
})

describe('fastlyPurger (Fastly bulk purge by surrogate key)', () => {
  let api: FakeCdnApi
  beforeAll(async () => {
    api = await startFastlyApi('svc123', 'secret-token')
  })
  afterAll(async () => {
    await api.close()
  })
  afterEach(() => {
    api.accepted.length = 0
    api.refused.length = 0
  })
  const purger = () =>
    fastlyPurger({ serviceId: 'svc123', token: 'secret-token', endpoint: api.url })

  it('purges keys in one documented request, and soft-purges with Fastly-Soft-Purge: 1', async () => {
    await purger().purge(['post:1', 'posts'])
    await purger().purge(['post:2'], { soft: true })
    expect(api.refused).toEqual([])
    expect(api.accepted.map(({ tags, soft }) => ({ tags, soft }))).toEqual([
      { tags: ['post:1', 'posts'], soft: false },
      { tags: ['post:2'], soft: true },
    ])
  })

  it(`splits more than ${FASTLY_KEYS_PER_REQUEST} keys into batches Fastly accepts`, async () => {
    await purger().purge(tags(600))
    expect(api.accepted.map((purge) => purge.tags.length)).toEqual([256, 256, 88])
    expect(api.refused).toEqual([])
  })

  it('a refused token is a PurgeError that no retry will fix', async () => {
    const wrong = fastlyPurger({ serviceId: 'svc123', token: 'wrong', endpoint: api.url })
    const refused = await wrong.purge(['a']).catch((error: unknown) => error)
    expect(refused).toMatchObject({
      name: 'PurgeError',
      code: 'E_PURGE',
      purger: 'fastly',
      status: 401,
      retryable: false,
    })
    // One typed error family: a purge failure is a CacheError like every Strata error.
    expect(refused).toBeInstanceOf(CacheError)
  })

  it('rejects a key Fastly cannot hold (whitespace) before sending anything', async () => {
    await expect(purger().purge(['two words'])).rejects.toBeInstanceOf(PurgeError)
    expect(api.accepted).toEqual([])
  })

  it('a 5xx is retried with backoff until it succeeds, behind invalidate', async () => {
    api.failNext(2, 503)
    const responses = createResponseCache({
      cache,
      purger: purger(),
      purgeRetry: { attempts: 5, initialDelay: '10ms' },
    })
    const { cdn } = await responses.invalidate(['post:1'])
    expect(await cdn).toEqual({ ok: true, attempts: 3 })
    expect(api.accepted.map((purge) => purge.tags)).toEqual([['post:1']])
  })

  it('a 429 waits for its Retry-After before the next attempt', async () => {
    api.failNext(1, 429, 1)
    const responses = createResponseCache({
      cache,
      purger: purger(),
      purgeRetry: { initialDelay: '10ms' },
    })
    const started = performance.now()
    const { cdn } = await responses.invalidate(['post:1'])
    expect(await cdn).toEqual({ ok: true, attempts: 2 })
    expect(performance.now() - started).toBeGreaterThanOrEqual(990)
  })

  it('a purge that keeps failing is reported once to onPurgeError, after the last attempt', async () => {
    api.failNext(3, 502)
    const failures: PurgeFailure[] = []
    const responses = createResponseCache({
      cache,
      purger: purger(),
      purgeRetry: { attempts: 3, initialDelay: '5ms' },
      onPurgeError: (failure) => failures.push(failure),
    })
    const { cdn } = await responses.invalidate(['post:1'], { soft: true })
    const outcome = await cdn
    expect(outcome).toMatchObject({ ok: false, attempts: 3 })
    expect(failures).toHaveLength(1)
    expect(failures[0]).toMatchObject({
      purger: 'fastly',
      tags: ['post:1'],
      soft: true,
      attempts: 3,
    })
    const error = failures[0]?.error
    expect(error).toBeInstanceOf(PurgeError)
    expect((error as PurgeError).status).toBe(502)
  })

  it('an onPurgeError that throws is contained: invalidate and its outcome still settle', async () => {
    api.failNext(1, 400)
    const responses = createResponseCache({
      cache,
      purger: purger(),
      onPurgeError: () => {
        throw new Error('broken reporter')
      },
    })
    const { cdn } = await responses.invalidate(['x'])
    expect(await cdn).toMatchObject({ ok: false, attempts: 1 })
  })
})

describe('cloudflarePurger (Cloudflare purge by cache tag)', () => {
  let api: FakeCdnApi
  beforeAll(async () => {
    // Cloudflare's Free plan: a bucket of 25 requests, refilled at 5 a minute.
    api = await startCloudflareApi('zone9', 'cf-token', { size: 3, refillPerSecond: 2 })
  })
  afterAll(async () => {
    await api.close()
  })
  afterEach(async () => {
    api.accepted.length = 0
    api.refused.length = 0
    // Let the bucket fill again between tests.
    await new Promise((resolve) => setTimeout(resolve, 1_600))
  })
  const purger = (minInterval: '0ms' | '400ms' = '0ms') =>
    cloudflarePurger({ zoneId: 'zone9', token: 'cf-token', endpoint: api.url, minInterval })

  it(`sends at most ${CLOUDFLARE_TAGS_PER_REQUEST} tags per request, spaced by minInterval`, async () => {
    await purger('400ms').purge(tags(250))
    expect(api.refused).toEqual([])
    expect(api.accepted.map((purge) => purge.tags.length)).toEqual([100, 100, 50])
    // Spaced when sent; arrival times differ by the requests' own latencies, hence the margin.
    const [a, b, c] = api.accepted.map((purge) => purge.at)
    expect(b! - a!).toBeGreaterThanOrEqual(250)
    expect(c! - b!).toBeGreaterThanOrEqual(250)
  })

  it('a soft purge is a hard purge there: Cloudflare has no soft purge by tag', async () => {
    await purger().purge(['post:1'], { soft: true })
    expect(api.accepted.map(({ tags, soft }) => ({ tags, soft }))).toEqual([
      { tags: ['post:1'], soft: false },
    ])
  })

  it('over the rate limit, the 429 is retried after its Retry-After until the bucket allows it', async () => {
    const responses = createResponseCache({
      cache,
      purger: purger(),
      purgeRetry: { attempts: 10, initialDelay: '10ms' },
    })
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, async (_, i) => (await responses.invalidate([`burst-${i}`])).cdn),
    )
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true)
    expect(outcomes.some((outcome) => outcome.attempts > 1)).toBe(true)
    expect(api.accepted.map((purge) => purge.tags[0]).sort()).toEqual([
      'burst-0',
      'burst-1',
      'burst-2',
      'burst-3',
      'burst-4',
    ])
  })

  it('a wrong token is refused for good; a comma in a tag never leaves the process', async () => {
    const wrong = cloudflarePurger({ zoneId: 'zone9', token: 'nope', endpoint: api.url })
    await expect(wrong.purge(['a'])).rejects.toMatchObject({ status: 403, retryable: false })
    await expect(purger().purge(['a,b'])).rejects.toMatchObject({ retryable: false })
    expect(api.accepted).toEqual([])
  })
})

describe('purger options', () => {
  it('reject unusable values with InvalidOptionError naming the option', () => {
    const cases: [() => unknown, string][] = [
      [() => fastlyPurger({ serviceId: '', token: 't' }), 'fastlyPurger.serviceId'],
      [
        () => fastlyPurger({ serviceId: 's', token: 't', endpoint: 'ftp://x' }),
        'fastlyPurger.endpoint',
      ],
      [() => cloudflarePurger({ zoneId: 'z', token: '' }), 'cloudflarePurger.token'],
      [
        () => cloudflarePurger({ zoneId: 'z', token: 't', minInterval: '-1s' as '1s' }),
        'cloudflarePurger.minInterval',
      ],
      [() => varnishPurger({ urls: [] }), 'varnishPurger.urls'],
      [
        () => varnishPurger({ urls: 'http://x', maxHeaderBytes: 0 }),
        'varnishPurger.maxHeaderBytes',
      ],
      [
        () => varnishPurger({ urls: 'http://x', method: 'PURGE', purgerHeader: 'x' } as never),
        'varnishPurger.purgerHeader',
      ],
      [() => createResponseCache({ cache, purgeRetry: { attempts: 0 } }), 'purgeRetry.attempts'],
      [
        () => createResponseCache({ cache, purgeRetry: { initialDelay: '1s', maxDelay: '1ms' } }),
        'purgeRetry.maxDelay',
      ],
    ]
    for (const [make, option] of cases) {
      let error: unknown
      try {
        make()
      } catch (caught) {
        error = caught
      }
      expect(error, option).toBeInstanceOf(Error)
      expect((error as InvalidOptionError).option ?? (error as Error).message, option).toContain(
        option,
      )
    }
  })
})
