/**
 * Hooks where the chain matters, through a real Express seller on anvil, its settler reading the
 * chain through a counting, cuttable RPC proxy: `authorize` decides before any chain read; a
 * settlement left unknown is told as such, and told settled (resumed) once found on chain; a
 * revoked credential is told.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TollgateHooks } from '../../src/hooks/gate-events.js'
import type { PaywallOptions, TollgateConfig } from '../../src/index.js'
import { prepaid } from '../../src/prepaid/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, encodeHeader, freshBuyer, signAuthorization, v2Payment } from '../support/payments.js'
import { mine, officialBuyer, settlementOf, snapshot, until, withoutAutomine } from './pending-fixture.js'
import { startRpcProxy, type RpcProxy } from './rpc-proxy.js'
import { startSeller, type Seller } from './seller.js'

const PRICE = 10_000n
const paywall = { amount: '0.01', network: 'base-sepolia' } as const

interface Heard {
  hook: string
  event: any
}

let chain: TestChain
let proxy: RpcProxy
let seller: Seller
const heard: Heard[] = []
/** Calls of the guarded route's authorize hook. */
let asked = 0
let undecided: 'stall' | 'throw' | 'allow' = 'stall'

const record = (hook: string) => (event: unknown) => void heard.push({ hook, event })
const hooks: TollgateHooks = {
  onSettled: record('onSettled'),
  onSettlementFailed: record('onSettlementFailed'),
  onRejected: record('onRejected'),
  onPrepaidRevoked: record('onPrepaidRevoked'),
  onPrepaidIssued: record('onPrepaidIssued'),
}

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
  proxy = await startRpcProxy(chain.rpcUrl)
  const route = (options: Record<string, unknown>) => ({ ...paywall, ...options }) as unknown as PaywallOptions
  seller = await startSeller(
    chain,
    (app, gate) => {
      app.use('/prepaid', gate.prepaidRoutes())
      app.get('/content', gate.paywall(route({ name: 'content' })), (_req, res) => res.json({ content: 'PAID CONTENT' }))
      app.get(
        '/guarded',
        gate.paywall(route({ name: 'guarded', hooks: { authorize: () => (asked++, { allow: false, status: 403, reason: 'wallet_blocked' }) } })),
        (_req, res) => res.json({ content: 'PAID CONTENT' }),
      )
      // authorize that never answers, then (once `stalled` is cleared) one that throws, then one that allows.
      app.get(
        '/undecided',
        gate.paywall(
          route({
            name: 'undecided',
            hooks: {
              authorizeTimeoutMs: 100,
              authorize: () => {
                if (undecided === 'stall') return new Promise(() => {})
                if (undecided === 'throw') throw new Error('risk engine down')
                return true
              },
            },
          }),
        ),
        (_req, res) => res.json({ content: 'PAID CONTENT' }),
      )
    },
    {
      // Through the proxy, with no background gas checks: every chain read is a request the proxy counts.
      settlerOptions: { rpcUrl: proxy.url, gasCheckIntervalMs: 0, receiptTimeoutMs: 300 },
      prepaid: prepaid({ secret: 'hooks-chain-secret-with-at-least-32-bytes', packages: [{ id: 'two', calls: 2, days: 1, price: paywall }] }),
      ...({ hooks } as Partial<TollgateConfig>),
    },
  )
})

afterAll(async () => {
  await seller?.close()
  await proxy?.close()
  await chain?.stop()
})

async function heardOne(match: (h: Heard) => boolean): Promise<Heard> {
  let found: Heard | undefined
  await until(async () => (found = heard.find(match)) !== undefined)
  return found!
}

async function signedFor(path: string) {
  const buyer = await freshBuyer(chain)
  const challenge = await fetch(`${seller.url}${path}`)
  const accepted = decodeHeader<{ accepts: Record<string, unknown>[] }>(challenge.headers.get('payment-required')!).accepts[0]!
  const payload = await signAuthorization({ from: buyer, to: chain.accounts.seller.address, value: PRICE, token: chain.tokenInfo, chainId: chain.chainId })
  return { buyer, header: encodeHeader(v2Payment(accepted, payload)) }
}

