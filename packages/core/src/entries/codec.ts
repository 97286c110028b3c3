/**
 * How envelopes become records: kept as objects by in-process stores, or encoded to bytes
 * (serializer, optional deflate, a small header that recognises Strata's own records) for
 * byte stores.
 *
 * @module
 */

import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { SerializationError } from '../errors.js'
import type { Store, StoreRecord } from '../store/store.js'
import { type Envelope, isEnvelope } from './envelope.js'
import type { Serializer } from './serializer.js'

const MAGIC = 0xa7
const FORMAT_VERSION = 1
const FLAG_DEFLATE = 1
const HEADER_BYTES = 3
const encoder = new TextEncoder()

/** Compression of serialized entries above a size threshold (node:zlib deflate). */
export interface CompressionOptions {
  /**
   * Entries whose serialized size is at least this many bytes are compressed.
   * @default 1024
   */
  readonly threshold?: number
  /**
   * zlib compression level, 1 (fastest) to 9 (smallest).
   * @default 6
   */
  readonly level?: number
}

/** Turns envelopes into one store's records and back. */
export interface EnvelopeFormat {
  /** @throws SerializationError when the value cannot be encoded. */
  encode(envelope: Envelope): StoreRecord
  /**
   * @returns the envelope, or `undefined` for a record that is not one of ours.
   * @throws when a record of ours is corrupt (core reports it and treats it as a miss).
   */
  decode(record: StoreRecord): Envelope | undefined
}

/** Envelopes kept by reference: in-process stores (`records: 'object'`). */
const objectFormat: EnvelopeFormat = {
  encode: (envelope) => envelope,
  decode: (record) => (isEnvelope(record) ? record : undefined),
}

/** The format of envelopes for `store`, per its declared `records` capability. */
export function envelopeFormat(
  store: Store,
  serializer: Serializer,
  compression: Required<CompressionOptions> | undefined,
): EnvelopeFormat {
  if (store.capabilities.records === 'object') return objectFormat
  const codec = new EnvelopeCodec(serializer, compression)
  return {
    encode: (envelope) => codec.encode(envelope),
    decode: (record) => {
      const decoded = codec.decode(record)
      return isEnvelope(decoded) ? decoded : undefined
    },
  }
}

/**
 * Encodes envelopes into records for byte stores: a 3-byte header (magic, format version,
 * flags) then the serializer's output, deflated when large. Decoding anything else fails, so
 * a foreign record is recognised and treated as a miss.
 */
export class EnvelopeCodec {
  constructor(
    private readonly serializer: Serializer,
    private readonly compression: Required<CompressionOptions> | undefined,
  ) {}

  /** @throws SerializationError when the serializer cannot encode the value. */
  encode(envelope: Envelope): Uint8Array {
    let payload: Uint8Array
    try {
      const out = this.serializer.serialize(envelope)
      payload = typeof out === 'string' ? encoder.encode(out) : out
    } catch (cause) {
      throw new SerializationError(this.serializer.name, { cause })
    }
    let flags = 0
    if (this.compression && payload.byteLength >= this.compression.threshold) {
      payload = deflateRawSync(payload, { level: this.compression.level })
      flags |= FLAG_DEFLATE
    }
    const record = new Uint8Array(HEADER_BYTES + payload.byteLength)
    record[0] = MAGIC
    record[1] = FORMAT_VERSION
    record[2] = flags
    record.set(payload, HEADER_BYTES)
    return record
  }

  /** @returns the decoded value, or throws when the record is not one of ours or is corrupt. */
  decode(record: unknown): unknown {
    if (!(record instanceof Uint8Array) || record.byteLength < HEADER_BYTES)
      throw new TypeError('not a Strata record')
    if (record[0] !== MAGIC || record[1] !== FORMAT_VERSION)
      throw new TypeError('unknown record format')
    let payload = record.subarray(HEADER_BYTES)
    if ((record[2]! & FLAG_DEFLATE) !== 0) payload = inflateRawSync(payload)
    return this.serializer.deserialize(payload)
  }
}
