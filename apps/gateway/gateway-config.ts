/**
 * The gateway's configuration once checked: what `tollgate gateway` reads from its flags and its
 * file (JSON or YAML). Secrets never live here as values read from the file: the settler key,
 * the prepaid secret and (optionally) URLs come from environment variables the file names.
 */
import type { NetworkDefinition, PaywallOptions } from '../../src/index.js'

export const DEFAULT_SETTLER_KEY_ENV = 'TOLLGATE_SETTLER_KEY'
export const DEFAULT_RPC_URL_ENV = 'TOLLGATE_RPC_URL'
export const DEFAULT_PREPAID_SECRET_ENV = 'TOLLGATE_PREPAID_SECRET'

/** Methods a route may name; '*' is every one of them. */
export const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const
export type RouteMethod = (typeof ROUTE_METHODS)[number]

export interface GatewayRoute {
  /** 'GET /weather/*': how the route is named in problems, the summary and (without `name`) metrics. */
  label: string
  methods: RouteMethod[]
  /** A Fastify (find-my-way) path: static segments, `:param`, a trailing `*`. */
  path: string
  /** Free routes are forwarded without payment; paid ones carry the library's route options. */
  paywall: PaywallOptions | null
}

export type Settlement =
  | {
      kind: 'settler'
      privateKeyEnv: string
      rpcUrl?: string
      rpcUrls?: Record<string, string>
      receiptTimeoutMs?: number
      replaceAfterMs?: number
      minGasBalance?: string
    }
  | { kind: 'facilitator'; urls: string[] }

export type StoreSetting = { kind: 'memory' } | { kind: 'redis'; url: string; prefix?: string }

export interface RateWindowSetting {
  requests: number
  windowMs: number
}

export interface LimitsSetting {
  perPayer?: RateWindowSetting
  perIp?: RateWindowSetting
  perRoute?: RateWindowSetting
  /** Proxies in front of the gateway that append to X-Forwarded-For (default 0: the socket's address is the client). */
  trustedProxies: number
}

export interface ForwardSetting {
  /** Request headers forwarded besides the default ones (lowercase). */
  headers: string[]
  /** How long the upstream may take to send its status and headers (ms). */
  timeoutMs: number
  /** How long the upstream may pause between two body chunks (ms). */
  bodyTimeoutMs: number
  /** Largest request body read and forwarded (bytes); larger ones get 413. */
  maxBodyBytes: number
}

export interface PrepaidSetting {
  secretEnv: string
  path?: string
  packages: { id: string; calls: number; days: number; price: string; network: string; description?: string }[]
}

export interface GatewayConfig {
  listen: { host: string; port: number }
  /** The upstream's base URL; its path, if any, prefixes every forwarded path. */
  target: string
  payTo?: string
  settlement: Settlement
  networks?: NetworkDefinition[]
  store: StoreSetting
  defaults?: Record<string, unknown>
  routes: GatewayRoute[]
  /** What a request no route matches gets: 404 (default) or forwarded free. */
  unmatched: 'refuse' | 'proxy'
  prepaid?: PrepaidSetting
  limits?: LimitsSetting
  metrics?: { path: string }
  health?: { path: string }
  forward: ForwardSetting
  /** How long SIGTERM waits for in-flight requests (and their settlements) before giving up. */
  shutdownTimeoutMs: number
  /** Reverse proxies (addresses, CIDR ranges) whose X-Forwarded-Proto/-Host make the challenges' resource URL. */
  trustProxy?: string[]
  /** Where the configuration came from, for reloads: a file, or flags only. */
  file?: string
}

export const FORWARD_DEFAULTS: ForwardSetting = { headers: [], timeoutMs: 30_000, bodyTimeoutMs: 30_000, maxBodyBytes: 1024 * 1024 }
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 90_000
