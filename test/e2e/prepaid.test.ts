import { generateKeyPairSync } from 'node:crypto'
import jwt from 'jsonwebtoken'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ExpressTollgate } from '../../adapters/express.js'
import { prepaidFetch, type PrepaidPurchase } from '../../src/buyer/prepaid-fetch.js'
import { prepaid } from '../../src/prepaid/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, encodeHeader, signAuthorization, v2Payment } from '../support/payments.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { startSeller, type Seller } from './seller.js'

const SECRET = 'prepaid-test-secret-with-at-least-32-bytes!'
const HEADER = 'x-prepaid-credential'

let chain: TestChain
let seller: Seller
let gate: ExpressTollgate
let buyerIndex = 0

interface Purchase {
  credential: string
  credentialId: string
  package: string
  calls: number
  expiresAt: string
}

beforeAll(async () => {
  chain = await startTestChain()
  seller = await startSeller(
    chain,
    (app, g) => {
      gate = g
      app.use('/prepaid', g.prepaidRoutes())
      app.get('/data', g.paywall({ amount: '0.10', network: 'base-sepolia', prepaid: true }), (req, res) => {
        res.json({ content: 'PAID CONTENT', payer: req.payment?.payer, prepaid: req.payment?.prepaid ?? null })
      })
      app.get('/fails', g.paywall({ amount: '0.10', network: 'base-sepolia', prepaid: true }), (_req, res) => {
        res.status(500).json({ error: 'down' })
      })
      app.get('/missing', g.paywall({ amount: '0.10', network: 'base-sepolia', prepaid: true }), (_req, res) => {
        res.status(404).json({ error: 'no such thing' })
      })
      // Priced exactly like the 'ten' package, so one authorization could fit both.
      app.get('/half-dollar', g.paywall({ amount: '0.50', network: 'base-sepolia' }), (_req, res) => res.json({ content: 'PAID CONTENT' }))
    },
    {
      prepaid: prepaid({
        secret: SECRET,
        packages: [
          { id: 'ten', calls: 10, days: 30, price: { amount: '0.50', network: 'base-sepolia' } },
          { id: 'three', calls: 3, days: 1, price: { amount: '0.20', network: 'base-sepolia' } },
        ],
      }),
    },
  )
})

afterAll(async () => {
  await seller?.close()
  await chain?.stop()
})

const nextBuyer = () => chain.accounts.buyers[buyerIndex++ % chain.accounts.buyers.length]!
const call = (path: string, credential: string) => fetch(`${seller.url}${path}`, { headers: { [HEADER]: credential } })

/** Buys with the official v2 client, capturing the payment header it sent. */
async function buy(pkg: string, buyer = nextBuyer(), idempotencyKey = `key-${crypto.randomUUID()}`) {
  let paymentHeader: string | undefined
  const recording: typeof fetch = async (input, init) => {
    const request = new Request(input, init)
    paymentHeader = request.headers.get('payment-signature') ?? paymentHeader
    return fetch(request)
  }
  const pay = makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token, baseFetch: recording })
  const res = await pay(`${seller.url}/prepaid/purchase?package=${pkg}`, { method: 'POST', headers: { 'idempotency-key': idempotencyKey } })
  return { res, buyer, idempotencyKey, paymentHeader: paymentHeader! }
}

async function purchased(pkg: string) {
  const bought = await buy(pkg)
  expect(bought.res.status).toBe(201)
  return { ...bought, body: (await bought.res.json()) as Purchase }
}

