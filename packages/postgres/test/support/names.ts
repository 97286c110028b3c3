let counter = 0

/** A table or view name no other test of this run uses. */
export function uniqueName(base: string): string {
  counter += 1
  return `${base}_${process.pid}_${counter}`
}
