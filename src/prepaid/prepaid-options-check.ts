import { isRecord, kindOf, unknownKeyProblems } from '../config/config-shape.js'

const OPTION_KEYS = ['secret', 'keys', 'packages', 'path', 'header', 'audience'] as const
const PACKAGE_KEYS = ['id', 'calls', 'days', 'price', 'description'] as const
const KEY_KEYS = ['id', 'secret'] as const
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/**
 * Problems with the shape of `prepaid({ ... })` options (unknown keys, wrong types), before the
 * packages and keys are checked one by one. Secrets are never shown in a message.
 */
export function prepaidOptionProblems(options: unknown): string[] {
  if (!isRecord(options)) return [`prepaid(options) needs { secret, packages }, not ${kindOf(options)}`]
  const problems = unknownKeyProblems(options, OPTION_KEYS, 'prepaid')
  const { secret, keys, path, header, audience } = options
  if (secret !== undefined && typeof secret !== 'string' && !(secret instanceof Uint8Array)) problems.push(`prepaid: secret must be a string or bytes, not ${kindOf(secret)}`)
  if (keys !== undefined) {
    if (!Array.isArray(keys)) problems.push(`prepaid: keys must be a list of { id, secret }, not ${kindOf(keys)}`)
    else keys.forEach((key, index) => problems.push(...keyProblems(key, `prepaid.keys[${index}]`)))
  }
  if (path !== undefined && typeof path !== 'string') problems.push(`prepaid: path must be a string such as '/prepaid', not ${kindOf(path)}`)
  if (header !== undefined && (typeof header !== 'string' || !HEADER_NAME.test(header))) problems.push('prepaid: header must be an HTTP header name such as X-Prepaid-Credential')
  if (audience !== undefined && (typeof audience !== 'string' || audience === '')) problems.push('prepaid: audience must be a non-empty string')
  return problems
}

/** Problems with one package's shape; its values (calls, days, price) are checked by the plan. */
export function packageShapeProblems(pkg: unknown, label: string): string[] {
  if (!isRecord(pkg)) return [`${label} must be { id, calls, days, price }, not ${kindOf(pkg)}`]
  const problems = unknownKeyProblems(pkg, PACKAGE_KEYS, label)
  if (pkg.description !== undefined && typeof pkg.description !== 'string') problems.push(`${label}: description must be a string`)
  if (pkg.price === undefined || pkg.price === null) problems.push(`${label}: price is missing, e.g. { amount: '1.00', network: 'base-sepolia' }`)
  return problems
}

function keyProblems(key: unknown, label: string): string[] {
  if (!isRecord(key)) return [`${label} must be { id, secret }, not ${kindOf(key)}`]
  const problems = unknownKeyProblems(key, KEY_KEYS, label)
  if (typeof key.secret !== 'string' && !(key.secret instanceof Uint8Array)) problems.push(`${label}: secret must be a string or bytes`)
  return problems
}