describe('buying a package', () => {
  it('lists the packages with prices per network and the purchase URL', async () => {
    const res = await fetch(`${seller.url}/prepaid/packages`)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { header: string; packages: Record<string, unknown>[] }
    expect(body.header).toBe('X-Prepaid-Credential')
    expect(body.packages).toEqual([
      expect.objectContaining({ id: 'ten', calls: 10, days: 30, price: [{ network: 'eip155:84532', amount: '500000', asset: chain.token }], purchase: { method: 'POST', url: `${seller.url}/prepaid/purchase?package=ten` } }),
      expect.objectContaining({ id: 'three', calls: 3, days: 1 }),
    ])
  })

  it('sells one to the official v2 client: exactly the package price moves, the credential names the payer', async () => {
    const buyer = nextBuyer()
    const [buyerBefore, sellerBefore, transfers] = [await chain.balanceOf(buyer.address), await chain.balanceOf(chain.accounts.seller.address), await chain.transferCount()]
    const { res } = await buy('ten', buyer)
    expect(res.status).toBe(201)
    const body = (await res.json()) as Purchase
    expect(body).toMatchObject({ package: 'ten', calls: 10 })
    expect(decodeHeader<{ success: boolean }>(res.headers.get('payment-response')!).success).toBe(true)
    expect(await chain.balanceOf(buyer.address)).toBe(buyerBefore - 500_000n)
    expect(await chain.balanceOf(chain.accounts.seller.address)).toBe(sellerBefore + 500_000n)
    expect(await chain.transferCount()).toBe(transfers + 1)
    const claims = jwt.decode(body.credential) as Record<string, unknown>
    expect(claims).toMatchObject({ jti: body.credentialId, sub: buyer.address, pkg: 'ten', calls: 10, aud: `tollgate:${chain.accounts.seller.address.toLowerCase()}` })
    expect((claims.exp as number) - (claims.iat as number)).toBe(30 * 86_400)
    expect(new Date(body.expiresAt).getTime()).toBe((claims.exp as number) * 1000)
  })

  it('answers an unknown package with 400 and the list of ids', async () => {
    const res = await fetch(`${seller.url}/prepaid/purchase?package=nope`, { method: 'POST' })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: 'unknown_package', packages: ['ten', 'three'] })
  })

  it('takes the package id from a JSON body too, and challenges at the package price', async () => {
    const res = await fetch(`${seller.url}/prepaid/purchase`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ package: 'three' }) })
    expect(res.status).toBe(402)
    expect(decodeHeader<{ accepts: { amount: string }[] }>(res.headers.get('payment-required')!).accepts[0]!.amount).toBe('200000')
    const bad = await fetch(`${seller.url}/prepaid/purchase`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: 'invalid_payload' })
  })

  it('returns the same credential when the same payment comes again with its Idempotency-Key, with one transfer', async () => {
    const first = await purchased('three')
    const transfers = await chain.transferCount()
    const again = await fetch(`${seller.url}/prepaid/purchase?package=three`, {
      method: 'POST',
      headers: { 'payment-signature': first.paymentHeader, 'idempotency-key': first.idempotencyKey },
    })
    expect(again.status).toBe(201)
    expect(((await again.json()) as Purchase).credential).toBe(first.body.credential)
    expect(await chain.transferCount()).toBe(transfers)
  })

  it('never re-issues to someone who replays the payment without the original Idempotency-Key', async () => {
    const first = await purchased('three')
    for (const headers of [{}, { 'idempotency-key': 'someone-elses-idempotency-key' }] as Record<string, string>[]) {
      const replay = await fetch(`${seller.url}/prepaid/purchase?package=three`, { method: 'POST', headers: { 'payment-signature': first.paymentHeader, ...headers } })
      expect(replay.status).toBe(409)
      const text = await replay.text()
      expect(text).not.toContain(first.body.credential)
      expect(JSON.parse(text)).toMatchObject({ error: 'payment_already_used' })
    }
  })

  it('refuses a guessable Idempotency-Key', async () => {
    const res = await fetch(`${seller.url}/prepaid/purchase?package=three`, { method: 'POST', headers: { 'idempotency-key': '1' } })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: 'invalid_idempotency_key' })
  })

  it('never lets one authorization serve both as a purchase and as a per-call payment', async () => {
    const bought = await purchased('ten')
    const requirement = decodeHeader<{ accepts: Record<string, unknown>[] }>((await fetch(`${seller.url}/half-dollar`)).headers.get('payment-required')!).accepts[0]!
    const decoded = decodeHeader<{ payload: Parameters<typeof v2Payment>[1] }>(bought.paymentHeader)
    const asCall = await fetch(`${seller.url}/half-dollar`, { headers: { 'payment-signature': encodeHeader(v2Payment(requirement, decoded.payload)) } })
    expect(asCall.status).toBe(409)
    expect(await asCall.text()).not.toContain('PAID CONTENT')

    // And the other way round: a per-call payment cannot then buy a package.
    const buyer = nextBuyer()
    const payload = await signAuthorization({ from: buyer, to: chain.accounts.seller.address, value: 500_000n, token: chain.tokenInfo, chainId: chain.chainId })
    expect((await fetch(`${seller.url}/half-dollar`, { headers: { 'payment-signature': encodeHeader(v2Payment(requirement, payload)) } })).status).toBe(200)
    const purchaseRequirement = decodeHeader<{ accepts: Record<string, unknown>[] }>((await fetch(`${seller.url}/prepaid/purchase?package=ten`, { method: 'POST' })).headers.get('payment-required')!).accepts[0]!
    const asPurchase = await fetch(`${seller.url}/prepaid/purchase?package=ten`, { method: 'POST', headers: { 'payment-signature': encodeHeader(v2Payment(purchaseRequirement, payload)) } })
    expect(asPurchase.status).toBe(409)
  })
})

