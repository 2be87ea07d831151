/**
 * Settlement behaviour of the Express adapter over real HTTP, on a real anvil: what a buyer sees
 * and what the chain records when the handler fails, streams, races the settler, runs before or
 * after settlement, when one proof is presented many times at once, and when the RPC goes away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Address, Hex, PrivateKeyAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { startTestChain, type TestChain } from '../support/chain.js'
import {
  decodeHeader,
  encodeHeader,
  signAuthorization,
  v1Payment,
  freshBuyer as sharedFreshBuyer,
  requirementAt,
  signedV2,
  type ExactEvmPayload,
  type V2Payment,
  type V2Requirement,
} from '../support/payments.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { startRpcProxy, type RpcProxy } from './rpc-proxy.js'
import { startSeller, type Seller } from './seller.js'

/** $0.01 in the 6-decimal test token. */
const PRICE = 10_000n
const PRICE_TEXT = '0.01'

type Requirement = V2Requirement

interface SettleResponse {
  success: boolean
  transaction: string
  network: string
  payer?: string
  errorReason?: string
  errorMessage?: string
  amount?: string
}

let chain: TestChain
let seller: Seller
let proxy: RpcProxy
let proxied: Seller
/** Set by a test: the proxied route's handler cuts the RPC once, before answering. */
let cutInNextHandler = false

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
  const paid = (extra: { settle?: 'before-handler' | 'after-handler' } = {}) =>
    ({ amount: PRICE_TEXT, network: 'base-sepolia', ...extra }) as const

  seller = await startSeller(chain, (app, gate) => {
    app.get('/ok', gate.paywall(paid()), (req, res) => {
      res.json({ content: 'the goods', paidBy: req.payment?.payer })
    })
    app.get('/fail500', gate.paywall(paid()), (_req, res) => {
      res.status(500).json({ error: 'handler failed' })
    })
    app.get('/throws', gate.paywall(paid()), async () => {
      throw new Error('boom')
    })
    app.get('/missing', gate.paywall(paid()), (_req, res) => {
      res.status(404).json({ error: 'no such item', item: 42 })
    })
    app.get('/stream', gate.paywall(paid()), async (_req, res) => {
      res.setHeader('content-type', 'text/plain; charset=utf-8')
      res.write('part1')
      await sleep(50)
      res.write('part2')
      res.end('part3')
    })
    // The handler spends the buyer's authorization itself, so the seller's settlement must fail.
    app.get('/spent-stream', gate.paywall(paid()), async (req, res) => {
      const payment = decodeHeader<V2Payment<Requirement>>(req.get('payment-signature')!)
      await chain.submitAuthorization(payment.payload)
      res.setHeader('x-handler', 'yes')
      res.write('SECRET ')
      res.end('CONTENT')
    })
    app.get('/spent-json', gate.paywall(paid()), async (req, res) => {
      const payment = decodeHeader<V2Payment<Requirement>>(req.get('payment-signature')!)
      await chain.submitAuthorization(payment.payload)
      res.setHeader('x-handler', 'yes')
      res.json({ secret: 'SECRET CONTENT' })
    })
    app.get('/before', gate.paywall(paid({ settle: 'before-handler' })), (req, res) => {
      res.json({ transaction: req.payment?.transaction ?? null })
    })
    app.get('/before-500', gate.paywall(paid({ settle: 'before-handler' })), (_req, res) => {
      res.status(500).json({ error: 'handler failed after charging' })
    })
    app.get('/v1', gate.paywall({ amount: '0.10', network: 'base-sepolia' }), (req, res) => {
      res.json({ payment: req.payment })
    })
  })

  // The proxied seller settles from its own account: two settlers on one account through different
  // RPC URLs keep separate nonce counters, and would collide with each other.
  const proxiedSettlerKey = generatePrivateKey()
  await rpc(chain.rpcUrl, 'anvil_setBalance', [privateKeyToAccount(proxiedSettlerKey).address, '0x56BC75E2D63100000'])
  proxy = await startRpcProxy(chain.rpcUrl)
  proxied = await startSeller(
    chain,
    (app, gate) => {
      app.get('/guarded', gate.paywall(paid()), (_req, res) => {
        if (cutInNextHandler) {
          cutInNextHandler = false
          proxy.cut()
        }
        res.setHeader('x-handler', 'yes')
        res.json({ secret: 'HANDLER CONTENT' })
      })
    },
    { settlerOptions: { privateKey: proxiedSettlerKey, rpcUrl: proxy.url, requestTimeoutMs: 2000 } },
  )
})

afterAll(async () => {
  await proxied?.close()
  await proxy?.close()
  await seller?.close()
  await chain?.stop()
})

async function rpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  const json = (await res.json()) as { result?: unknown; error?: { message: string } }
  if (json.error) throw new Error(`${method}: ${json.error.message}`)
  return json.result
}

