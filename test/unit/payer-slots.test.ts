/**
 * One wallet may have only so many payments verified and not yet settled or abandoned (each may
 * hold a handler's answer in memory). The core on a real chain: nine valid payments of one payer
 * against a limit of eight.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { memoryStore, PayerSlots, type PaymentPass } from '../../src/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { freshBuyer, type V2Requirement } from '../support/payments.js'
import { coreGate, paymentRequest, requirementOf, statusOf } from './core-fixture.js'

let chain: TestChain
let requirement: V2Requirement

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
  requirement = await requirementOf(coreGate(chain))
})

afterAll(async () => {
  await chain?.stop()
})

describe('PayerSlots', () => {
  it('counts per payer, case-insensitively, and refuses past the limit until one is released', () => {
    const slots = new PayerSlots(2)
    expect(slots.acquire('0xAbC')).toBe(true)
    expect(slots.acquire('0xabc')).toBe(true)
    expect(slots.acquire('0xABC')).toBe(false)
    expect(slots.acquire('0xdef')).toBe(true)
    slots.release('0xabc')
    expect(slots.count('0xAbc')).toBe(1)
    expect(slots.acquire('0xabc')).toBe(true)
    expect(() => new PayerSlots(0)).toThrow(RangeError)
  })
})

describe('a gate with the default limit of 8 per payer', () => {
  it('the 9th concurrent payment of one payer is 429 too_many_pending_payments with its claim freed; abandoning one lets it through', async () => {
    const gate = coreGate(chain, { store: memoryStore() })
    const buyer = await freshBuyer(chain)
    const requests = await Promise.all(Array.from({ length: 9 }, () => paymentRequest(chain, requirement, buyer)))
    const decisions = []
    for (const request of requests.slice(0, 8)) decisions.push(await gate.evaluate(request))
    expect(decisions.map(statusOf)).toEqual(Array(8).fill('pass'))

    const ninth = await gate.evaluate(requests[8]!)
    expect(ninth).toMatchObject({ type: 'reject', status: 429, reason: 'too_many_pending_payments' })
    // Another payer is not affected.
    const other = await gate.evaluate(await paymentRequest(chain, requirement, await freshBuyer(chain)))
    expect(statusOf(other)).toBe('pass')
    await (other as PaymentPass).abandon()

    await (decisions[0] as PaymentPass).abandon()
    // The refused payment's claim was freed: the same payment now passes.
    const retried = await gate.evaluate(requests[8]!)
    expect(statusOf(retried)).toBe('pass')
    expect(statusOf(await gate.evaluate(await paymentRequest(chain, requirement, buyer)))).toBe(429)

    // A settled payment frees its slot too, exactly once however often settle() is called.
    const settling = decisions[1] as PaymentPass
    const [a, b] = await Promise.all([settling.settle(), settling.settle()])
    expect(a.ok && b.ok).toBe(true)
    expect(statusOf(await gate.evaluate(await paymentRequest(chain, requirement, buyer)))).toBe('pass')
    expect(statusOf(await gate.evaluate(await paymentRequest(chain, requirement, buyer)))).toBe(429)
  })

  it('a shared limiter bounds a payer across gates', async () => {
    const shared = new PayerSlots(1)
    const store = memoryStore()
    const [one, two] = [coreGate(chain, { store, pendingPerPayer: shared }), coreGate(chain, { store, pendingPerPayer: shared })]
    const buyer = await freshBuyer(chain)
    const first = await one.evaluate(await paymentRequest(chain, requirement, buyer))
    expect(statusOf(first)).toBe('pass')
    expect(statusOf(await two.evaluate(await paymentRequest(chain, requirement, buyer)))).toBe(429)
    await (first as PaymentPass).abandon()
    expect(shared.count(buyer.address)).toBe(0)
  })
})
