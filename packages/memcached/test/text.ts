/** The UTF-8 text of a record read from the store, or `undefined` for a miss. */
export function text(record: object | undefined): string | undefined {
  return record === undefined ? undefined : Buffer.from(record as Uint8Array).toString('utf8')
}
