import { ProblemList, StoreUnavailableError } from '../errors/tollgate-error.js'
import { sharedStore } from '../gate/shared-store.js'
import { guardedLogger, silentLogger, type Logger } from '../logger.js'
import type { NetworkDefinition, TokenInfo } from '../chains/evm/network/evm-network.js'
import { NetworkRegistry, tokenProblems } from '../networks/resolve-network.js'
import type { EvmSettler } from '../chains/evm/settler/evm-chain.js'
import { boundedStore } from '../stores/bounded-store.js'
import type { Store } from '../stores/store.js'
import { bearerTokens, type Authorize } from './caller-auth.js'
import { FacilitatorService } from './facilitator-service.js'
import { readJsonBody } from '../http/read-body.js'
import { publicAnswer } from './public-answer.js'
import type { ServedNetwork } from './read-request.js'
import type { SolanaSettler } from '../chains/solana/solana-settler.js'
import { isSolanaFamily } from '../chains/solana/solana-family.js'

export interface FacilitatorHandlerOptions {
  /** Verifies against and settles on the chain: `localSettler({ privateKey, rpcUrl })`. Its account pays the gas. */
  settler?: EvmSettler
  /**
   * Also (or only) serves Solana `exact`: `{ settler: solanaSettler({ secretKey, rpcUrl }), networks: ['solana-devnet'] }`
   * from 'tollgate/solana'. Its fee payer sponsors the fees and is listed in `/supported` as `extra.feePayer`.
   */
  solana?: { settler: SolanaSettler; networks: readonly string[] }
  /**
   * Networks served, by name ('base-sepolia') or definition ({ name, rpcUrl, asset }); listed in
   * `/supported`. Each network's asset (USDC for known networks) is a token this facilitator settles.
   */
  networks?: ReadonlyArray<string | NetworkDefinition>
  /**
   * More EIP-3009 tokens to settle, by network name or CAIP-2 id. Only configured tokens are
   * settled: a request naming any other contract is refused (`invalid_exact_evm_asset_mismatch`)
   * before anything is sent, so no caller can make the settler spend gas on a contract it chose.
   */
  assets?: Readonly<Record<string, readonly TokenInfo[]>>
  /** Bearer tokens callers present (`Authorization: Bearer …`), at least 16 characters each. Give this or `authorize`. */
  tokens?: readonly string[]
  /** Or: names the caller of a request (an id for rate limits and logs), or null to refuse it with 401. */
  authorize?: Authorize
  /** Per caller, through the store (default 600 requests a minute); `false` turns it off. */
  rateLimit?: { requests: number; windowMs: number } | false
  /** Replay claims and rate counters; share one (tollgate/redis) between instances. Default: in memory. */
  store?: Store
  storeTimeoutMs?: number
  /** Confirms exactly one process serves this facilitator, allowing the memory store under NODE_ENV=production. */
  singleInstance?: boolean
  /** Largest request body accepted (default 64 KiB). */
  maxBodyBytes?: number
  logger?: Logger
  clock?: () => number
}

/** A Map, not an object literal: a path segment such as `constructor` or `__proto__` must find nothing. */
const ROUTES = new Map<string, 'GET' | 'POST'>([
  ['verify', 'POST'],
  ['settle', 'POST'],
  ['supported', 'GET'],
  ['health', 'GET'],
])

/** A Web-standard handler: mount it wherever `(Request) => Promise<Response>` runs. */
export type FacilitatorHandler = (request: Request) => Promise<Response>

/**
 * An x402 facilitator over tollgate's own verification and settlement: `POST /verify`,
 * `POST /settle`, `GET /supported` and an unauthenticated `GET /health`, matched on the last path
 * segment so it can be mounted under any prefix.
 */
export function facilitatorHandler(options: FacilitatorHandlerOptions): FacilitatorHandler {
  const { service, authorize, store, limit, maxBodyBytes, logger, clock } = configure(options)

  return async (request) => {
    const route = new URL(request.url).pathname.replace(/\/+$/, '').split('/').pop() ?? ''
    const expected = ROUTES.get(route)
    if (!expected) return json(404, { error: 'not_found', message: 'routes: POST /verify, POST /settle, GET /supported, GET /health' })
    if (request.method !== expected && !(expected === 'GET' && request.method === 'HEAD')) {
      return json(405, { error: 'method_not_allowed' }, { allow: expected })
    }
    if (route === 'health') return json(200, { status: 'ok' })

    const caller = await authorize(request)
    if (caller === null) return json(401, { error: 'unauthorized', message: 'send Authorization: Bearer <token>' }, { 'www-authenticate': 'Bearer' })
    if (limit) {
      const window = Math.floor(clock() / limit.windowMs)
      let left: number | null
      try {
        left = await store.take(`facilitator:rate:${caller}:${window}`, limit.requests, limit.windowMs)
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error
        logger.error?.('tollgate facilitator: store unavailable for rate limits', { error: error.message })
        return json(503, { error: 'store_unavailable' })
      }
      if (left === null) {
        const retryAfter = Math.ceil(((window + 1) * limit.windowMs - clock()) / 1000)
        return json(429, { error: 'rate_limited', message: `more than ${limit.requests} requests in ${limit.windowMs} ms` }, { 'retry-after': String(retryAfter) })
      }
    }
    if (route === 'supported') return json(200, service.supported())

    const body = await readJsonBody(request, maxBodyBytes)
    if (!body.ok) return json(body.status, route === 'verify' ? { isValid: false, invalidReason: 'invalid_payload', invalidMessage: body.message } : { success: false, errorReason: 'invalid_payload', errorMessage: body.message, transaction: '', network: '' })
    const answer = route === 'verify' ? await service.verify(body.value) : await service.settle(body.value)
    logger.debug?.(`tollgate facilitator: ${route}`, { caller, status: answer.status })
    return json(answer.status, publicAnswer(route, answer.status, answer.body, caller, logger))
  }
}

