import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EnvelopeCodec } from '../src/entries/codec.js'
import type { Envelope } from '../src/entries/envelope.js'
import { msgpackSerializer } from '../src/entries/serializers/msgpack.js'
import { createCache, jsonSerializer } from '../src/index.js'
import { TestStore } from './test-store.js'

// The record format of byte stores: a header, the times and captured versions in binary, the
// value through the serializer.

const version = fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 2 ** 40 }))
const time = fc.integer({ min: 0, max: 2 ** 45 })
const envelopeArbitrary: fc.Arbitrary<Envelope> = fc
  .record({
    v: fc.jsonValue(),
    c: time,
    f: time,
    s: time,
    d: fc.integer({ min: 0, max: 10 ** 7 }),
    tags: fc.option(fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), { maxLength: 5 })),
    expiries: fc.boolean(),
    g: fc.option(fc.array(version, { maxLength: 4 })),
  })
  .chain(({ tags, expiries, g, ...base }) =>
    fc
      .tuple(
        fc.array(version, { minLength: tags?.length ?? 0, maxLength: tags?.length ?? 0 }),
        fc.array(version, { minLength: tags?.length ?? 0, maxLength: tags?.length ?? 0 }),
      )
      .map(([tv, xv]) => {
        const envelope: Record<string, unknown> = { ...base }
        if (tags !== null) {
          envelope.t = tags
          envelope.tv = tv
          if (expiries) envelope.xv = xv
        }
        if (g !== null) envelope.g = g
        return envelope as unknown as Envelope
      }),
  )

const encoder = new TextEncoder()

describe('envelope records', () => {
  it('decode(encode(e)) is e, for every envelope, with or without compression', () => {
    const plain = new EnvelopeCodec(jsonSerializer, undefined)
    const deflating = new EnvelopeCodec(jsonSerializer, { threshold: 1, level: 1 })
    fc.assert(
      fc.property(envelopeArbitrary, (envelope) => {
        // The value as the serializer gives it back: JSON keeps no -0, and the JSON serializer
        // drops `__proto__` keys (its prototype-pollution guard, tested in serializers.test.ts),
        // which fc.jsonValue() generates now and then.
        const value = jsonSerializer.serialize(envelope.v)
        const expected = {
          ...envelope,
          v: jsonSerializer.deserialize(typeof value === 'string' ? encoder.encode(value) : value),
        }
        expect(plain.decode(plain.encode(envelope))).toEqual(expected)
        expect(deflating.decode(deflating.encode(envelope))).toEqual(expected)
      }),
    )
  })

  it('decodes a record that is a view into a larger buffer (as clients hand back)', () => {
    const codec = new EnvelopeCodec(jsonSerializer, undefined)
    fc.assert(
      fc.property(envelopeArbitrary, fc.integer({ min: 1, max: 13 }), (envelope, offset) => {
        const record = codec.encode(envelope)
        // Unaligned offsets on purpose: the times are float64s read byte by byte.
        const pool = Buffer.alloc(offset + record.byteLength + 5, 0xff)
        pool.set(record, offset)
        const view = pool.subarray(offset, offset + record.byteLength)
        expect(codec.decode(view)).toEqual(codec.decode(Uint8Array.from(record)))
      }),
    )
  })

  it('a record whose serializer gives back undefined holds no value: a miss, not an entry', () => {
    const codec = new EnvelopeCodec(
      { name: 'forgetful', serialize: () => 'x', deserialize: () => undefined },
      undefined,
    )
    expect(codec.decode(codec.encode({ v: 1, c: 1, f: 2, s: 3, d: 0 }))).toBeUndefined()
  })

  it('only the value goes through the serializer', () => {
    const seen: unknown[] = []
    const codec = new EnvelopeCodec(
      {
        name: 'spy',
        serialize: (value) => {
          seen.push(value)
          return msgpackSerializer.serialize(value)
        },
        deserialize: (data) => msgpackSerializer.deserialize(data),
      },
      undefined,
    )
    const envelope: Envelope = { v: { id: 1 }, c: 1, f: 2, s: 3, d: 0, t: ['a'], tv: [4] }
    expect(codec.decode(codec.encode(envelope))).toEqual(envelope)
    expect(seen).toEqual([{ id: 1 }])
  })

  it('reads records of format 1 (the whole envelope serialized), written before format 2', async () => {
    const store = new TestStore()
    const cache = createCache({ store, closeStore: false })
    await cache.set('k', 'kept')
    const [key] = [...store.records.keys()]
    const current = new EnvelopeCodec(jsonSerializer, undefined).decode(
      store.records.get(key!)!.record,
    )
    const legacy = Buffer.concat([Buffer.from([0xa7, 1, 0]), Buffer.from(JSON.stringify(current))])
    await store.set(key!, legacy, 60_000)
    expect(await cache.get('k')).toBe('kept')
    await cache.close()
  })

  it('a truncated, foreign or unknown-version record is a miss, reported as a decode error', async () => {
    const store = new TestStore()
    const cache = createCache({ store, closeStore: false })
    const errors: string[] = []
    cache.on('error', (event) => errors.push(event.operation))
    await cache.set('k', 'value', { tags: ['t'] })
    const [key] = [...store.records.keys()].filter((k) => !k.includes('#'))
    const record = store.records.get(key!)!.record as Uint8Array
    const broken = [
      record.subarray(0, 20),
      record.subarray(0, record.byteLength - 3),
      Uint8Array.from([0xa7, 9, 0, ...record.subarray(3)]),
      Buffer.from('"value"'),
    ]
    for (const bad of broken) {
      await store.set(key!, bad, 60_000)
      expect(await cache.get('k')).toBeUndefined()
    }
    expect(errors).toEqual(['decode', 'decode', 'decode', 'decode'])
    await cache.close()
  })
})
