import { isRecord, unknownKeyProblems } from '../config/config-shape.js'
import { ConfigurationError } from '../errors/tollgate-error.js'
import type { PushBinding, PushSettings } from './push-chain.js'

/** What every chain family's push setup takes. */
export interface PushOptions {
  /**
   * How old (by block time) a transaction may be when presented, in whole seconds (default 900,
   * at most 86 400). Its hash stays claimed this long plus 10 minutes, so it cannot be used twice.
   */
  maxAgeSeconds?: number
  /**
   * 'signature' (default): the request must carry the paying key's signature over the transaction
   * hash and the request, so nobody who merely saw the transfer can claim it. 'none' accepts the
   * bare hash (legacy clients) at the seller's risk: whoever presents a hash first is served.
   */
  binding?: PushBinding
}

export const PUSH_OPTION_KEYS = ['maxAgeSeconds', 'binding'] as const
export const DEFAULT_MAX_AGE_SECONDS = 900
const MAX_AGE_LIMIT_SECONDS = 86_400

/** Checked settings, or a ConfigurationError listing every problem (with the family's own ones in `more`). */
export function pushSettings(factory: string, options: unknown, keys: readonly string[], more: (o: Record<string, unknown>) => string[]): PushSettings {
  if (!isRecord(options)) throw new ConfigurationError([`${factory} takes an options object`])
  const problems = [...unknownKeyProblems(options, keys, factory)]
  const { maxAgeSeconds = DEFAULT_MAX_AGE_SECONDS, binding = 'signature' } = options
  if (!Number.isSafeInteger(maxAgeSeconds) || (maxAgeSeconds as number) < 10 || (maxAgeSeconds as number) > MAX_AGE_LIMIT_SECONDS) {
    problems.push(`${factory}: maxAgeSeconds must be a whole number of seconds from 10 to ${MAX_AGE_LIMIT_SECONDS}`)
  }
  if (binding !== 'signature' && binding !== 'none') problems.push(`${factory}: binding must be 'signature' (default) or 'none'`)
  problems.push(...more(options))
  if (problems.length > 0) throw new ConfigurationError(problems)
  return { maxAgeSeconds: maxAgeSeconds as number, binding: binding as PushBinding }
}

/** A positive whole number option, or a problem. */
export function positiveInteger(options: Record<string, unknown>, key: string, factory: string, max = Number.MAX_SAFE_INTEGER): string[] {
  const value = options[key]
  if (value === undefined) return []
  return Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= max ? [] : [`${factory}: ${key} must be a whole number from 1 to ${max}`]
}

/** An http(s) URL option (never echoed: RPC URLs carry API keys), or a problem. */
export function httpUrlProblems(value: unknown, where: string): string[] {
  if (value === undefined) return []
  if (typeof value === 'string' && URL.canParse(value) && ['http:', 'https:'].includes(new URL(value).protocol)) return []
  return [`${where} must be an http(s) URL`]
}
