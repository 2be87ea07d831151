/**
 * Checks a route's options before any gate is built. A route whose settlement policy is neither
 * value the bridges know would be served without being held or settled first, so an unknown value
 * (from JSON, an environment variable, an `as any`) must stop the seller at setup, never reach a buyer.
 */
import { isEvmAddress, looksLikeSolanaAddress } from './evm-address.js'
import { isHttpUrl, isPositiveInteger, isRecord, kindOf, show, unknownKeyProblems, type Problems } from './config-shape.js'
import { discoveryProblems } from './validate-discovery.js'
import { hooksProblems } from '../hooks/hooks-problems.js'
import { paywallPageProblems } from '../paywall/page-options.js'

export const SETTLEMENT_POLICIES = ['after-handler', 'before-handler', 'async'] as const
export const HOLD_OVERFLOWS = ['settle', 'refuse'] as const

/** Keys of one way to pay (`{ amount, network }` or an entry of `accepts`). */
export const ACCEPT_OPTION_KEYS = ['amount', 'network', 'asset', 'payTo', 'memo', 'scheme', 'max', 'assetTransferMethod'] as const
/** Keys that tune how a route charges, shared by routes and (all but `resource` and `prepaid`) by `defaults`. */
export const ROUTE_SETTING_KEYS = ['description', 'mimeType', 'resource', 'maxTimeoutSeconds', 'settle', 'hold', 'prepaid', 'name', 'discovery', 'maxBodyBytes', 'hooks', 'paywallPage', 'push'] as const
export const ROUTE_OPTION_KEYS = [...ACCEPT_OPTION_KEYS, 'accepts', ...ROUTE_SETTING_KEYS] as const
/** What `defaults` in the tollgate configuration may set for every route. */
export const DEFAULT_OPTION_KEYS = ['description', 'mimeType', 'maxTimeoutSeconds', 'settle', 'hold'] as const

const HOLD_KEYS = ['maxBytes', 'overflow'] as const
const PREPAID_KEYS = ['cost', 'packages'] as const
const ATOMIC_KEYS = ['atomic'] as const

/**
 * Every problem with a route's options (`paywall(options)`): unknown keys (with the allowed ones
 * and a guess at a typo), a settlement policy that is not exactly 'after-handler' or
 * 'before-handler', a malformed `hold`, `maxTimeoutSeconds`, `resource`, `prepaid`, prices given as
 * JavaScript numbers, and malformed `accepts` entries. Empty when the shape is right; whether the
 * networks exist and the amounts fit their tokens is checked when the gate is built.
 */
export function routeOptionProblems(options: unknown): string[] {
  if (!isRecord(options)) return [`route options must be an object such as { amount: '0.10', network: 'base-sepolia' }, not ${kindOf(options)}`]
  const problems: Problems = unknownKeyProblems(options, ROUTE_OPTION_KEYS, 'route')
  problems.push(...routeSettingProblems(options))
  const single = ACCEPT_OPTION_KEYS.filter((key) => options[key] !== undefined)
  if (options.accepts !== undefined) {
    if (single.length > 0) problems.push(`route: give either accepts: [...] or ${single.join(' and ')} at the top level, not both (${single.join(', ')} would be ignored)`)
    if (!Array.isArray(options.accepts) || options.accepts.length === 0) {
      const given = Array.isArray(options.accepts) ? 'an empty list' : kindOf(options.accepts)
      problems.push(`accepts must be a non-empty list of { amount, network } options, not ${given}`)
    } else {
      options.accepts.forEach((entry, index) => problems.push(...acceptOptionProblems(entry, `accepts[${index}]`)))
    }
  } else {
    problems.push(...acceptFieldProblems(options, ''))
  }
  return problems
}

/** The ways to pay a route lists (the top-level `{ amount, network, asset, payTo }` or `accepts`), each still to be checked with acceptOptionProblems. */
export function acceptEntries(options: Record<string, unknown>): unknown[] {
  if (options.accepts === undefined) return [Object.fromEntries(ACCEPT_OPTION_KEYS.filter((key) => options[key] !== undefined).map((key) => [key, options[key]]))]
  return Array.isArray(options.accepts) ? options.accepts : []
}

/** Problems with one entry of `accepts`: an object with a network and an amount, and no other keys. */
export function acceptOptionProblems(entry: unknown, label: string): string[] {
  if (!isRecord(entry)) return [`${label} must be an object such as { amount: '0.10', network: 'base-sepolia' }, not ${kindOf(entry)}`]
  return [...unknownKeyProblems(entry, ACCEPT_OPTION_KEYS, label), ...acceptFieldProblems(entry, `${label}.`)]
}

