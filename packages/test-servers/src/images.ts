import { getContainerRuntimeClient, ImageName } from 'testcontainers'

/** A server kind that test-servers can start. */
export type ServerKind = 'redis' | 'memcached' | 'postgres'

/** Where the image of one server kind comes from. */
export interface ImageChoice {
  /** The image reference handed to the container engine. */
  readonly name: string
  /** Whether the engine may pull it from a registry (false for locally built images). */
  readonly pull: boolean
}

/**
 * The one place image names and tags are pinned.
 *
 * - `official`: the registry image a developer's Docker Desktop pulls.
 * - `local`: the image `scripts/prepare-test-env.sh` builds from Debian's packages on machines
 *   that cannot reach a registry (this workplace and its CI).
 * - `env`: the environment variable that overrides both, e.g. for a CI matrix over versions.
 */
export const pinnedImages = {
  redis: { official: 'redis:7', local: 'strata-local/redis:7', env: 'STRATA_REDIS_IMAGE' },
  memcached: {
    official: 'memcached:1.6',
    local: 'strata-local/memcached:1.6',
    env: 'STRATA_MEMCACHED_IMAGE',
  },
  postgres: {
    official: 'postgres:16',
    local: 'strata-local/postgres:15',
    env: 'STRATA_POSTGRES_IMAGE',
  },
} as const satisfies Record<ServerKind, { official: string; local: string; env: string }>

const choices = new Map<ServerKind, Promise<ImageChoice>>()

/**
 * Picks the image for a server kind: the environment override if set, else the local
 * `strata-local/*` image if the engine has it, else the official image.
 */
export function chooseImage(kind: ServerKind): Promise<ImageChoice> {
  let choice = choices.get(kind)
  if (!choice) {
    choice = resolveImage(kind)
    choices.set(kind, choice)
  }
  return choice
}

async function resolveImage(kind: ServerKind): Promise<ImageChoice> {
  const pinned = pinnedImages[kind]
  const override = process.env[pinned.env]
  if (override) return { name: override, pull: true }
  const client = await getContainerRuntimeClient()
  if (await client.image.exists(ImageName.fromString(pinned.local))) {
    return { name: pinned.local, pull: false }
  }
  return { name: pinned.official, pull: true }
}
