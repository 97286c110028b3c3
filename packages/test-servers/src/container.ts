import type { StartedTestContainer, WaitStrategy } from 'testcontainers'
import { GenericContainer } from 'testcontainers'
import { applyTestcontainersDefaults } from './environment.js'
import { chooseImage, type ServerKind } from './images.js'

/** Labels on every container test-servers starts, to find leftovers of a crashed run. */
export const OWNER_LABEL = 'org.strata.test-servers'
export const OWNER_PID_LABEL = 'org.strata.test-servers.pid'
export const RUN_LABEL = 'org.strata.test-servers.run'

/**
 * The environment variable naming the current test run. A global setup sets it before vitest
 * starts its workers, so servers started inside test files carry the run's label too.
 */
export const RUN_ENV = 'STRATA_TEST_SERVERS_RUN'

/** How long a server may take to become ready before its start fails. */
export const STARTUP_TIMEOUT_MS = 60_000

/** What a server kind needs to start one container. */
export interface ContainerSpec {
  readonly kind: ServerKind
  readonly command: readonly string[]
  readonly environment?: Readonly<Record<string, string>>
  readonly waitStrategy: WaitStrategy
  /**
   * Files written into the container before it starts, e.g. a config file the server rewrites
   * (Sentinel's). They stay across `restart()`.
   */
  readonly files?: readonly { readonly target: string; readonly content: string }[]
}

/**
 * Starts one server container on the host network, with the image chosen for its kind. The
 * local `strata-local/*` images are never pulled, so no registry is contacted for them.
 */
export async function startContainer(spec: ContainerSpec): Promise<StartedTestContainer> {
  applyTestcontainersDefaults()
  const image = await chooseImage(spec.kind)
  let container = new GenericContainer(image.name)
    .withNetworkMode('host')
    .withCommand([...spec.command])
    .withLabels({
      [OWNER_LABEL]: spec.kind,
      [OWNER_PID_LABEL]: String(process.pid),
      [RUN_LABEL]: process.env[RUN_ENV] ?? '',
    })
    .withWaitStrategy(spec.waitStrategy)
    .withStartupTimeout(STARTUP_TIMEOUT_MS)
  if (spec.environment) container = container.withEnvironment({ ...spec.environment })
  if (spec.files) {
    container = container.withCopyContentToContainer(
      spec.files.map(({ target, content }) => ({ target, content })),
    )
  }
  if (!image.pull) container = container.withPullPolicy({ shouldPull: () => false })
  try {
    return await container.start()
  } catch (error) {
    throw new Error(`test-servers: could not start ${spec.kind} from image ${image.name}`, {
      cause: error,
    })
  }
}
