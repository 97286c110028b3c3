/**
 * The few pieces of memcached's binary protocol the adapter sends itself, through memjs's
 * transport (`Client#perform`: server selection, connection, per-request timeout, retries).
 * memjs 1.3's command methods cannot send a CAS value, do not return one, and read 64-bit
 * counters wrongly, so the adapter builds its requests here and memjs only carries them.
 *
 * @module
 */

/** Binary protocol opcodes used by the adapter. */
export const Opcode = {
  get: 0x00,
  set: 0x01,
  add: 0x02,
  delete: 0x04,
  increment: 0x05,
  decrement: 0x06,
} as const

/** Binary protocol response statuses the adapter tells apart. */
export const Status = {
  ok: 0x0000,
  keyNotFound: 0x0001,
  keyExists: 0x0002,
  valueTooLarge: 0x0003,
  notStored: 0x0005,
} as const

const HEADER_BYTES = 24
const REQUEST_MAGIC = 0x80
const EMPTY = Buffer.alloc(0)

/** One binary protocol request, before it is framed. */
export interface Request {
  readonly opcode: number
  /** The key, already mapped to a memcached-safe key. */
  readonly key: string
  readonly extras?: Buffer | undefined
  readonly value?: Uint8Array | undefined
  /** Compare-and-swap token: the write only applies if the item still has this CAS. */
  readonly cas?: bigint | undefined
}

/** Frames `request` with `opaque` as the sequence number memjs matches the answer by. */
export function encodeRequest(request: Request, opaque: number): Buffer {
  const extras = request.extras ?? EMPTY
  const value = request.value ?? EMPTY
  const keyBytes = Buffer.byteLength(request.key)
  const bodyBytes = extras.length + keyBytes + value.byteLength
  const frame = Buffer.allocUnsafe(HEADER_BYTES + bodyBytes)
  frame.writeUInt8(REQUEST_MAGIC, 0)
  frame.writeUInt8(request.opcode, 1)
  frame.writeUInt16BE(keyBytes, 2)
  frame.writeUInt8(extras.length, 4)
  frame.writeUInt8(0, 5) // data type: raw bytes
  frame.writeUInt16BE(0, 6) // vbucket
  frame.writeUInt32BE(bodyBytes, 8)
  frame.writeUInt32BE(opaque >>> 0, 12)
  frame.writeBigUInt64BE(request.cas ?? 0n, 16)
  extras.copy(frame, HEADER_BYTES)
  frame.write(request.key, HEADER_BYTES + extras.length)
  frame.set(value, HEADER_BYTES + extras.length + keyBytes)
  return frame
}

/** Extras of `set`/`add`: flags (always 0) and expiration. */
export function storageExtras(expiration: number): Buffer {
  const extras = Buffer.alloc(8)
  extras.writeUInt32BE(expiration, 4)
  return extras
}

/**
 * Extras of `incr`/`decr`: the 64-bit delta, the 64-bit initial value the server creates a
 * missing counter with (atomically, as an internal `add`), and the expiration of a created
 * counter (0: never).
 */
export function counterExtras(delta: bigint, initial: bigint, expiration: number): Buffer {
  const extras = Buffer.alloc(20)
  extras.writeBigUInt64BE(delta, 0)
  extras.writeBigUInt64BE(initial, 8)
  extras.writeUInt32BE(expiration, 16)
  return extras
}

/** Reads the CAS token of a response header. */
export function readCas(header: { readonly cas: Buffer }): bigint {
  return header.cas.readBigUInt64BE(0)
}
