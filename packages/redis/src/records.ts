/**
 * Records on their way to and from Redis: bytes out as Buffers (no copy), replies in as the
 * contract's `Uint8Array`, and Redis' value size limit.
 *
 * @module
 */

import { InvalidValueError, type StoreRecord } from '@strata/cache-core'

/**
 * The record as a Buffer over the same memory (no copy). ioredis sends Buffers as raw bytes
 * but turns any other object, a plain `Uint8Array` included, into its `String()`, so every
 * record goes through here on its way out.
 */
export function toBuffer(record: StoreRecord): Buffer {
  if (Buffer.isBuffer(record)) return record
  if (record instanceof Uint8Array) {
    return Buffer.from(record.buffer, record.byteOffset, record.byteLength)
  }
  throw new InvalidValueError(
    'The Redis store keeps records as bytes (capabilities.records is "bytes"): pass a Uint8Array',
  )
}

/** Largest string value Redis accepts by default (`proto-max-bulk-len`, 512 MiB). */
export const MAX_VALUE_BYTES = 512 * 1024 * 1024

/**
 * A record read from Redis: ioredis' Buffer itself (a `Uint8Array`, which is what the contract
 * asks for), so a hit allocates nothing beyond what ioredis already did.
 */
export function toRecord(value: Buffer | null): Buffer | undefined {
  return value === null ? undefined : value
}

/**
 * An `MGET` reply as records, in place: `null` (missing) becomes `undefined`. The array is
 * ioredis' own, made for this call, so reusing it saves one allocation per batch.
 */
export function toRecords(values: (Buffer | null)[]): (Buffer | undefined)[] {
  const records = values as (Buffer | null | undefined)[]
  for (let index = 0; index < records.length; index++) {
    if (records[index] === null) records[index] = undefined
  }
  return records as (Buffer | undefined)[]
}
