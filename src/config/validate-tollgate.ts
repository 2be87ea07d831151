/**
 * Checks the whole tollgate configuration before anything is built, so a seller sees every
 * mistake in one error at startup instead of one per restart, or worse, at a buyer's request.
 */
import { isPerFamily, payToProblems, perFamilySettlerProblems } from './families.js'
import { isSolanaFamily } from '../chains/solana/solana-family.js'
import { isHttpUrl, isPositiveInteger, isRecord, kindOf, show, unknownKeyProblems, type Problems } from './config-shape.js'
import { defaultsProblems } from './validate-route.js'
import { hooksProblems } from '../hooks/hooks-problems.js'
import { pushConfigProblems } from '../push/push-setup.js'
import { isGateTracer } from '../gate/gate-tracer.js'
import { paywallPageProblems } from '../paywall/page-options.js'

export const TOLLGATE_CONFIG_KEYS = [
  'payTo',
  'settler',
  'facilitator',
  'store',
  'storeTimeoutMs',
  'singleInstance',
  'networks',
  'logger',
  'clock',
  'defaults',
  'prepaid',
  'maxPendingPerPayer',
  'hooks',
  'tracing',
  'paywallPage',
  'push',
  'asyncSettlement',
] as const

const NETWORK_KEYS = ['name', 'chainId', 'v1Name', 'rpcUrl', 'asset'] as const
const STORE_METHODS = ['claim', 'release', 'take', 'giveBack', 'get', 'put'] as const
const LOGGER_LEVELS = ['debug', 'info', 'warn', 'error'] as const

/**
 * Every problem with a tollgate configuration: unknown keys, payTo, the settler or facilitator,
 * the store and its timeout, network definitions, route defaults, the logger, the clock, the
 * pending-payments bound and the prepaid setup. Empty when its shape is right; what needs building
 * (network names, tokens, prepaid packages) is checked when it is built.
 */
export function tollgateConfigProblems(config: unknown): string[] {
  if (!isRecord(config)) return [`tollgate(config) needs a configuration object, not ${kindOf(config)}`]
  const problems: Problems = unknownKeyProblems(config, TOLLGATE_CONFIG_KEYS, 'tollgate')
  const { payTo, settler, facilitator, store, storeTimeoutMs, singleInstance, logger, clock, prepaid, maxPendingPerPayer } = config
  problems.push(...payToProblems(payTo))
  problems.push(...settlementProblems(settler, facilitator))
  problems.push(...storeProblems(store))
  if (storeTimeoutMs !== undefined && !isPositiveInteger(storeTimeoutMs)) {
    problems.push(`storeTimeoutMs ${show(storeTimeoutMs)} must be a positive integer (milliseconds; default 2000)`)
  }
  if (singleInstance !== undefined && typeof singleInstance !== 'boolean') problems.push(`singleInstance must be true or false, not ${show(singleInstance)}`)
  problems.push(...networksProblems(config.networks))
  problems.push(...defaultsProblems(config.defaults))
  problems.push(...hooksProblems(config.hooks, 'hooks'))
  problems.push(...pushConfigProblems(config.push))
  problems.push(...paywallPageProblems(config.paywallPage))
  if (config.tracing !== undefined && !isGateTracer(config.tracing)) {
    problems.push(`tracing must be a tracer with a start function (otelTracing() from tollgate/tracing), not ${kindOf(config.tracing)}`)
  }
  if (logger !== undefined) {
    const bad = isRecord(logger) ? LOGGER_LEVELS.filter((level) => logger[level] !== undefined && typeof logger[level] !== 'function') : null
    if (bad === null) problems.push(`logger must be an object with debug/info/warn/error functions (console works), not ${kindOf(logger)}`)
    else if (bad.length > 0) problems.push(`${bad.map((level) => `logger.${level}`).join(', ')} must be ${bad.length === 1 ? 'a function' : 'functions'}`)
  }
  if (config.asyncSettlement !== undefined && !(isRecord(config.asyncSettlement) && config.asyncSettlement.kind === 'async-settlement')) {
    problems.push('asyncSettlement must be built with asyncSettlement({ queue }), e.g. asyncSettlement({ queue: redisSettlementQueue({ client }) })')
  }
  if (clock !== undefined && typeof clock !== 'function') problems.push(`clock must be a function returning milliseconds since the epoch, not ${kindOf(clock)}`)
  if (maxPendingPerPayer !== undefined && !isPositiveInteger(maxPendingPerPayer)) {
    problems.push(`maxPendingPerPayer ${show(maxPendingPerPayer)} must be a positive integer (payments one payer may have in progress; default 8)`)
  }
  if (prepaid !== undefined && !(isRecord(prepaid) && typeof prepaid.create === 'function')) {
    problems.push("prepaid must be built with prepaid({ secret, packages }) from 'tollgate/prepaid'")
  }
  return problems
}

