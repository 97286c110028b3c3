/**
 * Serializers: the `Serializer` contract and the default JSON serializer, hardened against
 * prototype pollution. superjson and msgpack live in `serializers/` behind subpath exports.
 *
 * @module
 */

/**
 * Turns values into bytes and back, for stores that keep bytes (Redis, Memcached, Postgres).
 * The in-process store keeps objects and never calls a serializer.
 */
export interface Serializer {
  /** A short name used in error messages, e.g. `'json'`. */
  readonly name: string
  /** Encodes a cached value (the entry's times and versions are encoded by core, beside it). */
  serialize(value: unknown): Uint8Array | string
  /** Decodes what `serialize` produced. May throw on corrupt input: core treats that as a miss. */
  deserialize(data: Uint8Array): unknown
}

const decoder = new TextDecoder('utf-8', { fatal: true })
// One scan of the text for either name: two `includes` scans cost more on every read.
const POLLUTING_NAME = /__proto__|constructor/

// Keys that enable prototype pollution when a parsed object is later merged into another.
function dropPollutingKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') return undefined
  if (key === 'constructor' && typeof value === 'object' && value !== null && 'prototype' in value)
    return undefined
  return value
}

/**
 * The default serializer: JSON, with `__proto__` keys and `constructor.prototype` payloads
 * dropped on decode so a poisoned record cannot pollute prototypes. JSON turns `Date` into a
 * string and cannot encode `BigInt`, `Map` or `Set`: use the superjson or msgpack serializer
 * (`@strata/cache-core/serializers/superjson`, `…/msgpack`) for those.
 */
export const jsonSerializer: Serializer = {
  name: 'json',
  serialize: (value) => JSON.stringify(value),
  deserialize(data) {
    const text = decoder.decode(data)
    return POLLUTING_NAME.test(text) ? JSON.parse(text, dropPollutingKeys) : JSON.parse(text)
  },
}
