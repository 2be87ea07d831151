/**
 * Checks a gateway configuration as read (file and flags merged) and turns it into a
 * GatewayConfig, collecting every problem instead of stopping at the first. What the library
 * itself checks (route options, networks, the settler, prepaid packages) is checked again when the
 * parts are built (build-parts.ts), and those problems join these in one ConfigurationError.
 */
import { isHttpUrl, isPositiveInteger, isRecord, kindOf, show, unknownKeyProblems } from '../../src/config/config-shape.js'
import { NetworkRegistry } from '../../src/networks/resolve-network.js'
import { parseRoutes } from './route-problems.js'
import { problemsOf } from './problems-of.js'
import {
  DEFAULT_PREPAID_SECRET_ENV,
  DEFAULT_RPC_URL_ENV,
  DEFAULT_SETTLER_KEY_ENV,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  FORWARD_DEFAULTS,
  type ForwardSetting,
  type GatewayConfig,
  type GatewayRoute,
  type LimitsSetting,
  type PrepaidSetting,
  type Settlement,
  type StoreSetting,
} from './gateway-config.js'
import { NEVER_FORWARDED } from './forward-headers.js'
import { checkTrustProxy } from './trust-proxy.js'

export const GATEWAY_KEYS = [
  'listen', 'target', 'payTo', 'settler', 'facilitator', 'networks', 'store', 'defaults', 'routes', 'unmatched',
  'prepaid', 'limits', 'metrics', 'health', 'forward', 'shutdownTimeoutMs', 'trustProxy',
] as const
const SETTLER_KEYS = ['privateKeyEnv', 'rpcUrl', 'rpcUrlEnv', 'rpcUrls', 'receiptTimeoutMs', 'replaceAfterMs', 'minGasBalance'] as const
const STORE_KEYS = ['redis', 'redisUrlEnv', 'prefix'] as const
const PREPAID_KEYS = ['secretEnv', 'path', 'packages'] as const
const PACKAGE_KEYS = ['id', 'calls', 'days', 'price', 'network', 'description'] as const
const LIMITS_KEYS = ['perPayer', 'perIp', 'perRoute', 'trustedProxies'] as const
const WINDOW_KEYS = ['requests', 'windowMs'] as const
const FORWARD_KEYS = ['headers', 'timeoutMs', 'bodyTimeoutMs', 'maxBodyBytes'] as const
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/

export type Env = Readonly<Record<string, string | undefined>>

/** The checked configuration, or every problem found. */
export function checkGatewayConfig(raw: unknown, env: Env): { config: GatewayConfig; problems: [] } | { config?: undefined; problems: string[] } {
  if (!isRecord(raw)) return { problems: [`the gateway configuration must be an object, not ${kindOf(raw)}`] }
  const problems = unknownKeyProblems(raw, GATEWAY_KEYS, 'gateway')
  const listen = checkListen(raw.listen, problems)
  if (raw.target === undefined) problems.push('target is missing: the upstream base URL, e.g. http://127.0.0.1:8000 (--target)')
  else if (!isHttpUrl(raw.target)) problems.push(`target ${show(raw.target)} is not an absolute http(s) URL`)
  else if (new URL(raw.target).search !== '' || new URL(raw.target).username !== '') problems.push('target must be a base URL without a query or credentials')
  const settlement = checkSettlement(raw.settler, raw.facilitator, env, problems)
  const store = checkStore(raw.store, env, problems)
  const routes = parseRoutes(raw.routes, problems)
  if (raw.unmatched !== undefined && raw.unmatched !== 'refuse' && raw.unmatched !== 'proxy') {
    problems.push(`unmatched ${show(raw.unmatched)} must be 'refuse' (404, the default) or 'proxy' (forward free)`)
  }
  if (raw.networks !== undefined && !Array.isArray(raw.networks)) problems.push(`networks must be a list of network definitions, not ${kindOf(raw.networks)}`)
  if (raw.defaults !== undefined && !isRecord(raw.defaults)) problems.push(`defaults must be an object of route settings, not ${kindOf(raw.defaults)}`)
  const prepaid = raw.prepaid === undefined ? undefined : checkPrepaid(raw.prepaid, env, problems)
  problems.push(...networkProblems(raw.networks, routes, prepaid))
  const limits = raw.limits === undefined ? undefined : checkLimits(raw.limits, problems)
  const metrics = checkEndpoint(raw.metrics, 'metrics', '/metrics', problems)
  const health = checkEndpoint(raw.health, 'health', '/health', problems)
  const forward = checkForward(raw.forward, problems)
  const trustProxy = checkTrustProxy(raw.trustProxy, problems)
  let shutdownTimeoutMs = DEFAULT_SHUTDOWN_TIMEOUT_MS
  if (raw.shutdownTimeoutMs !== undefined) {
    if (isPositiveInteger(raw.shutdownTimeoutMs)) shutdownTimeoutMs = raw.shutdownTimeoutMs
    else problems.push(`shutdownTimeoutMs ${show(raw.shutdownTimeoutMs)} must be a positive integer (milliseconds)`)
  }
  if (problems.length > 0) return { problems }
  return {
    problems: [],
    config: {
      listen,
      target: raw.target as string,
      ...(raw.payTo === undefined ? {} : { payTo: raw.payTo as string }),
      settlement,
      ...(raw.networks === undefined ? {} : { networks: raw.networks as GatewayConfig['networks'] }),
      store,
      ...(raw.defaults === undefined ? {} : { defaults: raw.defaults as Record<string, unknown> }),
      routes,
      unmatched: raw.unmatched === 'proxy' ? 'proxy' : 'refuse',
      ...(prepaid ? { prepaid } : {}),
      ...(limits ? { limits } : {}),
      ...(metrics ? { metrics } : {}),
      ...(health ? { health } : {}),
      forward,
      shutdownTimeoutMs,
      ...(trustProxy ? { trustProxy } : {}),
    },
  }
}

