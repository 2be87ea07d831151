import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { privateKeyToAccount } from 'viem/accounts'
import { startSeller, type Seller } from '../e2e/seller.js'
import { acceptedOf, eip2612Extension, PERMIT2, permit2PaymentHeader, startPermit2Chain, type Permit2Chain } from '../support/permit2.js'

/**
 * Bad Permit2 payments, one per official reason: each is refused with a 4xx and its reason, never a
 * 500, the handler never runs and no token moves (the buyer's and seller's balances are unchanged).
 */
let chain: Permit2Chain
let seller: Seller
let served = 0
const stranger = privateKeyToAccount('0x1111111111111111111111111111111111111111111111111111111111111111')

beforeAll(async () => {
  chain = await startPermit2Chain()
  seller = await startSeller(chain, (app, gate) => {
    const usdt = chain.permitTokenInfo
    app.get('/report', gate.paywall({ amount: '2.00', network: 'base-sepolia', asset: usdt }), (_req, res) => {
      served++
      res.json({ ok: true })
    })
    app.get('/metered', gate.paywall({ scheme: 'upto', max: '0.50', network: 'base-sepolia', asset: usdt }), (req, res) => {
      served++
      req.payment?.charge?.(String(req.query.charge))
      res.json({ ok: true })
    })
  })
  await chain.approvePermit2(chain.accounts.buyers[0]!)
})

afterAll(async () => {
  await seller?.close()
  await chain?.stop()
})

async function balances() {
  return Promise.all([chain.balanceOf(chain.accounts.buyers[0]!.address, chain.permitToken), chain.balanceOf(chain.accounts.seller.address, chain.permitToken)])
}

async function refused(path: string, header: string): Promise<{ status: number; error: string }> {
  const before = await balances()
  const servedBefore = served
  const res = await fetch(`${seller.url}${path}`, { headers: { 'payment-signature': header } })
  const body = (await res.json()) as { error: string }
  expect(served).toBe(servedBefore)
  expect(await balances()).toEqual(before)
  expect(res.headers.get('payment-response')).toBeNull()
  return { status: res.status, error: body.error }
}

describe('Permit2 exact: bad input is a 402 with the official reason, nothing charged', () => {
  const now = () => BigInt(Math.floor(Date.now() / 1000))
  const cases: [string, (a: Awaited<ReturnType<typeof acceptedOf>>) => Promise<string>, string][] = [
    ['a spender other than the exact proxy', async (a) => (await permit2PaymentHeader(chain.accounts.buyers[0]!, a, { spender: stranger.address })).header, 'invalid_permit2_spender'],
    ['a witness paying someone else', async (a) => (await permit2PaymentHeader(chain.accounts.buyers[0]!, a, { to: stranger.address })).header, 'invalid_permit2_recipient_mismatch'],
    ['a deadline too close', async (a) => (await permit2PaymentHeader(chain.accounts.buyers[0]!, a, { deadline: now() + 3n })).header, 'permit2_deadline_expired'],
    ['a deadline past', async (a) => (await permit2PaymentHeader(chain.accounts.buyers[0]!, a, { deadline: now() - 60n })).header, 'permit2_deadline_expired'],
    ['validAfter in the future', async (a) => (await permit2PaymentHeader(chain.accounts.buyers[0]!, a, { validAfter: now() + 600n })).header, 'permit2_not_yet_valid'],
    ['a permitted amount other than the price', async (a) => (await permit2PaymentHeader(chain.accounts.buyers[0]!, a, { amount: 1_000_000n })).header, 'permit2_amount_mismatch'],
    ['another token', async (a) => (await permit2PaymentHeader(chain.accounts.buyers[0]!, a, { token: chain.token })).header, 'permit2_token_mismatch'],
    ['a signature by another key', async (a) => (await permit2PaymentHeader(chain.accounts.buyers[0]!, a, { signer: stranger })).header, 'invalid_permit2_signature'],
  ]
  for (const [name, build, reason] of cases) {
    it(name, async () => {
      const accepted = await acceptedOf(`${seller.url}/report`)
      const { status, error } = await refused('/report', await build(accepted))
      expect(status).toBe(402)
      expect(error).toBe(reason)
    })
  }

  it('a buyer without enough tokens is told so (permit2_insufficient_balance)', async () => {
    const accepted = await acceptedOf(`${seller.url}/report`)
    const { status, error } = await refused('/report', (await permit2PaymentHeader(stranger, accepted)).header)
    expect([status, error]).toEqual([402, 'permit2_insufficient_balance'])
  })

  it('a buyer who neither approved Permit2 nor sent a permit is told the allowance is missing', async () => {
    const buyer = chain.accounts.buyers[3]!
    const accepted = await acceptedOf(`${seller.url}/report`)
    const before = await chain.balanceOf(buyer.address, chain.permitToken)
    const res = await fetch(`${seller.url}/report`, { headers: { 'payment-signature': (await permit2PaymentHeader(buyer, accepted)).header } })
    expect(res.status).toBe(402)
    expect(((await res.json()) as { error: string }).error).toBe('permit2_allowance_required')
    expect(await chain.balanceOf(buyer.address, chain.permitToken)).toBe(before)
  })
})

