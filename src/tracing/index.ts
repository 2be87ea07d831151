/**
 * tollgate/tracing: OpenTelemetry spans of paid requests. The only part of tollgate that imports
 * `@opentelemetry/api` (an optional peer): the core takes any GateTracer.
 */
export { otelTracing } from './otel-tracing.js'
export type { OtelTracingOptions } from './otel-tracing.js'
export { SpanNames } from '../gate/gate-tracer.js'
export type { GateSpan, GateTracer, TraceAttributes } from '../gate/gate-tracer.js'