/** Network names resolved as the library will resolve them, so an unknown one is reported with the rest. */
function networkProblems(definitions: unknown, routes: GatewayRoute[], prepaid: PrepaidSetting | undefined): string[] {
  let registry: NetworkRegistry
  try {
    registry = new NetworkRegistry(Array.isArray(definitions) ? definitions : [])
  } catch (error) {
    return problemsOf(error)
  }
  const named = [
    ...routes.flatMap((route) => {
      const options = (route.paywall ?? {}) as { network?: unknown; accepts?: { network?: unknown }[] }
      return [options.network, ...(options.accepts ?? []).map((accept) => accept.network)].map((network) => [route.label, network] as const)
    }),
    ...(prepaid?.packages ?? []).map((entry) => [`prepaid package ${entry.id}`, entry.network] as const),
  ]
  const problems: string[] = []
  for (const [label, network] of named) {
    if (typeof network !== 'string') continue
    try {
      registry.resolve(network)
    } catch (error) {
      problems.push(...problemsOf(error).map((problem) => `${label}: ${problem}`))
    }
  }
  return problems
}

function checkListen(listen: unknown, problems: string[]): GatewayConfig['listen'] {
  const result = { host: '127.0.0.1', port: 4021 }
  if (listen === undefined) return result
  if (!isRecord(listen)) {
    problems.push(`listen must be { host?, port? }, not ${kindOf(listen)}`)
    return result
  }
  problems.push(...unknownKeyProblems(listen, ['host', 'port'], 'listen'))
  if (listen.host !== undefined) {
    if (typeof listen.host === 'string' && listen.host !== '') result.host = listen.host
    else problems.push(`listen.host ${show(listen.host)} must be a host name or address`)
  }
  if (listen.port !== undefined) {
    if (Number.isSafeInteger(listen.port) && (listen.port as number) >= 0 && (listen.port as number) <= 65535) result.port = listen.port as number
    else problems.push(`listen.port ${show(listen.port)} must be an integer from 0 to 65535`)
  }
  return result
}

