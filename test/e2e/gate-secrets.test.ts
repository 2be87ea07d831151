/**
 * Nothing secret reaches a buyer: the seller's RPC endpoint carries an API key in its path (as
 * hosted RPC providers do), the chain is cut or the buyer cannot pay, and the answer a buyer gets
 * (status, body, every header) names neither the endpoint nor the key. The seller's logger gets
 * the detail, with any URL cut to scheme and host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { httpFacilitator, type Logger } from '../../src/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { freshBuyer, requirementAt, signedV2 } from '../support/payments.js'
import { startStubFacilitator, type StubFacilitator } from '../facilitator/support/stub-facilitator.js'
import { rpc } from './pending-fixture.js'
import { startRpcProxy, type RpcProxy } from './rpc-proxy.js'
import { startSeller, type Seller } from './seller.js'

const SECRET = 'SECRETKEY0123456789abcdef'

let chain: TestChain
let proxy: RpcProxy
let seller: Seller
let viaFacilitator: Seller
/** A facilitator double quoting its node's error (URL and key included) in every refusal. */
let chatty: StubFacilitator
let viaChatty: Seller
const UPSTREAM = `upstream https://node.example/v2/${SECRET} said: execution reverted`
/** Every line the sellers logged, as text. */
const logged: string[] = []
let cutDuringHandler = false

