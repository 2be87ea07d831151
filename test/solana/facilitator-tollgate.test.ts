/**
 * Interop: the official Solana seller stack (@x402/express paymentMiddleware + x402ResourceServer +
 * HTTPFacilitatorClient with a bearer token, @x402/svm's server scheme) verifying and settling
 * through tollgate's facilitator (`facilitatorHandler` with `solana`), paid by the official
 * @x402/svm client, on the stand-in. The official middleware has no replay guard of its own:
 * tollgate's facilitator is what keeps one payment from being served twice; on Redis, across
 * facilitator instances too (where the official facilitator answers success twice, see
 * official-duplicate.test.ts).
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { facilitatorHandler } from '../../src/facilitator-server/index.js'
import { memoryStore } from '../../src/index.js'
import { redisStore } from '../../src/redis.js'
import { PAID_CONTENT } from '../conformance/harness.js'
import { serveWeb } from '../facilitator/support/serve-web.js'
import type { TestServer } from '../support/http.js'
import { decodeHeader } from '../support/payments.js'
import { requireRedisOrSkip, startRedis, type TestRedis } from '../support/redis.js'
import { requireSvmClientOrSkip, runSvmBuyer, signWithSvmClient, startOfficialSvmSeller, type ChildServer } from '../support/solana/official.js'
import { standInSettler } from '../support/solana/sellers.js'
import { startSolanaStandIn, type SolanaKeypair, type SolanaStandIn } from '../support/solana/stand-in.js'
import { payFor } from '../support/solana/transfer.js'

const PRICE = 10_000n
const TOKEN = 'solana-facilitator-caller-token-0123'
const skip = requireSvmClientOrSkip('solana: official seller on tollgate facilitator')

let sol: SolanaStandIn
let payTo: SolanaKeypair
let facilitator: TestServer
let shop: ChildServer

beforeAll(async () => {
  if (skip) return
  sol = await startSolanaStandIn()
  payTo = await sol.newSeller()
  facilitator = await serveWeb(
    facilitatorHandler({ solana: { settler: standInSettler(sol), networks: ['solana-devnet'] }, tokens: [TOKEN], store: memoryStore(), singleInstance: true }),
  )
  shop = await startOfficialSvmSeller({ facilitatorUrl: facilitator.url, rpcUrl: sol.url, payTo: payTo.address, asset: sol.mint, amount: PRICE, token: TOKEN })
})
afterAll(async () => {
  await shop?.stop()
  await facilitator?.close()
  await sol?.stop()
})

describe.skipIf(skip)('the official seller on tollgate facilitator', () => {
  it('/supported lists Solana exact (v2 and v1) with the fee payer; without the token it is 401', async () => {
    const res = await fetch(`${facilitator.url}/supported`, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(res.status).toBe(200)
    const supported = (await res.json()) as { kinds: { x402Version: number; network: string; extra?: { feePayer?: string } }[] }
    expect(supported.kinds).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ x402Version: 2, network: sol.network, extra: { feePayer: sol.feePayer.address } }),
        expect.objectContaining({ x402Version: 1, network: sol.v1Network, extra: { feePayer: sol.feePayer.address } }),
      ]),
    )
    expect((await fetch(`${facilitator.url}/supported`)).status).toBe(401)
  })

  it('the official client buys the resource: 200, PAYMENT-RESPONSE, one transfer of the price, the fee paid by the facilitator', async () => {
    const buyer = await sol.fundBuyer()
    const fee = await sol.solBalance(sol.feePayer.address)
    const result = await runSvmBuyer(`${shop.url}/data`, buyer, { rpcUrl: sol.url, asset: sol.mint })
    expect(result.status).toBe(200)
    expect(JSON.parse(result.body)).toEqual({ content: PAID_CONTENT })
    const settlement = decodeHeader<{ success: boolean; transaction: string; payer: string }>(result.headers['payment-response']!)
    expect(settlement).toMatchObject({ success: true, payer: buyer.address })
    expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n - PRICE)
    expect(await sol.tokenBalance(payTo.address)).toBe(PRICE)
    expect(await sol.solBalance(sol.feePayer.address)).toBe(fee - 10_001n)
  })

  it('one payment sent 10 times at once to the official seller: tollgate settles one, the content goes out once', async () => {
    const buyer = await sol.fundBuyer()
    const { paymentHeaders } = await signWithSvmClient(`${shop.url}/data`, buyer, { rpcUrl: sol.url, asset: sol.mint })
    const sent = (await sol.history()).length
    const answers = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const res = await fetch(`${shop.url}/data`, { headers: paymentHeaders })
        return { status: res.status, text: await res.text() }
      }),
    )
    expect(answers.filter((a) => a.text.includes(PAID_CONTENT))).toHaveLength(1)
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1)
    expect((await sol.history()).length).toBe(sent + 1)
    expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n - PRICE)
  })

  it('a payment one unit short: the official seller answers 402 with tollgate facilitator reason, nothing moves', async () => {
    const buyer = await sol.fundBuyer()
    const { header } = await payFor(sol, `${shop.url}/data`, buyer, { amount: PRICE - 1n })
    const sent = (await sol.history()).length
    const res = await fetch(`${shop.url}/data`, { headers: { 'payment-signature': header } })
    expect(res.status).toBe(402)
    expect(await res.text()).not.toContain(PAID_CONTENT)
    expect(decodeHeader<{ error?: string }>(res.headers.get('payment-required')!).error).toContain('invalid_exact_svm_payload_amount_mismatch')
    expect((await sol.history()).length).toBe(sent)
    expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n)
  })
})

const noRedis = skip || requireRedisOrSkip('solana: tollgate facilitator instances on one Redis')

describe.skipIf(noRedis)('two tollgate facilitator instances on one Redis', () => {
  let redis: TestRedis
  let instances: TestServer[] = []
  beforeAll(async () => {
    redis = await startRedis()
    instances = await Promise.all(
      [0, 1].map(() =>
        serveWeb(facilitatorHandler({ solana: { settler: standInSettler(sol), networks: ['solana-devnet'] }, tokens: [TOKEN], store: redisStore({ client: new Redis(redis.url) }) })),
      ),
    )
  })
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.close()))
    await redis?.stop()
  })

  it('a payment settled by one instance is refused by the other (payment_already_used); the chain moved once', async () => {
    const buyer = await sol.fundBuyer()
    const { payload } = await signWithSvmClient(`${shop.url}/data`, buyer, { rpcUrl: sol.url, asset: sol.mint })
    const body = JSON.stringify({ x402Version: 2, paymentPayload: payload, paymentRequirements: payload.accepted })
    const settle = async (url: string) => {
      const res = await fetch(`${url}/settle`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body })
      return (await res.json()) as { success: boolean; transaction?: string; errorReason?: string }
    }
    const first = await settle(instances[0]!.url)
    expect(first).toMatchObject({ success: true })
    const second = await settle(instances[1]!.url)
    expect(second).toMatchObject({ success: false, errorReason: 'payment_already_used' })
    expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n - PRICE)
    expect((await sol.history()).filter((h) => h.signature === first.transaction)).toHaveLength(1)
  })
})