function checkSettlement(settler: unknown, facilitator: unknown, env: Env, problems: string[]): Settlement {
  if (settler !== undefined && facilitator !== undefined) problems.push('give either settler or facilitator, not both')
  if (facilitator !== undefined) {
    const urls = typeof facilitator === 'string' ? [facilitator] : isRecord(facilitator) ? [facilitator.url].flat() : Array.isArray(facilitator) ? facilitator : []
    if (isRecord(facilitator)) problems.push(...unknownKeyProblems(facilitator, ['url'], 'facilitator'))
    if (urls.length === 0 || !urls.every(isHttpUrl)) problems.push('facilitator must be an http(s) URL, a list of them, or { url }')
    return { kind: 'facilitator', urls: urls as string[] }
  }
  const given = settler ?? {}
  if (!isRecord(given)) {
    problems.push(`settler must be an object such as { privateKeyEnv, rpcUrl }, not ${kindOf(given)}`)
    return { kind: 'settler', privateKeyEnv: DEFAULT_SETTLER_KEY_ENV }
  }
  if ('privateKey' in given) problems.push('settler.privateKey: never put a key in the configuration file; put it in an environment variable and name it with settler.privateKeyEnv (default TOLLGATE_SETTLER_KEY)')
  problems.push(...unknownKeyProblems(Object.fromEntries(Object.entries(given).filter(([key]) => key !== 'privateKey')), SETTLER_KEYS, 'settler'))
  const privateKeyEnv = envName(given.privateKeyEnv, DEFAULT_SETTLER_KEY_ENV, 'settler.privateKeyEnv', problems)
  if (!env[privateKeyEnv]) problems.push(`settler: the environment variable ${privateKeyEnv} (the settler's private key) is not set`)
  const rpcUrlEnv = envName(given.rpcUrlEnv, DEFAULT_RPC_URL_ENV, 'settler.rpcUrlEnv', problems)
  const rpcUrl = given.rpcUrl ?? env[rpcUrlEnv]
  if (given.rpcUrlEnv !== undefined && given.rpcUrl === undefined && !env[rpcUrlEnv]) problems.push(`settler: the environment variable ${rpcUrlEnv} (the RPC URL) is not set`)
  const result: Settlement = { kind: 'settler', privateKeyEnv }
  if (rpcUrl !== undefined && rpcUrl !== '') result.rpcUrl = rpcUrl as string
  if (given.rpcUrls !== undefined) result.rpcUrls = given.rpcUrls as Record<string, string>
  for (const key of ['receiptTimeoutMs', 'replaceAfterMs'] as const) {
    if (given[key] === undefined) continue
    if (isPositiveInteger(given[key])) result[key] = given[key]
    else problems.push(`settler.${key} ${show(given[key])} must be a positive integer (milliseconds)`)
  }
  if (given.minGasBalance !== undefined) {
    if (typeof given.minGasBalance === 'string' && /^\d+$/.test(given.minGasBalance)) result.minGasBalance = given.minGasBalance
    else problems.push(`settler.minGasBalance ${show(given.minGasBalance)} must be a string of digits (wei)`)
  }
  return result
}

function checkStore(store: unknown, env: Env, problems: string[]): StoreSetting {
  if (store === undefined || store === 'memory') return { kind: 'memory' }
  if (!isRecord(store)) {
    problems.push(`store must be 'memory' or { redis: 'redis://…' } (or { redisUrlEnv }), not ${show(store)}`)
    return { kind: 'memory' }
  }
  problems.push(...unknownKeyProblems(store, STORE_KEYS, 'store'))
  const fromEnv = store.redisUrlEnv === undefined ? undefined : env[envName(store.redisUrlEnv, 'REDIS_URL', 'store.redisUrlEnv', problems)]
  const url = store.redis ?? fromEnv
  if (typeof url !== 'string' || !/^rediss?:\/\/./.test(url)) {
    problems.push(store.redisUrlEnv !== undefined && fromEnv === undefined ? `store: the environment variable ${String(store.redisUrlEnv)} (the Redis URL) is not set` : 'store.redis must be a redis:// or rediss:// URL')
  }
  if (store.prefix !== undefined && (typeof store.prefix !== 'string' || store.prefix === '')) problems.push('store.prefix must be a non-empty string')
  return { kind: 'redis', url: url as string, ...(typeof store.prefix === 'string' ? { prefix: store.prefix } : {}) }
}

