import type { Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { reasonMessages } from '../../src/errors/reasons.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { freshBuyer } from '../support/payments.js'
import { startRpcProxy, type RpcProxy } from './rpc-proxy.js'
import { eventually, poolOf, PRICE, rpcOf, settlerFixture } from './settler-fixture.js'

/**
 * A signed settlement transaction is never sent twice by the transport, and a send whose fate is
 * not plain is followed on chain: tollgate never says "nothing was charged" for a transfer that
 * was mined. Faults come from a JSON-RPC proxy in front of a real anvil.
 */

let chain: TestChain
let proxy: RpcProxy
const FUNDS = 1_000_000n

beforeAll(async () => {
  chain = await startTestChain()
  proxy = await startRpcProxy(chain.rpcUrl)
})

afterAll(async () => {
  await proxy?.close()
  await chain?.stop()
})

const receiptOf = (hash: Hex) => chain.publicClient.getTransactionReceipt({ hash }).catch(() => null)

describe('the answer to eth_sendRawTransaction is lost after the node took the transaction', () => {
  it('the settler finds its transaction by hash and reports it settled; it was sent once and mined once', async () => {
    const f = await settlerFixture(chain, { rpcUrl: proxy.url })
    const buyer = await freshBuyer(chain, FUNDS)
    const proof = await f.pay(buyer)
    const transfers = await chain.transferCount()
    const sends = proxy.sends
    proxy.loseNextSendAnswer()

    const settlement = await f.settle(proof)

    expect(settlement).toMatchObject({ ok: true })
    const transaction = (settlement as { transaction: Hex }).transaction
    expect((await receiptOf(transaction))?.status).toBe('success')
    expect(proxy.sends - sends).toBe(1)
    expect(await chain.balanceOf(buyer.address)).toBe(FUNDS - PRICE)
    expect(await chain.transferCount()).toBe(transfers + 1)
    expect(f.logger.lines).toContainEqual(expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ answer: 'lost' }) }))
  })

  it('and the endpoint stays unreachable: settlement_unknown with the hash, never chain_unavailable; the transfer is mined once', async () => {
    const f = await settlerFixture(chain, { rpcUrl: proxy.url, receiptTimeoutMs: 1_500, requestTimeoutMs: 1_000 })
    const buyer = await freshBuyer(chain, FUNDS)
    const proof = await f.pay(buyer)
    const transfers = await chain.transferCount()
    proxy.loseNextSendAnswer({ thenCut: true })

    let settlement
    try {
      settlement = await f.settle(proof)
    } finally {
      proxy.restore()
    }

    expect(settlement).toMatchObject({ ok: false, status: 503, reason: 'settlement_unknown', broadcast: true })
    const transaction = (settlement as { transaction?: Hex }).transaction
    expect(transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect(reasonMessages.settlement_unknown).not.toMatch(/nothing was charged/)
    // What actually happened: the transfer the settler reported by hash was mined, once.
    expect((await receiptOf(transaction!))?.status).toBe('success')
    expect(await chain.balanceOf(buyer.address)).toBe(FUNDS - PRICE)
    expect(await chain.transferCount()).toBe(transfers + 1)
    // The read-only resolution the next presentation uses says settled, with that transaction.
    const a = proof.authorization
    expect(await f.terms.chain.checkAuthorization(chain.token, a.from, a.nonce, transaction)).toEqual({ state: 'settled', transaction })
    expect(await f.terms.chain.checkAuthorization(chain.token, a.from, a.nonce)).toEqual({ state: 'settled', transaction })
  })
})

describe('an intermediary delivered the send twice (the client only sees the answer to the copy)', () => {
  it("'nonce too low' (the first copy was mined): the receipt is found, settled, charged once", async () => {
    const f = await settlerFixture(chain, { rpcUrl: proxy.url })
    const buyer = await freshBuyer(chain, FUNDS)
    const proof = await f.pay(buyer)
    const transfers = await chain.transferCount()
    proxy.duplicateNextSend()

    const settlement = await f.settle(proof)

    expect(settlement).toMatchObject({ ok: true })
    expect((await receiptOf((settlement as { transaction: Hex }).transaction))?.status).toBe('success')
    expect(await chain.balanceOf(buyer.address)).toBe(FUNDS - PRICE)
    expect(await chain.transferCount()).toBe(transfers + 1)
    // The path under test: the node's answer to the copy was not an acceptance. Anvil mines the
    // first copy as it takes it, so the copy mostly meets "nonce too low"; when the copy arrives
    // before the block is sealed it meets "already imported", which must end the same way.
    expect(f.logger.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ detail: expect.stringMatching(/nonce too low|already imported/) }) }),
    )
  })

  it("'already imported' (the first copy is pending): the settler waits for it, settled once mined", async () => {
    const rpc = rpcOf(chain)
    const f = await settlerFixture(chain, { rpcUrl: proxy.url })
    const buyer = await freshBuyer(chain, FUNDS)
    const proof = await f.pay(buyer)
    await rpc('evm_setAutomine', [false])
    try {
      proxy.duplicateNextSend()
      const settling = f.settle(proof)
      const pending = await eventually(async () => (await poolOf(chain, f.account.address))[0], 'the settlement in the pool')
      await eventually(async () => f.logger.lines.some((l) => l.fields?.answer === 'known'), "the node's 'already imported' answer")
      await rpc('evm_mine')
      expect(await settling).toEqual({ ok: true, transaction: pending.hash })
    } finally {
      await rpc('evm_setAutomine', [true])
    }
    expect(await chain.balanceOf(buyer.address)).toBe(FUNDS - PRICE)
  })
})

describe('the settler key was used by another sender (the local nonce count is stale)', () => {
  it("the stale send gets 'nonce too low', is proven unmineable, and the transfer goes out at the chain's nonce: settled once", async () => {
    const f = await settlerFixture(chain)
    const [first, second] = [await freshBuyer(chain, FUNDS), await freshBuyer(chain, FUNDS)]
    expect(await f.settle(await f.pay(first))).toMatchObject({ ok: true })
    // Someone else spends the nonce this settler's sequence would take next.
    const other = await chain.walletClient.sendTransaction({ account: f.account, to: f.account.address, value: 0n })
    await chain.publicClient.waitForTransactionReceipt({ hash: other })
    const expectedNonce = await chain.publicClient.getTransactionCount({ address: f.account.address })

    const settlement = await f.settle(await f.pay(second))

    expect(settlement).toMatchObject({ ok: true })
    const mined = await chain.publicClient.getTransaction({ hash: (settlement as { transaction: Hex }).transaction })
    expect(mined.nonce).toBe(expectedNonce)
    expect(await chain.balanceOf(second.address)).toBe(FUNDS - PRICE)
    expect(f.logger.lines.map((l) => l.message)).toContainEqual(expect.stringMatching(/can never be mined; sending the transfer again/))
  })
})
