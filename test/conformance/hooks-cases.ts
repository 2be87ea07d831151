import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TollgateHooks } from '../../src/hooks/gate-events.js'
import { localSettler, memoryStore, type PaywallOptions, type TollgateConfig } from '../../src/index.js'
import { prepaid } from '../../src/prepaid/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, encodeHeader, signAuthorization, v1Payment } from '../support/payments.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { buyerKit } from './buyer-kit.js'
import { PAID_CONTENT, type AdapterHarness, type RouteSpec, type SellerUnderTest } from './harness.js'

const PRICE = 100_000n
const paywall = { amount: '0.10', network: 'base-sepolia' } as const
const SETUP_TIMEOUT_MS = 120_000
const HOOK_NAMES = ['onChallenge', 'onVerified', 'onRejected', 'onSettled', 'onSettlementFailed', 'onPrepaidIssued', 'onPrepaidSpent', 'onPrepaidExhausted', 'onPrepaidRevoked'] as const

interface Heard {
  where: 'config' | 'route'
  hook: string
  event: any
}

/** Hooks that write down every event they hear. */
function recorder(where: Heard['where'], heard: Heard[]): TollgateHooks {
  return Object.fromEntries(HOOK_NAMES.map((hook) => [hook, (event: unknown) => void heard.push({ where, hook, event })]))
}

/** Every observing hook throws (sync); or never settles (async). */
const throwing: TollgateHooks = Object.fromEntries(
  HOOK_NAMES.map((hook) => [
    hook,
    () => {
      throw new Error(`${hook} exploded`)
    },
  ]),
)
const neverSettling: TollgateHooks = Object.fromEntries(HOOK_NAMES.map((hook) => [hook, () => new Promise(() => {})]))

