import { ConfigurationError } from '../errors/tollgate-error.js'
import type { Logger } from '../logger.js'
import { isRecord } from './config-shape.js'

/** Runs `build`, adding a ConfigurationError's problems to `problems` instead of stopping. */
export function collect<T>(problems: string[], build: () => T): T | undefined {
  try {
    return build()
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error
    problems.push(...error.problems)
    return undefined
  }
}

export function usableLogger(logger: unknown): Logger | undefined {
  if (!isRecord(logger)) return undefined
  return (['debug', 'info', 'warn', 'error'] as const).every((level) => logger[level] === undefined || typeof logger[level] === 'function') ? (logger as Logger) : undefined
}
