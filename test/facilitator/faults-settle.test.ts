/**
 * Facilitator faults at settlement, after a real verification: down, slow past the timeout (settled
 * meanwhile, or not), 500, malformed JSON, answers that contradict themselves, and a verifier that
 * says yes to a payment the chain then refuses. /settle is not retried within a request; an outcome
 * tollgate cannot know keeps the payment claimed and is recorded pending: the same payment
 * presented again is resolved (the chain when the seller has an rpcUrl, else the facilitator asked
 * again), never refused as a replay while the buyer may have paid.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { createWalletClient, http, parseSignature, type Hex } from 'viem'
import { httpFacilitator, localSettler } from '../../src/index.js'
import { testTokenAbi, type TestChain } from '../support/chain.js'
import type { TestServer } from '../support/http.js'
import { decodeHeader, nowSeconds, type ExactEvmPayload, type V2Payment } from '../support/payments.js'
import { duringHandler, facilitatorSeller, present, PRICE, useRealFacilitator } from './support/fault-seller.js'
import { freshBuyer, gasAccount, signedV2, snapshot, type V2Requirement } from './support/fixtures.js'
import { startStubFacilitator, type StubRoute } from './support/stub-facilitator.js'
import { startTollgateFacilitator } from './support/tollgate-facilitator.js'
import { mine, withoutAutomine } from '../e2e/pending-fixture.js'

const fixture = useRealFacilitator()
let chain: TestChain
let real: TestServer
let requirement: V2Requirement
const { auth, forward } = fixture
beforeAll(() => void ({ chain, real, requirement } = fixture))

const seller = () => chain.accounts.seller.address

/** A stub verifying through the real facilitator, whose /settle is `settle`; and a seller on it. */
async function setUp(settle: StubRoute, opts: { rpc?: boolean; verify?: StubRoute; port?: number } = {}) {
  const stub = await startStubFacilitator({ supported: forward('supported'), verify: opts.verify ?? forward('verify'), settle }, opts.port)
  const shop = await facilitatorSeller(chain, httpFacilitator({ url: stub.url, settleTimeoutMs: 500 }), { rpc: opts.rpc ?? false })
  return { stub, shop, close: async () => (await shop.close(), await stub.close()) }
}

async function buyerPayment(funds = 1_000_000n) {
  const buyer = await freshBuyer(chain, funds)
  return { buyer, ...(await signedV2(chain, requirement, buyer)) }
}