/** Problems with `defaults` of the tollgate configuration: route settings that apply to every route. */
export function defaultsProblems(defaults: unknown): string[] {
  if (defaults === undefined) return []
  if (!isRecord(defaults)) return [`defaults must be an object of route settings, not ${kindOf(defaults)}`]
  const settings = Object.fromEntries(DEFAULT_OPTION_KEYS.map((key) => [key, defaults[key]]))
  return [...unknownKeyProblems(defaults, DEFAULT_OPTION_KEYS, 'defaults'), ...routeSettingProblems(settings, 'defaults.')]
}

/**
 * Problems with the route settings present in `settings` (absent ones are fine), without judging
 * other keys: for callers that hold route settings among options of their own (requirePayment).
 */
export function routeSettingProblems(settings: Record<string, unknown>, path = ''): string[] {
  const problems: Problems = []
  const { description, mimeType, resource, maxTimeoutSeconds, settle, hold, prepaid, name, discovery, maxBodyBytes } = settings
  if (name !== undefined && (typeof name !== 'string' || name === '' || name.length > 100)) problems.push(`${path}name must be a non-empty string of at most 100 characters (a route label for hooks and metrics), not ${show(name)}`)
  if (maxBodyBytes !== undefined && !isPositiveInteger(maxBodyBytes)) problems.push(`${path}maxBodyBytes ${show(maxBodyBytes)} must be a positive integer (bytes of the body a price function may read; default 1 MiB)`)
  if (discovery !== undefined) problems.push(...discoveryProblems(discovery, `${path}discovery`))
  problems.push(...hooksProblems(settings.hooks, `${path}hooks`))
  if (settings.push !== undefined && typeof settings.push !== 'boolean') problems.push(`${path}push must be true or false (accept payments pushed on chain first), not ${show(settings.push)}`)
  problems.push(...paywallPageProblems(settings.paywallPage, `${path}paywallPage`))
  if (description !== undefined && typeof description !== 'string') problems.push(`${path}description must be a string, not ${kindOf(description)}`)
  if (mimeType !== undefined && typeof mimeType !== 'string') problems.push(`${path}mimeType must be a string, not ${kindOf(mimeType)}`)
  if (resource !== undefined && !isHttpUrl(resource)) problems.push(`${path}resource ${show(resource)} is not an absolute http(s) URL`)
  if (maxTimeoutSeconds !== undefined && (!Number.isSafeInteger(maxTimeoutSeconds) || (maxTimeoutSeconds as number) < 10)) {
    problems.push(`${path}maxTimeoutSeconds ${show(maxTimeoutSeconds)} must be an integer of at least 10 (seconds a signed payment stays valid)`)
  }
  if (settle !== undefined && !SETTLEMENT_POLICIES.includes(settle as never)) {
    problems.push(
      `${path}settle ${show(settle)} is not a settlement policy; use 'after-handler' (the default: charge once the handler answered below 400) ` +
        `or 'before-handler' (charge first, then run the handler) or 'async' (serve once verified, settle from a queue; needs asyncSettlement)`,
    )
  }
  if (hold !== undefined) problems.push(...holdProblems(hold, `${path}hold`))
  if (prepaid !== undefined) problems.push(...prepaidRouteProblems(prepaid, `${path}prepaid`))
  return problems
}

function holdProblems(hold: unknown, path: string): Problems {
  if (!isRecord(hold)) return [`${path} must be { maxBytes?, overflow? }, not ${kindOf(hold)}`]
  const problems = unknownKeyProblems(hold, HOLD_KEYS, path)
  if (hold.maxBytes !== undefined && !isPositiveInteger(hold.maxBytes)) {
    problems.push(`${path}.maxBytes ${show(hold.maxBytes)} must be a positive integer (bytes of the handler's answer held before settlement)`)
  }
  if (hold.overflow !== undefined && !HOLD_OVERFLOWS.includes(hold.overflow as never)) {
    problems.push(`${path}.overflow ${show(hold.overflow)} must be 'settle' (charge, then stream the rest) or 'refuse' (drop the answer, charge nothing)`)
  }
  return problems
}

/** `prepaid: true | false | { cost?, packages? }`; whether the packages exist is checked against the plan. */
function prepaidRouteProblems(prepaid: unknown, path: string): Problems {
  if (typeof prepaid === 'boolean') return []
  if (!isRecord(prepaid)) return [`${path} must be true, false or { cost?, packages? }, not ${kindOf(prepaid)}`]
  const problems = unknownKeyProblems(prepaid, PREPAID_KEYS, path)
  if (prepaid.cost !== undefined && !isPositiveInteger(prepaid.cost)) {
    problems.push(`${path}.cost ${show(prepaid.cost)} must be a positive integer (calls one request spends; default 1)`)
  }
  const { packages } = prepaid
  if (packages !== undefined) {
    if (!Array.isArray(packages) || packages.length === 0) {
      const given = Array.isArray(packages) ? 'an empty list' : kindOf(packages)
      problems.push(`${path}.packages must be a non-empty list of package ids (omit it to accept every package), not ${given}`)
    } else if (!packages.every((id) => typeof id === 'string' && id !== '')) {
      problems.push(`${path}.packages must list package ids as strings`)
    }
  }
  return problems
}

