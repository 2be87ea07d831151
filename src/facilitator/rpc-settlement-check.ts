import { createPublicClient, http, parseAbi, type Hex, type PublicClient } from 'viem'
import type { EvmNetwork } from '../chains/evm/network/evm-network.js'
import { redactUrl, redactUrls } from '../errors/redact.js'
import type { AuthorizationOutcome, SettlementCheck } from './settlement-check.js'

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
export function rpcReader(network: EvmNetwork, rpcUrl: string): SettlementCheck {
  const key = `${network.caip2}|${rpcUrl}`
  const existing = checks.get(key)
  if (existing) return existing
  const client = createPublicClient({ transport: http(rpcUrl, { timeout: 5_000, retryCount: 1 }) }) as PublicClient
  let chainChecked: Promise<boolean> | undefined
  const where = redactUrl(rpcUrl)
  const check: SettlementCheck = async (asset, from, nonce, transaction) => {
    try {
      chainChecked ??= client.getChainId().then((id) => id === network.chainId)
      if (!(await chainChecked)) {
        chainChecked = undefined
        return { state: 'unknown', detail: `${where} is not chain ${network.chainId}` }
      }
      const used = await client.readContract({ address: asset, abi: authorizationAbi, functionName: 'authorizationState', args: [from, nonce] })
      if (!used) return transaction ? transactionFate(client, transaction) : { state: 'open' }
      // Uncached: a block number remembered from a moment ago would end the search before the transfer.
      const latest = await client.getBlockNumber({ cacheTime: 0 })
      const range = { address: asset, args: { authorizer: from, nonce }, fromBlock: latest > LOOKBACK_BLOCKS ? latest - LOOKBACK_BLOCKS : 0n, toBlock: 'latest' as const }
      const usedLogs = await client.getLogs({ ...range, event: authorizationAbi[1] })
      const usedLog = usedLogs.find((log) => log.transactionHash)
      if (usedLog?.transactionHash) return { state: 'settled', transaction: usedLog.transactionHash }
      const canceled = await client.getLogs({ ...range, event: authorizationAbi[2] })
      if (canceled.length > 0) return { state: 'canceled' }
      return { state: 'unknown', detail: `nonce ${nonce} is used, but no event in the last ${LOOKBACK_BLOCKS} blocks says how` }
    } catch (error) {
      chainChecked = undefined
      return { state: 'unknown', detail: `reading ${network.name} through ${where} failed: ${redactUrls(error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error))}` }
    }
  }
  checks.set(key, check)
  return check
}

/**
 * The authorization is unused: whether `transaction` can still use it. Only a mined revert proves
 * it cannot from here; a transaction this endpoint does not know may sit in another node's pool
 * (and the sender's nonce, which would prove it dropped, is not ours to read).
 */
async function transactionFate(client: PublicClient, transaction: Hex): Promise<AuthorizationOutcome> {
  const receipt = await client.getTransactionReceipt({ hash: transaction }).catch(() => undefined)
  if (receipt?.status === 'reverted') return { state: 'open' }
  if (receipt) return { state: 'unknown', detail: `transaction ${transaction} succeeded, yet the authorization is unused` }
  return { state: 'unknown', detail: `transaction ${transaction} is not mined yet` }
}
