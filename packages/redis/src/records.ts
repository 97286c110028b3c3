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
 * A record read from Redis as a plain `Uint8Array` over ioredis' Buffer (no copy): the
 * contract's record type, so it compares equal to the `Uint8Array` that was written.
 */
export function toRecord(value: Buffer | null): Uint8Array | undefined {
  return value === null
    ? undefined
    : new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
}
