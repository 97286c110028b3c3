/**
 * The MessagePack serializer (`@strata/cache-core/serializers/msgpack`).
 *
 * @module
 */

import { decode, encode } from '@msgpack/msgpack'
import type { Serializer } from '../serializer.js'

/**
 * MessagePack: compact binary encoding; keeps `Date` and binary (`Uint8Array`) values.
 * Needs the optional peer dependency `@msgpack/msgpack`.
 */
export const msgpackSerializer: Serializer = {
  name: 'msgpack',
  serialize: (value) => encode(value),
  deserialize: (data) => decode(data),
}
