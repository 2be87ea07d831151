/**
 * How long the replay claims of payments live, and what that means for a full memory store: a
 * settled payment's claim is shortened to 15 min (the chain remembers the nonce after that), so a
 * store full of settled claims accepts new payments again within 15 min instead of a week.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { memoryStore, type PaymentPass } from '../../src/index.js'
import { claimLifetimeMs, MAX_CLAIM_MS, PENDING_LIFETIME_MS, SETTLED_CLAIM_MS } from '../../src/replay/replay-guard.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { freshBuyer, nowSeconds, type V2Requirement } from '../support/payments.js'
import { coreGate, paymentRequest, requirementOf, statusOf } from './core-fixture.js'

const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE

describe('claimLifetimeMs', () => {
  const now = 1_700_000_000_000
  const validBefore = (ms: number) => BigInt(Math.floor((now + ms) / 1000))

  it('holds an unsettled claim until validBefore plus 10 min: at least 10 min, at most a day', () => {
    expect(claimLifetimeMs(validBefore(5 * MINUTE), now)).toBe(15 * MINUTE)
    expect(claimLifetimeMs(validBefore(-5 * MINUTE), now)).toBe(10 * MINUTE)
    expect(claimLifetimeMs(validBefore(365 * DAY), now)).toBe(DAY)
    expect(MAX_CLAIM_MS).toBe(DAY)
  })

  it('a settled claim lives 15 min; a pending one a day', () => {
    expect(SETTLED_CLAIM_MS).toBe(15 * MINUTE)
    expect(PENDING_LIFETIME_MS).toBe(DAY)
  })
})

describe('a memory store full of settled claims', () => {
  let chain: TestChain
  let requirement: V2Requirement

  beforeAll(async () => {
    chain = await startTestChain({ fundBuyers: 0n })
    requirement = await requirementOf(coreGate(chain))
  })

  afterAll(async () => {
    await chain?.stop()
  })

  afterEach(() => {
    vi.restoreAllMocks()
  })

  /**
   * The memory store's lifetimes run on performance.now() (lru-cache): moving it forward is how
   * this test lets 16 minutes pass. Only the store reads it on this path.
   */
  const realNow = performance.now.bind(performance)
  async function advance(ms: number): Promise<void> {
    vi.spyOn(performance, 'now').mockImplementation(() => realNow() + ms)
    // lru-cache reuses its last reading for a millisecond: let that pass.
    await new Promise((resolve) => setTimeout(resolve, 20))
  }

  it('refuses new payments while full (503), and accepts them again once the settled claims expired', async () => {
    const store = memoryStore({ maxEntries: 3 })
    const gate = coreGate(chain, { store })
    // Signed to stay valid for a year: before, such claims were held for a week whatever happened.
    const farFuture = { validBefore: nowSeconds() + 365n * 86_400n }
    for (let i = 0; i < 3; i++) {
      const decision = await gate.evaluate(await paymentRequest(chain, requirement, await freshBuyer(chain), farFuture))
      expect(statusOf(decision)).toBe('pass')
      expect((await (decision as PaymentPass).settle()).ok).toBe(true)
    }
    expect(store.size).toBe(3)

    const next = await paymentRequest(chain, requirement, await freshBuyer(chain), farFuture)
    expect(await gate.evaluate(next)).toMatchObject({ type: 'reject', status: 503, reason: 'store_unavailable' })

    await advance(SETTLED_CLAIM_MS - MINUTE)
    expect(await gate.evaluate(next)).toMatchObject({ type: 'reject', status: 503, reason: 'store_unavailable' })

    await advance(SETTLED_CLAIM_MS + MINUTE)
    const accepted = await gate.evaluate(next)
    expect(statusOf(accepted)).toBe('pass')
    expect((await (accepted as PaymentPass).settle()).ok).toBe(true)
    expect(store.size).toBe(1)
  })
})
