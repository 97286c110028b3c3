/**
 * How envelopes become records: kept as objects by in-process stores, or encoded to bytes for
 * byte stores (a small header that recognises Strata's own records, the times and versions in
 * binary, the value through the serializer, optionally deflated).
 *
 * @module
 */

import { deflateRawSync, inflateRawSync } from 'node:zlib'
import { SerializationError } from '../errors.js'
import type { Store, StoreRecord } from '../store/store.js'
import { type Envelope, type EnvelopeDraft, isEnvelope } from './envelope.js'
import type { Serializer } from './serializer.js'

const MAGIC = 0xa7
const FORMAT_VERSION = 2
/** Records whose whole envelope was serialized (before format 2): still read, never written. */
const LEGACY_FORMAT_VERSION = 1
const FLAG_DEFLATE = 1
const FLAG_TAGS = 2
const FLAG_EXPIRIES = 4
const FLAG_GENERATIONS = 8
const HEADER_BYTES = 3
/** Where the four times (c, f, s, d) end and the optional parts begin. */
const TIMES_END = HEADER_BYTES + 4 * 8
const encoder = new TextEncoder()
const utf8 = new TextDecoder('utf-8', { fatal: true })

// The four times of every read go through one shared 8-byte scratch: a DataView per record cost
// more than the reads themselves (Buffer#readDoubleLE does the same, for Buffers only).
const scratch = new Float64Array(1)
const scratchBytes = new Uint8Array(scratch.buffer)
const HOST_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1

/** The little-endian float64 at `at` (the caller checked that 8 bytes are there). */
function readFloat64(bytes: Uint8Array, at: number): number {
  if (HOST_LITTLE_ENDIAN) for (let i = 0; i < 8; i++) scratchBytes[i] = bytes[at + i]!
  else for (let i = 0; i < 8; i++) scratchBytes[7 - i] = bytes[at + i]!
  return scratch[0]!
}

/**
 * The bytes of `record` from `at` on, as a plain view: a Buffer's `subarray` builds another
 * Buffer through its species constructor, which cost a third more on every read.
 */
function tail(record: Uint8Array, at: number): Uint8Array {
  return new Uint8Array(record.buffer, record.byteOffset + at, record.byteLength - at)
}

/** Compression of serialized values above a size threshold (node:zlib deflate). */
export interface CompressionOptions {
  /**
   * Values whose serialized size is at least this many bytes are compressed.
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
    decode: (record) => codec.decode(record),
  }
}

/**
 * Encodes envelopes into records for byte stores. A record is a 3-byte header (magic, format
 * version, flags), the envelope's times and captured versions in binary, then the serializer's
 * output for the value alone, deflated when large:
 *
 * ```
 * 0      magic 0xa7
 * 1      format version (2; version 1 records, the whole envelope serialized, are still read)
 * 2      flags: 1 value deflated, 2 tags (t, tv), 4 soft-expiry versions (xv), 8 generations (g)
 * 3      c, f, s, d: float64 little-endian each
 * 35     tags: uint32 count, each tag as uint32 byte length + UTF-8, then the count's tag
 *        versions; xv and g: uint32 count + that many versions (float64, NaN for null)
 * …      the value: the serializer's output (deflated with flag 1)
 * ```
 *
 * The times and versions cost a few reads where a serialized envelope cost a parse as long as
 * the value's own: only the value goes through the serializer. Decoding anything else fails,
 * so a foreign record is recognised and treated as a miss.
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
      const out = this.serializer.serialize(envelope.v)
      payload = typeof out === 'string' ? encoder.encode(out) : out
    } catch (cause) {
      throw new SerializationError(this.serializer.name, { cause })
    }
    let flags = 0
    if (this.compression && payload.byteLength >= this.compression.threshold) {
      payload = deflateRawSync(payload, { level: this.compression.level })
      flags |= FLAG_DEFLATE
    }
    const { t, tv, xv, g } = envelope
    const tagBytes = t == null ? undefined : t.map((tag) => encoder.encode(tag))
    let size = TIMES_END
    if (tagBytes !== undefined) {
      flags |= FLAG_TAGS
      size += 4 + 4 * tagBytes.length + 8 * tagBytes.length
      for (const bytes of tagBytes) size += bytes.byteLength
    }
    if (xv != null) {
      flags |= FLAG_EXPIRIES
      size += 4 + 8 * xv.length
    }
    if (g != null) {
      flags |= FLAG_GENERATIONS
      size += 4 + 8 * g.length
    }
    const record = new Uint8Array(size + payload.byteLength)
    const view = new DataView(record.buffer)
    record[0] = MAGIC
    record[1] = FORMAT_VERSION
    record[2] = flags
    view.setFloat64(3, envelope.c, true)
    view.setFloat64(11, envelope.f, true)
    view.setFloat64(19, envelope.s, true)
    view.setFloat64(27, envelope.d, true)
    let at = TIMES_END
    if (tagBytes !== undefined) {
      view.setUint32(at, tagBytes.length, true)
      at += 4
      for (const bytes of tagBytes) {
        view.setUint32(at, bytes.byteLength, true)
        record.set(bytes, at + 4)
        at += 4 + bytes.byteLength
      }
      at = writeVersions(view, at, tv ?? [], tagBytes.length)
    }
    if (xv != null) at = writeCountedVersions(view, at, xv)
    if (g != null) at = writeCountedVersions(view, at, g)
    record.set(payload, at)
    return record
  }

  /**
   * @returns the decoded envelope, or `undefined` when it holds no value (or, in a record of
   * format 1, is not an envelope).
   * @throws when the record is not one of ours or is corrupt.
   */
  decode(record: unknown): Envelope | undefined {
    if (!(record instanceof Uint8Array) || record.byteLength < HEADER_BYTES)
      throw new TypeError('not a Strata record')
    if (record[0] !== MAGIC) throw new TypeError('unknown record format')
    const flags = record[2]!
    if (record[1] === LEGACY_FORMAT_VERSION) {
      // Written by Strata before format 2: the whole envelope went through the serializer.
      const legacy = this.#value(record.subarray(HEADER_BYTES), flags)
      return isEnvelope(legacy) ? legacy : undefined
    }
    if (record[1] !== FORMAT_VERSION || record.byteLength < TIMES_END)
      throw new TypeError('unknown record format')
    const envelope: EnvelopeDraft = {
      v: undefined,
      c: readFloat64(record, 3),
      f: readFloat64(record, 11),
      s: readFloat64(record, 19),
      d: readFloat64(record, 27),
    }
    let at = TIMES_END
    if ((flags & (FLAG_TAGS | FLAG_EXPIRIES | FLAG_GENERATIONS)) !== 0)
      at = this.#versions(record, flags, envelope)
    envelope.v = this.#value(tail(record, at), flags)
    // The times are numbers by construction: only a value can be missing (a serializer that
    // gives back `undefined`), and `undefined` is never a cached value.
    return envelope.v === undefined ? undefined : (envelope as Envelope)
  }

