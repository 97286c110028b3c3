/**
 * The superjson serializer (`@strata/cache-core/serializers/superjson`).
 *
 * @module
 */

import superjson from 'superjson'
import type { Serializer } from '../serializer.js'

const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * superjson: keeps `Date`, `Map`, `Set`, `BigInt`, `RegExp` and `undefined` inside objects.
 * Needs the optional peer dependency `superjson`.
 */
export const superjsonSerializer: Serializer = {
  name: 'superjson',
  serialize: (value) => superjson.stringify(value),
  deserialize: (data) => superjson.parse(decoder.decode(data)),
}
