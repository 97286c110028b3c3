import { readFileSync } from 'node:fs'
import { cpus, freemem, loadavg, totalmem } from 'node:os'

/** Packages whose versions every result file records. */
const PACKAGES = [
  '@strata/cache-core',
  '@strata/cache-memory',
  '@strata/cache-redis',
  '@strata/cache-memcached',
  '@strata/cache-postgres',
  'lru-cache',
  'ioredis',
  'memjs',
  'pg',
  'keyv',
  '@keyv/redis',
  '@keyv/memcache',
  '@keyv/postgres',
  'cacheable',
  'cache-manager',
  'bentocache',
  'kysely',
  '@epic-web/cachified',
] as const

// The benchmarks workspace may hold its own copy; otherwise npm hoisted it to the root.
const SEARCH_PATHS = ['../../node_modules/', '../../../node_modules/']

function versionOf(name: string): string {
  for (const base of SEARCH_PATHS) {
    try {
      const url = new URL(`${base}${name}/package.json`, import.meta.url)
      return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version
    } catch {
      // not in this node_modules: try the next one
    }
  }
  return 'not installed'
}

/** Installed version of every measured package. */
export function packageVersions(): Record<string, string> {
  return Object.fromEntries(PACKAGES.map((name) => [name, versionOf(name)]))
}

/** The machine the figures come from, including its load at the start of the run. */
export interface MachineInfo {
  readonly cpu: string
  readonly cores: number
  readonly memoryGiB: number
  readonly freeMemoryGiB: number
  readonly loadAverage: readonly number[]
  readonly platform: string
  readonly node: string
}

export function machineInfo(): MachineInfo {
  const list = cpus()
  const gib = (bytes: number) => Math.round((bytes / 2 ** 30) * 10) / 10
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: gib(totalmem()),
    freeMemoryGiB: gib(freemem()),
    loadAverage: loadavg().map((load) => Math.round(load * 100) / 100),
    platform: `${process.platform} ${process.arch}`,
    node: process.version,
  }
}

/** A short label for a contender: the package name and its installed version. */
export function labelled(name: string): string {
  return `${name} ${versionOf(name)}`
}
