import { context, createTraceState, isSpanContextValid, propagation, trace, type Context, type TextMapGetter } from '@opentelemetry/api'

type HeaderSource = { get(name: string): string | null }

const getter: TextMapGetter<HeaderSource> = {
  // RequestLike headers can be read but not listed; the W3C propagator only reads by name.
  keys: () => [],
  get: (headers, key) => headers.get(key) ?? undefined,
}

/** version-traceid-parentid-flags, lower-case hex, as W3C Trace Context level 1 writes it. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

/**
 * The parent of a request's payment span. An active span (the framework's HTTP instrumentation
 * already continued the caller's trace) wins; else the incoming `traceparent` / `tracestate`,
 * read through the registered propagator, or read as W3C Trace Context when none is registered
 * (the API's default propagator is a no-op), so the caller's trace is honoured either way.
 */
export function parentContext(headers: HeaderSource): Context {
  const active = context.active()
  if (trace.getSpan(active)) return active
  const extracted = propagation.extract(active, headers, getter)
  if (trace.getSpan(extracted)) return extracted
  const match = TRACEPARENT.exec(headers.get('traceparent')?.trim() ?? '')
  if (!match) return active
  const tracestate = headers.get('tracestate')
  const spanContext = {
    traceId: match[1] as string,
    spanId: match[2] as string,
    traceFlags: parseInt(match[3] as string, 16) & 1,
    isRemote: true,
    ...(tracestate ? { traceState: createTraceState(tracestate) } : {}),
  }
  return isSpanContextValid(spanContext) ? trace.setSpanContext(active, spanContext) : active
}
