/**
 * The official Keyv adapter test suite (`@keyv/test-suite`, run as published) against
 * `toKeyvStore`, over three Strata stores: in-process memory, a real Redis, and a real SQLite file
 * through `fromKeyv` (Keyv → Strata → Keyv adapter).
 */
import keyvTestSuite from '@keyv/test-suite'
import { type Cache, createCache } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { redisStore } from '@strata/cache-redis'
import Keyv from 'keyv'
import { describeWithServers, injectServer } from 'test-servers/vitest'
import * as vitest from 'vitest'
import { afterAll, beforeAll, describe } from 'vitest'
import { fromKeyv, toKeyvStore } from '../src/index.js'
import { sqliteFile } from './sqlite.js'

/** Runs the suite on caches made by `create`, one per describe block, closed after it. */
function suiteOver(create: () => Cache): void {
  let cache: Cache | undefined
  beforeAll(() => {
    cache = create()
  })
  afterAll(async () => {
    await cache?.close()
  })
  keyvTestSuite(vitest, Keyv, () => toKeyvStore(cache!))
}

describe('@keyv/test-suite: toKeyvStore over the memory store', () => {
  suiteOver(() => createCache({ store: memoryStore(), namespace: 'keyv-suite' }))
})

describeWithServers('@keyv/test-suite: toKeyvStore over Redis', () => {
  suiteOver(() =>
    createCache({
      store: redisStore({ url: injectServer('redisUrl') }),
      namespace: `keyv-suite-${process.pid}-${Date.now()}`,
    }),
  )
})

describe('@keyv/test-suite: toKeyvStore over fromKeyv(@keyv/sqlite)', () => {
  const database = sqliteFile()
  suiteOver(() => createCache({ store: fromKeyv(database.adapter()), namespace: 'keyv-suite' }))
})