function configure(options: FacilitatorHandlerOptions) {
  const problems = new ProblemList()
  // A Solana-only facilitator needs no EVM settler; with one, it serves at least one EVM network.
  const evm = options?.settler !== undefined || options?.solana === undefined
  if (evm && (!options?.settler || typeof options.settler.connect !== 'function')) problems.add('facilitatorHandler: settler is required, e.g. localSettler({ privateKey, rpcUrl })')
  if (evm && (!Array.isArray(options?.networks) || options.networks.length === 0)) problems.add('facilitatorHandler: networks must list at least one network')
  const hasTokens = options?.tokens !== undefined
  if (hasTokens === (options?.authorize !== undefined)) problems.add('facilitatorHandler: give tokens (bearer tokens) or authorize (a function), exactly one')
  if (hasTokens && (!Array.isArray(options.tokens) || options.tokens.length === 0 || options.tokens.some((t) => typeof t !== 'string' || t.length < 16))) {
    problems.add('facilitatorHandler: tokens must be a non-empty list of strings of at least 16 characters')
  }
  const limit = options?.rateLimit === false ? undefined : (options?.rateLimit ?? { requests: 600, windowMs: 60_000 })
  if (limit && (!Number.isInteger(limit.requests) || limit.requests < 1 || !Number.isInteger(limit.windowMs) || limit.windowMs < 1_000)) {
    problems.add('facilitatorHandler: rateLimit needs an integer requests >= 1 and windowMs >= 1000')
  }
  const definitions = (options?.networks ?? []).map((n) => (typeof n === 'string' ? undefined : n)).filter((n): n is NetworkDefinition => n !== undefined)
  const registry = problems.collect(() => new NetworkRegistry(definitions))
  const served = new Map<string, ServedNetwork>()
  for (const entry of options?.networks ?? []) {
    const network = registry && problems.collect(() => registry.resolve(typeof entry === 'string' ? entry : entry.name))
    if (!network) continue
    // Connecting now surfaces a network the settler has no RPC endpoint for at start, not at the first payment.
    if (options.settler && problems.collect(() => options.settler!.connect(network)) === undefined) continue
    const settling: ServedNetwork = { ...network, settles: network.asset ? [network.asset] : [] }
    served.set(network.caip2, settling)
    if (network.v1Name) served.set(network.v1Name, settling)
  }
  addAssets(options?.assets, served, problems)
  const store = problems.collect(() => sharedStore(options?.store, options?.singleInstance))
  if (options?.solana !== undefined && !(isSolanaFamily(options.solana.settler) && 'facilitation' in options.solana.settler && Array.isArray(options.solana.networks))) {
    problems.add("facilitatorHandler: solana must be { settler: solanaSettler({ secretKey, rpcUrl }), networks: ['solana-devnet'] }")
  }
  problems.throwIfAny()
  const logger = guardedLogger(options.logger ?? silentLogger)
  const clock = options.clock ?? Date.now
  const bounded = boundedStore(store as Store, options.storeTimeoutMs ?? 2_000)
  return {
    // Without an EVM settler no EVM network is served, so the service never reaches for it.
    service: new FacilitatorService(options.settler as EvmSettler, served, bounded, clock, logger, solanaParts(options.solana)),
    authorize: options.authorize ?? bearerTokens(options.tokens as string[]),
    store: bounded,
    limit,
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
    logger,
    clock,
  }
}

/** Adds the `assets` option's tokens to their networks; every network must end up settling at least one. */
function addAssets(assets: FacilitatorHandlerOptions['assets'], served: Map<string, ServedNetwork>, problems: ProblemList): void {
  if (assets !== undefined && (typeof assets !== 'object' || assets === null || Array.isArray(assets))) {
    problems.add('facilitatorHandler: assets must map network names to lists of tokens ({ address, name, version, decimals })')
    return
  }
  const byName = new Map([...served.values()].flatMap((n) => [[n.name, n], [n.caip2, n], ...(n.v1Name ? [[n.v1Name, n] as const] : [])] as const))
  for (const [name, tokens] of Object.entries(assets ?? {})) {
    const network = byName.get(name)
    if (!network) {
      problems.add(`facilitatorHandler: assets names ${JSON.stringify(name)}, which is not among the networks served`)
      continue
    }
    if (!Array.isArray(tokens)) {
      problems.add(`facilitatorHandler: assets[${JSON.stringify(name)}] must be a list of tokens`)
      continue
    }
    const valid = tokens.filter((token) => {
      const found = token && typeof token === 'object' ? tokenProblems(token, `facilitatorHandler: assets[${JSON.stringify(name)}]`) : [`facilitatorHandler: assets[${JSON.stringify(name)}] holds a non-token`]
      for (const problem of found) problems.add(problem)
      return found.length === 0
    })
    // Mutated in place: the same object is served under each of the network's names.
    network.settles = [...network.settles, ...valid]
  }
  for (const network of new Set(served.values())) {
    if (network.settles.length === 0) problems.add(`facilitatorHandler: network ${network.name} has no token to settle; give it an asset or list tokens in assets`)
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  })
}

/** The Solana side's options, checked (the service builds it over its own replay guard and ledger). */
function solanaParts(solana: FacilitatorHandlerOptions['solana']): { settler: SolanaSettler; networks: readonly string[] } | undefined {
  return solana ? { settler: solana.settler, networks: solana.networks } : undefined
}
