/**
 * Typed reads: a Standard Schema (https://standardschema.dev; zod, valibot, arktype and others
 * implement it) checked on every value read from a store that serializes. A value that fails
 * (a deploy changed the cached type) is a miss: counted, evented, reloaded, never returned.
 * The interface below is the spec's, declared here so core depends on no validator.
 *
 * @module
 */

/** A Standard Schema, version 1: any validator that implements the spec. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1
    readonly vendor: string
    readonly validate: (
      value: unknown,
    ) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>
    readonly types?: { readonly input: Input; readonly output: Output } | undefined
  }
}

/** What a Standard Schema's `validate` returns. */
export type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly StandardSchemaIssue[] }

/** One problem a Standard Schema found. */
export interface StandardSchemaIssue {
  readonly message: string
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined
}

/** The output type of a Standard Schema. */
export type InferSchemaOutput<S> = S extends StandardSchemaV1<unknown, infer O> ? O : never

/**
 * Checks `value` with `schema`.
 * @returns `{ value }` (the schema's output: its transforms applied) or `{ issues }`.
 */
export function checkWithSchema<T>(
  schema: StandardSchemaV1<unknown, T>,
  value: unknown,
): StandardSchemaResult<T> | Promise<StandardSchemaResult<T>> {
  return schema['~standard'].validate(value)
}

/** Whether `value` looks like a Standard Schema (for option validation). */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const standard = (value as { '~standard'?: { version?: unknown; validate?: unknown } } | null)?.[
    '~standard'
  ]
  return (
    typeof standard === 'object' &&
    standard !== null &&
    standard.version === 1 &&
    typeof standard.validate === 'function'
  )
}
