/**
 * The envelope: what core stores for every entry (value, times, captured versions), and the
 * shape check that turns a foreign or corrupt record into a miss.
 *
 * @module
 */

/**
 * What core stores for every entry. Short field names keep serialized records small.
 * @internal
 */
export interface Envelope {
  /** The cached value (never `undefined`). */
  readonly v: unknown
  /** When the entry was written (epoch ms). */
  readonly c: number
  /** Fresh until (epoch ms). */
  readonly f: number
  /** May be served stale until (epoch ms): `f` + grace. */
  readonly s: number
  /** How long the loader took (ms); 0 when written by `set`. Early expiration's delta. */
  readonly d: number
  /** Tags of the entry, when any. */
  readonly t?: readonly string[] | undefined
  /** Tag versions captured before the loader started, aligned with `t` (`null` = missing). */
  readonly tv?: readonly (number | null)[] | undefined
  /** The tags' soft-expiry versions captured with `tv` (absent in entries of older versions). */
  readonly xv?: readonly (number | null)[] | undefined
  /** Namespace generations captured at write time (stores without scoped clear only). */
  readonly g?: readonly (number | null)[] | undefined
}

/** An envelope being built field by field (decoded, or written). @internal */
export type EnvelopeDraft = { -readonly [K in keyof Envelope]: Envelope[K] }

/**
 * An envelope as a write builds it (`set`, `setMany`, a load's result). A constructor rather
 * than an object literal: V8 pretenures the objects of a literal's allocation site once enough of
 * them outlive a young collection, as stored entries do, and from then on allocates each, with
 * its boxed times, in the old generation. On the memory-set benchmark a process that tipped over
 * (which the mere import of another library could decide) ran a set at about 0.3× raw lru-cache
 * instead of 0.7×; built by this constructor, the same processes ran at 0.65–0.86×. The fields
 * are the same own properties, in the same order, as the literal had; the optional ones are
 * added as the literal's were (see `Entries.envelope`).
 * @internal
 */
export class WrittenEnvelope implements Envelope {
  // Declared, not defined: a defined class field would first be an own `undefined`.
  declare v: unknown
  declare c: number
  declare f: number
  declare s: number
  declare d: number

  constructor(v: unknown, c: number, f: number, s: number, d: number) {
    this.v = v
    this.c = c
    this.f = f
    this.s = s
    this.d = d
  }
}

/** Checks the shape of a record read from a store: a foreign or corrupt record is a miss. */
export function isEnvelope(record: unknown): record is Envelope {
  if (typeof record !== 'object' || record === null) return false
  const entry = record as Record<string, unknown>
  return (
    'v' in entry &&
    entry.v !== undefined &&
    typeof entry.c === 'number' &&
    typeof entry.f === 'number' &&
    typeof entry.s === 'number' &&
    typeof entry.d === 'number' &&
    (entry.t == null || (Array.isArray(entry.t) && Array.isArray(entry.tv))) &&
    (entry.xv == null || Array.isArray(entry.xv)) &&
    (entry.g == null || Array.isArray(entry.g))
  )
}
