import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localSettler, memoryStore, type VerifiedPayment } from '../../src/index.js'
import { KeyRing } from '../../src/prepaid/credential-keys.js'
import { prepaid } from '../../src/prepaid/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, encodeHeader, signAuthorization, v1Payment, type ExactEvmPayload } from '../support/payments.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { buyerKit } from './buyer-kit.js'
import { PAID_CONTENT, type AdapterHarness, type RouteSpec, type SellerUnderTest } from './harness.js'

const PRICE = 100_000n
const paywall = { amount: '0.10', network: 'base-sepolia' } as const
const PREPAID_SECRET = 'conformance-prepaid-secret-of-32-bytes+'
/** Starting a chain and a seller on two loaded, shared cores has taken over 30 s: a bound, so generous. */
const SETUP_TIMEOUT_MS = 120_000

interface Settlement {
  success: boolean
  transaction: string
  network: string
  payer: string
  errorReason?: string
}

/**
 * The behaviour every adapter must share, over real HTTP (or a real Request for in-process
 * adapters), on a real chain, paid by the official client where a client is involved.
 */
export function runConformance(harness: AdapterHarness): void {
  describe(`${harness.name} adapter conformance`, () => {
    let chain: TestChain
    let seller: SellerUnderTest
    let toSpend: ExactEvmPayload | undefined
    let seenByHandler: VerifiedPayment | undefined

    const routes: RouteSpec[] = [
      { path: '/data', paywall, behavior: { kind: 'json' } },
      { path: '/error', paywall, behavior: { kind: 'status', status: 500 } },
      { path: '/throws', paywall, behavior: { kind: 'throw' } },
      { path: '/stream', paywall, behavior: { kind: 'stream', chunks: ['one;', 'two;', 'three'] } },
      // The handler spends the buyer's authorization on chain itself, so the settlement that follows must fail.
      { path: '/spent', paywall, behavior: { kind: 'json' }, before: spend },
      { path: '/spent-stream', paywall, behavior: { kind: 'stream', chunks: [PAID_CONTENT, PAID_CONTENT] }, before: spend },
      { path: '/prepaid-ok', paywall: { ...paywall, prepaid: true }, behavior: { kind: 'json' } },
      { path: '/prepaid-error', paywall: { ...paywall, prepaid: true }, behavior: { kind: 'status', status: 500 } },
      {
        path: '/prepay',
        paywall: { ...paywall, settle: 'before-handler' },
        behavior: { kind: 'json' },
        before: async (payment) => {
          seenByHandler = { ...payment }
        },
      },
    ]

    async function spend() {
      if (toSpend) await chain.submitAuthorization(toSpend)
    }

    beforeAll(async () => {
      chain = await startTestChain()
      seller = await harness.start(
        {
          payTo: chain.accounts.seller.address,
          settler: localSettler({ privateKey: chain.keys.settler, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50 }),
          store: memoryStore(),
          networks: [{ name: 'base-sepolia', asset: chain.tokenInfo }],
          prepaid: prepaid({ secret: PREPAID_SECRET, packages: [{ id: 'three', calls: 3, days: 1, price: paywall }] }),
        },
        routes,
      )
    }, SETUP_TIMEOUT_MS)

    afterAll(async () => {
      await seller?.close()
      await chain?.stop()
    }, SETUP_TIMEOUT_MS)

    const { nextBuyer, get, signedV2, balances } = buyerKit(() => ({ chain, seller }), PRICE)

    it('answers 402 in both generations: v2 PAYMENT-REQUIRED header and v1 JSON body', async () => {
      const res = await get('/data')
      expect(res.status).toBe(402)
      expect(res.headers.get('cache-control')).toBe('no-store')
      expect(res.headers.get('access-control-expose-headers')).toContain('PAYMENT-REQUIRED')
      const v2 = decodeHeader<{ x402Version: number; resource: { url: string }; accepts: Record<string, unknown>[] }>(res.headers.get('payment-required')!)
      expect(v2.x402Version).toBe(2)
      expect(v2.resource.url).toBe(seller.urlOf('/data'))
      expect(v2.accepts[0]).toMatchObject({ scheme: 'exact', network: 'eip155:84532', amount: '100000', asset: chain.token, payTo: chain.accounts.seller.address })
      const v1 = (await res.json()) as { x402Version: number; accepts: Record<string, unknown>[] }
      expect(v1.x402Version).toBe(1)
      expect(v1.accepts[0]).toMatchObject({ network: 'base-sepolia', maxAmountRequired: '100000', resource: seller.urlOf('/data') })
    })

    it('sells to the official v2 client: 200, PAYMENT-RESPONSE, exactly the price moved on chain', async () => {
      const buyer = nextBuyer()
      const before = await balances(buyer.address)
      const pay = makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token, baseFetch: seller.fetch })
      const res = await pay(seller.urlOf('/data'))
      expect(res.status).toBe(200)
      expect(res.headers.get('x-handler')).toBe('yes')
      expect(await res.json()).toMatchObject({ content: PAID_CONTENT, payer: buyer.address })
      const settlement = decodeHeader<Settlement>(res.headers.get('payment-response')!)
      expect(settlement).toMatchObject({ success: true, network: 'eip155:84532', payer: buyer.address })
      expect(await balances(buyer.address)).toEqual({ buyer: before.buyer - PRICE, seller: before.seller + PRICE, transfers: before.transfers + 1 })
    })

    it('takes a v1 X-PAYMENT and answers in X-PAYMENT-RESPONSE', async () => {
      const buyer = nextBuyer()
      const payload = await signAuthorization({ from: buyer, to: chain.accounts.seller.address, value: PRICE, token: chain.tokenInfo, chainId: chain.chainId })
      const res = await get('/data', { 'x-payment': encodeHeader(v1Payment('base-sepolia', payload)) })
      expect(res.status).toBe(200)
      expect(res.headers.get('payment-response')).toBeNull()
      expect(decodeHeader<Settlement>(res.headers.get('x-payment-response')!)).toMatchObject({ success: true, network: 'base-sepolia' })
    })

    it('rejects a replayed payment with 409 and charges once', async () => {
      const { header, from } = await signedV2('/data')
      const before = await balances(from.address)
      expect((await get('/data', { 'payment-signature': header })).status).toBe(200)
      const replay = await get('/data', { 'payment-signature': header })
      expect(replay.status).toBe(409)
      const body = await replay.text()
      expect(body).not.toContain(PAID_CONTENT)
      expect(JSON.parse(body)).toMatchObject({ error: 'payment_already_used' })
      expect((await balances(from.address)).transfers).toBe(before.transfers + 1)
    })

    it('rejects a malformed proof with 400 invalid_payload', async () => {
      const res = await get('/data', { 'payment-signature': 'bm90IGpzb24=' })
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ error: 'invalid_payload' })
    })

    it('does not settle when the handler answers 500, and the payment stays usable', async () => {
      const { header, from } = await signedV2('/error')
      const before = await balances(from.address)
      const res = await get('/error', { 'payment-signature': header })
      expect(res.status).toBe(500)
      expect(res.headers.get('payment-response')).toBeNull()
      expect(await balances(from.address)).toEqual(before)
      expect((await get('/data', { 'payment-signature': header })).status).toBe(200)
      expect((await balances(from.address)).transfers).toBe(before.transfers + 1)
    })

    it('does not settle when the handler throws', async () => {
      const { header, from } = await signedV2('/throws')
      const before = await balances(from.address)
      const res = await get('/throws', { 'payment-signature': header })
      expect(res.status).toBe(500)
      expect(await res.text()).not.toContain(PAID_CONTENT)
      expect(await balances(from.address)).toEqual(before)
    })

    it('holds a streamed response until settlement', async () => {
      const { header, from } = await signedV2('/stream')
      const before = await balances(from.address)
      const res = await get('/stream', { 'payment-signature': header })
      expect(res.status).toBe(200)
      // The settlement header travels with the first bytes: nothing was sent before the transfer landed.
      const settlement = decodeHeader<Settlement>(res.headers.get('payment-response')!)
      expect(settlement.success).toBe(true)
      expect((await chain.publicClient.getTransactionReceipt({ hash: settlement.transaction as `0x${string}` })).status).toBe('success')
      expect(await res.text()).toBe('one;two;three')
      expect((await balances(from.address)).transfers).toBe(before.transfers + 1)
    })

    for (const path of ['/spent', '/spent-stream']) {
      it(`answers 402 and sends none of the handler's output when settlement fails (${path})`, async () => {
        const { header, payload, from } = await signedV2(path)
        toSpend = payload
        try {
          const before = await balances(from.address)
          const res = await get(path, { 'payment-signature': header })
          expect(res.status).toBe(402)
          expect(res.headers.get('x-handler')).toBeNull()
          expect(await res.text()).not.toContain(PAID_CONTENT)
          const settlement = decodeHeader<Settlement>(res.headers.get('payment-response')!)
          expect(settlement).toMatchObject({ success: false, errorReason: 'invalid_exact_evm_nonce_already_used' })
          // The one transfer is the handler's own use of the authorization; tollgate added none.
          expect((await balances(from.address)).transfers).toBe(before.transfers + 1)
        } finally {
          toSpend = undefined
        }
      })
    }

    it("settles before the handler with settle: 'before-handler'", async () => {
      const { header, from } = await signedV2('/prepay')
      const before = await balances(from.address)
      const res = await get('/prepay', { 'payment-signature': header })
      expect(res.status).toBe(200)
      const settlement = decodeHeader<Settlement>(res.headers.get('payment-response')!)
      expect(seenByHandler?.transaction).toBe(settlement.transaction)
      expect(await res.json()).toMatchObject({ transaction: settlement.transaction })
      expect((await balances(from.address)).transfers).toBe(before.transfers + 1)
    })

    it('sells a prepaid package: the packages list, a purchase by the official v2 client, then calls on it', async () => {
      const list = await get('/prepaid/packages')
      expect(list.status).toBe(200)
      const { packages } = (await list.json()) as { packages: { id: string; purchase: { url: string } }[] }
      expect(packages.map((p) => p.id)).toEqual(['three'])
      expect(packages[0]!.purchase.url).toBe(`${seller.urlOf('/prepaid/purchase')}?package=three`)

      const buyer = nextBuyer()
      const before = await balances(buyer.address)
      const pay = makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token, baseFetch: seller.fetch })
      const bought = await pay(packages[0]!.purchase.url, { method: 'POST', headers: { 'idempotency-key': crypto.randomUUID() } })
      expect(bought.status).toBe(201)
      const { credential, calls } = (await bought.json()) as { credential: string; calls: number }
      expect(calls).toBe(3)
      expect(await balances(buyer.address)).toEqual({ buyer: before.buyer - PRICE, seller: before.seller + PRICE, transfers: before.transfers + 1 })
      const call = await get('/prepaid-ok', { 'x-prepaid-credential': credential })
      expect(call.status).toBe(200)
      expect(call.headers.get('x-prepaid-remaining')).toBe('2')
    })

    it('spends a prepaid credential: the remaining count in a header, a failed call given back', async () => {
      const now = Math.floor(Date.now() / 1000)
      const buyer = nextBuyer()
      const credential = new KeyRing([{ id: 'default', secret: PREPAID_SECRET }]).sign({
        jti: `conformance-${harness.name}-${now}`,
        sub: buyer.address,
        aud: `tollgate:${chain.accounts.seller.address.toLowerCase()}`,
        pkg: 'three',
        calls: 3,
        iat: now,
        exp: now + 3_600,
      })
      const spend = (path: string) => get(path, { 'x-prepaid-credential': credential })
      const first = await spend('/prepaid-ok')
      expect(first.status).toBe(200)
      expect(first.headers.get('x-prepaid-remaining')).toBe('2')
      expect(await first.json()).toMatchObject({ content: PAID_CONTENT, payer: buyer.address })
      expect((await spend('/prepaid-error')).status).toBe(500)
      expect((await spend('/prepaid-ok')).headers.get('x-prepaid-remaining')).toBe('1')
      const forged = await get('/prepaid-ok', { 'x-prepaid-credential': `${credential.slice(0, -4)}AAAA` })
      expect(forged.status).toBe(403)
      expect(await forged.text()).not.toContain(PAID_CONTENT)
    })

    it('answers a CORS preflight for the payment headers without payment', async () => {
      const res = await seller.fetch(seller.urlOf('/data'), {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'payment-signature, access-control-expose-headers',
        },
      })
      expect(res.status).toBe(204)
      expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example')
      const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase()
      for (const header of ['payment-signature', 'x-payment', 'access-control-expose-headers']) expect(allowed).toContain(header)
    })
  })
}
