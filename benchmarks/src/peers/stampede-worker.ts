/**
 * One process of the cross-process stampede (forked by stampede-processes.ts): connects one
 * library to Redis, reports `ready`, and on `go` fires its share of the concurrent calls; one
 * library after another, until `exit`.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { SAMPLE_VALUE } from './contender.js'
import { crossProcessContenders, type StampedeClient } from './stampede-worker-contenders.js'
import type { WorkerCommand, WorkerReport } from './stampede-worker-protocol.js'
import { report as send, serveParent } from './worker-loop.js'

/** The entry the stampede lands on is written again, long-lived, by whoever loads it. */
const LOADED_TTL_MS = 60_000

let client: StampedeClient | undefined
let key = ''

const report = (message: WorkerReport) => send(message)

async function prepare(command: Extract<WorkerCommand, { kind: 'prepare' }>): Promise<void> {
  const contender = crossProcessContenders.find((c) => c.id === command.contender)
  if (!contender) throw new Error(`unknown contender ${command.contender}`)
  client = contender.connect(command.url)
  key = command.key
  // Connects and warms the library's code paths on another key, so `go` measures the stampede.
  await client.getOrSet(`${key}:warm-up`, async () => SAMPLE_VALUE, LOADED_TTL_MS)
  if (command.seed) await client.getOrSet(key, async () => SAMPLE_VALUE, command.seedTtlMs)
  report({ kind: 'ready' })
}

async function go(requests: number, loaderMs: number): Promise<void> {
  const open = client
  if (!open) throw new Error('go before prepare')
  let loaderCalls = 0
  const loader = async () => {
    loaderCalls++
    await sleep(loaderMs)
    return SAMPLE_VALUE
  }
  await Promise.all(
    Array.from({ length: requests }, () => open.getOrSet(key, loader, LOADED_TTL_MS)),
  )
  report({ kind: 'done', loaderCalls })
}

async function handle(command: WorkerCommand): Promise<void> {
  if (command.kind === 'prepare') return prepare(command)
  if (command.kind === 'go') return go(command.requests, command.loaderMs)
  if (command.kind === 'exit') return process.disconnect()
  await client?.close()
  client = undefined
  report({ kind: 'closed' })
}

serveParent(handle)