describe('/settle faults', () => {
  it('down between verify and settle → 503 facilitator_unavailable, nothing charged, the payment buys once it is back', async () => {
    const { stub, shop, close } = await setUp(forward('settle'))
    const { buyer, header } = await buyerPayment()
    const before = await snapshot(chain, buyer.address, seller())
    duringHandler.run = () => stub.close()
    try {
      expect(await present(shop, header)).toMatchObject({ status: 503, error: 'facilitator_unavailable', content: false, settlement: { success: false } })
      expect(await chain.transferCount()).toBe(before.transfers)
      // Connection refused: the request never left, so the claim was released.
      const back = await startStubFacilitator({ supported: forward('supported'), verify: forward('verify'), settle: forward('settle') }, stub.port)
      try {
        expect(await present(shop, header)).toMatchObject({ status: 200, content: true })
        expect(await chain.balanceOf(buyer.address)).toBe(before.buyer - PRICE)
      } finally {
        await back.close()
      }
    } finally {
      await close()
    }
  })

  it('slower than settleTimeoutMs but settled meanwhile → the chain says so: 200 with its transaction, /settle asked once', async () => {
    const { stub, shop, close } = await setUp(forward('settle', 5_000), { rpc: true })
    try {
      const { buyer, header } = await buyerPayment()
      const before = await snapshot(chain, buyer.address, seller())
      const paid = await present(shop, header)
      expect(paid).toMatchObject({ status: 200, content: true, settlement: { success: true } })
      const receipt = await chain.publicClient.getTransactionReceipt({ hash: paid.settlement!.transaction as Hex })
      expect(receipt.status).toBe('success')
      expect(stub.calls.settle).toBe(1)
      expect(await chain.balanceOf(buyer.address)).toBe(before.buyer - PRICE)
      expect(await chain.transferCount()).toBe(before.transfers + 1)
    } finally {
      await close()
    }
  })

  it.each([
    ['slower than settleTimeoutMs, no rpcUrl', 503, (() => ({ hang: true })) as StubRoute, false],
    ['slower than settleTimeoutMs, nothing on chain', 503, (() => ({ hang: true })) as StubRoute, true],
    ['answering 500', 502, (() => ({ status: 500, body: 'Internal Server Error' })) as StubRoute, true],
    ['answering malformed JSON', 502, (() => ({ status: 200, body: '{"success": true, "transac' })) as StubRoute, false],
  ])('%s → %s settlement_unknown, no content, no transfer, asked once; presented again: still unknown (503), the facilitator asked once more', async (_name, status, settle, rpc) => {
    const { stub, shop, close } = await setUp(settle, { rpc })
    try {
      const { buyer, header } = await buyerPayment()
      const before = await snapshot(chain, buyer.address, seller())
      expect(await present(shop, header)).toMatchObject({ status, error: 'settlement_unknown', content: false, settlement: { success: false, errorReason: 'settlement_unknown' } })
      expect(stub.calls.settle).toBe(1)
      // Not a replay: the payment is pending, and nobody can tell yet whether it was charged.
      expect(await present(shop, header)).toEqual({ status: 503, error: 'settlement_unknown', content: false })
      expect(stub.calls.settle).toBe(2)
      expect(await chain.balanceOf(buyer.address)).toBe(before.buyer)
      expect(await chain.transferCount()).toBe(before.transfers)
    } finally {
      await close()
    }
  })

  it('no answer in time, the transfer lands later: presented again, the chain (rpcUrl) shows it → 200 with its transaction, charged once', async () => {
    const { stub, shop, close } = await setUp(() => ({ hang: true }), { rpc: true })
    try {
      const { buyer, header } = await buyerPayment()
      const before = await snapshot(chain, buyer.address, seller())
      expect(await present(shop, header)).toMatchObject({ status: 503, error: 'settlement_unknown', content: false })
      // What the silent facilitator's transaction does once it lands.
      const landed = await chain.submitAuthorization(decodeHeader<V2Payment<object, ExactEvmPayload>>(header).payload)
      expect(await present(shop, header)).toMatchObject({ status: 200, content: true, settlement: { success: true, transaction: landed } })
      expect(stub.calls.settle).toBe(1)
      expect(await present(shop, header)).toEqual({ status: 409, error: 'payment_already_used', content: false })
      expect(await chain.balanceOf(buyer.address)).toBe(before.buyer - PRICE)
      expect(await chain.transferCount()).toBe(before.transfers + 1)
    } finally {
      await close()
    }
  })

  it('tollgate facilitator answers settlement_pending (receipt not in time), no rpcUrl: presented again once mined, it is asked again and the buyer is served once', async () => {
    const { key } = await gasAccount(chain)
    const impatient = await startTollgateFacilitator(chain, key, {
      settler: localSettler({ privateKey: key, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50, receiptTimeoutMs: 300 }),
    })
    const shop = await facilitatorSeller(chain, httpFacilitator({ url: impatient.url, headers: auth }), { rpc: false })
    try {
      const { buyer, header } = await buyerPayment()
      const before = await snapshot(chain, buyer.address, seller())
      const pending = await withoutAutomine(chain, async () => {
        const first = await present(shop, header)
        expect(first).toMatchObject({ status: 503, error: 'settlement_unknown', content: false, settlement: { success: false } })
        expect(first.settlement!.transaction).toMatch(/^0x[0-9a-f]{64}$/)
        // Not mined yet: the facilitator says pending again, and so does the seller.
        expect(await present(shop, header)).toEqual({ status: 503, error: 'settlement_unknown', content: false })
        await mine(chain)
        return first.settlement!.transaction
      })
      expect(await present(shop, header)).toMatchObject({ status: 200, content: true, settlement: { success: true, transaction: pending } })
      expect(await present(shop, header)).toEqual({ status: 409, error: 'payment_already_used', content: false })
      expect(await chain.balanceOf(buyer.address)).toBe(before.buyer - PRICE)
      expect(await chain.transferCount()).toBe(before.transfers + 1)
    } finally {
      await shop.close()
      await impatient.close()
    }
  })
})

