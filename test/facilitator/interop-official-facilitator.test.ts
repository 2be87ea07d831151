/**
 * Interop (b): tollgate's Express adapter settling through the official x402 facilitator
 * (`x402Facilitator` + `registerExactEvmScheme` from @x402/evm), served over HTTP, on anvil.
 * Paid by the official v2 client and by hand-signed payments, good and bad.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { httpFacilitator, type SettleResponse } from '../../src/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, encodeHeader, nowSeconds, signAuthorization, v1Payment, v2Payment } from '../support/payments.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { startSeller, type Seller } from '../e2e/seller.js'
import { freshBuyer, gasAccount, requirementAt, signedV2, snapshot, type V2Requirement } from './support/fixtures.js'
import { installMulticall3 } from './support/multicall.js'
import { startOfficialFacilitator, type OfficialFacilitator } from './support/official-facilitator.js'

const PRICE = 10_000n

let chain: TestChain
let official: OfficialFacilitator
let seller: Seller
let requirement: V2Requirement
const content = { content: 'PAID CONTENT' }

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
  await installMulticall3(chain)
  official = await startOfficialFacilitator(chain, (await gasAccount(chain)).account)
  seller = await startSeller(
    chain,
    (app, gate) => {
      app.get('/data', gate.paywall({ amount: '0.01', network: 'base-sepolia' }), (req, res) => res.json({ ...content, paidBy: req.payment?.payer }))
    },
    { settler: undefined, facilitator: httpFacilitator({ url: official.url }) },
  )
  requirement = await requirementAt(`${seller.url}/data`)
})

afterAll(async () => {
  await seller?.close()
  await official?.close()
  await chain?.stop()
})

const sellerAddress = () => chain.accounts.seller.address

describe('paid through the official facilitator', () => {
  it('the official v2 client buys the resource: 200, PAYMENT-RESPONSE, one transfer of the price', async () => {
    const buyer = await freshBuyer(chain)
    const before = await snapshot(chain, buyer.address, sellerAddress())
    const pay = makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })
    const res = await pay(`${seller.url}/data`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ...content, paidBy: buyer.address })
    const settlement = decodeHeader<SettleResponse>(res.headers.get('payment-response')!)
    expect(settlement).toMatchObject({ success: true, network: 'eip155:84532', payer: buyer.address })
    const receipt = await chain.publicClient.getTransactionReceipt({ hash: settlement.transaction as `0x${string}` })
    expect(receipt.status).toBe('success')
    expect(await chain.balanceOf(buyer.address)).toBe(before.buyer - PRICE)
    expect(await chain.balanceOf(sellerAddress())).toBe(before.seller + PRICE)
    expect(await chain.transferCount()).toBe(before.transfers + 1)
  })

  it('a v1 payment (X-PAYMENT) is verified and settled with the v1 requirement: X-PAYMENT-RESPONSE', async () => {
    const buyer = await freshBuyer(chain)
    const before = await snapshot(chain, buyer.address, sellerAddress())
    const payload = await signAuthorization({ from: buyer, to: sellerAddress(), value: PRICE, token: chain.tokenInfo, chainId: chain.chainId })
    const res = await fetch(`${seller.url}/data`, { headers: { 'x-payment': encodeHeader(v1Payment('base-sepolia', payload)) } })
    expect(res.status).toBe(200)
    expect(decodeHeader<SettleResponse>(res.headers.get('x-payment-response')!)).toMatchObject({ success: true, network: 'base-sepolia', payer: buyer.address })
    expect(await chain.balanceOf(buyer.address)).toBe(before.buyer - PRICE)
  })

  it('20 concurrent copies of one payment: one 200, 19 × 409, one verify and one settle at the facilitator, one transfer', async () => {
    const buyer = await freshBuyer(chain)
    const { header } = await signedV2(chain, requirement, buyer)
    const before = await snapshot(chain, buyer.address, sellerAddress())
    const calls = { verify: official.calls.verify ?? 0, settle: official.calls.settle ?? 0 }
    const statuses = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const res = await fetch(`${seller.url}/data`, { headers: { 'payment-signature': header } })
        const text = await res.text()
        if (res.status !== 200) expect(text).not.toContain('PAID CONTENT')
        return res.status
      }),
    )
    expect(statuses.filter((s) => s === 200)).toHaveLength(1)
    expect(statuses.filter((s) => s === 409)).toHaveLength(19)
    expect(official.calls.verify).toBe(calls.verify + 1)
    expect(official.calls.settle).toBe(calls.settle + 1)
    expect(await chain.balanceOf(buyer.address)).toBe(before.buyer - PRICE)
    expect(await chain.transferCount()).toBe(before.transfers + 1)
  })
})

describe('bad payments through the official facilitator: 4xx, no content, no transfer', () => {
  async function present(header: string, name = 'payment-signature') {
    const transfers = await chain.transferCount()
    const res = await fetch(`${seller.url}/data`, { headers: { [name]: header } })
    const text = await res.text()
    expect(text).not.toContain('PAID CONTENT')
    expect(await chain.transferCount()).toBe(transfers)
    return { status: res.status, error: (JSON.parse(text) as { error: string }).error }
  }

  it.each([
    ['a signature by another key', { signer: privateKeyToAccount(generatePrivateKey()) }, 'invalid_exact_evm_signature'],
    ['wrong recipient', { to: privateKeyToAccount(generatePrivateKey()).address }, 'invalid_exact_evm_recipient_mismatch'],
    ['expired', { validBefore: nowSeconds() - 1n }, 'invalid_exact_evm_payload_authorization_valid_before'],
    ['not valid yet', { validAfter: nowSeconds() + 120n }, 'invalid_exact_evm_payload_authorization_valid_after'],
    ['another amount', { value: PRICE - 1n }, 'invalid_exact_evm_payload_authorization_value_mismatch'],
    ['signed for another chain', { chainId: 8453 }, 'invalid_exact_evm_signature'],
  ])('%s → 402 %s', async (_name, overrides, reason) => {
    const buyer = await freshBuyer(chain)
    const { header } = await signedV2(chain, requirement, buyer, overrides)
    expect(await present(header)).toEqual({ status: 402, error: reason })
  })

  it('a tampered value → 402 (signature or value)', async () => {
    const buyer = await freshBuyer(chain)
    const { payload } = await signedV2(chain, requirement, buyer)
    payload.authorization.value = '1000000'
    const { status, error } = await present(encodeHeader(v2Payment({ ...requirement, amount: requirement.amount }, payload)))
    expect(status).toBe(402)
    expect(error).toMatch(/invalid_exact_evm_(signature|payload_authorization_value_mismatch)/)
  })

  it('insufficient balance → 402 from the facilitator', async () => {
    const pauper = await freshBuyer(chain, 0n)
    const { header } = await signedV2(chain, requirement, pauper)
    expect(await present(header)).toEqual({ status: 402, error: 'invalid_exact_evm_insufficient_balance' })
  })

  it('a nonce already used on chain → 402 from the facilitator', async () => {
    const buyer = await freshBuyer(chain)
    const { header, payload } = await signedV2(chain, requirement, buyer)
    await chain.submitAuthorization(payload)
    expect(await present(header)).toEqual({ status: 402, error: 'invalid_exact_evm_nonce_already_used' })
  })

  it('wrong asset, network or scheme and malformed payloads are refused before any facilitator call', async () => {
    const verifies = official.calls.verify ?? 0
    const buyer = await freshBuyer(chain)
    expect((await present((await signedV2(chain, requirement, buyer, {}, { ...requirement, asset: chain.accounts.deployer.address })).header)).error).toBe(
      'invalid_exact_evm_asset_mismatch',
    )
    expect((await present((await signedV2(chain, requirement, buyer, {}, { ...requirement, network: 'eip155:8453' })).header)).error).toBe('invalid_network')
    expect((await present((await signedV2(chain, requirement, buyer, {}, { ...requirement, scheme: 'upto' })).header)).error).toBe('unsupported_scheme')
    expect(await present(Buffer.from('{"x402Version":2}').toString('base64'))).toEqual({ status: 400, error: 'invalid_payload' })
    expect(official.calls.verify ?? 0).toBe(verifies)
  })

  it('v1: another recipient and another amount → 402', async () => {
    const buyer = await freshBuyer(chain)
    const sign = (o: object) => signAuthorization({ from: buyer, to: sellerAddress(), value: PRICE, token: chain.tokenInfo, chainId: chain.chainId, ...o })
    const other = privateKeyToAccount(generatePrivateKey()).address
    expect((await present(encodeHeader(v1Payment('base-sepolia', await sign({ to: other }))), 'x-payment')).error).toBe('invalid_exact_evm_recipient_mismatch')
    expect((await present(encodeHeader(v1Payment('base-sepolia', await sign({ value: 1n }))), 'x-payment')).error).toBe(
      'invalid_exact_evm_payload_authorization_value_mismatch',
    )
  })
})
