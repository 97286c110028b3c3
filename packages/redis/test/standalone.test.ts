import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { InvalidOptionError, StoreError } from '@strata/cache-core'
import { Redis } from 'ioredis'
import { describeWithServers, injectServer } from 'test-servers/vitest'
import { expect, test } from 'vitest'
import { FAIL_FAST_OPTIONS } from '../src/connection.js'
import { createStoreFromUrl, RedisStore, redisStore } from '../src/index.js'
import { describeBusGaps } from './bus-gaps.js'
import { readsProcessed, text, uniquePrefix } from './helpers.js'
import { describeRedisStoreExtras, subscriberCount } from './store-extras.js'

const THROWING_SUBSCRIBER = fileURLToPath(
  new URL('./fixtures/throwing-subscriber.mjs', import.meta.url),
)
const CONNECTION_ERROR = fileURLToPath(new URL('./fixtures/connection-error.mjs', import.meta.url))

/** Runs a fixture script in a process of its own: its exit code and output. */
function runFixture(
  script: string,
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (error.code as number | null) : 0, stdout, stderr }),
    )
  })
}

describeWithServers('redisStore on a standalone Redis', () => {
  describeRedisStoreExtras((options) => redisStore({ ...options, url: injectServer('redisUrl') }))
  describeBusGaps((options) => redisStore({ url: injectServer('redisUrl'), ...options }))

  test("a bus callback's exception is never swallowed: uncaught without onError, given to onError, or uncaught when onError throws, and the other subscribers get the message", async () => {
    const run = (mode: string) => runFixture(THROWING_SUBSCRIBER, [injectServer('redisUrl'), mode])
    const [without, withOnError, throwingOnError] = await Promise.all([
      run('default'),
      run('onError'),
      run('onErrorThrows'),
    ])
    expect(without.stdout).toBe('second callback: message\n')
    expect(without.code).toBe(1)
    expect(without.stderr).toContain('Error: the callback threw')
    // The same exception, given to onError as a StoreError instead.
    expect(withOnError).toMatchObject({
      code: 0,
      stdout: 'onError: E_STORE deliver: the callback threw\nsecond callback: message\n',
    })
    // onError's own exception: once, uncaught, after every subscriber got the message.
    expect(throwingOnError.stdout).toBe(
      'onError: E_STORE deliver: the callback threw\nsecond callback: message\n',
    )
    expect(throwingOnError.code).toBe(1)
    expect(throwingOnError.stderr).toContain('Error: onError threw')
  })

  test("a connection error is dropped without onError, given to onError, and onError's own exception is uncaught on its own tick", async () => {
    // Nothing listens on port 1: every connection attempt is refused.
    const run = (mode: string) => runFixture(CONNECTION_ERROR, ['redis://127.0.0.1:1', mode])
    const [without, withOnError, throwingOnError] = await Promise.all([
      run('default'),
      run('onError'),
      run('onErrorThrows'),
    ])
    // No caller to tell: dropped, and not logged by ioredis as an unhandled 'error' event.
    expect(without).toEqual({ code: 0, stdout: 'still running after 0 reports\n', stderr: '' })
    expect(withOnError).toMatchObject({
      code: 0,
      stdout: 'onError: E_STORE connection: ECONNREFUSED\nanother listener: ECONNREFUSED\n',
    })
    // Thrown on its own tick: the client's other listeners heard the error first.
    expect(throwingOnError).toMatchObject({
      code: 0,
      stdout:
        'onError: E_STORE connection: ECONNREFUSED\nanother listener: ECONNREFUSED\n' +
        'uncaught: onError threw\n',
    })
  })

  test('answers the first command after creation (waits for the first connection)', async () => {
    const store = redisStore({ url: injectServer('redisUrl') })
    try {
      expect(await store.get(`${uniquePrefix('first')}k`)).toBeUndefined()
    } finally {
      await store.close()
    }
  })

  test('opens its own connection with the fail-fast defaults, under the user options', async () => {
    const store = redisStore({ url: injectServer('redisUrl'), options: { commandTimeout: 250 } })
    try {
      expect(store.client.options).toMatchObject({
        ...FAIL_FAST_OPTIONS,
        commandTimeout: 250,
      })
    } finally {
      await store.close()
    }
    expect(store.client.status).toBe('end')
    await store.close()
  })

  test('uses a client it is given as is, and leaves it open on close', async () => {
    const client = new Redis(injectServer('redisUrl'))
    try {
      const store = redisStore({ client })
      expect(store.client).toBe(client)
      const key = `${uniquePrefix('given')}k`
      await store.set(key, Buffer.from('v'), 10_000)
      expect((await client.getBuffer(key))?.toString()).toBe('v')
      await store.bus.subscribe(key, () => {})
      await store.close()
      expect(client.status).toBe('ready')
      expect(await client.get(key)).toBe('v')
      expect(await subscriberCount(store, key)).toBe(0)
    } finally {
      client.disconnect()
    }
  })

  test('fails with a StoreError once closed', async () => {
    const store = redisStore({ url: injectServer('redisUrl') })
    await store.close()
    await expect(store.get('any')).rejects.toBeInstanceOf(StoreError)
    await expect(store.bus.subscribe('any', () => {})).rejects.toBeInstanceOf(StoreError)
  })

  test('sends the commands of one tick in one write, and each caller gets its own reply', async () => {
    const observer = new Redis(injectServer('redisUrl'))
    const store = redisStore({ url: injectServer('redisUrl') })
    try {
      const prefix = uniquePrefix('batched')
      const keys = Array.from({ length: 100 }, (_, i) => `${prefix}${i}`)
      await store.setMany(
        keys.map((key, i) => ({ key, record: Buffer.from(`v${i}`), ttlMs: 10_000 })),
      )
      const before = await readsProcessed(observer)
      const socket = (store.client as Redis).stream
      const first = store.get(keys[0]!)
      // A lone command leaves at once; the second of the tick corks the socket for the rest.
      expect(socket.writableCorked).toBe(0)
      const replies = [first, ...keys.slice(1).map((key) => store.get(key))]
      expect(socket.writableCorked).toBe(1)
      const values = await Promise.all(replies)
      // Redis reads the first GET, then the other 99 at once; the observer's INFO is one more.
      expect((await readsProcessed(observer)) - before).toBeLessThanOrEqual(3)
      expect(values.map(text)).toEqual(keys.map((_, i) => `v${i}`))
    } finally {
      await store.close()
      observer.disconnect()
    }
  })

  test('batchWrites: false writes each command as it is issued', async () => {
    const store = redisStore({ url: injectServer('redisUrl'), batchWrites: false })
    try {
      const key = `${uniquePrefix('unbatched')}k`
      await store.set(key, Buffer.from('v'), 10_000)
      const replies = [store.get(key), store.get(key)]
      expect((store.client as Redis).stream.writableCorked).toBe(0)
      expect((await Promise.all(replies)).map(text)).toEqual(['v', 'v'])
    } finally {
      await store.close()
    }
  })

  test('createStoreFromUrl opens a store from redis:// with numeric query parameters', async () => {
    const url = new URL(injectServer('redisUrl'))
    url.searchParams.set('commandTimeout', '300')
    url.searchParams.set('connectTimeout', '400')
    const store = createStoreFromUrl(url.toString())
    try {
      expect(store).toBeInstanceOf(RedisStore)
      expect(store.client.options).toMatchObject({ commandTimeout: 300, connectTimeout: 400 })
      const key = `${uniquePrefix('url')}k`
      await store.set(key, Buffer.from('v'), 10_000)
      expect(text(await store.get(key))).toBe('v')
    } finally {
      await store.close()
    }
  })
})

