import type { Address, Hex, PrivateKeyAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { TestChain } from '../../support/chain.js'
// Shared with the other suites; re-exported so the facilitator tests keep one import.
export { freshBuyer, requirementAt, signedV2, type V2Requirement } from '../../support/payments.js'

/** An account with gas money and nothing else, for a settler or facilitator signer of its own. */
export async function gasAccount(chain: TestChain): Promise<{ account: PrivateKeyAccount; key: Hex }> {
  const key = generatePrivateKey()
  const account = privateKeyToAccount(key)
  await chain.publicClient.request({ method: 'anvil_setBalance' as never, params: [account.address, '0x56BC75E2D63100000'] as never })
  return { account, key }
}

/** Balances and transfers before a step, to assert exact differences after it. */
export async function snapshot(chain: TestChain, buyer: Address, seller: Address) {
  return { buyer: await chain.balanceOf(buyer), seller: await chain.balanceOf(seller), transfers: await chain.transferCount() }
}