function checkPrepaid(prepaid: unknown, env: Env, problems: string[]): PrepaidSetting | undefined {
  if (!isRecord(prepaid)) {
    problems.push(`prepaid must be { secretEnv?, path?, packages: [...] }, not ${kindOf(prepaid)}`)
    return undefined
  }
  problems.push(...unknownKeyProblems(prepaid, PREPAID_KEYS, 'prepaid'))
  const secretEnv = envName(prepaid.secretEnv, DEFAULT_PREPAID_SECRET_ENV, 'prepaid.secretEnv', problems)
  if (!env[secretEnv]) problems.push(`prepaid: the environment variable ${secretEnv} (the credential signing secret, at least 32 bytes) is not set`)
  if (prepaid.path !== undefined && (typeof prepaid.path !== 'string' || !prepaid.path.startsWith('/'))) problems.push(`prepaid.path ${show(prepaid.path)} must be a path starting with /`)
  if (!Array.isArray(prepaid.packages) || prepaid.packages.length === 0) {
    problems.push('prepaid.packages must be a non-empty list of { id, calls, days, price, network }')
    return undefined
  }
  prepaid.packages.forEach((entry, index) => {
    const label = `prepaid.packages[${index}]`
    if (!isRecord(entry)) return void problems.push(`${label} must be { id, calls, days, price, network }, not ${kindOf(entry)}`)
    problems.push(...unknownKeyProblems(entry, PACKAGE_KEYS, label))
    if (typeof entry.price !== 'string') problems.push(`${label}.price ${show(entry.price)} must be a decimal string such as '1.00'`)
    if (typeof entry.network !== 'string') problems.push(`${label}.network is missing (e.g. 'base')`)
  })
  return {
    secretEnv,
    ...(typeof prepaid.path === 'string' ? { path: prepaid.path } : {}),
    packages: prepaid.packages as PrepaidSetting['packages'],
  }
}

function checkLimits(limits: unknown, problems: string[]): LimitsSetting | undefined {
  if (!isRecord(limits)) {
    problems.push(`limits must be { perPayer?, perIp?, perRoute?, trustedProxies? }, not ${kindOf(limits)}`)
    return undefined
  }
  problems.push(...unknownKeyProblems(limits, LIMITS_KEYS, 'limits'))
  const result: LimitsSetting = { trustedProxies: 0 }
  for (const name of ['perPayer', 'perIp', 'perRoute'] as const) {
    const window = limits[name]
    if (window === undefined) continue
    if (!isRecord(window)) {
      problems.push(`limits.${name} must be { requests, windowMs }, not ${kindOf(window)}`)
      continue
    }
    problems.push(...unknownKeyProblems(window, WINDOW_KEYS, `limits.${name}`))
    result[name] = window as never
  }
  if (limits.trustedProxies !== undefined) {
    if (Number.isSafeInteger(limits.trustedProxies) && (limits.trustedProxies as number) >= 0) result.trustedProxies = limits.trustedProxies as number
    else problems.push(`limits.trustedProxies ${show(limits.trustedProxies)} must be a whole number (proxies in front of the gateway)`)
  }
  return result
}

function checkEndpoint(value: unknown, name: string, fallback: string, problems: string[]): { path: string } | undefined {
  if (value === undefined || value === false) return undefined
  if (value === true) return { path: fallback }
  if (isRecord(value)) {
    problems.push(...unknownKeyProblems(value, ['path'], name))
    const path = value.path ?? fallback
    if (typeof path === 'string' && path.startsWith('/')) return { path }
  }
  problems.push(`${name} must be true or { path: '${fallback}' }, not ${show(value)}`)
  return undefined
}

function checkForward(forward: unknown, problems: string[]): ForwardSetting {
  if (forward === undefined) return { ...FORWARD_DEFAULTS }
  if (!isRecord(forward)) {
    problems.push(`forward must be { headers?, timeoutMs?, bodyTimeoutMs?, maxBodyBytes? }, not ${kindOf(forward)}`)
    return { ...FORWARD_DEFAULTS }
  }
  problems.push(...unknownKeyProblems(forward, FORWARD_KEYS, 'forward'))
  const result = { ...FORWARD_DEFAULTS }
  if (forward.headers !== undefined) {
    const headers = Array.isArray(forward.headers) ? forward.headers : []
    if (!Array.isArray(forward.headers) || !headers.every((h) => typeof h === 'string' && HEADER_NAME.test(h.toLowerCase()))) {
      problems.push('forward.headers must be a list of header names')
    } else {
      const names = headers.map((h: string) => h.toLowerCase())
      for (const name of names.filter((n) => NEVER_FORWARDED.has(n))) {
        problems.push(`forward.headers: ${name} is never forwarded (a payment credential or a hop-by-hop header)`)
      }
      result.headers = names
    }
  }
  for (const key of ['timeoutMs', 'bodyTimeoutMs', 'maxBodyBytes'] as const) {
    if (forward[key] === undefined) continue
    if (isPositiveInteger(forward[key])) result[key] = forward[key]
    else problems.push(`forward.${key} ${show(forward[key])} must be a positive integer`)
  }
  return result
}

function envName(value: unknown, fallback: string, label: string, problems: string[]): string {
  if (value === undefined) return fallback
  if (typeof value === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) return value
  problems.push(`${label} ${show(value)} must be the name of an environment variable`)
  return fallback
}