/** A hand-signed v2 payment for the route at `url` (its `accepted` copied from the route's challenge). */
async function v2PaymentFor(url: string, buyer: PrivateKeyAccount): Promise<{ header: string; payload: ExactEvmPayload }> {
  return signedV2(chain, await requirementAt(url), buyer)
}

const freshBuyer = (funds?: bigint) => sharedFreshBuyer(chain, funds)

function payV2(url: string, header: string): Promise<Response> {
  return fetch(url, { headers: { 'PAYMENT-SIGNATURE': header } })
}

function settlementOf(res: Response, name = 'payment-response'): SettleResponse {
  const header = res.headers.get(name)
  expect(header, `${name} header`).toBeTruthy()
  return decodeHeader<SettleResponse>(header!)
}

function expectNoSettlementHeader(res: Response): void {
  expect(res.headers.get('payment-response')).toBeNull()
  expect(res.headers.get('x-payment-response')).toBeNull()
}

/** Balances and transfer count before a step, for asserting exact differences afterwards. */
async function snapshot(buyer: Address) {
  return {
    buyer: await chain.balanceOf(buyer),
    seller: await chain.balanceOf(chain.accounts.seller.address),
    transfers: await chain.transferCount(),
  }
}

async function expectCharged(before: Awaited<ReturnType<typeof snapshot>>, buyer: Address, times: bigint, transfers: number) {
  expect(await chain.balanceOf(buyer)).toBe(before.buyer - PRICE * times)
  expect(await chain.balanceOf(chain.accounts.seller.address)).toBe(before.seller + PRICE * times)
  expect(await chain.transferCount()).toBe(before.transfers + transfers)
}

describe('a handler that fails is not charged', () => {
  it('500: the client gets the 500, nothing moves, and the same payment then buys a route that succeeds', async () => {
    const buyer = await freshBuyer()
    const { header } = await v2PaymentFor(`${seller.url}/fail500`, buyer)
    const before = await snapshot(buyer.address)

    const failed = await payV2(`${seller.url}/fail500`, header)
    expect(failed.status).toBe(500)
    expect(await failed.json()).toEqual({ error: 'handler failed' })
    expectNoSettlementHeader(failed)
    await expectCharged(before, buyer.address, 0n, 0)

    // Nothing was broadcast, so the claim on the authorization was released: it is still good money.
    const paid = await payV2(`${seller.url}/ok`, header)
    expect(paid.status).toBe(200)
    expect(await paid.json()).toEqual({ content: 'the goods', paidBy: buyer.address })
    const settlement = settlementOf(paid)
    expect(settlement).toMatchObject({ success: true, network: 'eip155:84532', payer: buyer.address, amount: PRICE.toString() })
    expect(settlement.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    await expectCharged(before, buyer.address, 1n, 1)
  })

  it('a thrown error (Express 5 forwards the rejection): 500, no transfer, the payment stays usable', async () => {
    const buyer = await freshBuyer()
    const { header } = await v2PaymentFor(`${seller.url}/throws`, buyer)
    const before = await snapshot(buyer.address)

    const res = await payV2(`${seller.url}/throws`, header)
    expect(res.status).toBe(500)
    expect(await res.text()).not.toContain('the goods')
    expectNoSettlementHeader(res)
    await expectCharged(before, buyer.address, 0n, 0)

    const retry = await payV2(`${seller.url}/ok`, header)
    expect(retry.status).toBe(200)
    await retry.arrayBuffer()
    await expectCharged(before, buyer.address, 1n, 1)
  })

  it("404: the client gets the handler's 404 and body, no transfer", async () => {
    const buyer = await freshBuyer()
    const { header } = await v2PaymentFor(`${seller.url}/missing`, buyer)
    const before = await snapshot(buyer.address)

    const res = await payV2(`${seller.url}/missing`, header)
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: 'no such item', item: 42 })
    expectNoSettlementHeader(res)
    await expectCharged(before, buyer.address, 0n, 0)
  })
})

