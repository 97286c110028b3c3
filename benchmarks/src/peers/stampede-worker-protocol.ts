/** Messages between the cross-process stampede (parent) and its worker processes. */

/** Parent → worker. */
export type WorkerCommand =
  /** Connect `contender` to Redis; the seeding worker also writes `key` with a short TTL. */
  | {
      readonly kind: 'prepare'
      readonly contender: string
      readonly url: string
      readonly key: string
      readonly seed: boolean
      readonly seedTtlMs: number
    }
  /** Start `requests` concurrent getOrSet calls on the prepared key at once. */
  | { readonly kind: 'go'; readonly requests: number; readonly loaderMs: number }
  /** Close the contender (the process stays for the next one). */
  | { readonly kind: 'close' }
  /** Leave. */
  | { readonly kind: 'exit' }

/** Worker → parent. */
export type WorkerReport =
  | { readonly kind: 'ready' }
  | { readonly kind: 'done'; readonly loaderCalls: number }
  | { readonly kind: 'closed' }
  | { readonly kind: 'error'; readonly message: string }
