import { isRecord, kindOf, unknownKeyProblems } from '../config/config-shape.js'
import { HOOK_NAMES } from './hook-types.js'

/**
 * Setup problems of a `hooks` value (at `path`, e.g. 'hooks' or 'routes["GET /a"].hooks'): not an
 * object, an unknown hook name (a misspelt `onSetled` would never fire), a hook that is not a
 * function, or an unusable `authorizeTimeoutMs`.
 */
export function hooksProblems(value: unknown, path: string): string[] {
  if (value === undefined) return []
  if (!isRecord(value)) return [`${path} must be an object of hook functions, got ${kindOf(value)}`]
  const problems = unknownKeyProblems(value, [...HOOK_NAMES, 'authorizeTimeoutMs'], path)
  for (const name of HOOK_NAMES) {
    const hook = value[name]
    if (hook !== undefined && typeof hook !== 'function') problems.push(`${path}.${name} must be a function, got ${kindOf(hook)}`)
  }
  const timeout = value.authorizeTimeoutMs
  if (timeout !== undefined && !(typeof timeout === 'number' && Number.isInteger(timeout) && timeout >= 1 && timeout <= 600_000)) {
    problems.push(`${path}.authorizeTimeoutMs must be a whole number of milliseconds from 1 to 600000`)
  }
  if (timeout !== undefined && typeof value.authorize !== 'function') problems.push(`${path}.authorizeTimeoutMs is set but there is no authorize hook`)
  return problems
}
