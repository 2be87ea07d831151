import { isRecord, kindOf, unknownKeyProblems } from '../config/config-shape.js'

const OPTION_KEYS = ['store', 'perPayer', 'perIp', 'perRoute', 'prefix', 'storeTimeoutMs', 'logger', 'now'] as const
const WINDOW_KEYS = ['requests', 'windowMs'] as const

/** Every problem with `rateLimits(options)` at once, so a seller fixes them in one pass. */
export function limitProblems(options: unknown): string[] {
  if (!isRecord(options)) return [`rateLimits(options) needs { store, perPayer?, perIp?, perRoute? }, not ${kindOf(options)}`]
  const problems = unknownKeyProblems(options, OPTION_KEYS, 'rateLimits')
  const store = options.store
  if (!isRecord(store) || typeof store.take !== 'function' || typeof store.giveBack !== 'function') {
    problems.push('rateLimits: store must be a tollgate Store (memoryStore() for one process, redisStore(...) for several)')
  }
  const windows = (['perPayer', 'perIp', 'perRoute'] as const).filter((name) => options[name] !== undefined)
  if (windows.length === 0) problems.push('rateLimits: give at least one of perPayer, perIp, perRoute')
  for (const name of windows) problems.push(...windowProblems(options[name], name))
  if (options.perIp !== undefined && isRecord(options.perIp) && typeof options.perIp.clientIp !== 'function') {
    problems.push("rateLimits: perIp needs clientIp(request), where the client's address comes from (e.g. forwardedFor({ proxies: 1 }) behind one proxy)")
  }
  if (options.prefix !== undefined && (typeof options.prefix !== 'string' || options.prefix === '')) problems.push('rateLimits: prefix must be a non-empty string')
  const timeout = options.storeTimeoutMs
  if (timeout !== undefined && !(Number.isSafeInteger(timeout) && (timeout as number) >= 1)) problems.push('rateLimits: storeTimeoutMs must be a whole number of milliseconds, at least 1')
  if (options.now !== undefined && typeof options.now !== 'function') problems.push('rateLimits: now must be a function returning milliseconds since the epoch')
  return problems
}

function windowProblems(window: unknown, label: string): string[] {
  if (!isRecord(window)) return [`rateLimits: ${label} must be { requests, windowMs }, not ${kindOf(window)}`]
  const keys = label === 'perIp' ? [...WINDOW_KEYS, 'clientIp'] : WINDOW_KEYS
  const problems = unknownKeyProblems(window, keys, `rateLimits.${label}`)
  if (!Number.isSafeInteger(window.requests) || (window.requests as number) < 1) problems.push(`rateLimits: ${label}.requests must be a whole number, at least 1`)
  if (!Number.isSafeInteger(window.windowMs) || (window.windowMs as number) < 1000) problems.push(`rateLimits: ${label}.windowMs must be a whole number of milliseconds, at least 1000`)
  return problems
}
