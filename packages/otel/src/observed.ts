/**
 * Values kept in process and reported when the reader collects, through an observable
 * instrument: the lookup counts (one increment of a map entry per lookup instead of an SDK
 * `add` that hashes its attributes on every hit) and the circuit breakers' states.
 *
 * @module
 */

import type {
  Attributes,
  Observable,
  ObservableCallback,
  ObservableResult,
} from '@opentelemetry/api'

interface Row {
  readonly attributes: Attributes
  value: number
}

/** Rows of attributes and a value, keyed by a string that determines the attributes. */
export class ObservedValues {
  readonly #rows = new Map<string, Row>()
  readonly #instrument: Observable
  readonly #report: ObservableCallback = (result: ObservableResult) => {
    for (const row of this.#rows.values()) result.observe(row.value, row.attributes)
  }

  constructor(instrument: Observable) {
    this.#instrument = instrument
    instrument.addCallback(this.#report)
  }

  /** Adds `by` to the row of `key`, made with `attributes()` the first time. */
  add(key: string, by: number, attributes: () => Attributes): void {
    const row = this.#rows.get(key)
    if (row !== undefined) row.value += by
    else this.#rows.set(key, { attributes: attributes(), value: by })
  }

  /** Sets the row of `key`. */
  set(key: string, value: number, attributes: () => Attributes): void {
    const row = this.#rows.get(key)
    if (row !== undefined) row.value = value
    else this.#rows.set(key, { attributes: attributes(), value })
  }

  /** Stops reporting. */
  close(): void {
    this.#instrument.removeCallback(this.#report)
    this.#rows.clear()
  }
}