describe('output is held until the payment is settled', () => {
  it('a streamed answer arrives whole, after settlement, with PAYMENT-RESPONSE (official v2 client)', async () => {
    const buyer = await freshBuyer()
    const before = await snapshot(buyer.address)
    const pay = makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })

    const res = await pay(`${seller.url}/stream`)
    expect(res.status).toBe(200)
    // Headers are here, the body not yet read: the transfer is already on chain, so nothing left before it.
    expect(await chain.transferCount()).toBe(before.transfers + 1)
    expect(settlementOf(res)).toMatchObject({ success: true, network: 'eip155:84532', payer: buyer.address, amount: PRICE.toString() })
    expect(await res.text()).toBe('part1part2part3')
    await expectCharged(before, buyer.address, 1n, 1)
  })

  for (const variant of ['spent-stream', 'spent-json'] as const) {
    it(`a failed settlement discards everything the handler produced (${variant})`, async () => {
      const buyer = await freshBuyer()
      const { header } = await v2PaymentFor(`${seller.url}/${variant}`, buyer)
      const before = await snapshot(buyer.address)

      const res = await payV2(`${seller.url}/${variant}`, header)
      const text = await res.text()
      expect(res.status).toBe(402)
      expect(text).not.toContain('SECRET')
      expect(JSON.parse(text)).toMatchObject({ error: 'invalid_exact_evm_nonce_already_used' })
      expect(res.headers.get('x-handler')).toBeNull()
      const settlement = settlementOf(res)
      expect(settlement).toMatchObject({
        success: false,
        transaction: '',
        network: 'eip155:84532',
        payer: buyer.address,
        errorReason: 'invalid_exact_evm_nonce_already_used',
      })
      expect(res.headers.get('payment-required')).toBeTruthy()
      // One transfer: the handler's own submission; the seller's settlement never went out.
      await expectCharged(before, buyer.address, 1n, 1)
    })
  }
})

describe("settle: 'before-handler'", () => {
  it('the handler sees the settlement transaction; the answer carries PAYMENT-RESPONSE', async () => {
    const buyer = await freshBuyer()
    const { header } = await v2PaymentFor(`${seller.url}/before`, buyer)
    const before = await snapshot(buyer.address)

    const res = await payV2(`${seller.url}/before`, header)
    expect(res.status).toBe(200)
    const { transaction } = (await res.json()) as { transaction: string | null }
    expect(transaction).toMatch(/^0x[0-9a-f]{64}$/)
    const settlement = settlementOf(res)
    expect(settlement).toMatchObject({ success: true, transaction, payer: buyer.address, amount: PRICE.toString() })
    const receipt = await chain.publicClient.getTransactionReceipt({ hash: transaction as Hex })
    expect(receipt.status).toBe('success')
    await expectCharged(before, buyer.address, 1n, 1)
  })

  it('a handler 500 after charging leaves the payment charged (documented)', async () => {
    const buyer = await freshBuyer()
    const { header } = await v2PaymentFor(`${seller.url}/before-500`, buyer)
    const before = await snapshot(buyer.address)

    const res = await payV2(`${seller.url}/before-500`, header)
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({ error: 'handler failed after charging' })
    expect(settlementOf(res)).toMatchObject({ success: true, payer: buyer.address })
    await expectCharged(before, buyer.address, 1n, 1)
  })
})

