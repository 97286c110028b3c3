/**
 * The faults a soak injects, as plain inject/recover pairs over a server's controls, and the
 * timing of one round (healthy, fault held, recovery).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { ServerControls } from '../server-handle.js'
import { type FaultWindow, sharedNow } from './history.js'

/** One fault the harness can put the server (or its bus) in and take it out of. */
export interface Fault {
  readonly name: string
  /** `'store'`: calls fail while it lasts; `'bus'`: only bus messages are lost. */
  readonly kind: 'store' | 'bus'
  /** Injects the fault; may describe what it did (e.g. how many connections it cut). */
  inject(): Promise<string | undefined>
  /** Brings the server back; resolves once it answers again. */
  recover(): Promise<void>
}

/** Freezes the server (`docker pause`: connections stay open, nothing answers). */
export function pauseServer(server: Pick<ServerControls, 'pause' | 'unpause'>): Fault {
  return {
    name: 'pause',
    kind: 'store',
    async inject() {
      await server.pause()
      return undefined
    },
    recover: () => server.unpause(),
  }
}

/** Kills the server (SIGKILL: connections drop, the port refuses) and restarts it. */
export function killServer(server: Pick<ServerControls, 'kill' | 'restart'>): Fault {
  return {
    name: 'kill+restart',
    kind: 'store',
    async inject() {
      await server.kill()
      return undefined
    },
    recover: () => server.restart(),
  }
}

/** How a backend's bus connections are counted and cut, for {@link cutBus}. */
export interface BusConnections {
  /** How many bus connections the server has now. */
  count(): Promise<number>
  /** Cuts every one of them; resolves with how many it cut. */
  cut(): Promise<number>
  /**
   * Lets go of what counting and cutting opened (an admin connection kept for cutting again and
   * again); called once a fault is done with them.
   */
  close?(): Promise<void>
}

/**
 * Cuts the bus connections alone (e.g. Redis `CLIENT KILL TYPE pubsub`, PostgreSQL
 * `pg_terminate_backend` of the listening sessions). It first waits up to `waitMs` for all
 * `expected` connections to be there (after an earlier fault they may still be reconnecting),
 * and fails the soak when fewer are cut: the fault would not have happened.
 */
export function cutBus(
  name: string,
  connections: BusConnections,
  expected: number,
  waitMs = 15_000,
): Fault {
  return {
    name,
    kind: 'bus',
    async inject() {
      try {
        return await cutAll(name, connections, expected, waitMs)
      } finally {
        await connections.close?.()
      }
    },
    recover: async () => {},
  }
}

/**
 * Like {@link cutBus}, then keeps the bus down while the fault is held: every `everyMs` it cuts
 * the connections the clients made again, so that messages are lost for the whole hold, not
 * only for the moment a client takes to reconnect.
 */
export function holdBusDown(
  name: string,
  connections: BusConnections,
  expected: number,
  everyMs = 20,
): Fault {
  let holding: Promise<void> | undefined
  let failure: { error: unknown } | undefined
  let stop = false
  return {
    name,
    kind: 'bus',
    async inject() {
      const detail = await cutAll(name, connections, expected, 15_000)
      stop = false
      failure = undefined
      holding = (async () => {
        while (!stop) {
          await sleep(everyMs)
          await connections.cut()
        }
      })().catch((error: unknown) => {
        failure = { error }
      })
      return `${detail}, then every ${everyMs} ms while held`
    },
    async recover() {
      stop = true
      await holding
      await connections.close?.()
      // The bus was not held down as long as the round says: the fault did not happen.
      if (failure) throw failure.error
    },
  }
}

async function cutAll(
  name: string,
  connections: BusConnections,
  expected: number,
  waitMs: number,
): Promise<string> {
  const waited = performance.now()
  while ((await connections.count()) < expected && performance.now() - waited < waitMs)
    await sleep(100)
  const count = await connections.cut()
  if (count < expected)
    throw new Error(`${name} cut ${count} bus connection(s), expected at least ${expected}`)
  return `${count} connection(s) cut after waiting ${(performance.now() - waited).toFixed(0)} ms for them`
}

/** The timing of one round. */
export interface RoundTiming {
  /** Healthy time before the fault. */
  readonly healthyMs: number
  /** How long the fault is held before recovery starts. */
  readonly holdMs: number
  /** Time after recovery before the round's heap is measured. */
  readonly settleMs: number
}

/**
 * Runs one round: healthy time, then `fault` held for `holdMs` (recovered even if something
 * throws meanwhile), then `settleMs`.
 * @returns the fault's window on the shared clock.
 */
export async function runRound(fault: Fault, timing: RoundTiming): Promise<FaultWindow> {
  await sleep(timing.healthyMs)
  const start = sharedNow()
  let detail: string | undefined
  try {
    detail = await fault.inject()
    await sleep(timing.holdMs)
  } finally {
    await fault.recover()
  }
  const end = sharedNow()
  await sleep(timing.settleMs)
  return { name: fault.name, kind: fault.kind, start, end, detail }
}

/**
 * The soak schedule, twice over: freeze, kill and restart, then (with a bus) cut the bus alone.
 * The bus cut comes last so the run ends with every bus connection re-established. `kills: 1`
 * leaves out the second kill, for a backend slow to come back from one.
 */
export function faultSchedule(
  server: Pick<ServerControls, 'pause' | 'unpause' | 'kill' | 'restart'>,
  busCut?: Fault,
  options: { kills?: 1 | 2 } = {},
): Fault[] {
  const round = (kill: boolean) => [
    pauseServer(server),
    ...(kill ? [killServer(server)] : []),
    ...(busCut ? [busCut] : []),
  ]
  return [...round(true), ...round(options.kills !== 1)]
}
