/**
 * The attributes of every metric and span: who (cache, namespace, store), never which key or
 * scope, and the OpenTelemetry database conventions for store calls (`db.system`,
 * `db.operation.name`) and `error.type` for failures.
 *
 * @module
 */

import type { Attributes } from '@opentelemetry/api'

/** The cache's name (its root namespace). */
export const ATTR_CACHE_NAME = 'strata.cache.name'
/** The namespace path under the root, `''` at the root. */
export const ATTR_CACHE_NAMESPACE = 'strata.cache.namespace'
/** The store's name (`redis`, `memory`…). */
export const ATTR_CACHE_STORE = 'strata.cache.store'

/** Who a message is about, copied out of it field by field. */
export interface Identity {
  readonly cache: string
  readonly namespace: string
  readonly store: string
}

/**
 * Copies the three identity fields of a core message. Only named fields are read: core's
 * messages may carry more (see the package README), and nothing else may become an attribute.
 */
export function identityOf(message: Identity): Identity {
  return { cache: message.cache, namespace: message.namespace, store: message.store }
}

/**
 * The identity as attributes, plus `extra`. Copied key by key: on Node 20 an object spread costs
 * microseconds, and this runs for every store call.
 */
export function attributesOf(identity: Identity, extra?: Attributes): Attributes {
  const attributes: Attributes = {
    [ATTR_CACHE_NAME]: identity.cache,
    [ATTR_CACHE_NAMESPACE]: identity.namespace,
    [ATTR_CACHE_STORE]: identity.store,
  }
  for (const key in extra) attributes[key] = extra[key]
  return attributes
}

/**
 * `db.system` values (OpenTelemetry database semantic conventions) of the stores Strata ships.
 * Other stores (memory, a Keyv adapter, your own) get no `db.system`.
 */
const DB_SYSTEMS: Readonly<Record<string, string>> = {
  redis: 'redis',
  memcached: 'memcached',
  postgres: 'postgresql',
}

/**
 * The database attributes of a call to `store`: `db.system` (the name most backends still key
 * their database views on) and `db.system.name` (its name in the stable conventions), both
 * absent for a store that is no database client, and `db.operation.name`, the contract's
 * operation (`get`, `setMany`, `increment`…).
 */
export function databaseAttributes(store: string, operation: string): Attributes {
  const system = DB_SYSTEMS[store]
  return system === undefined
    ? { 'db.operation.name': operation }
    : { 'db.system': system, 'db.system.name': system, 'db.operation.name': operation }
}

/**
 * `error.type` of a failure: a Strata error's stable `code` (`E_STORE_TIMEOUT`…), else the
 * error's class name, else `_OTHER` (as the conventions say for an unknown type).
 */
export function errorType(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && code !== '') return code
    const name = (error as { constructor?: { name?: unknown } }).constructor?.name
    if (typeof name === 'string' && name !== '' && name !== 'Object') return name
  }
  return '_OTHER'
}