describe('a v1 payment (X-PAYMENT)', () => {
  it('gives the handler req.payment in both vocabularies and answers in X-PAYMENT-RESPONSE', async () => {
    const buyer = await freshBuyer()
    const challenge = await fetch(`${seller.url}/v1`)
    expect(challenge.status).toBe(402)
    const body = (await challenge.json()) as { x402Version: number; accepts: Array<Requirement & { maxAmountRequired: string }> }
    expect(body.x402Version).toBe(1)
    const requirement = body.accepts[0]!
    expect(requirement).toMatchObject({ network: 'base-sepolia', maxAmountRequired: '100000' })
    const payload = await signAuthorization({
      from: buyer,
      to: requirement.payTo,
      value: BigInt(requirement.maxAmountRequired),
      token: { address: requirement.asset, name: requirement.extra.name, version: requirement.extra.version },
      chainId: chain.chainId,
    })
    const before = await snapshot(buyer.address)

    const res = await fetch(`${seller.url}/v1`, { headers: { 'X-PAYMENT': encodeHeader(v1Payment('base-sepolia', payload)) } })
    expect(res.status).toBe(200)
    const { payment } = (await res.json()) as { payment: Record<string, unknown> }
    expect(payment).toMatchObject({
      x402Version: 1,
      scheme: 'exact',
      payer: buyer.address,
      amount: '100000',
      network: 'eip155:84532',
      networkName: 'base-sepolia',
      payTo: chain.accounts.seller.address,
    })
    expect(res.headers.get('payment-response')).toBeNull()
    const settlement = settlementOf(res, 'x-payment-response')
    expect(settlement).toMatchObject({ success: true, network: 'base-sepolia', payer: buyer.address, amount: '100000' })
    expect(settlement.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect(await chain.balanceOf(buyer.address)).toBe(before.buyer - 100_000n)
    expect(await chain.transferCount()).toBe(before.transfers + 1)
  })
})

describe('concurrency', () => {
  it('50 concurrent presentations of one payment: one 200, 49 × 409, one transfer', async () => {
    const buyer = await freshBuyer()
    const { header } = await v2PaymentFor(`${seller.url}/ok`, buyer)
    const before = await snapshot(buyer.address)

    const answers = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const res = await payV2(`${seller.url}/ok`, header)
        return { status: res.status, body: (await res.json()) as Record<string, unknown> }
      }),
    )
    const ok = answers.filter((a) => a.status === 200)
    const refused = answers.filter((a) => a.status === 409)
    expect(ok).toHaveLength(1)
    expect(ok[0]!.body).toEqual({ content: 'the goods', paidBy: buyer.address })
    expect(refused).toHaveLength(49)
    for (const answer of refused) expect(answer.body.error).toBe('payment_already_used')
    await expectCharged(before, buyer.address, 1n, 1)

    for (let i = 0; i < 2; i++) {
      const again = await payV2(`${seller.url}/ok`, header)
      expect(again.status).toBe(409)
      expect(((await again.json()) as { error: string }).error).toBe('payment_already_used')
      expectNoSettlementHeader(again)
    }
    await expectCharged(before, buyer.address, 1n, 1)
  })

  it('20 different buyers paying at once all get 200, with 20 transfers (settler nonces never collide)', async () => {
    const buyers: PrivateKeyAccount[] = []
    for (let i = 0; i < 20; i++) buyers.push(await freshBuyer())
    const headers = await Promise.all(buyers.map(async (buyer) => (await v2PaymentFor(`${seller.url}/ok`, buyer)).header))
    const transfersBefore = await chain.transferCount()
    const sellerBefore = await chain.balanceOf(chain.accounts.seller.address)

    const answers = await Promise.all(
      headers.map(async (header) => {
        const res = await payV2(`${seller.url}/ok`, header)
        return { status: res.status, body: (await res.json()) as { paidBy?: string }, settlement: res.headers.get('payment-response') }
      }),
    )
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200))
    expect(answers.map((a) => a.body.paidBy)).toEqual(buyers.map((b) => b.address))
    const transactions = answers.map((a) => decodeHeader<SettleResponse>(a.settlement!).transaction)
    expect(new Set(transactions).size).toBe(20)

    expect(await chain.transferCount()).toBe(transfersBefore + 20)
    expect(await chain.balanceOf(chain.accounts.seller.address)).toBe(sellerBefore + 20n * PRICE)
    for (const buyer of buyers) expect(await chain.balanceOf(buyer.address)).toBe(1_000_000n - PRICE)
  })
})

describe('the RPC endpoint goes away', () => {
  it('during settlement: 503 chain_unavailable, no content, no transfer; the same payment succeeds once it is back', async () => {
    const buyer = await freshBuyer()
    const url = `${proxied.url}/guarded`
    const { header } = await v2PaymentFor(url, buyer)
    const before = await snapshot(buyer.address)

    cutInNextHandler = true
    try {
      const res = await payV2(url, header)
      const text = await res.text()
      expect(res.status).toBe(503)
      expect(JSON.parse(text)).toMatchObject({ error: 'chain_unavailable' })
      expect(text).not.toContain('HANDLER CONTENT')
      expect(res.headers.get('x-handler')).toBeNull()
      expect(settlementOf(res)).toMatchObject({ success: false, transaction: '', errorReason: 'chain_unavailable' })
      expect(proxy.isCut).toBe(true)
    } finally {
      cutInNextHandler = false
      proxy.restore()
    }
    await expectCharged(before, buyer.address, 0n, 0)

    // Nothing was broadcast, so the claim was released.
    const retry = await payV2(url, header)
    expect(retry.status).toBe(200)
    expect(await retry.json()).toEqual({ secret: 'HANDLER CONTENT' })
    expect(retry.headers.get('x-handler')).toBe('yes')
    expect(settlementOf(retry)).toMatchObject({ success: true, payer: buyer.address })
    await expectCharged(before, buyer.address, 1n, 1)
  })

  it('during verification: 503 chain_unavailable, no transfer; the same payment succeeds once it is back', async () => {
    const buyer = await freshBuyer()
    const url = `${proxied.url}/guarded`
    const { header } = await v2PaymentFor(url, buyer)
    const before = await snapshot(buyer.address)

    proxy.cut()
    try {
      const res = await payV2(url, header)
      const text = await res.text()
      expect(res.status).toBe(503)
      expect(JSON.parse(text)).toMatchObject({ error: 'chain_unavailable' })
      expect(text).not.toContain('HANDLER CONTENT')
      expect(res.headers.get('x-handler')).toBeNull()
      expectNoSettlementHeader(res)
    } finally {
      proxy.restore()
    }
    await expectCharged(before, buyer.address, 0n, 0)

    const retry = await payV2(url, header)
    expect(retry.status).toBe(200)
    expect(await retry.json()).toEqual({ secret: 'HANDLER CONTENT' })
    await expectCharged(before, buyer.address, 1n, 1)
  })
})
