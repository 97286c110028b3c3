import { describe, expect, it } from 'vitest'
import { EnvelopeCodec } from '../src/entries/codec.js'
import type { Envelope } from '../src/entries/envelope.js'
import { msgpackSerializer } from '../src/entries/serializers/msgpack.js'
import { superjsonSerializer } from '../src/entries/serializers/superjson.js'
import { createCache, jsonSerializer, SerializationError, type Serializer } from '../src/index.js'
import { TestStore } from './test-store.js'

const roundTrip = async (serializer: Serializer, value: unknown, compression?: boolean) => {
  const cache = createCache({ store: new TestStore(), serializer, compression })
  await cache.set('k', value)
  return cache.get('k')
}

describe('serializers', () => {
  it('json drops __proto__ and constructor.prototype payloads', () => {
    const text =
      '{"a":1,"__proto__":{"x":1},"b":{"constructor":{"prototype":{"y":1}}},"c":{"constructor":"ok"}}'
    const decoded = jsonSerializer.deserialize(new TextEncoder().encode(text)) as Record<
      string,
      unknown
    >
    expect(decoded).toEqual({ a: 1, b: {}, c: { constructor: 'ok' } })
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype)
  })

  it('json refuses BigInt with a typed error on set', async () => {
    await expect(roundTrip(jsonSerializer, { n: 1n })).rejects.toBeInstanceOf(SerializationError)
  })

  it('superjson keeps Dates, Maps, Sets and BigInts', async () => {
    const value = { at: new Date(0), map: new Map([['a', 1]]), set: new Set([1]), big: 10n }
    expect(await roundTrip(superjsonSerializer, value)).toEqual(value)
  })

  it('msgpack keeps binary values and Dates', async () => {
    const value = { bytes: Uint8Array.from([0, 255]), at: new Date(5) }
    expect(await roundTrip(msgpackSerializer, value)).toEqual(value)
  })

  it('msgpack refuses a record with a __proto__ key, and the cache reads it as a miss', async () => {
    const poisoned = msgpackSerializer.serialize(JSON.parse('{"a":1,"__proto__":{"polluted":1}}'))
    expect(() => msgpackSerializer.deserialize(poisoned as Uint8Array)).toThrow(/__proto__/)

    const store = new TestStore()
    const cache = createCache({ store, serializer: msgpackSerializer })
    await cache.set('k', { a: 1 })
    const [key] = [...store.records.keys()]
    // Core's own record layout around a value of the test's choosing.
    const codec = new EnvelopeCodec(msgpackSerializer, undefined)
    const envelope = codec.decode(store.records.get(key!)!.record) as Envelope
    await store.set(key!, codec.encode({ ...envelope }), 60_000)
    expect(await cache.get('k')).toEqual({ a: 1 })
    const withProto = JSON.parse('{"__proto__":{"polluted":1}}') as object
    await store.set(key!, codec.encode({ ...envelope, v: withProto }), 60_000)
    expect(await cache.get('k')).toBeUndefined()
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined()
    await cache.close()
  })

  it('compresses large entries above the threshold and reads them back', async () => {
    const store = new TestStore()
    const cache = createCache({ store, compression: { threshold: 100 } })
    const big = 'x'.repeat(10_000)
    await cache.set('big', big)
    const record = [...store.records.values()][0]!.record as Uint8Array
    expect(record.byteLength).toBeLessThan(1_000)
    expect(await cache.get('big')).toBe(big)
  })
})
