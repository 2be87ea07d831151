import { toHex, type Address, type Hex, type PrivateKeyAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { Logger } from '../../src/logger.js'
import { settleAuthorization, verifyAuthorization, type ChainTerms, type EvmProof } from '../../src/chains/evm/exact/verify-authorization.js'
import { NetworkRegistry } from '../../src/networks/resolve-network.js'
import { localSettler, type LocalSettler } from '../../src/chains/evm/settler/local-settler.js'
import type { LocalSettlerOptions } from '../../src/chains/evm/settler/settler-options.js'
import type { TestChain } from '../support/chain.js'
import { signAuthorization, type ExactEvmPayload } from '../support/payments.js'
import { proofOf as proofFromWire } from '../../src/chains/evm/exact/inspect-payment.js'

/** What the settler tests charge per payment (0.10 of a 6-decimal token). */
export const PRICE = 100_000n

export function rpcOf(chain: TestChain) {
  return <T = unknown>(method: string, params: unknown[] = []) =>
    chain.publicClient.request({ method: method as never, params: params as never }) as Promise<T>
}

/** A logger that keeps every line, so tests can assert what the settler reported. */
export function recordingLogger(): Logger & { lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> } {
  const lines: Array<{ level: string; message: string; fields?: Record<string, unknown> }> = []
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, ...(fields ? { fields } : {}) })
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

/** Polls `probe` until it yields a value; fails with `what` after `ms` (generous: the machine is shared). */
export async function eventually<T>(probe: () => Promise<T | undefined | null | false>, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

export interface PoolTx {
  hash: Hex
  nonce: number
  maxFeePerGas: bigint
  maxPriorityFeePerGas: bigint
}

/** The node's pending and queued transactions of `address`, by nonce. */
export async function poolOf(chain: TestChain, address: Address): Promise<PoolTx[]> {
  type Raw = { hash: Hex; nonce: Hex; maxFeePerGas: Hex; maxPriorityFeePerGas: Hex }
  const content = await rpcOf(chain)<Record<'pending' | 'queued', Record<string, Record<string, Raw>>>>('txpool_content')
  const mine = (section: Record<string, Record<string, Raw>>) =>
    Object.entries(section).find(([from]) => from.toLowerCase() === address.toLowerCase())?.[1] ?? {}
  return [...Object.values(mine(content.pending)), ...Object.values(mine(content.queued))]
    .map((t) => ({ hash: t.hash, nonce: Number(t.nonce), maxFeePerGas: BigInt(t.maxFeePerGas), maxPriorityFeePerGas: BigInt(t.maxPriorityFeePerGas) }))
    .sort((a, b) => a.nonce - b.nonce)
}

export interface SettlerFixture {
  key: Hex
  settler: LocalSettler
  account: PrivateKeyAccount
  terms: ChainTerms
  logger: ReturnType<typeof recordingLogger>
  /** A fresh authorization from `buyer` for PRICE to the seller, in the form the method verifies. */
  pay(buyer: PrivateKeyAccount): Promise<EvmProof>
  settle(proof: EvmProof): ReturnType<typeof settleAuthorization>
  verify(proof: EvmProof): ReturnType<typeof verifyAuthorization>
}

/**
 * A settler of its own (a fresh key funded with 10 ETH, so no other test shares its nonces,
 * unless `privateKey` names another fixture's) and the EVM terms of a base-sepolia route on the
 * test chain, settled through the real method code.
 */
export async function settlerFixture(chain: TestChain, options: Partial<LocalSettlerOptions> = {}): Promise<SettlerFixture> {
  const key = options.privateKey ?? generatePrivateKey()
  const account = privateKeyToAccount(key)
  if (!options.privateKey) await rpcOf(chain)('anvil_setBalance', [account.address, toHex(10n ** 19n)])
  const logger = recordingLogger()
  const settler = localSettler({ privateKey: key, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50, gasCheckIntervalMs: 0, logger, ...options })
  const network = new NetworkRegistry([{ name: 'base-sepolia', asset: chain.tokenInfo }]).resolve('base-sepolia')
  const terms: ChainTerms = { network, token: chain.tokenInfo, amount: PRICE, payTo: chain.accounts.seller.address, chain: settler.connect(network) }
  return {
    key,
    settler,
    account,
    terms,
    logger,
    pay: async (buyer) =>
      proofOf(await signAuthorization({ from: buyer, to: terms.payTo, value: PRICE, token: chain.tokenInfo, chainId: chain.chainId })),
    settle: (proof) => settleAuthorization(terms, proof),
    verify: (proof) => verifyAuthorization(terms, proof, 2, Date.now()),
  }
}

export function proofOf(payload: ExactEvmPayload): EvmProof {
  return proofFromWire(payload.authorization, payload.signature)
}
