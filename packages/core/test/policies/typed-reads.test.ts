import * as v from 'valibot'
import { describe, expect, it, vi } from 'vitest'
import { z } from 'zod'
import {
  type CacheEvents,
  createCache,
  InvalidOptionError,
  type StandardSchemaV1,
} from '../../src/index.js'
import { BusTestStore, ObjectTestStore, TestStore } from '../test-store.js'
import { eventually, usePolicyCaches } from './fixture.js'

const UserV2 = z.object({ id: z.string(), name: z.string(), email: z.string() })

describe('typed reads: a schema checked on values read from a store that serializes', () => {
  const t = usePolicyCaches()

  it('a value of an old shape (a deploy changed the type) is a miss, reported, and reloaded', async () => {
    const before = t.cache() // the previous deploy wrote { id, name }
    await before.set('user:1', { id: '1', name: 'Ada' })
    const after = t.cache({ schema: UserV2 })
    const invalid: CacheEvents['invalid'][] = []
    after.on('invalid', (event) => invalid.push(event))
    expect(await after.get('user:1')).toBeUndefined()
    expect(invalid).toHaveLength(1)
    expect(invalid[0]!.key).toBe('user:1')
    expect(invalid[0]!.issues[0]!.path).toEqual(['email'])
    const loader = vi.fn(async () => ({ id: '1', name: 'Ada', email: 'ada@example.com' }))
    expect(await after.getOrSet('user:1', loader)).toEqual({
      id: '1',
      name: 'Ada',
      email: 'ada@example.com',
    })
    expect(loader).toHaveBeenCalledTimes(1)
    expect(await after.get('user:1')).toEqual({ id: '1', name: 'Ada', email: 'ada@example.com' })
    expect(after.stats()).toMatchObject({ invalidValues: 2, misses: 2, hits: 1 })
  })

  it("serves the schema's output (its transforms applied)", async () => {
    const cache = t.cache({
      schema: z.object({ at: z.string().transform((text) => new Date(text)) }),
    })
    await cache.set('k', { at: '2030-01-01T00:00:00.000Z' })
    const value = (await cache.get('k')) as { at: Date }
    expect(value.at).toBeInstanceOf(Date)
  })

  it('a call’s schema wins over the namespace’s, which wins over the cache’s (valibot here)', async () => {
    const cache = t.cache({ schema: v.object({ kind: v.literal('cache') }) })
    const users = cache.namespace('users', { schema: v.object({ kind: v.literal('namespace') }) })
    await users.set('a', { kind: 'namespace' })
    await users.set('b', { kind: 'call' })
    expect(await users.get('a')).toEqual({ kind: 'namespace' })
    expect(await users.get('b')).toBeUndefined()
    expect(await users.get('b', { schema: v.object({ kind: v.literal('call') }) })).toEqual({
      kind: 'call',
    })
    expect(await users.scope({ tenant: 'x' }).get('a')).toBeUndefined() // same schema, own key
    await cache.set('c', { kind: 'namespace' })
    expect(await cache.get('c')).toBeUndefined()
  })

  it('checks getMany and getOrSetMany per key', async () => {
    const cache = t.cache()
    await cache.setMany<unknown>([
      { key: 'a', value: 1 },
      { key: 'b', value: 'two' },
    ])
    const schema = z.number()
    expect(await cache.getMany(['a', 'b'], { schema })).toEqual([1, undefined])
    expect(
      await cache.getOrSetMany(
        ['a', 'b'],
        async (ids) => new Map(ids.map((id) => [id, 2] as const)),
        {
          schema,
        },
      ),
    ).toEqual([1, 2])
  })

  it('an asynchronous schema is awaited', async () => {
    const slowNumber: StandardSchemaV1<unknown, number> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: async (value) =>
          typeof value === 'number' ? { value } : { issues: [{ message: 'not a number' }] },
      },
    }
    const cache = t.cache({ schema: slowNumber })
    await cache.set('n', 1)
    await cache.set('s', 'x')
    expect(await cache.get('n')).toBe(1)
    expect(await cache.get('s')).toBeUndefined()
  })

  it('a schema option that is not a Standard Schema is a typed error', async () => {
    expect(() => t.cache({ schema: { parse() {} } as never })).toThrow(InvalidOptionError)
    const cache = t.cache()
    expect(() => cache.namespace('n', { schema: 42 as never })).toThrow(/namespace.schema/)
    await expect(cache.get('k', { schema: 'no' as never })).rejects.toBeInstanceOf(
      InvalidOptionError,
    )
  })
})

describe('typed reads: what is not checked', () => {
  it('values of an in-process store are the objects cached, never checked (no cost)', async () => {
    const validate = vi.fn(() => ({ issues: [{ message: 'never' }] }))
    const schema = { '~standard': { version: 1 as const, vendor: 'spy', validate } }
    const cache = createCache({ store: new ObjectTestStore(), schema })
    await cache.set('k', 'v')
    expect(await cache.get('k')).toBe('v')
    expect(validate).not.toHaveBeenCalled()
    await cache.close()
  })

  it('a value that fails is never copied into the in-process tier', async () => {
    const l2 = new BusTestStore()
    const writer = createCache({ store: l2, closeStore: false })
    await writer.set('k', { old: true })
    const reader = createCache({
      store: l2,
      l1: new ObjectTestStore(),
      schema: z.object({ fresh: z.literal(true) }),
      closeStore: false,
    })
    await reader.ready()
    expect(await reader.get('k')).toBeUndefined()
    expect(await reader.get('k')).toBeUndefined()
    expect(reader.stats()).toMatchObject({ invalidValues: 2, l1Hits: 0 })
    await writer.set('k', { fresh: true })
    await eventually(async () => expect(await reader.get('k')).toEqual({ fresh: true }))
    await writer.close()
    await reader.close()
  })

  it('a store that serializes and a cache without a schema: nothing is checked', async () => {
    const store = new TestStore()
    const cache = createCache({ store })
    await cache.set('k', { any: 'shape' })
    expect(await cache.get('k')).toEqual({ any: 'shape' })
    expect(cache.stats().invalidValues).toBe(0)
    await cache.close()
  })
})
