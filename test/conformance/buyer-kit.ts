import type { Address } from 'viem'
import type { TestChain } from '../support/chain.js'
import { decodeHeader, encodeHeader, signAuthorization, v2Payment } from '../support/payments.js'
import type { SellerUnderTest } from './harness.js'

/**
 * What a conformance case set does as a buyer against the seller under test: plain requests, a
 * hand-signed v2 payment for a route's first option, and the balances that show what moved. The
 * chain and seller are read when called, since case sets start them in their own beforeAll.
 */
export function buyerKit(current: () => { chain: TestChain; seller: SellerUnderTest }, price: bigint) {
  let buyerIndex = 0
  const nextBuyer = () => {
    const { buyers } = current().chain.accounts
    return buyers[buyerIndex++ % buyers.length]!
  }
  const get = (path: string, headers: Record<string, string> = {}) => {
    const { seller } = current()
    return seller.fetch(seller.urlOf(path), { headers })
  }
  async function signedV2(path: string, from = nextBuyer()) {
    const { chain } = current()
    const challenge = await get(path)
    const accepted = decodeHeader<{ accepts: Record<string, unknown>[] }>(challenge.headers.get('payment-required')!).accepts[0]!
    const payload = await signAuthorization({ from, to: chain.accounts.seller.address, value: price, token: chain.tokenInfo, chainId: chain.chainId })
    return { payload, header: encodeHeader(v2Payment(accepted, payload)), from }
  }
  async function balances(buyer: Address) {
    const { chain } = current()
    return { buyer: await chain.balanceOf(buyer), seller: await chain.balanceOf(chain.accounts.seller.address), transfers: await chain.transferCount() }
  }
  return { nextBuyer, get, signedV2, balances }
}