describe('authorize runs before any chain read', () => {
  it('a denial reads nothing from the chain: no RPC request is made for it', async () => {
    // One paid request first: the settler's start-up reads (chain id, gas balance) are done after it.
    const warm = officialBuyer(chain, await freshBuyer(chain))
    expect((await warm.pay(`${seller.url}/content`)).status).toBe(200)
    const { header } = await signedFor('/guarded')
    const before = proxy.forwarded
    const askedBefore = asked
    const res = await fetch(`${seller.url}/guarded`, { headers: { 'payment-signature': header } })
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({ error: 'wallet_blocked' })
    expect(asked).toBe(askedBefore + 1)
    expect(proxy.forwarded).toBe(before)
  })

  it('with the chain cut off, a denial still answers the hook\'s status, while an allowed payment answers 503 chain_unavailable', async () => {
    const guarded = await signedFor('/guarded')
    const plain = await signedFor('/content')
    proxy.cut()
    try {
      const denied = await fetch(`${seller.url}/guarded`, { headers: { 'payment-signature': guarded.header } })
      expect(denied.status).toBe(403)
      expect(await denied.json()).toMatchObject({ error: 'wallet_blocked' })
      const unreachable = await fetch(`${seller.url}/content`, { headers: { 'payment-signature': plain.header } })
      expect(unreachable.status).toBe(503)
      expect(await unreachable.json()).toMatchObject({ error: 'chain_unavailable' })
    } finally {
      proxy.restore()
    }
  })
})

describe('authorize fails closed', () => {
  it('a hook that outlasts its timeout, then one that throws: 503 authorize_failed, nothing charged; the same payment goes through once it allows', async () => {
    const { buyer, header } = await signedFor('/undecided')
    const before = await snapshot(chain, buyer.address)
    for (const mode of ['stall', 'throw'] as const) {
      undecided = mode
      const res = await fetch(`${seller.url}/undecided`, { headers: { 'payment-signature': header } })
      expect(res.status).toBe(503)
      const text = await res.text()
      expect(text).not.toContain('PAID CONTENT')
      expect(JSON.parse(text)).toMatchObject({ error: 'authorize_failed' })
    }
    expect(await snapshot(chain, buyer.address)).toEqual(before)
    undecided = 'allow'
    const res = await fetch(`${seller.url}/undecided`, { headers: { 'payment-signature': header } })
    expect(res.status).toBe(200)
    expect(await snapshot(chain, buyer.address)).toEqual({ buyer: before.buyer - PRICE, seller: before.seller + PRICE, transfers: before.transfers + 1 })
  })
})

describe('settlement events against the chain', () => {
  it("a settlement left unknown is told with state 'unknown' and its transaction; presented again once mined, told settled with resumed: true", async () => {
    const buyer = await freshBuyer(chain)
    const before = await snapshot(chain, buyer.address)
    const { pay, sent } = officialBuyer(chain, buyer)
    const transaction = await withoutAutomine(chain, async () => {
      const first = await pay(`${seller.url}/content`)
      expect(first.status).toBe(503)
      const settlement = settlementOf(first)
      expect(settlement.errorReason).toBe('settlement_unknown')
      await mine(chain)
      return settlement.transaction
    })
    const unknown = await heardOne((h) => h.hook === 'onSettlementFailed' && h.event.transaction === transaction)
    expect(unknown.event).toMatchObject({ route: 'content', state: 'unknown', reason: 'settlement_unknown', status: 503, amount: PRICE.toString(), x402Version: 2 })

    const again = await fetch(`${seller.url}/content`, { headers: { 'payment-signature': sent[0]! } })
    expect(again.status).toBe(200)
    const settled = await heardOne((h) => h.hook === 'onSettled' && h.event.transaction === transaction)
    expect(settled.event).toMatchObject({ route: 'content', resumed: true, amount: PRICE.toString(), network: 'eip155:84532' })
    // Charged once, by the first presentation's transfer.
    expect(await chain.transferCount()).toBe(before.transfers + 1)
  })
})

describe('prepaid revocation', () => {
  it('a credential sold and then revoked is told both times', async () => {
    const buyer = await freshBuyer(chain)
    const { pay } = officialBuyer(chain, buyer)
    const bought = await pay(`${seller.url}/prepaid/purchase?package=two`, { method: 'POST', headers: { 'idempotency-key': crypto.randomUUID() } })
    expect(bought.status).toBe(201)
    const { credentialId } = (await bought.json()) as { credentialId: string }
    await heardOne((h) => h.hook === 'onPrepaidIssued' && h.event.credentialId === credentialId)
    await seller.gate.prepaid!.revoke(credentialId)
    const revoked = await heardOne((h) => h.hook === 'onPrepaidRevoked' && h.event.credentialId === credentialId)
    expect(revoked.event).toEqual({ route: '/prepaid', credentialId })
  })
})
