import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describeWithServers, injectServer } from 'test-servers/vitest'
import { afterEach, expect, test } from 'vitest'
import { uniquePrefix } from './helpers.js'

const SCRIPT = fileURLToPath(new URL('./fixtures/cache-process.mjs', import.meta.url))

interface Reply {
  readonly value: string | null
  readonly loaded?: boolean
}

/** A child process running its own cache on the shared Redis, driven over IPC. */
class CacheProcess {
  readonly #child: ChildProcess
  readonly #pending = new Map<
    number,
    { resolve: (reply: Reply) => void; reject: (error: Error) => void }
  >()
  #next = 0
  readonly ready: Promise<void>

  constructor(url: string, namespace: string) {
    this.#child = fork(SCRIPT, [url, namespace], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    this.ready = new Promise((resolve, reject) => {
      this.#child.once('exit', (code) => reject(new Error(`cache process exited with ${code}`)))
      this.#child.on(
        'message',
        (message: {
          ready?: boolean
          id?: number
          ok?: boolean
          result?: Reply
          error?: string
        }) => {
          if (message.ready) return resolve()
          const pending = this.#pending.get(message.id!)
          this.#pending.delete(message.id!)
          if (message.ok) pending?.resolve(message.result!)
          else pending?.reject(new Error(message.error))
        },
      )
    })
  }

  call(op: string, args: Record<string, unknown> = {}): Promise<Reply> {
    const id = this.#next++
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      this.#child.send({ id, op, args })
    })
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null) return
    const exited = new Promise((resolve) => this.#child.once('exit', resolve))
    await this.call('close')
    await exited
  }
}

describeWithServers('two processes sharing one Redis', () => {
  let processes: CacheProcess[] = []

  async function start(count: number): Promise<CacheProcess[]> {
    const namespace = uniquePrefix('fleet').replaceAll(':', '-')
    const url = injectServer('redisUrl')
    const started = Array.from({ length: count }, () => new CacheProcess(url, namespace))
    processes.push(...started)
    await Promise.all(started.map((child) => child.ready))
    return started
  }

  afterEach(async () => {
    await Promise.all(processes.map((child) => child.close()))
    processes = []
  })

  test('a tag invalidated in one process is a miss in the other at once', async () => {
    const [a, b] = (await start(2)) as [CacheProcess, CacheProcess]
    const first = await a.call('getOrSet', { key: 'user:1', tags: ['user:1'] })
    expect(first.loaded).toBe(true)
    const shared = await b.call('getOrSet', { key: 'user:1', tags: ['user:1'] })
    expect(shared).toEqual({ value: first.value, loaded: false })

    await a.call('invalidateTags', { tags: ['user:1'] })
    expect((await b.call('get', { key: 'user:1' })).value).toBeNull()
    const reloaded = await b.call('getOrSet', { key: 'user:1', tags: ['user:1'] })
    expect(reloaded.loaded).toBe(true)
    expect((await a.call('get', { key: 'user:1' })).value).toBe(reloaded.value)
  })

  test('with lock: true, N processes asking for one cold key run the loader once', async () => {
    const fleet = await start(4)
    const replies = await Promise.all(
      fleet.map((child) => child.call('getOrSet', { key: 'cold', lock: true, loadMs: 300 })),
    )
    expect(replies.filter((reply) => reply.loaded)).toHaveLength(1)
    const winner = replies.find((reply) => reply.loaded)!.value
    expect(replies.map((reply) => reply.value)).toEqual(fleet.map(() => winner))
  })
})
