import type { Hex } from 'viem'
import { ConfigurationError } from '../../../errors/tollgate-error.js'
import type { Logger } from '../../../logger.js'
import { guardedLogger, silentLogger } from '../../../logger.js'

export interface LocalSettlerOptions {
  /** The key of the account that submits settlements and pays their gas. */
  privateKey: Hex
  /** JSON-RPC endpoint for every network this settler serves (its chain id is checked before use). */
  rpcUrl?: string
  /** Endpoints per network name or CAIP-2 id, for sellers on several chains. */
  rpcUrls?: Record<string, string>
  /** How long a settlement waits for its receipt (default 60 s); past it the outcome is reported unknown. */
  receiptTimeoutMs?: number
  /** Receipt polling interval (default 500 ms). */
  pollingIntervalMs?: number
  /** Timeout of each JSON-RPC request (default 10 s). */
  requestTimeoutMs?: number
  /** A settlement transaction not mined after this long is replaced at its nonce with higher fees (default 15 s). */
  replaceAfterMs?: number
  /** Below this balance (wei, bigint or decimal string; default 10^15 = 0.001 ETH) a warning is logged. */
  minGasBalance?: bigint | string
  /** How often the gas balance is checked (default 60 s; 0: only at start and while the account is dry). */
  gasCheckIntervalMs?: number
  /** Where the settler reports gas trouble and stuck transactions; silent by default. */
  logger?: Logger
}

export interface SettlerSettings {
  privateKey: Hex
  rpcUrl: string | undefined
  rpcUrls: Record<string, string>
  receiptTimeoutMs: number
  pollingIntervalMs: number
  requestTimeoutMs: number
  replaceAfterMs: number
  minGasBalance: bigint
  gasCheckIntervalMs: number
  logger: Logger
}

const KNOWN_KEYS = new Set(['privateKey', 'rpcUrl', 'rpcUrls', 'receiptTimeoutMs', 'pollingIntervalMs', 'requestTimeoutMs', 'replaceAfterMs', 'minGasBalance', 'gasCheckIntervalMs', 'logger'])

/**
 * Checks every option at once and throws one ConfigurationError listing each problem. Options
 * often come from environment variables, so a missing one is named as missing, and no message
 * repeats a key or a URL (URLs carry API keys).
 */
export function settlerSettings(options: LocalSettlerOptions): SettlerSettings {
  const problems: string[] = []
  if (typeof options !== 'object' || options === null) throw new ConfigurationError(['localSettler: options must be an object { privateKey, rpcUrl }'])
  for (const key of Object.keys(options)) if (!KNOWN_KEYS.has(key)) problems.push(`localSettler: unknown option ${JSON.stringify(key)}`)

  const key: unknown = options.privateKey
  if (key === undefined || key === null || key === '') {
    problems.push(`localSettler: privateKey is missing (${key === '' ? 'empty string' : String(key)}); is the environment variable set?`)
  } else if (typeof key !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
    const shape = typeof key === 'string' ? `${key.length} characters` : `a ${typeof key}`
    problems.push(`localSettler: privateKey must be a 0x-prefixed 32-byte hex string (66 characters; got ${shape})`)
  }

  if (options.rpcUrl !== undefined) problems.push(...urlProblems(options.rpcUrl, 'rpcUrl'))
  const rpcUrls: unknown = options.rpcUrls
  if (rpcUrls !== undefined) {
    if (typeof rpcUrls !== 'object' || rpcUrls === null || Array.isArray(rpcUrls)) problems.push('localSettler: rpcUrls must be an object { [network]: url }')
    else for (const [name, url] of Object.entries(rpcUrls)) problems.push(...urlProblems(url, `rpcUrls[${JSON.stringify(name)}]`))
  }

  const duration = (name: keyof LocalSettlerOptions, fallback: number, min: number): number => {
    const value: unknown = options[name]
    if (value === undefined) return fallback
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      problems.push(`localSettler: ${name} must be an integer number of milliseconds of at least ${min}`)
      return fallback
    }
    return value
  }
  const settings = {
    receiptTimeoutMs: duration('receiptTimeoutMs', 60_000, 1),
    pollingIntervalMs: duration('pollingIntervalMs', 500, 1),
    requestTimeoutMs: duration('requestTimeoutMs', 10_000, 1),
    replaceAfterMs: duration('replaceAfterMs', 15_000, 1),
    gasCheckIntervalMs: duration('gasCheckIntervalMs', 60_000, 0),
  }

  let minGasBalance = 10n ** 15n
  const min: unknown = options.minGasBalance
  if (typeof min === 'bigint' && min >= 0n) minGasBalance = min
  else if (typeof min === 'string' && /^\d{1,78}$/.test(min)) minGasBalance = BigInt(min)
  else if (min !== undefined) problems.push('localSettler: minGasBalance must be a non-negative amount of wei, as a bigint or a decimal string')

  const logger: unknown = options.logger
  if (logger !== undefined && (typeof logger !== 'object' || logger === null)) problems.push('localSettler: logger must be an object with debug/info/warn/error methods')

  if (problems.length > 0) throw new ConfigurationError(problems)
  return {
    privateKey: key as Hex,
    rpcUrl: options.rpcUrl,
    rpcUrls: (rpcUrls ?? {}) as Record<string, string>,
    ...settings,
    minGasBalance,
    logger: guardedLogger(options.logger ?? silentLogger),
  }
}

function urlProblems(url: unknown, name: string): string[] {
  if (url === '' || url === null) return [`localSettler: ${name} is empty; is the environment variable set?`]
  if (typeof url !== 'string') return [`localSettler: ${name} must be a string URL, not a ${typeof url}`]
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return [`localSettler: ${name} is not a valid URL`]
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return [`localSettler: ${name} must be an http:// or https:// URL, not ${parsed.protocol}//`]
  return []
}
