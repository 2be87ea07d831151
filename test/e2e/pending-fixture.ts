import { expect } from 'vitest'
import { parseGwei, parseSignature, type Address, type Hex, type PrivateKeyAccount } from 'viem'
import { testTokenAbi, type TestChain } from '../support/chain.js'
import { decodeHeader, signAuthorization, type ExactEvmPayload, type V2Payment } from '../support/payments.js'
import { makeV2Fetch } from '../support/v2-buyer.js'

/** Helpers for settlements whose outcome is left unknown on purpose: anvil with automine off, mined by hand. */

export interface SettleResponse {
  success: boolean
  transaction: string
  network: string
  payer?: string
  errorReason?: string
  amount?: string
}

export function rpc(chain: TestChain, method: string, params: unknown[] = []): Promise<unknown> {
  return chain.publicClient.request({ method: method as never, params: params as never })
}

/** With automine off, transactions wait in the pool until `mine()`: receipts time out, outcomes are unknown. */
export async function withoutAutomine<T>(chain: TestChain, body: () => Promise<T>): Promise<T> {
  await rpc(chain, 'evm_setAutomine', [false])
  try {
    return await body()
  } finally {
    await rpc(chain, 'evm_setAutomine', [true])
  }
}

/** Polls `condition` until it holds (conditions, never fixed sleeps, decide when a test goes on). */
export async function until(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export async function mine(chain: TestChain): Promise<void> {
  await rpc(chain, 'evm_mine')
}

/** The official v2 buyer, remembering every payment header it sent. */
export function officialBuyer(chain: TestChain, buyer: PrivateKeyAccount): { pay: typeof fetch; sent: string[] } {
  const sent: string[] = []
  const recording: typeof fetch = async (input, init) => {
    const request = new Request(input, init)
    const header = request.headers.get('payment-signature')
    if (header) sent.push(header)
    return fetch(request)
  }
  return { pay: makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token, baseFetch: recording }), sent }
}

export function settlementOf(res: Response): SettleResponse {
  const header = res.headers.get('payment-response')
  expect(header, 'payment-response header').toBeTruthy()
  return decodeHeader<SettleResponse>(header!)
}

export function authorizationOf(header: string): ExactEvmPayload['authorization'] {
  return decodeHeader<V2Payment<object, ExactEvmPayload>>(header).payload.authorization
}

/** Tips far above the settler's, so anvil's fee ordering mines these first in the next block. */
const OUTBID = { maxPriorityFeePerGas: parseGwei('50'), maxFeePerGas: parseGwei('100') } as const

/** The buyer cancels an authorization on chain (the deployer submits the signed cancel); sent, not yet mined. */
export async function sendCancel(chain: TestChain, buyer: PrivateKeyAccount, nonce: Hex): Promise<Hex> {
  const signature = await buyer.signTypedData({
    domain: { name: chain.tokenInfo.name, version: chain.tokenInfo.version, chainId: chain.chainId, verifyingContract: chain.token },
    types: { CancelAuthorization: [{ name: 'authorizer', type: 'address' }, { name: 'nonce', type: 'bytes32' }] },
    primaryType: 'CancelAuthorization',
    message: { authorizer: buyer.address, nonce },
  })
  return chain.walletClient.writeContract({ address: chain.token, abi: testTokenAbi, functionName: 'cancelAuthorization', args: [buyer.address, nonce, signature], gas: 200_000n, ...OUTBID })
}

/** The buyer moves `amount` away with a second authorization (submitted by the deployer); sent, not yet mined. */
export async function sendDrain(chain: TestChain, buyer: PrivateKeyAccount, amount: bigint, to: Address): Promise<Hex> {
  const payload = await signAuthorization({ from: buyer, to, value: amount, token: chain.tokenInfo, chainId: chain.chainId })
  const a = payload.authorization
  const { v, r, s } = parseSignature(payload.signature)
  return chain.walletClient.writeContract({
    address: chain.token,
    abi: testTokenAbi,
    functionName: 'transferWithAuthorization',
    args: [a.from, a.to, BigInt(a.value), BigInt(a.validAfter), BigInt(a.validBefore), a.nonce, Number(v), r, s],
    gas: 200_000n,
    ...OUTBID,
  })
}

/** Balances and transfers before a step, to assert exact differences after it. */
export async function snapshot(chain: TestChain, buyer: Address) {
  return { buyer: await chain.balanceOf(buyer), seller: await chain.balanceOf(chain.accounts.seller.address), transfers: await chain.transferCount() }
}
