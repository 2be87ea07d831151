import { createPublicClient, http, parseAbi, type Address, type Hex, type PublicClient } from 'viem'
import type { EvmNetwork } from '../networks/evm-network.js'

/** What the chain says about an authorization whose settlement outcome is not known. */
export type AuthorizationOutcome =
  | { state: 'settled'; transaction: Hex }
  /** Its nonce is unused: nothing settled it (yet). */
  | { state: 'open' }
  /** The payer canceled it: it can never settle. */
  | { state: 'canceled' }
  | { state: 'unknown'; detail: string }

/** Reads an EIP-3009 authorization's fate from the chain; read-only, it never sends anything. */
export type SettlementCheck = (asset: Address, from: Address, nonce: Hex) => Promise<AuthorizationOutcome>

const authorizationAbi = parseAbi([
  'function authorizationState(address authorizer, bytes32 nonce) view returns (bool)',
  'event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)',
  'event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce)',
])

/** How far back to look for the event that used a nonce: the settle being resolved happened moments ago. */
const LOOKBACK_BLOCKS = 2_000n

const checks = new Map<string, SettlementCheck>()

/**
 * A check through one JSON-RPC endpoint. A used nonce alone does not prove payment (the payer
 * may have canceled the authorization), so the event that used it is looked up: AuthorizationUsed
 * is emitted only by the transfer itself, and gives its transaction hash.
 */
export function rpcSettlementCheck(network: EvmNetwork, rpcUrl: string): SettlementCheck {
  const key = `${network.caip2}|${rpcUrl}`
  const existing = checks.get(key)
  if (existing) return existing
  const client = createPublicClient({ transport: http(rpcUrl, { timeout: 5_000, retryCount: 1 }) }) as PublicClient
  let chainChecked: Promise<boolean> | undefined
  const check: SettlementCheck = async (asset, from, nonce) => {
    try {
      chainChecked ??= client.getChainId().then((id) => id === network.chainId)
      if (!(await chainChecked)) {
        chainChecked = undefined
        return { state: 'unknown', detail: `${rpcUrl} is not chain ${network.chainId}` }
      }
      const used = await client.readContract({ address: asset, abi: authorizationAbi, functionName: 'authorizationState', args: [from, nonce] })
      if (!used) return { state: 'open' }
      const latest = await client.getBlockNumber()
      const range = { address: asset, args: { authorizer: from, nonce }, fromBlock: latest > LOOKBACK_BLOCKS ? latest - LOOKBACK_BLOCKS : 0n, toBlock: latest }
      const usedLogs = await client.getLogs({ ...range, event: authorizationAbi[1] })
      const usedLog = usedLogs.find((log) => log.transactionHash)
      if (usedLog?.transactionHash) return { state: 'settled', transaction: usedLog.transactionHash }
      const canceled = await client.getLogs({ ...range, event: authorizationAbi[2] })
      if (canceled.length > 0) return { state: 'canceled' }
      return { state: 'unknown', detail: `nonce ${nonce} is used, but no event in the last ${LOOKBACK_BLOCKS} blocks says how` }
    } catch (error) {
      chainChecked = undefined
      return { state: 'unknown', detail: `reading ${network.name} through ${rpcUrl} failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` }
    }
  }
  checks.set(key, check)
  return check
}
