import { AdapterMissingError, InvalidOptionError, redact } from './errors.js'
import type { Store } from './store.js'

/** The adapter package behind each URL scheme. */
export const ADAPTER_PACKAGES: Readonly<Record<string, string>> = {
  'memory:': '@strata/cache-memory',
  'redis:': '@strata/cache-redis',
  'rediss:': '@strata/cache-redis',
  'memcached:': '@strata/cache-memcached',
  'postgres:': '@strata/cache-postgres',
  'postgresql:': '@strata/cache-postgres',
}

/** What an adapter package exports for URL configuration. */
export interface AdapterModule {
  createStoreFromUrl(url: string): Store | Promise<Store>
}

type Importer = (specifier: string) => Promise<unknown>

/**
 * Creates a store from a URL by loading its adapter package.
 * @param importer - how packages are imported (for tests); defaults to dynamic `import()`.
 * @throws InvalidOptionError for an unknown scheme; AdapterMissingError when the package is
 * not installed.
 */
export async function storeFromUrl(
  url: string,
  importer: Importer = (specifier) => import(specifier),
): Promise<Store> {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0].toLowerCase()
  const packageName = scheme === undefined ? undefined : ADAPTER_PACKAGES[scheme]
  if (packageName === undefined) {
    throw new InvalidOptionError(
      'store',
      `unknown store URL "${redact(url)}"; expected one of ${Object.keys(ADAPTER_PACKAGES).join(' ')}//…`,
    )
  }
  let adapter: Partial<AdapterModule>
  try {
    adapter = (await importer(packageName)) as Partial<AdapterModule>
  } catch (cause) {
    if (isModuleNotFound(cause, packageName))
      throw new AdapterMissingError(packageName, url, { cause })
    throw cause
  }
  if (typeof adapter.createStoreFromUrl !== 'function') {
    throw new InvalidOptionError('store', `"${packageName}" does not export createStoreFromUrl`)
  }
  return adapter.createStoreFromUrl(url)
}

function isModuleNotFound(error: unknown, packageName: string): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    String((error as Error).message).includes(packageName)
  )
}