describe('answers that say "nothing was sent"', () => {
  /** Settles through the real facilitator, then reports `errorReason` with or without the transaction. */
  const settleThenSay = (errorReason: string, withTransaction: boolean): StubRoute => async (body) => {
    const real = JSON.parse((await forward('settle')(body) as { body: string }).body) as { transaction: string; network: string }
    return { status: 200, body: { success: false, errorReason, transaction: withTransaction ? real.transaction : '', network: real.network } }
  }

  it('chain_unavailable without a transaction, yet the chain shows the transfer: with an rpcUrl the chain wins → 200, charged once', async () => {
    const { shop, close } = await setUp(settleThenSay('chain_unavailable', false), { rpc: true })
    try {
      const { buyer, header } = await buyerPayment()
      const before = await snapshot(chain, buyer.address, seller())
      expect(await present(shop, header)).toMatchObject({ status: 200, content: true, settlement: { success: true } })
      expect(await chain.balanceOf(buyer.address)).toBe(before.buyer - PRICE)
    } finally {
      await close()
    }
  })

  it('chain_unavailable naming a transaction: never "nothing was charged" → 503 settlement_unknown with that transaction, the payment kept', async () => {
    const { shop, close } = await setUp(settleThenSay('chain_unavailable', true), { rpc: false })
    try {
      const { buyer, header } = await buyerPayment()
      const before = await snapshot(chain, buyer.address, seller())
      const answer = await present(shop, header)
      expect(answer).toMatchObject({ status: 503, error: 'settlement_unknown', content: false })
      const receipt = await chain.publicClient.getTransactionReceipt({ hash: answer.settlement!.transaction as Hex })
      expect(receipt.status).toBe('success')
      expect(await chain.balanceOf(buyer.address)).toBe(before.buyer - PRICE)
    } finally {
      await close()
    }
  })
})

describe('a facilitator that says isValid: true to a payment the chain refuses', () => {
  const alwaysValid: StubRoute = () => ({ status: 200, body: { isValid: true } })

  it('its settle sends the transfer anyway, which reverts → 402 invalid_exact_evm_transaction_failed, no content, nothing moved, claim kept', async () => {
    const { account } = await gasAccount(chain)
    const wallet = createWalletClient({ account, chain: chain.chain, transport: http(chain.rpcUrl) })
    // The double submits without simulating (a fixed gas limit), so the refusal comes from the chain itself.
    const submitBlindly: StubRoute = async (body) => {
      const { payload } = (body as { paymentPayload: V2Payment<object, ExactEvmPayload> }).paymentPayload
      const a = payload.authorization
      const { v, r, s } = parseSignature(payload.signature)
      const hash = await wallet.writeContract({
        address: chain.token,
        abi: testTokenAbi,
        functionName: 'transferWithAuthorization',
        args: [a.from, a.to, BigInt(a.value), BigInt(a.validAfter), BigInt(a.validBefore), a.nonce, Number(v), r, s],
        gas: 200_000n,
      })
      const receipt = await chain.publicClient.waitForTransactionReceipt({ hash })
      return { status: 200, body: { success: receipt.status === 'success', errorReason: 'invalid_exact_evm_transaction_failed', transaction: hash, network: 'eip155:84532' } }
    }
    const { shop, close } = await setUp(submitBlindly, { verify: alwaysValid })
    try {
      const { buyer, header } = await buyerPayment(0n)
      const before = await snapshot(chain, buyer.address, seller())
      const refused = await present(shop, header)
      expect(refused).toMatchObject({ status: 402, error: 'invalid_exact_evm_transaction_failed', content: false, settlement: { success: false } })
      const receipt = await chain.publicClient.getTransactionReceipt({ hash: refused.settlement!.transaction as Hex })
      expect(receipt.status).toBe('reverted')
      expect(await chain.balanceOf(seller())).toBe(before.seller)
      expect(await chain.transferCount()).toBe(before.transfers)
      expect((await present(shop, header)).status).toBe(409)
    } finally {
      await close()
    }
  })

  it('its settle is a real facilitator that re-verifies → 402 with the chain reason, one transfer only (the earlier one)', async () => {
    const { shop, close } = await setUp(forward('settle'), { verify: alwaysValid })
    try {
      const { buyer, header } = await buyerPayment()
      await chain.submitAuthorization(decodeHeader<V2Payment<object, ExactEvmPayload>>(header).payload)
      const before = await snapshot(chain, buyer.address, seller())
      expect(await present(shop, header)).toMatchObject({ status: 402, error: 'invalid_exact_evm_nonce_already_used', content: false })
      expect(await chain.transferCount()).toBe(before.transfers)
      expect(await chain.balanceOf(buyer.address)).toBe(before.buyer)
    } finally {
      await close()
    }
  })

  it('what tollgate can check without the chain it checks itself: an expired authorization never reaches the facilitator', async () => {
    const { stub, shop, close } = await setUp(forward('settle'), { verify: alwaysValid })
    try {
      const buyer = await freshBuyer(chain)
      const { header } = await signedV2(chain, requirement, buyer, { validBefore: nowSeconds() - 10n })
      expect(await present(shop, header)).toEqual({ status: 402, error: 'invalid_exact_evm_payload_authorization_valid_before', content: false })
      expect(stub.calls.verify ?? 0).toBe(0)
      expect(stub.calls.settle ?? 0).toBe(0)
    } finally {
      await close()
    }
  })
})
