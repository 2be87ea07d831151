/** Where tollgate reports what it did. Library code never writes to the console; pass `console` to see it. */
export interface Logger {
  debug?(message: string, fields?: Record<string, unknown>): void
  info?(message: string, fields?: Record<string, unknown>): void
  warn?(message: string, fields?: Record<string, unknown>): void
  error?(message: string, fields?: Record<string, unknown>): void
}

export const silentLogger: Logger = {}

const guardedLoggers = new WeakSet<Logger>()

/**
 * The seller's logger, made safe to call on the payment path: a logger that throws (a full disk, a
 * broken transport) must not turn a settled payment into a 500 or skip a claim's release, so each
 * call's error is swallowed. Methods keep their `this` (pino, winston and console rely on it).
 */
export function guardedLogger(logger: Logger): Logger {
  if (logger === silentLogger || guardedLoggers.has(logger)) return logger
  const guarded: Logger = {}
  guardedLoggers.add(guarded)
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    const method = logger[level]
    if (typeof method !== 'function') continue
    guarded[level] = (message, fields) => {
      try {
        method.call(logger, message, fields)
      } catch {
        // Nowhere left to report it: the logger is what failed.
      }
    }
  }
  return guarded
}