/** The fields of one way to pay; `path` is '' at the top level of a route or 'accepts[i].'. */
function acceptFieldProblems(option: Record<string, unknown>, path: string): Problems {
  const problems: Problems = []
  const { amount, network, asset, payTo } = option
  if (typeof network !== 'string' || network === '') {
    problems.push(network === undefined ? `${path}network is missing (e.g. 'base-sepolia'${path === '' ? ', or give accepts: [...]' : ''})` : `${path}network must be a network name such as 'base-sepolia', not ${show(network)}`)
  }
  problems.push(...schemeProblems(option, path))
  if (option.scheme !== 'upto') problems.push(...priceProblems(amount, `${path}amount`))
  if (asset !== undefined && !isRecord(asset)) problems.push(`${path}asset must be { address, name, version, decimals }, not ${kindOf(asset)}`)
  if (payTo !== undefined && typeof payTo !== 'function' && !isEvmAddress(payTo) && !looksLikeSolanaAddress(payTo)) {
    problems.push(`${path}payTo ${show(payTo)} is not an EVM address (or a function of the request returning one)`)
  }
  if (option.memo !== undefined && typeof option.memo !== 'function' && (typeof option.memo !== 'string' || option.memo === '' || new TextEncoder().encode(option.memo).length > 256)) {
    problems.push(`${path}memo must be a string of 1 to 256 bytes (Solana options: every payment must carry it as its memo), not ${show(option.memo)}`)
  }
  return problems
}

/** A price is a decimal string, a bigint or `{ atomic }`: never a JavaScript number, whose float rounding would misprice. */
function priceProblems(amount: unknown, path: string): Problems {
  if (amount === undefined) return [`${path} is missing (a decimal string such as '0.10')`]
  if (typeof amount === 'number') {
    return [`${path} ${show(amount)} is a number; write it as a decimal string ('${show(amount)}') or { atomic: '...' }: floats cannot hold amounts exactly`]
  }
  // A function of the request: what it returns is checked per request (a bad value is the seller's 500, never a charge).
  if (typeof amount === 'string' || typeof amount === 'bigint' || typeof amount === 'function') return []
  if (isRecord(amount) && 'atomic' in amount) {
    const problems = unknownKeyProblems(amount, ATOMIC_KEYS, path)
    if (typeof amount.atomic !== 'string' && typeof amount.atomic !== 'bigint') problems.push(`${path}.atomic must be a string of digits or a bigint, not ${kindOf(amount.atomic)}`)
    return problems
  }
  return [`${path} must be a decimal string such as '0.10', a bigint, { atomic: '100000' } or a function of the request returning one, not ${kindOf(amount)}`]
}

/**
 * `scheme` ('exact', the default, or 'upto' with a fixed `max`) and `assetTransferMethod`
 * ('eip3009' or 'permit2'; upto is always Permit2).
 */
function schemeProblems(option: Record<string, unknown>, path: string): Problems {
  const { scheme, max, amount, assetTransferMethod } = option
  const problems: Problems = []
  if (scheme !== undefined && scheme !== 'exact' && scheme !== 'upto') problems.push(`${path}scheme ${show(scheme)} must be 'exact' (the default) or 'upto'`)
  if (assetTransferMethod !== undefined && assetTransferMethod !== 'eip3009' && assetTransferMethod !== 'permit2') {
    problems.push(`${path}assetTransferMethod ${show(assetTransferMethod)} must be 'eip3009' or 'permit2'`)
  }
  if (scheme === 'upto') {
    if (amount !== undefined) problems.push(`${path}amount: an upto option takes \`max\` (the most one request may cost), not amount`)
    else if (typeof max === 'function') problems.push(`${path}max must be a fixed price; the handler sets each request's charge with req.payment.charge()`)
    else problems.push(...priceProblems(max, `${path}max`))
    if (assetTransferMethod === 'eip3009') problems.push(`${path}assetTransferMethod: upto is paid through Permit2, not EIP-3009`)
  } else if (max !== undefined) problems.push(`${path}max is for scheme 'upto' options; an exact option takes amount`)
  return problems
}
