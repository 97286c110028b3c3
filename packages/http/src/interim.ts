/**
 * Interim responses (1xx, RFC 9110 §15.2): never stored, but relayed from upstream to the
 * client whose request went upstream — `103 Early Hints` lets its browser start early even on
 * a miss. A fetch `Request` cannot carry them, so the Node adapter registers a sink per request.
 */

/** Receives an interim response's status and header lines. */
export type InterimSink = (status: number, headers: readonly (readonly [string, string])[]) => void

const sinks = new WeakMap<Request, InterimSink>()

/** Registers where interim responses to `request` go. */
export function setInterimSink(request: Request, sink: InterimSink): void {
  sinks.set(request, sink)
}

/** Where interim responses to `request` go, if anywhere. */
export function interimSinkOf(request: Request): InterimSink | undefined {
  return sinks.get(request)
}

/** `to` is sent upstream on behalf of `from`: its interim responses go to `from`'s client. */
export function carryInterimSink(from: Request, to: Request): Request {
  const sink = sinks.get(from)
  if (sink) sinks.set(to, sink)
  return to
}
