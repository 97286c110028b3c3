import { Wait } from 'testcontainers'
import { startContainer } from './container.js'
import { findFreePort, LOOPBACK } from './free-port.js'
import { type StartedServer, serverHandle } from './server-handle.js'

/** Options of {@link startPostgres}. */
export interface PostgresOptions {
  /** @default 'strata' */
  readonly database?: string
  /** @default 'strata' */
  readonly user?: string
  /** @default 'strata' */
  readonly password?: string
  /**
   * Extra `postgres` arguments, appended last, e.g. `['-c', 'max_connections=20']`.
   * @default []
   */
  readonly args?: readonly string[]
}

/** A running PostgreSQL server. */
export interface StartedPostgres extends StartedServer {
  /** `postgres://user:password@127.0.0.1:<port>/database`, the form `pg` takes. */
  readonly url: string
  readonly database: string
  readonly user: string
  readonly password: string
}

/**
 * Starts PostgreSQL (image `postgres:16`, or the local or overridden one) on a free port of
 * 127.0.0.1 with the given database and user, and resolves once it accepts connections over TCP.
 * Durability is off (`fsync=off`): these are throwaway servers. Call `stop()` when done.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<StartedPostgres> {
  const database = options.database ?? 'strata'
  const user = options.user ?? 'strata'
  const password = options.password ?? 'strata'
  const port = await findFreePort()
  const command = ['postgres', '-p', String(port), '-c', `listen_addresses=${LOOPBACK}`]
  // No fsync: fast, and a killed server still keeps every commit (only an OS crash would lose it).
  command.push('-c', 'fsync=off', '-c', 'full_page_writes=off')
  command.push(...(options.args ?? []))
  const container = await startContainer({
    kind: 'postgres',
    command,
    environment: { POSTGRES_DB: database, POSTGRES_USER: user, POSTGRES_PASSWORD: password },
    // The image's entrypoint first runs a temporary server without TCP to initialise the
    // database; only the final server answers on the port.
    waitStrategy: Wait.forSuccessfulCommand(
      `pg_isready -q -h ${LOOPBACK} -p ${port} -U '${user}' -d '${database}'`,
    ),
  })
  const credentials = `${encodeURIComponent(user)}:${encodeURIComponent(password)}`
  return {
    // SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for every client to disconnect.
    ...serverHandle(container, port, 'SIGINT'),
    url: `postgres://${credentials}@${LOOPBACK}:${port}/${encodeURIComponent(database)}`,
    database,
    user,
    password,
  }
}
