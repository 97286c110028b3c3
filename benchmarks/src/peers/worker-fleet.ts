/**
 * The parent side of the cross-process cases (stampede, invalidation delivery): forks worker
 * processes, sends them commands over IPC and takes their reports in order. The worker side is
 * worker-loop.ts; each case defines its own command and report types.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'

/** Every worker protocol has this report, sent when a command threw. */
export interface ErrorReport {
  readonly kind: 'error'
  readonly message: string
}

/** Worker processes running one script, and the barrier to talk to them. */
export interface WorkerFleet<Command, Report> {
  readonly size: number
  /**
   * The next report of worker `index` not taken yet (reports are kept until asked for, so one
   * sent before the parent asks is not lost); rejects when it reports an error or has exited.
   */
  nextReport(index: number): Promise<Report>
  /** Sends `command` to every worker and waits until each has answered (the barrier). */
  everyWorker(command: (index: number) => Command): Promise<Report[]>
  /** Sends one command to one worker, without waiting. */
  send(index: number, command: Command): void
  /** Sends `exit` to every worker and waits until they have all left. */
  close(exit: Command): Promise<void>
}

interface Waiter<Report> {
  resolve(report: Report): void
  reject(error: Error): void
}

/** One worker's reports, queued until taken. */
class Mailbox<Report extends { readonly kind: string }> {
  readonly #reports: (Report | Error)[] = []
  readonly #waiters: Waiter<Report>[] = []
  #exited: Error | undefined

  constructor(child: ChildProcess) {
    child.on('message', (report: Report | ErrorReport) =>
      this.#deliver(
        report.kind === 'error'
          ? new Error(`worker failed: ${(report as ErrorReport).message}`)
          : (report as Report),
      ),
    )
    child.on('exit', (code) => {
      this.#exited = new Error(`worker exited (code ${code}) before reporting`)
      for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#exited)
    })
  }

  #deliver(report: Report | Error): void {
    const waiter = this.#waiters.shift()
    if (!waiter) this.#reports.push(report)
    else if (report instanceof Error) waiter.reject(report)
    else waiter.resolve(report)
  }

  next(): Promise<Report> {
    const report = this.#reports.shift()
    if (report instanceof Error) return Promise.reject(report)
    if (report) return Promise.resolve(report)
    if (this.#exited) return Promise.reject(this.#exited)
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }))
  }
}

/** Forks `size` processes running `script` (a compiled .js path), their output on ours. */
export function forkWorkers<Command, Report extends { readonly kind: string }>(
  script: string,
  size: number,
): WorkerFleet<Command, Report> {
  const children = Array.from({ length: size }, () =>
    fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  )
  const exits = children.map((child) => once(child, 'exit'))
  const mailboxes = children.map((child) => new Mailbox<Report>(child))
  const at = <T>(list: readonly T[], index: number): T => {
    const item = list[index]
    if (item === undefined) throw new RangeError(`no worker ${index} (fleet of ${size})`)
    return item
  }
  return {
    size,
    nextReport: (index) => at(mailboxes, index).next(),
    async everyWorker(command) {
      for (const [i, child] of children.entries()) child.send(command(i) as object)
      return Promise.all(mailboxes.map((mailbox) => mailbox.next()))
    },
    send: (index, command) => {
      at(children, index).send(command as object)
    },
    async close(exit) {
      for (const child of children) if (child.connected) child.send(exit as object)
      await Promise.all(exits)
    },
  }
}