/** Polls until a recorded event matches (hooks run after the answer, never on a fixed delay). */
async function heardOne(heard: Heard[], match: (h: Heard) => boolean): Promise<Heard> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const found = heard.find(match)
    if (found) return found
    if (Date.now() > deadline) throw new Error(`no matching event; heard: ${JSON.stringify(heard.map((h) => [h.where, h.hook, h.event?.route]))}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/**
 * Hooks through each adapter, on a real chain, paid by the official client: configuration and
 * route hooks hear every step with the right fields; throwing or never-settling hooks change
 * nothing; an `authorize` denial answers its status and reason, charges nothing and frees the
 * payment for a later allow.
 */
export function runHookConformance(harness: AdapterHarness): void {
  describe(`${harness.name} adapter: hooks`, () => {
    let chain: TestChain
    let seller: SellerUnderTest
    const heard: Heard[] = []
    const allowList = new Set<string>()
    const authorizeEvents: { route: string; payment: Record<string, unknown> }[] = []
    let toSpend: Parameters<TestChain['submitAuthorization']>[0] | undefined

    const route = (path: string, name: string, hooks: TollgateHooks, extra: Partial<PaywallOptions> = {}, behavior: RouteSpec['behavior'] = { kind: 'json' }): RouteSpec => ({
      path,
      // `name` and `hooks` are route options of tollgate's paywall.
      paywall: { ...paywall, name, hooks, ...extra } as unknown as PaywallOptions,
      behavior,
    })

    const routes: RouteSpec[] = [
      route('/h/data', 'hooked data', recorder('route', heard)),
      { ...route('/h/spent', 'spent', recorder('route', heard)), before: async () => void (toSpend && (await chain.submitAuthorization(toSpend))) },
      route('/h/throwing', 'throwing', throwing),
      route('/h/slow', 'slow', neverSettling),
      route('/h/guarded', 'guarded', {
        ...recorder('route', heard),
        authorize: ({ payment, route }) =>
          authorizeEvents.push({ route, payment: { ...payment } }) > 0 && allowList.has(payment.payer?.toLowerCase() ?? '') ? true : { allow: false, status: 451, reason: 'not_on_allow_list', message: 'Ask the seller to list your wallet.' },
      }),
      route('/h/prepaid', 'prepaid calls', recorder('route', heard), { prepaid: true }),
    ]

    beforeAll(async () => {
      chain = await startTestChain()
      const config = {
        payTo: chain.accounts.seller.address,
        settler: localSettler({ privateKey: chain.keys.settler, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50 }),
        store: memoryStore(),
        networks: [{ name: 'base-sepolia', asset: chain.tokenInfo }],
        prepaid: prepaid({ secret: 'hooks-conformance-secret-of-32-bytes!', packages: [{ id: 'one', calls: 1, days: 1, price: paywall }] }),
        hooks: recorder('config', heard),
      } as TollgateConfig
      seller = await harness.start(config, routes)
    }, SETUP_TIMEOUT_MS)

    afterAll(async () => {
      await seller?.close()
      await chain?.stop()
    }, SETUP_TIMEOUT_MS)

    const { nextBuyer, get, signedV2, balances } = buyerKit(() => ({ chain, seller }), PRICE)
    const payWith = (buyer: ReturnType<typeof nextBuyer>) => makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token, baseFetch: seller.fetch })
    const same = (a: unknown, b: string) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase()

    it('tells the configuration and the route of a challenge, with the request and the route name', async () => {
      const res = await get('/h/data?challenge-probe=1')
      expect(res.status).toBe(402)
      for (const where of ['config', 'route'] as const) {
        const { event } = await heardOne(heard, (h) => h.where === where && h.hook === 'onChallenge' && String(h.event.request.url).includes('challenge-probe=1'))
        expect(event.route).toBe('hooked data')
        expect(event.request.method).toBe('GET')
      }
    })

    it('tells of a verified and a settled payment of the official v2 client, with transaction, payer, amount, network, version and latency', async () => {
      const buyer = nextBuyer()
      const res = await payWith(buyer)(seller.urlOf('/h/data'))
      expect(res.status).toBe(200)
      const { transaction } = decodeHeader<{ transaction: string }>(res.headers.get('payment-response')!)
      const verified = await heardOne(heard, (h) => h.where === 'route' && h.hook === 'onVerified' && same(h.event.payment.payer, buyer.address))
      expect(verified.event.payment).toMatchObject({ amount: PRICE.toString(), network: 'eip155:84532', x402Version: 2 })
      for (const where of ['config', 'route'] as const) {
        const { event } = await heardOne(heard, (h) => h.where === where && h.hook === 'onSettled' && h.event.transaction === transaction)
        expect(event).toMatchObject({
          route: 'hooked data',
          transaction,
          amount: PRICE.toString(),
          asset: chain.token,
          network: 'eip155:84532',
          networkName: 'base-sepolia',
          x402Version: 2,
          scheme: 'exact',
          resumed: false,
        })
        expect(same(event.payer, buyer.address)).toBe(true)
        expect(Number.isInteger(event.latencyMs) && event.latencyMs >= 0).toBe(true)
      }
    })

    it('says x402Version 1 for a v1 payment', async () => {
      const buyer = nextBuyer()
      const payload = await signAuthorization({ from: buyer, to: chain.accounts.seller.address, value: PRICE, token: chain.tokenInfo, chainId: chain.chainId })
      const res = await get('/h/data', { 'x-payment': encodeHeader(v1Payment('base-sepolia', payload)) })
      expect(res.status).toBe(200)
      const { event } = await heardOne(heard, (h) => h.hook === 'onSettled' && same(h.event.payer, buyer.address) && h.event.x402Version === 1)
      expect(event).toMatchObject({ route: 'hooked data', network: 'eip155:84532', networkName: 'base-sepolia' })
    })

    it('tells of a rejection with the status and reason code the buyer got', async () => {
      const { header } = await signedV2('/h/data')
      expect((await get('/h/data', { 'payment-signature': header })).status).toBe(200)
      expect((await get('/h/data', { 'payment-signature': header, 'x-probe': 'replay' })).status).toBe(409)
      const { event } = await heardOne(heard, (h) => h.where === 'route' && h.hook === 'onRejected' && h.event.request.headers.get('x-probe') === 'replay')
      expect(event).toMatchObject({ route: 'hooked data', status: 409, reason: 'payment_already_used' })
    })

    it("tells of a failed settlement with state 'failed' and the reason", async () => {
      const { header, payload, from } = await signedV2('/h/spent')
      toSpend = payload
      try {
        const res = await get('/h/spent', { 'payment-signature': header })
        expect(res.status).toBe(402)
      } finally {
        toSpend = undefined
      }
      const { event } = await heardOne(heard, (h) => h.where === 'route' && h.hook === 'onSettlementFailed' && same(h.event.payer, from.address))
      expect(event).toMatchObject({ route: 'spent', state: 'failed', reason: 'invalid_exact_evm_nonce_already_used', status: 402, amount: PRICE.toString(), x402Version: 2 })
    })

    for (const path of ['/h/throwing', '/h/slow']) {
      it(`route hooks that ${path === '/h/throwing' ? 'throw' : 'never settle'} change nothing: the content comes, the transfer happens, other hooks still hear`, async () => {
        const buyer = nextBuyer()
        const before = await balances(buyer.address)
        const res = await payWith(buyer)(seller.urlOf(path))
        expect(res.status).toBe(200)
        expect(await res.json()).toMatchObject({ content: PAID_CONTENT })
        expect(await balances(buyer.address)).toEqual({ buyer: before.buyer - PRICE, seller: before.seller + PRICE, transfers: before.transfers + 1 })
        await heardOne(heard, (h) => h.where === 'config' && h.hook === 'onSettled' && same(h.event.payer, buyer.address) && h.event.route === path.slice(3))
      })
    }

    it('authorize denies with its status, reason and message, charges nothing, and frees the payment: the same one succeeds once allowed', async () => {
      const { header, from } = await signedV2('/h/guarded')
      const before = await balances(from.address)
      const denied = await get('/h/guarded', { 'payment-signature': header })
      expect(denied.status).toBe(451)
      const text = await denied.text()
      expect(text).not.toContain(PAID_CONTENT)
      expect(JSON.parse(text)).toMatchObject({ error: 'not_on_allow_list', message: 'Ask the seller to list your wallet.' })
      // Like every refusal, the denial repeats the challenge, naming the hook's reason.
      const required = JSON.parse(Buffer.from(denied.headers.get('payment-required') ?? '', 'base64').toString()) as { error?: string; accepts?: unknown[] }
      expect(required.error).toBe('not_on_allow_list')
      expect(required.accepts?.length).toBeGreaterThan(0)
      expect(await balances(from.address)).toEqual(before)
      const asked = authorizeEvents.find((e) => same(e.payment.payer, from.address))
      expect(asked).toMatchObject({ route: 'guarded', payment: { x402Version: 2, scheme: 'exact', network: 'eip155:84532', amount: PRICE.toString(), asset: chain.token } })
      expect(same(asked?.payment.payTo, chain.accounts.seller.address)).toBe(true)
      const rejected = await heardOne(heard, (h) => h.where === 'route' && h.hook === 'onRejected' && h.event.route === 'guarded' && h.event.reason === 'not_on_allow_list')
      expect(rejected.event.status).toBe(451)

      allowList.add(from.address.toLowerCase())
      const allowed = await get('/h/guarded', { 'payment-signature': header })
      expect(allowed.status).toBe(200)
      expect(await allowed.json()).toMatchObject({ content: PAID_CONTENT })
      expect(await balances(from.address)).toEqual({ buyer: before.buyer - PRICE, seller: before.seller + PRICE, transfers: before.transfers + 1 })
    })

    it('tells of a prepaid credential issued, spent down to nothing, and exhausted', async () => {
      const buyer = nextBuyer()
      const bought = await payWith(buyer)(`${seller.urlOf('/prepaid/purchase')}?package=one`, { method: 'POST', headers: { 'idempotency-key': crypto.randomUUID() } })
      expect(bought.status).toBe(201)
      const { credential, credentialId } = (await bought.json()) as { credential: string; credentialId: string }
      const issued = await heardOne(heard, (h) => h.hook === 'onPrepaidIssued' && h.event.credentialId === credentialId)
      expect(issued.where).toBe('config')
      expect(issued.event).toMatchObject({ package: 'one', calls: 1, expiresAt: expect.any(String), transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/) })
      expect(same(issued.event.buyer, buyer.address)).toBe(true)

      expect((await get('/h/prepaid', { 'x-prepaid-credential': credential })).status).toBe(200)
      for (const where of ['config', 'route'] as const) {
        const spent = await heardOne(heard, (h) => h.where === where && h.hook === 'onPrepaidSpent' && h.event.credentialId === credentialId)
        expect(spent.event).toEqual({ route: 'prepaid calls', credentialId, package: 'one', cost: 1, remaining: 0 })
        const exhausted = await heardOne(heard, (h) => h.where === where && h.hook === 'onPrepaidExhausted' && h.event.credentialId === credentialId)
        expect(exhausted.event).toEqual({ route: 'prepaid calls', credentialId, package: 'one' })
      }
      const refused = await get('/h/prepaid', { 'x-prepaid-credential': credential })
      expect(refused.status).toBe(402)
      await heardOne(heard, (h) => h.hook === 'onRejected' && h.event.route === 'prepaid calls' && h.event.reason === 'prepaid_exhausted')
    })
  })
}