test('createStoreFromUrl rejects other schemes and malformed parameters', () => {
  expect(() => createStoreFromUrl('memcached://127.0.0.1:11211')).toThrow(InvalidOptionError)
  expect(() => createStoreFromUrl('not a url')).toThrow(InvalidOptionError)
  expect(() => createStoreFromUrl('redis://127.0.0.1:1?commandTimeout=soon')).toThrow(
    /commandTimeout/,
  )
})

test('redisStore rejects contradictory options', () => {
  const client = new Redis({ lazyConnect: true })
  expect(() => redisStore({ client, url: 'redis://127.0.0.1:1' })).toThrow(InvalidOptionError)
  expect(() =>
    redisStore({ cluster: { nodes: [{ host: '127.0.0.1', port: 1 }] }, url: 'redis://x' }),
  ).toThrow(InvalidOptionError)
  expect(() => redisStore({ cluster: { nodes: [] } })).toThrow(/at least one/)
  client.disconnect()
  // ioredis' keyPrefix would hide keys from SCAN patterns and slot grouping.
  const prefixed = new Redis({ lazyConnect: true, keyPrefix: 'app:' })
  expect(() => redisStore({ client: prefixed })).toThrow(InvalidOptionError)
  prefixed.disconnect()
  expect(() => redisStore({ options: { lazyConnect: true, keyPrefix: 'app:' } })).toThrow(
    /keyPrefix/,
  )
})

test('redisStore rejects unknown option names, naming the closest known one', () => {
  const attempt = (options: object) => () => redisStore(options as never)
  expect(attempt({ ur: 'redis://127.0.0.1:1' })).toThrow(InvalidOptionError)
  expect(attempt({ ur: 'redis://127.0.0.1:1' })).toThrow(/"ur": unknown option; did you mean "url"/)
  expect(attempt({ batchWrite: false })).toThrow(/"batchWrite".*"batchWrites"/)
  expect(attempt({ onerror: () => {} })).toThrow(/"onerror".*"onError"/)
  expect(attempt({ cluster: { nodes: [{ host: '127.0.0.1', port: 1 }], option: {} } })).toThrow(
    /"cluster.option".*"options"/,
  )
  // ioredis' own options are ioredis' business: passed through as they are.
  const store = redisStore({ options: { lazyConnect: true, notAnIoredisOption: 1 } as never })
  expect(store.client.options).toMatchObject({ notAnIoredisOption: 1 })
  store.client.disconnect()
})

test('refuses records that are not bytes', async () => {
  const store = redisStore({ options: { lazyConnect: true } })
  await expect(store.set('k', { not: 'bytes' }, 1000)).rejects.toMatchObject({
    code: 'E_INVALID_VALUE',
  })
  await store.close()
})
