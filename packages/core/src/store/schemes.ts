/**
 * Stores by URL: an open registry from URL scheme (`redis:`, `dynamodb:`…) to a factory that
 * builds a store from the URL. The built-in adapters are registered here through the same path a
 * third-party adapter uses, each behind a literal dynamic `import()` so that an adapter package
 * is loaded only when its scheme is used, and a bundler can see every package by name.
 *
 * @module
 */

import { AdapterMissingError, InvalidOptionError, redact } from '../errors.js'
import type { Awaitable, Store } from './store.js'

/** Builds a store from a URL of its scheme. */
export type StoreSchemeFactory = (url: string) => Awaitable<Store>

/** What an adapter package exports for URL configuration. */
export interface AdapterModule {
  createStoreFromUrl(url: string): Awaitable<Store>
}

interface SchemeEntry {
  readonly factory: StoreSchemeFactory
  /** The package behind a built-in scheme, named when it is not installed. */
  readonly packageName?: string
}

const SCHEME_PATTERN = /^[a-z][a-z0-9+.-]*$/

/**
 * Built-in schemes. Each import names its package literally in the emitted JavaScript (no
 * computed names), so bundlers can resolve it; the package is one the user installs, not a
 * dependency of core. `as string` only keeps the compiler from resolving the adapter's types,
 * which depend on core itself.
 */
const BUILT_IN: readonly (readonly [string[], string, () => Promise<unknown>])[] = [
  [['memory'], '@strata/cache-memory', () => import('@strata/cache-memory' as string)],
  [['redis', 'rediss'], '@strata/cache-redis', () => import('@strata/cache-redis' as string)],
  [['memcached'], '@strata/cache-memcached', () => import('@strata/cache-memcached' as string)],
  [
    ['postgres', 'postgresql'],
    '@strata/cache-postgres',
    () => import('@strata/cache-postgres' as string),
  ],
]

/**
 * The adapter package behind each built-in scheme (`'redis:'` → `'@strata/cache-redis'`).
 * @deprecated since 0.1: use {@link storeSchemes} for the schemes a URL may use, and
 * {@link registerStoreScheme} to add one. Kept for code that read it.
 */
export const ADAPTER_PACKAGES: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(
    BUILT_IN.flatMap(([schemes, packageName]) => schemes.map((s) => [`${s}:`, packageName])),
  ),
)

const registry = new Map<string, SchemeEntry>()
for (const [schemes, packageName, load] of BUILT_IN) {
  for (const scheme of schemes) {
    registry.set(scheme, { packageName, factory: adapterFactory(packageName, load) })
  }
}

/**
 * Makes `createCache({ store: '<scheme>://…' })` build stores with `factory`. Built-in schemes
 * (`memory`, `redis`, `rediss`, `memcached`, `postgres`, `postgresql`) are registered the same
 * way; registering one of them again replaces it.
 *
 * @param scheme - the URL scheme, with or without the trailing colon: `'dynamodb'`.
 * @param factory - receives the whole URL; returns a store or a promise of one.
 * @throws InvalidOptionError for a scheme that is not a valid URL scheme, or a factory that is
 * not a function.
 *
 * @example
 * ```ts
 * registerStoreScheme('dynamodb', (url) => dynamoStore({ table: new URL(url).hostname }))
 * const cache = createCache({ store: 'dynamodb://sessions' })
 * ```
 */
export function registerStoreScheme(scheme: string, factory: StoreSchemeFactory): void {
  const name = typeof scheme === 'string' ? scheme.toLowerCase().replace(/:$/, '') : ''
  if (!SCHEME_PATTERN.test(name))
    throw new InvalidOptionError('scheme', `"${String(scheme)}" is not a URL scheme`)
  if (typeof factory !== 'function')
    throw new InvalidOptionError('factory', 'must be a function that builds a store from a URL')
  registry.set(name, { factory })
}

/** The schemes a store URL may use now, built-in and registered. */
export function storeSchemes(): string[] {
  return [...registry.keys()]
}

/**
 * Creates a store from a URL through the factory registered for its scheme.
 * @throws InvalidOptionError for an unknown scheme; AdapterMissingError when a built-in
 * scheme's package is not installed.
 */
export async function storeFromUrl(url: string): Promise<Store> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase()
  const entry = scheme === undefined ? undefined : registry.get(scheme)
  if (entry === undefined) {
    const known = storeSchemes()
      .map((name) => `${name}://`)
      .join(' ')
    throw new InvalidOptionError(
      'store',
      `unknown store URL "${redact(url)}"; expected one of ${known} (registerStoreScheme adds more)`,
    )
  }
  return entry.factory(url)
}

/** The factory of a built-in adapter: imports its package on first use. */
function adapterFactory(packageName: string, load: () => Promise<unknown>): StoreSchemeFactory {
  return async (url) => {
    let adapter: Partial<AdapterModule>
    try {
      adapter = (await load()) as Partial<AdapterModule>
    } catch (cause) {
      if (isModuleNotFound(cause, packageName))
        throw new AdapterMissingError(packageName, url, { cause })
      throw cause
    }
    if (typeof adapter.createStoreFromUrl !== 'function')
      throw new InvalidOptionError('store', `"${packageName}" does not export createStoreFromUrl`)
    return adapter.createStoreFromUrl(url)
  }
}

function isModuleNotFound(error: unknown, packageName: string): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    String((error as Error).message).includes(packageName)
  )
}

/** For core's tests: a built-in scheme whose package import is replaced. @internal */
export function builtInFactoryForTest(
  packageName: string,
  load: () => Promise<unknown>,
): StoreSchemeFactory {
  return adapterFactory(packageName, load)
}