/** A store, when given, has every operation of the Store contract. */
export function storeProblems(store: unknown): string[] {
  if (store === undefined) return []
  const missing = isRecord(store) ? STORE_METHODS.filter((name) => typeof store[name] !== 'function') : [...STORE_METHODS]
  return missing.length > 0 ? [`store must be a Store such as memoryStore() or redisStore(...); it lacks ${missing.join(', ')}`] : []
}

/**
 * Exactly one way to settle EVM payments: the seller's own settler, or one or more facilitators.
 * Solana settles through its own object (`settler` or `settler.solana`), which may sit beside either.
 */
export function settlementProblems(given: unknown, facilitator: unknown): Problems {
  if (isPerFamily(given)) {
    const problems = perFamilySettlerProblems(given)
    if (problems.length > 0) return problems
    return given.evm === undefined && facilitator === undefined ? [] : evmSettlementProblems(given.evm, facilitator)
  }
  if (isSolanaFamily(given)) return facilitator === undefined ? [] : evmSettlementProblems(undefined, facilitator)
  return evmSettlementProblems(given, facilitator)
}

function evmSettlementProblems(settler: unknown, facilitator: unknown): Problems {
  if (settler !== undefined && facilitator !== undefined) {
    return ['give either settler (settle from your own account) or facilitator (settle through a facilitator), not both']
  }
  if (facilitator !== undefined) {
    const list = Array.isArray(facilitator) ? facilitator : [facilitator]
    const usable = list.length > 0 && list.every((f) => isRecord(f) && typeof f.verify === 'function' && typeof f.settle === 'function')
    return usable ? [] : ['facilitator must be httpFacilitator({ url }) or a non-empty list of them']
  }
  if (settler === undefined || settler === null) {
    return ['settler is required, e.g. localSettler({ privateKey, rpcUrl }), or a facilitator: httpFacilitator({ url })']
  }
  return isRecord(settler) && typeof settler.connect === 'function' ? [] : [`settler must be built with localSettler({ privateKey, rpcUrl }), not ${kindOf(settler)}`]
}

/** Shape of each network definition; whether a chain id contradicts a known network is the registry's to say. */
export function networksProblems(networks: unknown): string[] {
  if (networks === undefined) return []
  if (!Array.isArray(networks)) return [`networks must be a list of { name, chainId?, rpcUrl?, asset? }, not ${kindOf(networks)}`]
  return networks.flatMap((network, index) => networkProblems(network, `networks[${index}]`))
}

/** One network definition; its rpcUrl is never echoed, since RPC URLs often carry API keys. */
export function networkProblems(network: unknown, label: string): string[] {
  if (!isRecord(network)) return [`${label} must be { name, chainId?, rpcUrl?, asset? }, not ${kindOf(network)}`]
  const problems = unknownKeyProblems(network, NETWORK_KEYS, label)
  if (typeof network.name !== 'string' || network.name === '') problems.push(`${label}.name must be a non-empty string such as 'base-sepolia'`)
  if (network.chainId !== undefined && !isPositiveInteger(network.chainId)) problems.push(`${label}.chainId ${show(network.chainId)} must be a positive integer`)
  if (network.v1Name !== undefined && (typeof network.v1Name !== 'string' || network.v1Name === '')) problems.push(`${label}.v1Name must be a non-empty string`)
  if (network.rpcUrl !== undefined && !isHttpUrl(network.rpcUrl)) {
    problems.push(`${label}.rpcUrl is not a URL: give an absolute http(s) URL of a JSON-RPC endpoint (${kindOf(network.rpcUrl)} given)`)
  }
  if (network.asset !== undefined && !isRecord(network.asset)) problems.push(`${label}.asset must be { address, name, version, decimals }, not ${kindOf(network.asset)}`)
  return problems
}
