import { decodeFunctionData, isAddressEqual, type Address, type Hex, type PublicClient } from 'viem'
import { redactUrls } from '../../../errors/redact.js'
import type { AuthorizationOutcome, SettlementCheck } from '../../../facilitator/settlement-check.js'
import { errorDetail } from '../settler/rpc-errors.js'
import { EXACT_PROXY_ADDRESS, PERMIT2_ADDRESS, UPTO_PROXY_ADDRESS } from './permit2-constants.js'
import { erc20PermitAbi, exactProxyAbi, permit2Abi, uptoProxyAbi } from './permit2-contracts.js'

/** How far back to look for the transfer that used a nonce: the settle being resolved happened moments ago. */
const LOOKBACK_BLOCKS = 2_000n
/** Transfers out of the owner's account examined, newest first. */
const MAX_CANDIDATES = 25


/** Whether Permit2 has spent this nonce of this owner: bit `nonce & 255` of word `nonce >> 8`. */
export async function permit2NonceUsed(client: PublicClient, owner: Address, nonce: bigint): Promise<boolean> {
  const word = await client.readContract({ address: PERMIT2_ADDRESS, abi: permit2Abi, functionName: 'nonceBitmap', args: [owner, nonce >> 8n] })
  return ((word >> (nonce & 255n)) & 1n) === 1n
}

/**
 * Reads a Permit2 payment's fate from the chain, read-only, in the shape of the EIP-3009 check so
 * the settler's truth rules apply unchanged. A used nonce alone does not prove payment (the owner
 * may have invalidated it through Permit2), so the transaction that used it is looked for: a
 * transfer out of the owner's account sent to an x402 proxy whose calldata carries this nonce.
 */
export function permit2SettlementCheck(read: <T>(run: (client: PublicClient) => Promise<T>) => Promise<T>): SettlementCheck {
  return async (token, owner, nonceHex, transaction) => {
    const nonce = BigInt(nonceHex)
    try {
      return await read(async (client) => {
        if (!(await permit2NonceUsed(client, owner, nonce))) return transaction ? transactionFate(client, transaction) : { state: 'open' as const }
        const latest = await client.getBlockNumber({ cacheTime: 0 })
        const fromBlock = latest > LOOKBACK_BLOCKS ? latest - LOOKBACK_BLOCKS : 0n
        const transfers = await client.getLogs({ address: token, event: erc20PermitAbi[3], args: { from: owner }, fromBlock, toBlock: 'latest' })
        const hashes = [...new Set(transfers.map((log) => log.transactionHash).filter((h): h is Hex => Boolean(h)))].reverse().slice(0, MAX_CANDIDATES)
        if (transaction && !hashes.includes(transaction)) hashes.unshift(transaction)
        for (const hash of hashes) {
          if (await carriesNonce(client, hash, owner, nonce)) return { state: 'settled' as const, transaction: hash }
        }
        const invalidated = await client.getLogs({ address: PERMIT2_ADDRESS, event: permit2Abi[1], args: { owner }, fromBlock, toBlock: 'latest' })
        const word = nonce >> 8n
        const bit = 1n << (nonce & 255n)
        if (invalidated.some((log) => log.args.word === word && ((log.args.mask ?? 0n) & bit) !== 0n)) return { state: 'canceled' as const }
        return { state: 'unknown' as const, detail: `Permit2 nonce ${nonce} of ${owner} is used, but no transfer in the last ${LOOKBACK_BLOCKS} blocks says how` }
      })
    } catch (error) {
      return { state: 'unknown', detail: redactUrls(errorDetail(error)) }
    }
  }
}

/** Whether a mined, successful transaction is an x402 proxy settlement of this owner's nonce. */
async function carriesNonce(client: PublicClient, hash: Hex, owner: Address, nonce: bigint): Promise<boolean> {
  const [tx, receipt] = await Promise.all([client.getTransaction({ hash }), client.getTransactionReceipt({ hash }).catch(() => undefined)])
  if (!tx.to || receipt?.status !== 'success') return false
  const abi = isAddressEqual(tx.to, EXACT_PROXY_ADDRESS) ? exactProxyAbi : isAddressEqual(tx.to, UPTO_PROXY_ADDRESS) ? uptoProxyAbi : undefined
  if (!abi) return false
  try {
    const { functionName, args } = decodeFunctionData({ abi, data: tx.input })
    if (functionName !== 'settle' && functionName !== 'settleWithPermit') return false
    const values = args as readonly unknown[]
    const permit = values.find((v): v is { nonce: bigint } => typeof v === 'object' && v !== null && 'permitted' in v)
    const from = values.find((v): v is Address => typeof v === 'string' && v.length === 42)
    return permit?.nonce === nonce && from !== undefined && isAddressEqual(from, owner)
  } catch {
    return false
  }
}

/** The nonce is unused: only a mined revert of our transaction proves it cannot use it any more. */
async function transactionFate(client: PublicClient, transaction: Hex): Promise<AuthorizationOutcome> {
  const receipt = await client.getTransactionReceipt({ hash: transaction }).catch(() => undefined)
  if (receipt?.status === 'reverted') return { state: 'open' }
  if (receipt) return { state: 'unknown', detail: `transaction ${transaction} succeeded, yet the Permit2 nonce is unused` }
  return { state: 'unknown', detail: `transaction ${transaction} is not mined yet` }
}
