import type { Logger } from '../logger.js'
import type { GateSpan, GateTracer, TraceAttributes } from './gate-tracer.js'

/**
 * A tracer whose failures never reach a payment: like observing hooks, tracing only watches, so a
 * throwing tracer (a seller's own, or an exporter bug) is logged and the request goes on untraced.
 */
export function guardedTracer(tracer: GateTracer, logger: Logger): GateTracer {
  const failed = (error: unknown) => logger.error?.('tollgate: tracing failed', { error: String(error) })
  const guard = (span: GateSpan): GateSpan => ({
    setAttributes(attributes: TraceAttributes) {
      try {
        span.setAttributes(attributes)
      } catch (error) {
        failed(error)
      }
    },
    child(name, attributes) {
      try {
        return guard(span.child(name, attributes))
      } catch (error) {
        failed(error)
        return NO_SPAN
      }
    },
    end(reason) {
      try {
        span.end(reason)
      } catch (error) {
        failed(error)
      }
    },
  })
  return {
    recordPayer: tracer.recordPayer === true,
    start(name, attributes, headers) {
      try {
        return guard(tracer.start(name, attributes, headers))
      } catch (error) {
        failed(error)
        return NO_SPAN
      }
    },
  }
}

const NO_SPAN: GateSpan = { setAttributes: () => {}, child: () => NO_SPAN, end: () => {} }