describe('spending a credential', () => {
  it('passes N calls with the remaining count, then answers 402 prepaid_exhausted with the challenge', async () => {
    const { body, buyer } = await purchased('three')
    for (const remaining of [2, 1, 0]) {
      const res = await call('/data', body.credential)
      expect(res.status).toBe(200)
      expect(res.headers.get('x-prepaid-remaining')).toBe(String(remaining))
      expect(await res.json()).toMatchObject({ content: 'PAID CONTENT', payer: buyer.address, prepaid: { credentialId: body.credentialId, package: 'three', remaining } })
    }
    const exhausted = await call('/data', body.credential)
    expect(exhausted.status).toBe(402)
    const text = await exhausted.text()
    expect(text).not.toContain('PAID CONTENT')
    expect(JSON.parse(text)).toMatchObject({ error: 'prepaid_exhausted' })
    expect(decodeHeader<{ error: string; accepts: unknown[] }>(exhausted.headers.get('payment-required')!)).toMatchObject({ error: 'prepaid_exhausted' })
  })

  it('lets exactly 10 of 100 concurrent calls through on a 10-call credential', async () => {
    const { body } = await purchased('ten')
    const statuses = await Promise.all(Array.from({ length: 100 }, () => call('/data', body.credential).then(async (r) => (await r.arrayBuffer(), r.status))))
    expect(statuses.filter((s) => s === 200)).toHaveLength(10)
    expect(statuses.filter((s) => s === 402)).toHaveLength(90)
    expect(await gate.prepaid!.status(body.credentialId)).toMatchObject({ calls: 10, used: 10, remaining: 0 })
  })

  it('gives the call back when the handler fails, and counts a call the handler answered', async () => {
    const { body } = await purchased('three')
    expect((await call('/fails', body.credential)).status).toBe(500)
    expect((await gate.prepaid!.status(body.credentialId))?.used).toBe(0)
    expect((await call('/missing', body.credential)).status).toBe(404)
    const ok = await call('/data', body.credential)
    expect(ok.headers.get('x-prepaid-remaining')).toBe('2')
  })

  it('refuses a revoked credential, and reports it in the status', async () => {
    const { body } = await purchased('three')
    expect((await call('/data', body.credential)).status).toBe(200)
    await gate.prepaid!.revoke(body.credentialId)
    const res = await call('/data', body.credential)
    expect(res.status).toBe(402)
    expect(await res.json()).toMatchObject({ error: 'prepaid_revoked' })
    expect(await gate.prepaid!.status(body.credentialId)).toMatchObject({ revoked: true, used: 1, remaining: 2 })
  })

  it('tells buyers where the packages are, in the v2 extensions and the v1 body', async () => {
    const res = await fetch(`${seller.url}/data`)
    const discovery = { packages: `${seller.url}/prepaid/packages`, purchase: `${seller.url}/prepaid/purchase`, header: 'X-Prepaid-Credential' }
    expect(decodeHeader<{ extensions: unknown }>(res.headers.get('payment-required')!).extensions).toEqual({ prepaid: discovery })
    expect(((await res.json()) as { prepaid: unknown }).prepaid).toEqual(discovery)
  })

  it('still sells single calls on a prepaid route to the official v2 client', async () => {
    const res = await makeV2Fetch(nextBuyer(), { network: 'eip155:84532', asset: chain.token })(`${seller.url}/data`)
    expect(res.status).toBe(200)
    expect(res.headers.get('payment-response')).toBeTruthy()
  })
})

