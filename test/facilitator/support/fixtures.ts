import type { Address, Hex, PrivateKeyAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { TestChain } from '../../support/chain.js'
import { decodeHeader, encodeHeader, signAuthorization, v2Payment, type AuthorizationParams, type ExactEvmPayload } from '../../support/payments.js'

export interface V2Requirement {
  scheme: string
  network: string
  asset: Address
  amount: string
  payTo: Address
  maxTimeoutSeconds: number
  extra: { name: string; version: string }
}

/** A buyer nobody else uses, holding `funds` of the test token. */
export async function freshBuyer(chain: TestChain, funds = 1_000_000n): Promise<PrivateKeyAccount> {
  const buyer = privateKeyToAccount(generatePrivateKey())
  if (funds > 0n) await chain.mint(buyer.address, funds)
  return buyer
}

/** An account with gas money and nothing else, for a settler or facilitator signer of its own. */
export async function gasAccount(chain: TestChain): Promise<{ account: PrivateKeyAccount; key: Hex }> {
  const key = generatePrivateKey()
  const account = privateKeyToAccount(key)
  await chain.publicClient.request({ method: 'anvil_setBalance' as never, params: [account.address, '0x56BC75E2D63100000'] as never })
  return { account, key }
}

/** The route's v2 requirement, as a v2 buyer reads it from the 402. */
export async function requirementAt(url: string): Promise<V2Requirement> {
  const res = await fetch(url)
  await res.arrayBuffer()
  if (res.status !== 402) throw new Error(`${url} answered ${res.status}, not 402`)
  return decodeHeader<{ accepts: V2Requirement[] }>(res.headers.get('payment-required')!).accepts[0]!
}

/** A hand-signed v2 payment for `requirement`, with any field of the authorization overridden. */
export async function signedV2(
  chain: TestChain,
  requirement: V2Requirement,
  buyer: PrivateKeyAccount,
  overrides: Partial<AuthorizationParams> = {},
  accepted: object = requirement,
): Promise<{ header: string; payload: ExactEvmPayload }> {
  const payload = await signAuthorization({
    from: buyer,
    to: requirement.payTo,
    value: BigInt(requirement.amount),
    token: { address: requirement.asset, name: requirement.extra.name, version: requirement.extra.version },
    chainId: chain.chainId,
    ...overrides,
  })
  return { header: encodeHeader(v2Payment(accepted, payload)), payload }
}

/** Balances and transfers before a step, to assert exact differences after it. */
export async function snapshot(chain: TestChain, buyer: Address, seller: Address) {
  return { buyer: await chain.balanceOf(buyer), seller: await chain.balanceOf(seller), transfers: await chain.transferCount() }
}