  /** Reads the tags, expiry versions and generations `flags` announce; returns their end. */
  #versions(record: Uint8Array, flags: number, envelope: EnvelopeDraft): number {
    const view = new DataView(record.buffer, record.byteOffset, record.byteLength)
    let at = TIMES_END
    if ((flags & FLAG_TAGS) !== 0) {
      const count = view.getUint32(at, true)
      at += 4
      const tags: string[] = []
      for (let i = 0; i < count; i++) {
        const length = view.getUint32(at, true)
        tags.push(utf8.decode(record.subarray(at + 4, at + 4 + length)))
        at += 4 + length
      }
      envelope.t = tags
      envelope.tv = readVersions(view, at, count)
      at += 8 * count
    }
    if ((flags & FLAG_EXPIRIES) !== 0) {
      envelope.xv = readVersions(view, at + 4, view.getUint32(at, true))
      at += 4 + 8 * envelope.xv.length
    }
    if ((flags & FLAG_GENERATIONS) !== 0) {
      envelope.g = readVersions(view, at + 4, view.getUint32(at, true))
      at += 4 + 8 * envelope.g.length
    }
    return at
  }

  #value(payload: Uint8Array, flags: number): unknown {
    return this.serializer.deserialize(
      (flags & FLAG_DEFLATE) !== 0 ? inflateRawSync(payload) : payload,
    )
  }
}

/** Writes `count` versions from `versions` (NaN for null) at `at`; returns the offset after. */
function writeVersions(
  view: DataView,
  at: number,
  versions: readonly (number | null)[],
  count: number,
): number {
  for (let i = 0; i < count; i++) view.setFloat64(at + 8 * i, versions[i] ?? Number.NaN, true)
  return at + 8 * count
}

function writeCountedVersions(view: DataView, at: number, versions: readonly (number | null)[]) {
  view.setUint32(at, versions.length, true)
  return writeVersions(view, at + 4, versions, versions.length)
}

function readVersions(view: DataView, at: number, count: number): (number | null)[] {
  // A count past the record's end is corruption; checked first, so it never sizes an array.
  if (at + 8 * count > view.byteLength) throw new RangeError('truncated record')
  const versions: (number | null)[] = new Array(count)
  for (let i = 0; i < count; i++) {
    const version = view.getFloat64(at + 8 * i, true)
    versions[i] = Number.isNaN(version) ? null : version
  }
  return versions
}
