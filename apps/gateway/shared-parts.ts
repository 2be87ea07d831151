/**
 * What lives as long as the gateway process, across reloads: the settler (one key, one nonce
 * sequence per process), the facilitators, the store (claims of payments in flight must survive a
 * reload), metrics (counters keep counting) and health. A reload that would change one of them is
 * refused: it needs a restart.
 */
import { httpFacilitator, localSettler, memoryStore, type FacilitatorClient, type LocalSettler, type Logger, type Store, type Tollgate } from '../../src/index.js'
import { redisStore } from '../../src/redis.js'
import { tollgateHealth, type TollgateHealth } from '../../src/health/index.js'
import type { TollgateMetrics } from '../../src/metrics/index.js'
import type { Env } from './config-problems.js'
import type { GatewayConfig } from './gateway-config.js'
import { problemsOf } from './problems-of.js'

export interface SharedParts {
  settler?: LocalSettler
  facilitators?: FacilitatorClient[]
  store: Store
  /** 'memory (this process only)' or 'redis (host:port)': never the URL, which may hold a password. */
  storeLabel: string
  metrics?: TollgateMetrics
  health?: TollgateHealth
  /** The core serving now, for the in-progress gauge. */
  setCore(core: Tollgate): void
  close(): Promise<void>
}

/** The configuration sections a reload may not change. */
export function restartOnly(config: GatewayConfig): string {
  const { listen, settlement, store, networks, metrics, health, payTo } = config
  return JSON.stringify({ listen, settlement, store, networks, metrics: metrics !== undefined, health: health !== undefined, payTo })
}

export async function buildShared(config: GatewayConfig, env: Env, logger: Logger, problems: string[]): Promise<SharedParts | undefined> {
  const closers: (() => Promise<unknown> | void)[] = []
  let settler: LocalSettler | undefined
  let facilitators: FacilitatorClient[] | undefined
  const setting = config.settlement
  try {
    if (setting.kind === 'settler') {
      settler = localSettler({
        privateKey: env[setting.privateKeyEnv] as `0x${string}`,
        ...(setting.rpcUrl ? { rpcUrl: setting.rpcUrl } : {}),
        ...(setting.rpcUrls ? { rpcUrls: setting.rpcUrls } : {}),
        ...(setting.receiptTimeoutMs ? { receiptTimeoutMs: setting.receiptTimeoutMs } : {}),
        ...(setting.replaceAfterMs ? { replaceAfterMs: setting.replaceAfterMs } : {}),
        ...(setting.minGasBalance ? { minGasBalance: setting.minGasBalance } : {}),
        logger,
      })
    } else {
      facilitators = setting.urls.map((url) => httpFacilitator({ url }))
    }
  } catch (error) {
    problems.push(...problemsOf(error))
  }

  let store: Store = memoryStore()
  let storeLabel = 'memory (this process only: run one gateway, or give store.redis)'
  if (config.store.kind === 'redis') {
    const client = await redisClient(config.store.url, problems)
    if (client) {
      closers.push(() => client.quit().catch(() => client.disconnect()))
      store = redisStore({ client, ...(config.store.prefix ? { prefix: config.store.prefix } : {}) })
      const url = new URL(config.store.url)
      storeLabel = `redis (${url.host})`
    }
  }

  let core: Tollgate | undefined
  let metrics: TollgateMetrics | undefined
  if (config.metrics) {
    try {
      // prom-client is an optional peer: loaded only when metrics are asked for.
      const { tollgateMetrics } = await import('../../src/metrics/index.js')
      metrics = tollgateMetrics({ ...(settler ? { settler } : {}), core: () => core ?? { paymentsInProgress: () => 0 }, logger })
    } catch (error) {
      problems.push(error instanceof Error && /prom-client/.test(error.message) ? 'metrics need the prom-client package: npm i prom-client' : `metrics: ${(error as Error).message}`)
    }
  }
  const health = config.health
    ? tollgateHealth({ store, ...(settler ? { settler } : {}), ...(facilitators ? { facilitators } : {}) })
    : undefined

  const close = async () => {
    for (const closer of closers) await closer()
  }
  if (problems.length > 0) {
    await close()
    return undefined
  }
  return {
    ...(settler ? { settler } : {}),
    ...(facilitators ? { facilitators } : {}),
    store,
    storeLabel,
    ...(metrics ? { metrics } : {}),
    ...(health ? { health } : {}),
    setCore: (next) => {
      core = next
    },
    close,
  }
}

interface RedisClient {
  quit(): Promise<unknown>
  disconnect(): void
  call(command: string, ...args: (string | number)[]): Promise<unknown>
}

/** ioredis, loaded only for a Redis store (an optional peer of the library, a dev dependency here). */
async function redisClient(url: string, problems: string[]): Promise<RedisClient | undefined> {
  let Redis: new (url: string, options: object) => RedisClient
  try {
    ;({ Redis } = (await import('ioredis')) as unknown as { Redis: typeof Redis })
  } catch {
    problems.push('store.redis needs the ioredis package: npm i ioredis')
    return undefined
  }
  // Fail at once (503 store_unavailable) while Redis is away, rather than queueing buyers.
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false })
  ;(client as unknown as { on(event: string, listener: () => void): void }).on('error', () => undefined)
  return client
}
