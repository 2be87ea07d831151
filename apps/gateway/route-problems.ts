/**
 * The gateway's routes: `{ method, path, price, network, … }` entries turned into the library's
 * route options. Only the gateway's own keys are judged here; the options themselves (amounts,
 * networks, settle, hold, prepaid) are checked by the library when the routes are built, so both
 * speak with one voice.
 */
import { isRecord, kindOf, show, unknownKeyProblems } from '../../src/config/config-shape.js'
import type { PaywallOptions } from '../../src/index.js'
import { routeOptionProblems } from '../../src/config/validate-route.js'
import { ROUTE_METHODS, type GatewayRoute, type RouteMethod } from './gateway-config.js'

const PASSED_THROUGH = ['asset', 'payTo', 'settle', 'hold', 'prepaid', 'description', 'mimeType', 'name', 'maxTimeoutSeconds', 'resource'] as const
const ROUTE_KEYS = ['method', 'path', 'price', 'network', 'networks', 'accepts', 'free', ...PASSED_THROUGH] as const
const ACCEPT_KEYS = ['price', 'network', 'asset', 'payTo'] as const

export function parseRoutes(raw: unknown, problems: string[]): GatewayRoute[] {
  if (raw === undefined) {
    problems.push('routes is missing: list at least one { method, path, price, network } (or give --price and --network)')
    return []
  }
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.push(`routes must be a non-empty list of { method, path, price, network }, not ${Array.isArray(raw) ? 'an empty list' : kindOf(raw)}`)
    return []
  }
  const routes = raw.map((entry, index) => parseRoute(entry, `routes[${index}]`, problems))
  const seen = new Map<string, number>()
  routes.forEach((route, index) => {
    for (const method of route?.methods ?? []) {
      const key = `${method} ${route?.path}`
      const other = seen.get(key)
      if (other !== undefined) problems.push(`routes[${index}]: ${key} is already routed by routes[${other}]`)
      else seen.set(key, index)
    }
  })
  return routes.filter((route): route is GatewayRoute => route !== undefined)
}

function parseRoute(entry: unknown, label: string, problems: string[]): GatewayRoute | undefined {
  if (!isRecord(entry)) {
    problems.push(`${label} must be { method, path, price, network }, not ${kindOf(entry)}`)
    return undefined
  }
  const before = problems.length
  problems.push(...unknownKeyProblems(entry, ROUTE_KEYS, label))
  const methods = parseMethods(entry.method, label, problems)
  const path = entry.path
  if (typeof path !== 'string' || !path.startsWith('/') || /[?#\s%]/.test(path) || path.split('/').some((s) => s === '.' || s === '..')) {
    problems.push(`${label}.path ${show(path)} must be a path starting with / (':name' for a segment, a trailing '*' for the rest; no query, no %-escapes)`)
  } else if (path.includes('*') && !path.endsWith('*')) {
    problems.push(`${label}.path ${show(path)}: '*' may only end the path`)
  }
  const name = `${label} (${methods.length === ROUTE_METHODS.length ? '*' : methods.join(',')} ${show(path)})`
  if (entry.free === true) {
    const priced = ['price', 'network', 'networks', 'accepts', ...PASSED_THROUGH].filter((key) => entry[key] !== undefined)
    if (priced.length > 0) problems.push(`${name}: a free route takes no ${priced.join(', ')}`)
  } else if (entry.free !== undefined && entry.free !== false) {
    problems.push(`${name}: free must be true or false, not ${show(entry.free)}`)
  }
  // A paid route's price and settings are checked even when its method or path is wrong: every problem at once.
  const paywall = entry.free === true ? null : paywallOptions(entry, name, problems)
  if (paywall) problems.push(...routeOptionProblems(paywall).map((problem) => `${name}: ${problem}`))
  if (problems.length > before || paywall === undefined) return undefined
  return { label: `${methods.length === ROUTE_METHODS.length ? '*' : methods.join(',')} ${path as string}`, methods, path: path as string, paywall }
}

function parseMethods(method: unknown, label: string, problems: string[]): RouteMethod[] {
  if (method === undefined || method === '*') return [...ROUTE_METHODS]
  const list = Array.isArray(method) ? method : [method]
  const upper = list.map((m) => (typeof m === 'string' ? m.toUpperCase() : m))
  const bad = upper.filter((m) => !ROUTE_METHODS.includes(m as RouteMethod))
  if (bad.length > 0 || upper.length === 0) {
    problems.push(`${label}.method ${show(method)} must be '*', one of ${ROUTE_METHODS.join(', ')}, or a list of them`)
    return []
  }
  return [...new Set(upper as RouteMethod[])]
}

/** The library's route options for a paid entry: `price` + `network(s)` or `accepts`, and the settings passed through. */
function paywallOptions(entry: Record<string, unknown>, label: string, problems: string[]): PaywallOptions | undefined {
  const before = problems.length
  const options = optionsOf(entry, label, problems)
  // Its own problems said, the library is not asked to repeat them in its words.
  return problems.length > before ? undefined : options
}

function optionsOf(entry: Record<string, unknown>, label: string, problems: string[]): PaywallOptions | undefined {
  const settings = Object.fromEntries(PASSED_THROUGH.filter((key) => entry[key] !== undefined && key !== 'asset' && key !== 'payTo').map((key) => [key, entry[key]]))
  if (entry.accepts !== undefined) {
    const extra = ['price', 'network', 'networks', 'asset', 'payTo'].filter((key) => entry[key] !== undefined)
    if (extra.length > 0) problems.push(`${label}: give either accepts or ${extra.join(', ')}, not both`)
    if (!Array.isArray(entry.accepts) || entry.accepts.length === 0) {
      problems.push(`${label}.accepts must be a non-empty list of { price, network }`)
      return undefined
    }
    const accepts = entry.accepts.map((option, index) => {
      if (!isRecord(option)) {
        problems.push(`${label}.accepts[${index}] must be { price, network }, not ${kindOf(option)}`)
        return {}
      }
      problems.push(...unknownKeyProblems(option, ACCEPT_KEYS, `${label}.accepts[${index}]`))
      const { price, ...rest } = option
      return { ...rest, amount: price }
    })
    return { ...settings, accepts } as unknown as PaywallOptions
  }
  if (entry.price === undefined) problems.push(`${label}: price is missing (a decimal string such as '0.01'), or set free: true`)
  if (entry.network !== undefined && entry.networks !== undefined) problems.push(`${label}: give network or networks, not both`)
  const networks = entry.networks ?? entry.network
  if (networks === undefined) problems.push(`${label}: network is missing (e.g. 'base')`)
  const list = Array.isArray(networks) ? networks : [networks]
  if (Array.isArray(networks) && networks.length === 0) problems.push(`${label}.networks must not be empty`)
  const extra = { ...(entry.asset === undefined ? {} : { asset: entry.asset }), ...(entry.payTo === undefined ? {} : { payTo: entry.payTo }) }
  if (list.length === 1) return { ...settings, amount: entry.price, network: list[0], ...extra } as unknown as PaywallOptions
  return { ...settings, accepts: list.map((network) => ({ amount: entry.price, network, ...extra })) } as unknown as PaywallOptions
}
