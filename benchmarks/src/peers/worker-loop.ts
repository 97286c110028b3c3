/**
 * The worker side of the cross-process cases: runs each command the parent sends (see
 * worker-fleet.ts) and turns a thrown error into an `error` report, so the parent fails with
 * the worker's stack instead of waiting forever.
 */
import type { ErrorReport } from './worker-fleet.js'

/** Sends a report to the parent process. */
export function report<Report>(message: Report | ErrorReport): void {
  process.send?.(message)
}

/** Runs `handle` for every command from the parent; `exit` commands should call `process.disconnect()`. */
export function serveParent<Command>(handle: (command: Command) => Promise<void>): void {
  process.on('message', (command: Command) => {
    handle(command).catch((error: unknown) => {
      report({
        kind: 'error',
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      })
    })
  })
}