describe('the buyer helper (tollgate/buyer)', () => {
  it('buys when a route asks, spends the calls, and buys again when they run out', async () => {
    const buyer = nextBuyer()
    const before = await chain.balanceOf(buyer.address)
    const purchases: PrepaidPurchase[] = []
    const call = prepaidFetch({
      payingFetch: makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token }),
      package: 'three',
      onPurchase: (p) => purchases.push(p),
    })
    const remaining: (string | null)[] = []
    for (let i = 0; i < 4; i++) {
      const res = await call(`${seller.url}/data`)
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ payer: buyer.address, prepaid: { package: 'three' } })
      remaining.push(res.headers.get('x-prepaid-remaining'))
    }
    expect(remaining).toEqual(['2', '1', '0', '2'])
    expect(purchases).toHaveLength(2)
    expect(await chain.balanceOf(buyer.address)).toBe(before - 2n * 200_000n)
  })

  it('leaves routes without prepaid to the paying fetch', async () => {
    const call = prepaidFetch({ payingFetch: fetch, package: 'three' })
    const res = await call(`${seller.url}/half-dollar`)
    expect(res.status).toBe(402)
  })
})

describe('forged and foreign credentials are refused, never a 500', () => {
  let good: Purchase
  let claims: Record<string, unknown>
  beforeAll(async () => {
    good = (await purchased('ten')).body
    claims = jwt.decode(good.credential) as Record<string, unknown>
  })

  const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

  const cases: [string, () => string, number, string][] = [
    ['a forged signature', () => `${good.credential.slice(0, good.credential.lastIndexOf('.'))}.${'A'.repeat(43)}`, 403, 'prepaid_invalid_signature'],
    ['alg none', () => `${b64url({ alg: 'none', typ: 'JWT', kid: 'default' })}.${b64url(claims)}.`, 403, 'prepaid_algorithm_not_allowed'],
    ['RS256 (algorithm confusion)', () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
      return jwt.sign(claims, privateKey, { algorithm: 'RS256', keyid: 'default' })
    }, 403, 'prepaid_algorithm_not_allowed'],
    ['a token signed with another secret', () => jwt.sign(claims, 'another-secret-that-is-also-32-bytes-long', { algorithm: 'HS256', keyid: 'default' }), 403, 'prepaid_invalid_signature'],
    ['an unknown key id', () => jwt.sign(claims, SECRET, { algorithm: 'HS256', keyid: 'k-2099' }), 403, 'prepaid_unknown_key'],
    ['an expired credential', () => jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 5 }, SECRET, { algorithm: 'HS256', keyid: 'default' }), 402, 'prepaid_expired'],
    ["another seller's audience", () => jwt.sign({ ...claims, aud: 'tollgate:0x0000000000000000000000000000000000000001' }, SECRET, { algorithm: 'HS256', keyid: 'default' }), 403, 'prepaid_wrong_audience'],
    ['a raised call limit', () => {
      const [head, , sig] = good.credential.split('.')
      return `${head}.${b64url({ ...claims, calls: 1_000_000 })}.${sig}`
    }, 403, 'prepaid_invalid_signature'],
    ['garbage', () => 'not-a-credential', 400, 'prepaid_malformed'],
    ['a JWT of non-JSON', () => 'bm90.anNvbg.c2ln', 400, 'prepaid_malformed'],
  ]

  it.each(cases)('%s', async (_name, make, status, reason) => {
    const res = await call('/data', make())
    expect(res.status).toBe(status)
    const text = await res.text()
    expect(text).not.toContain('PAID CONTENT')
    expect(JSON.parse(text)).toMatchObject({ error: reason })
  })

  it('the forgeries spent nothing of the real credential', async () => {
    expect(await gate.prepaid!.status(good.credentialId)).toMatchObject({ used: 0, remaining: 10 })
  })
})