const logger: Logger = Object.fromEntries(
  (['debug', 'info', 'warn', 'error'] as const).map((level) => [level, (message: string, fields?: Record<string, unknown>) => logged.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`)]),
)

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
  proxy = await startRpcProxy(chain.rpcUrl)
  const settlerKey = generatePrivateKey()
  await rpc(chain, 'anvil_setBalance', [privateKeyToAccount(settlerKey).address, '0x56BC75E2D63100000'])
  seller = await startSeller(
    chain,
    (app, gate) => {
      app.get('/data', gate.paywall({ amount: '0.01', network: 'base-sepolia' }), (_req, res) => {
        if (cutDuringHandler) proxy.cut()
        res.json({ content: 'PAID CONTENT' })
      })
    },
    { logger, settlerOptions: { privateKey: settlerKey, rpcUrl: `${proxy.url}/v2/${SECRET}`, requestTimeoutMs: 2_000, receiptTimeoutMs: 2_000 } },
  )
  // A facilitator URL with the key in its path and query, on a port nothing listens on.
  const closed = await startSeller(chain, () => undefined)
  const deadUrl = `${closed.url}/facilitator/${SECRET}?apikey=${SECRET}`
  await closed.close()
  viaFacilitator = await startSeller(
    chain,
    (app, gate) => app.get('/data', gate.paywall({ amount: '0.01', network: 'base-sepolia' }), (_req, res) => res.json({ content: 'PAID CONTENT' })),
    { logger, settler: undefined, facilitator: httpFacilitator({ url: deadUrl, retries: 0, timeoutMs: 2_000 }) },
  )
  chatty = await startStubFacilitator({
    supported: () => ({ status: 200, body: { kinds: [{ x402Version: 2, scheme: 'exact', network: 'eip155:84532' }], extensions: [], signers: {} } }),
    verify: (body) => {
      const payer = (body as { paymentPayload: { payload: { authorization: { from: string; value: string } } } }).paymentPayload.payload.authorization
      // Refuses one amount with upstream text, accepts the rest (whose settle then fails with upstream text).
      return payer.value === '10000'
        ? { status: 200, body: { isValid: false, invalidReason: 'invalid_exact_evm_insufficient_balance', invalidMessage: UPSTREAM } }
        : { status: 200, body: { isValid: true, payer: payer.from } }
    },
    settle: () => ({ status: 200, body: { success: false, errorReason: 'node_said_no', errorMessage: UPSTREAM, transaction: '', network: 'eip155:84532' } }),
  })
  viaChatty = await startSeller(
    chain,
    (app, gate) => {
      app.get('/data', gate.paywall({ amount: '0.01', network: 'base-sepolia' }), (_req, res) => res.json({ content: 'PAID CONTENT' }))
      app.get('/other', gate.paywall({ amount: '0.02', network: 'base-sepolia' }), (_req, res) => res.json({ content: 'PAID CONTENT' }))
    },
    { logger, settler: undefined, facilitator: httpFacilitator({ url: chatty.url }) },
  )
})

afterAll(async () => {
  await viaChatty?.close()
  await chatty?.close()
  await viaFacilitator?.close()
  await seller?.close()
  await proxy?.close()
  await chain?.stop()
})

/** Everything a buyer receives, as one text: status, every header, the body. */
async function whatTheBuyerSees(res: Response): Promise<string> {
  const headers: string[] = []
  // Encoded headers (PAYMENT-REQUIRED, PAYMENT-RESPONSE) are read decoded too.
  const decoded: string[] = []
  res.headers.forEach((value, name) => {
    headers.push(`${name}: ${value}`)
    decoded.push(Buffer.from(value, 'base64').toString('utf8'))
  })
  return [String(res.status), ...headers, ...decoded, await res.text()].join('\n')
}

function expectNoSecret(seen: string, host: string): void {
  expect(seen).not.toContain(SECRET)
  expect(seen).not.toContain(host)
}

async function payment(url: string, funds = 1_000_000n) {
  const buyer = await freshBuyer(chain, funds)
  return (await signedV2(chain, await requirementAt(url), buyer)).header
}

const proxyHost = () => new URL(proxy.url).host

describe('answers to buyers carry no RPC endpoint or key', () => {
  it('the chain is cut during verification: 503 chain_unavailable, no URL or key; the seller is warned, without the key', async () => {
    const header = await payment(`${seller.url}/data`)
    logged.length = 0
    proxy.cut()
    try {
      const res = await fetch(`${seller.url}/data`, { headers: { 'payment-signature': header } })
      expect(res.status).toBe(503)
      const seen = await whatTheBuyerSees(res)
      expect(seen).toContain('chain_unavailable')
      expectNoSecret(seen, proxyHost())
    } finally {
      proxy.restore()
    }
    expect(logged.join('\n')).not.toContain(SECRET)
    expect(logged.some((line) => line.startsWith('warn') && line.includes('chain_unavailable'))).toBe(true)
  })

  it('the chain is cut during settlement: 503, no URL or key in the answer or the log', async () => {
    const header = await payment(`${seller.url}/data`)
    logged.length = 0
    cutDuringHandler = true
    try {
      const res = await fetch(`${seller.url}/data`, { headers: { 'payment-signature': header } })
      expect(res.status).toBe(503)
      const seen = await whatTheBuyerSees(res)
      expect(seen).not.toContain('PAID CONTENT')
      expectNoSecret(seen, proxyHost())
    } finally {
      cutDuringHandler = false
      proxy.restore()
    }
    expect(logged.length).toBeGreaterThan(0)
    expect(logged.join('\n')).not.toContain(SECRET)
  })

  it('a buyer without funds: 402 with the reason, no URL or key', async () => {
    const header = await payment(`${seller.url}/data`, 0n)
    const res = await fetch(`${seller.url}/data`, { headers: { 'payment-signature': header } })
    expect(res.status).toBe(402)
    const seen = await whatTheBuyerSees(res)
    expect(seen).toContain('invalid_exact_evm_insufficient_balance')
    expectNoSecret(seen, proxyHost())
  })

  it('a facilitator that cannot be reached: 503 facilitator_unavailable, its URL and key nowhere in the answer or the log', async () => {
    logged.length = 0
    const header = await payment(`${viaFacilitator.url}/data`)
    const res = await fetch(`${viaFacilitator.url}/data`, { headers: { 'payment-signature': header } })
    expect(res.status).toBe(503)
    const seen = await whatTheBuyerSees(res)
    expect(seen).toContain('facilitator_unavailable')
    expect(seen).not.toContain(SECRET)
    expect(seen).not.toContain('/facilitator/')
    expect(logged.length).toBeGreaterThan(0)
    expect(logged.join('\n')).not.toContain(SECRET)
  })

  it("a facilitator's refusals quoting its node: the buyer gets the reason code, the seller's log the text with the URL cut", async () => {
    logged.length = 0
    const refused = await fetch(`${viaChatty.url}/data`, { headers: { 'payment-signature': await payment(`${viaChatty.url}/data`) } })
    expect(refused.status).toBe(402)
    const seenVerify = await whatTheBuyerSees(refused)
    expect(seenVerify).toContain('invalid_exact_evm_insufficient_balance')

    const failed = await fetch(`${viaChatty.url}/other`, { headers: { 'payment-signature': await payment(`${viaChatty.url}/other`) } })
    expect(failed.status).toBe(402)
    const seenSettle = await whatTheBuyerSees(failed)
    expect(seenSettle).toContain('facilitator_rejected')
    expect(seenSettle).toContain("the facilitator's reason: node_said_no")
    expect(seenSettle).not.toContain('PAID CONTENT')

    for (const seen of [seenVerify, seenSettle]) {
      expect(seen).not.toContain(SECRET)
      expect(seen).not.toContain('node.example')
      expect(seen).not.toContain('execution reverted')
    }
    const log = logged.join('\n')
    expect(log).not.toContain(SECRET)
    expect(log).toContain('https://node.example/…')
  })
})