describe('eip2612GasSponsoring: the extension and its signature are checked before anything is sent', () => {
  const buyer = () => chain.accounts.buyers[4]!
  const deadline = () => BigInt(Math.floor(Date.now() / 1000)) + 300n
  const cases: [string, Parameters<typeof eip2612Extension>[5], string][] = [
    ['a value other than the permitted amount', { value: 1n }, 'permit2_2612_amount_mismatch'],
    ['a spender other than Permit2', { spender: stranger.address }, 'eip2612_spender_not_permit2'],
    ['an owner other than the payer', { from: stranger.address, signer: stranger }, 'eip2612_from_mismatch'],
    ['a forged signature', { signer: stranger }, 'invalid_eip2612_signature'],
    ['a stale token nonce', { nonce: 7n }, 'eip2612_nonce_mismatch'],
  ]
  for (const [name, overrides, reason] of cases) {
    it(name, async () => {
      const accepted = await acceptedOf(`${seller.url}/report`)
      const token = chain.permitTokenInfo
      const extensions = await eip2612Extension(buyer(), chain, token, 2_000_000n, deadline(), overrides)
      const before = await chain.balanceOf(buyer().address, chain.permitToken)
      const res = await fetch(`${seller.url}/report`, { headers: { 'payment-signature': (await permit2PaymentHeader(buyer(), accepted, {}, extensions)).header } })
      expect(res.status).toBe(402)
      expect(((await res.json()) as { error: string }).error).toBe(reason)
      expect(await chain.balanceOf(buyer().address, chain.permitToken)).toBe(before)
      expect(await chain.allowance(buyer().address, PERMIT2)).toBe(0n)
    })
  }
})

describe('upto: bad input and charges', () => {
  it('a witness naming another facilitator is refused (upto_facilitator_mismatch)', async () => {
    const accepted = await acceptedOf(`${seller.url}/metered`)
    const { status, error } = await refused('/metered?charge=1', (await permit2PaymentHeader(chain.accounts.buyers[0]!, accepted, { facilitator: stranger.address })).header)
    expect([status, error]).toEqual([402, 'upto_facilitator_mismatch'])
  })

  it('a charge above the maximum is a 500 with no content and nothing charged; the payment stays usable', async () => {
    const accepted = await acceptedOf(`${seller.url}/metered`)
    const before = await balances()
    const { header } = await permit2PaymentHeader(chain.accounts.buyers[0]!, accepted)
    const res = await fetch(`${seller.url}/metered?charge=500001`, { headers: { 'payment-signature': header } })
    expect(res.status).toBe(500)
    const body = (await res.json()) as Record<string, unknown>
    expect(body.error).toBe('upto_charge_invalid')
    expect(body).not.toHaveProperty('ok')
    expect(await balances()).toEqual(before)
    // Nothing left, so the claim was freed: the same payment with a valid charge is served.
    const again = await fetch(`${seller.url}/metered?charge=$0.25`, { headers: { 'payment-signature': header } })
    expect(again.status).toBe(200)
    expect(await balances()).toEqual([before[0] - 250_000n, before[1] + 250_000n])
  })

  it('a charge of 0 sends no transaction, and the payment cannot be used again', async () => {
    const accepted = await acceptedOf(`${seller.url}/metered`)
    const before = await balances()
    const blockBefore = await chain.publicClient.getBlockNumber({ cacheTime: 0 })
    const { header } = await permit2PaymentHeader(chain.accounts.buyers[0]!, accepted)
    const res = await fetch(`${seller.url}/metered?charge=0`, { headers: { 'payment-signature': header } })
    expect(res.status).toBe(200)
    const response = JSON.parse(Buffer.from(res.headers.get('payment-response')!, 'base64').toString('utf8'))
    expect(response).toEqual(expect.objectContaining({ success: true, transaction: '', amount: '0' }))
    expect(await chain.publicClient.getBlockNumber({ cacheTime: 0 })).toBe(blockBefore)
    expect(await balances()).toEqual(before)
    const replay = await fetch(`${seller.url}/metered?charge=1`, { headers: { 'payment-signature': header } })
    expect(replay.status).toBe(409)
  })

  it('a percentage of the maximum is charged exactly', async () => {
    const accepted = await acceptedOf(`${seller.url}/metered`)
    const before = await balances()
    const { header } = await permit2PaymentHeader(chain.accounts.buyers[0]!, accepted)
    const res = await fetch(`${seller.url}/metered?charge=12.5%25`, { headers: { 'payment-signature': header } })
    expect(res.status).toBe(200)
    expect(JSON.parse(Buffer.from(res.headers.get('payment-response')!, 'base64').toString('utf8')).amount).toBe('62500')
    expect(await balances()).toEqual([before[0] - 62_500n, before[1] + 62_500n])
  })
})
