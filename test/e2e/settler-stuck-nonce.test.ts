import type { Hex } from 'viem'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain } from '../support/chain.js'
import { freshBuyer } from '../support/payments.js'
import { eventually, poolOf, PRICE, rpcOf, settlerFixture } from './settler-fixture.js'

/**
 * One settlement transaction that is not mined (underpriced, dropped by the node) must not block
 * every later settlement of the settler. Anvil with automine off holds transactions in its pool
 * like a congested chain; `anvil_dropTransaction` loses one like an evicting node.
 */

let chain: TestChain
const FUNDS = 1_000_000n

beforeAll(async () => {
  chain = await startTestChain()
})

afterEach(async () => {
  await rpcOf(chain)('evm_setAutomine', [true])
})

afterAll(async () => {
  await chain?.stop()
})

/** Mines a block every 100 ms until stopped, as a chain with a block time would. */
function keepMining(): { stop(): Promise<void> } {
  let running = true
  const loop = (async () => {
    while (running) {
      await rpcOf(chain)('evm_mine')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  })()
  return {
    stop: async () => {
      running = false
      await loop
    },
  }
}

describe('a settlement transaction that stays pending', () => {
  it('is replaced at the same nonce with fees raised by at least 12.5%, and the payment settles with the replacement', async () => {
    const f = await settlerFixture(chain, { replaceAfterMs: 300, receiptTimeoutMs: 20_000 })
    const buyer = await freshBuyer(chain, FUNDS)
    const proof = await f.pay(buyer)
    await rpcOf(chain)('evm_setAutomine', [false])

    const settling = f.settle(proof)
    const original = await eventually(async () => (await poolOf(chain, f.account.address))[0], 'the settlement in the pool')
    await eventually(async () => (await poolOf(chain, f.account.address)).find((t) => t.hash !== original.hash), 'a replacement in the pool')
    await rpcOf(chain)('evm_mine')
    const settlement = await settling

    expect(settlement).toMatchObject({ ok: true })
    const mined = await chain.publicClient.getTransaction({ hash: (settlement as { transaction: Hex }).transaction })
    expect(mined.hash).not.toBe(original.hash)
    expect(mined.nonce).toBe(original.nonce)
    expect(mined.maxFeePerGas! * 8n).toBeGreaterThanOrEqual(original.maxFeePerGas * 9n)
    expect(mined.maxPriorityFeePerGas! * 8n).toBeGreaterThanOrEqual(original.maxPriorityFeePerGas * 9n)
    expect(await chain.publicClient.getTransactionReceipt({ hash: original.hash }).catch(() => null)).toBeNull()
    expect(await chain.balanceOf(buyer.address)).toBe(FUNDS - PRICE)
  })
})

describe('a settlement transaction the node dropped', () => {
  it('does not block the next settlement: the dropped one is sent again as signed, both are mined in nonce order', async () => {
    // Replacement is far off: what moves the dropped transaction here is the ledger re-sending it.
    const f = await settlerFixture(chain, { replaceAfterMs: 60_000, receiptTimeoutMs: 25_000 })
    const [first, second] = [await freshBuyer(chain, FUNDS), await freshBuyer(chain, FUNDS)]
    const [proofA, proofB] = [await f.pay(first), await f.pay(second)]
    await rpcOf(chain)('evm_setAutomine', [false])

    const settlingA = f.settle(proofA)
    const a = await eventually(async () => (await poolOf(chain, f.account.address))[0], 'the first settlement in the pool')
    await rpcOf(chain)('anvil_dropTransaction', [a.hash])
    expect(await poolOf(chain, f.account.address)).toEqual([])
    const settlingB = f.settle(proofB)
    const b = await eventually(async () => (await poolOf(chain, f.account.address)).find((t) => t.nonce === a.nonce + 1), 'the second settlement, behind the gap')

    const mining = keepMining()
    let settled
    try {
      settled = await Promise.all([settlingA, settlingB])
    } finally {
      await mining.stop()
    }

    expect(settled).toEqual([
      { ok: true, transaction: a.hash },
      { ok: true, transaction: b.hash },
    ])
    expect(await chain.balanceOf(first.address)).toBe(FUNDS - PRICE)
    expect(await chain.balanceOf(second.address)).toBe(FUNDS - PRICE)
    expect((await chain.publicClient.getTransactionReceipt({ hash: a.hash })).status).toBe('success')
    expect((await chain.publicClient.getTransactionReceipt({ hash: b.hash })).status).toBe('success')
    expect(f.logger.lines.map((l) => l.message)).toContainEqual(expect.stringMatching(/lost a settlement transaction; sending it again/))
  })

  it('dropped and its settlement timed out as unknown: later settlements still go through, and the dropped one is mined', async () => {
    const f = await settlerFixture(chain, { replaceAfterMs: 60_000, receiptTimeoutMs: 400 })
    const [first, second] = [await freshBuyer(chain, FUNDS), await freshBuyer(chain, FUNDS)]
    const [proofA, proofB] = [await f.pay(first), await f.pay(second)]
    await rpcOf(chain)('evm_setAutomine', [false])

    const settlingA = f.settle(proofA)
    const a = await eventually(async () => (await poolOf(chain, f.account.address))[0], 'the first settlement in the pool')
    await rpcOf(chain)('anvil_dropTransaction', [a.hash])
    // Its wait ends before anything is mined: the truth is "unknown", never "nothing was charged".
    expect(await settlingA).toMatchObject({ ok: false, reason: 'settlement_unknown', broadcast: true, transaction: a.hash })

    await rpcOf(chain)('evm_setAutomine', [true])
    // A second seller with the same key (one nonce sequence and ledger per account) and patience.
    const patient = await settlerFixture(chain, { privateKey: f.key, receiptTimeoutMs: 20_000 })
    const settlementB = await patient.settle(proofB)

    expect(settlementB).toMatchObject({ ok: true })
    const b = await chain.publicClient.getTransaction({ hash: (settlementB as { transaction: Hex }).transaction })
    expect(b.nonce).toBe(a.nonce + 1)
    await eventually(async () => (await chain.publicClient.getTransactionReceipt({ hash: a.hash }).catch(() => null))?.status === 'success', 'the dropped transaction mined')
    expect(await chain.balanceOf(first.address)).toBe(FUNDS - PRICE)
    expect(await chain.balanceOf(second.address)).toBe(FUNDS - PRICE)
    const a2 = proofA.authorization
    expect(await f.terms.chain.checkAuthorization(chain.token, a2.from, a2.nonce, a.hash)).toEqual({ state: 'settled', transaction: a.hash })
  })
})
