/**
 * Reads the example seller's settings from environment variables and reports every problem at once,
 * so a seller fixes their environment in one pass instead of one restart per mistake.
 */
import { getAddress, isAddress, isHex, type Address, type Hex } from 'viem'
// A real app imports these from 'tollgate'.
import { knownNetworks, type TokenInfo } from '../../src/index.js'

export type ExampleEnv = Record<string, string | undefined>

export interface ExampleConfig {
  payTo: Address
  settlerPrivateKey: Hex
  rpcUrl: string
  /** A known network's name, e.g. 'base-sepolia' (a CAIP-2 id such as 'eip155:84532' is accepted and translated). */
  network: string
  /** The token to charge in; absent means the network's USDC. */
  token?: TokenInfo
  host: string
  port: number
  /** Postgres for the receipts ledger (DATABASE_URL); absent: no ledger. */
  databaseUrl?: string
  /** A risk engine consulted before any chain read (RISK_ENGINE_URL); absent: none. */
  riskEngineUrl?: string
}

export class ExampleConfigError extends Error {
  readonly problems: readonly string[]

  constructor(problems: readonly string[]) {
    super(`example seller: the environment is incomplete or invalid:\n  - ${problems.join('\n  - ')}`)
    this.name = 'ExampleConfigError'
    this.problems = problems
  }
}

export function readExampleConfig(env: ExampleEnv): ExampleConfig {
  const problems: string[] = []
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim()
    return raw === '' ? undefined : raw
  }
  const required = (name: string, what: string): string | undefined => {
    const raw = value(name)
    if (raw === undefined) problems.push(`${name} is required: ${what}`)
    return raw
  }

  const payTo = required('PAY_TO', 'the address that receives payments (0x…)')
  if (payTo !== undefined && !isAddress(payTo, { strict: false })) problems.push(`PAY_TO ${JSON.stringify(payTo)} is not an EVM address`)

  const key = required('SETTLER_PRIVATE_KEY', 'the 0x-prefixed 32-byte key of the account that submits settlements and pays their gas')
  if (key !== undefined && !(isHex(key) && key.length === 66)) {
    problems.push('SETTLER_PRIVATE_KEY must be a 0x-prefixed 32-byte hex string (66 characters)')
  }

  const rpcUrl = required('RPC_URL', "a JSON-RPC endpoint of the network's chain, e.g. https://sepolia.base.org")
  if (rpcUrl !== undefined && !isHttpUrl(rpcUrl)) problems.push(`RPC_URL ${JSON.stringify(rpcUrl)} is not an http(s) URL`)

  const networkId = value('NETWORK') ?? 'base-sepolia'
  const known = knownNetworks.find((n) => n.name === networkId || n.caip2 === networkId)
  if (!known) {
    problems.push(`NETWORK ${JSON.stringify(networkId)} is not a known network; use one of ${knownNetworks.map((n) => n.name).join(', ')}`)
  }

  const token = readToken(value, problems)
  const host = value('HOST') ?? '127.0.0.1'
  const portText = value('PORT') ?? '4021'
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port > 65_535) problems.push(`PORT ${JSON.stringify(portText)} is not a port number (0-65535)`)

  const databaseUrl = value('DATABASE_URL')
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL must be a postgres:// connection string')
  const riskEngineUrl = value('RISK_ENGINE_URL')
  if (riskEngineUrl !== undefined && !/^https?:\/\//.test(riskEngineUrl)) problems.push('RISK_ENGINE_URL must be an http(s) URL')

  if (problems.length > 0) throw new ExampleConfigError(problems)
  return {
    payTo: getAddress(payTo as string),
    settlerPrivateKey: key as Hex,
    rpcUrl: rpcUrl as string,
    network: known!.name,
    ...(token ? { token } : {}),
    host,
    port,
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(riskEngineUrl ? { riskEngineUrl } : {}),
  }
}

/** TOKEN_ADDRESS with its EIP-712 domain (TOKEN_NAME, TOKEN_VERSION) and TOKEN_DECIMALS (default 6). */
function readToken(value: (name: string) => string | undefined, problems: string[]): TokenInfo | undefined {
  const address = value('TOKEN_ADDRESS')
  const name = value('TOKEN_NAME')
  const version = value('TOKEN_VERSION')
  const decimalsText = value('TOKEN_DECIMALS')
  if (address === undefined) {
    const strays = (['TOKEN_NAME', 'TOKEN_VERSION', 'TOKEN_DECIMALS'] as const).filter((n) => value(n) !== undefined)
    if (strays.length > 0) problems.push(`${strays.join(', ')} given without TOKEN_ADDRESS (set it to charge in a custom token)`)
    return undefined
  }
  const before = problems.length
  if (!isAddress(address, { strict: false })) problems.push(`TOKEN_ADDRESS ${JSON.stringify(address)} is not an EVM address`)
  if (name === undefined) problems.push("TOKEN_NAME is required with TOKEN_ADDRESS: the token's EIP-712 domain name (e.g. USDC)")
  if (version === undefined) problems.push("TOKEN_VERSION is required with TOKEN_ADDRESS: the token's EIP-712 domain version (e.g. 2)")
  const decimals = Number(decimalsText ?? '6')
  if (!/^\d+$/.test(decimalsText ?? '6') || decimals > 36) {
    problems.push(`TOKEN_DECIMALS ${JSON.stringify(decimalsText)} must be an integer between 0 and 36`)
  }
  if (problems.length > before) return undefined
  return { address: getAddress(address), name: name as string, version: version as string, decimals }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}
