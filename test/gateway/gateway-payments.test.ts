/**
 * `tollgate gateway` as a process in front of an upstream in another process, paid by the official
 * clients on anvil: what is charged, what is forwarded each way, and what an upstream that fails,
 * hangs or is gone costs the buyer (nothing).
 */
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../support/anvil.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader } from '../support/payments.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { isV1Error, runV1Buyer, v1ClientInstalled } from '../support/v1-buyer.js'
import { chainConfig, chainEnv, networksYaml, writeConfig } from './support/config.js'
import { startGateway, startUpstream, type Gateway, type Upstream } from './support/processes.js'

let chain: TestChain
let upstream: Upstream
let gateway: Gateway

const ROUTES = `
routes:
  - { method: GET, path: /data, price: "0.01", network: base-sepolia, name: data }
  - { method: [GET, POST], path: /echo, price: "0.02", network: base-sepolia, settle: before-handler }
  - { method: GET, path: /fail, price: 0.01, network: base-sepolia }
  - { method: GET, path: /slow, price: "0.01", network: base-sepolia }
  - { method: "*", path: /free-echo, free: true }
forward: { headers: [x-custom, authorization], timeoutMs: 1500, maxBodyBytes: 1000 }
metrics: true
health: { path: /healthz }
`

beforeAll(async () => {
  chain = await startTestChain()
  upstream = await startUpstream()
  // The target's path prefixes every forwarded path (the upstream serves under /api).
  gateway = await startGateway(['--config', writeConfig(chainConfig(chain, `${upstream.url}/api`, ROUTES))], chainEnv(chain))
})

afterAll(async () => {
  await gateway?.stop()
  await upstream?.stop()
  await chain?.stop()
})

const buyerFetch = (index: number) => makeV2Fetch(chain.accounts.buyers[index]!, { network: 'eip155:84532', asset: chain.token })
const received = async (path: string) => (await upstream.log()).filter((entry) => entry.event === 'request' && entry.url?.startsWith(path))

async function balances(buyer: `0x${string}`) {
  return { buyer: await chain.balanceOf(buyer), seller: await chain.balanceOf(chain.accounts.seller.address), transfers: await chain.transferCount() }
}

describe('tollgate gateway in front of an upstream process', () => {
  it('prints a summary: routes, prices, networks, store, settler address and gas; never the key or the RPC URL', () => {
    const out = gateway.stdout()
    expect(out).toMatch(/GET \/data\s+0\.01 on base-sepolia \(after-handler\)/)
    expect(out).toMatch(/GET,POST \/echo\s+0\.02 on base-sepolia \(before-handler\)/)
    expect(out).toMatch(/\/free-echo\s+free/)
    expect(out).toContain('store: memory')
    expect(out).toContain(`settler: ${chain.accounts.settler.address}`)
    expect(out).toMatch(/gas on base-sepolia: 10000(\.\d+)? ETH \(ok\)/)
    const everything = gateway.stdout() + gateway.stderr()
    expect(everything).not.toContain(chain.keys.settler.slice(2))
    expect(everything).not.toContain(chain.rpcUrl)
  })

  it('answers an unpaid request with the 402 challenge and never reaches the upstream', async () => {
    const response = await fetch(`${gateway.url}/data`)
    expect(response.status).toBe(402)
    expect(response.headers.get('payment-required')).toBeTruthy()
    // HEAD is answered through the GET route, paywall included.
    expect((await fetch(`${gateway.url}/data`, { method: 'HEAD' })).status).toBe(402)
    // Spellings an upstream may read as /data are paid routes too.
    for (const path of ['/DATA', '/data/', '//data', '/%64ata']) {
      expect((await rawRequest(`${gateway.url}${path}`, {})).status, path).toBe(402)
    }
    expect(await received('/api/data')).toHaveLength(0)
  })

  it('the official v2 client pays: the upstream answer with the settlement header, exactly the price moved', async () => {
    const buyer = chain.accounts.buyers[0]!
    const before = await balances(buyer.address)
    const response = await buyerFetch(0)(`${gateway.url}/data`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ data: 42, path: '/api/data' })
    const settlement = decodeHeader<Record<string, unknown>>(response.headers.get('payment-response')!)
    expect(settlement).toMatchObject({ success: true, payer: buyer.address, amount: '10000' })
    const receipt = await chain.publicClient.getTransactionReceipt({ hash: settlement.transaction as `0x${string}` })
    expect(receipt.status).toBe('success')
    // The upstream's hop-by-hop header and its forged payment header do not reach the buyer; its own do.
    expect(response.headers.get('x-hop')).toBeNull()
    expect(response.headers.get('x-upstream')).toBe('yes')
    const after = await balances(buyer.address)
    expect(after).toEqual({ buyer: before.buyer - 10_000n, seller: before.seller + 10_000n, transfers: before.transfers + 1 })

    const [forwarded] = await received('/api/data')
    expect(forwarded?.headers?.['payment-signature']).toBeUndefined()
    expect(forwarded?.headers?.['x-payment']).toBeUndefined()
    expect(forwarded?.headers?.['x-forwarded-for']).toBe('127.0.0.1')
    expect(forwarded?.headers?.['x-forwarded-proto']).toBe('http')
    expect(forwarded?.headers?.['x-forwarded-host']).toBe(new URL(gateway.url).host)
    expect(forwarded?.headers?.['x-tollgate-payer']).toBe(buyer.address)
    expect(forwarded?.headers?.['x-tollgate-amount']).toBe('10000')
  })

  it('the official v1 client (x402-fetch 1.2) pays through the gateway', async (context) => {
    if (!v1ClientInstalled()) {
      console.warn('skipped: the v1 client is not installed (npm ci --prefix interop/v1-client)')
      if (process.env.REQUIRE_V1_CLIENT === '1') throw new Error('REQUIRE_V1_CLIENT=1 but interop/v1-client is not installed')
      return context.skip()
    }
    const buyer = chain.accounts.buyers[1]!
    const before = await balances(buyer.address)
    const result = await runV1Buyer(`${gateway.url}/data`, chain.keys.buyers[1]!)
    if (isV1Error(result)) throw new Error(result.error)
    expect(result.status).toBe(200)
    expect(JSON.parse(result.body)).toEqual({ data: 42, path: '/api/data' })
    expect(result.paymentResponse).toMatchObject({ success: true })
    expect(await balances(buyer.address)).toEqual({ buyer: before.buyer - 10_000n, seller: before.seller + 10_000n, transfers: before.transfers + 1 })
  })

  it('before-handler: charged first, the upstream sees the transaction, payment credentials stay at the gateway', async () => {
    const buyer = chain.accounts.buyers[2]!
    const before = await balances(buyer.address)
    const response = await buyerFetch(2)(`${gateway.url}/echo?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'x-custom': 'kept', 'x-not-listed': 'dropped', cookie: 'session=secret', authorization: 'Bearer upstream-token' },
      body: 'hello upstream',
    })
    expect(response.status).toBe(200)
    const echoed = (await response.json()) as { method: string; headers: Record<string, string>; body: string; query: string }
    expect(echoed).toMatchObject({ method: 'POST', body: 'hello upstream', query: '?x=1' })
    expect(echoed.headers['x-custom']).toBe('kept')
    expect(echoed.headers.authorization).toBe('Bearer upstream-token')
    expect(echoed.headers['x-not-listed']).toBeUndefined()
    expect(echoed.headers.cookie).toBeUndefined()
    expect(echoed.headers['payment-signature']).toBeUndefined()
    const transaction = echoed.headers['x-tollgate-transaction'] as `0x${string}`
    expect(transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect((await chain.publicClient.getTransactionReceipt({ hash: transaction })).status).toBe('success')
    expect(await balances(buyer.address)).toEqual({ buyer: before.buyer - 20_000n, seller: before.seller + 20_000n, transfers: before.transfers + 1 })
  })

  it('an upstream answer >= 400 goes out as it is and charges nothing', async () => {
    const buyer = chain.accounts.buyers[3]!
    const before = await balances(buyer.address)
    const response = await buyerFetch(3)(`${gateway.url}/fail`)
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual({ error: 'upstream failure' })
    expect(response.headers.get('payment-response')).toBeNull()
    expect(await received('/api/fail')).toHaveLength(1)
    expect(await balances(buyer.address)).toEqual(before)
  })

  it('an upstream that does not answer in time: 504 upstream_timeout, nothing charged', async () => {
    const buyer = chain.accounts.buyers[4]!
    const before = await balances(buyer.address)
    const response = await buyerFetch(4)(`${gateway.url}/slow?ms=10000`)
    expect(response.status).toBe(504)
    expect(await response.json()).toMatchObject({ error: 'upstream_timeout' })
    expect(await balances(buyer.address)).toEqual(before)
  })

  it('forwards free routes without payment, caps request bodies (413) and refuses unknown or ambiguous paths', async () => {
    const raw = await rawRequest(`${gateway.url}/free-echo`, { 'x-custom': 'a', connection: 'x-custom, keep-alive', 'payment-signature': 'abc', 'x-prepaid-credential': 'jwt', 'x-tollgate-payer': '0xforged' })
    expect(raw.status).toBe(200)
    const headers = (JSON.parse(raw.body) as { headers: Record<string, string> }).headers
    // x-custom is allow-listed, but this request's Connection header names it hop-by-hop.
    expect(headers['x-custom']).toBeUndefined()
    expect(headers['payment-signature']).toBeUndefined()
    expect(headers['x-prepaid-credential']).toBeUndefined()
    expect(headers['x-tollgate-payer']).toBeUndefined()

    const big = await fetch(`${gateway.url}/free-echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(2000) }) })
    expect(big.status).toBe(413)
    expect(await big.json()).toMatchObject({ error: 'request_too_large' })
    const small = await fetch(`${gateway.url}/free-echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })
    expect(await small.json()).toMatchObject({ body: '{"a":1}' })

    const unknown = await fetch(`${gateway.url}/nowhere`)
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toMatchObject({ error: 'route_not_found' })
    for (const path of ['/free-echo%2F..%2Fdata', '/free-echo/%2e%2e/data', '/x%5Cdata']) {
      const ambiguous = await rawRequest(`${gateway.url}${path}`, {})
      expect(ambiguous.status, path).toBe(400)
      expect(JSON.parse(ambiguous.body)).toMatchObject({ error: 'ambiguous_path' })
    }
  })

  it('serves metrics and health from the library (tollgate/metrics, tollgate/health)', async () => {
    const health = await fetch(`${gateway.url}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok' })
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text()
    expect(metrics).toMatch(/tollgate_payments_settled_total\{[^}]*route="data"[^}]*\} [1-9]/)
  })
})

describe('tollgate gateway in front of an upstream that is gone', () => {
  it('flags name the simple case; a refused connection is 502 upstream_unavailable and charges nothing', async () => {
    const closed = await freePort()
    // Only the test token's network comes from a file: target, payee, price and network are flags.
    const gone = await startGateway(
      ['--config', writeConfig(networksYaml(chain)), '--target', `http://127.0.0.1:${closed}`, '--pay-to', chain.accounts.seller.address, '--price', '0.01', '--network', 'base-sepolia'],
      chainEnv(chain),
    )
    try {
      expect(gone.stdout()).toMatch(/\* \/\*\s+0\.01 on base-sepolia/)
      const buyer = chain.accounts.buyers[5]!
      const before = await balances(buyer.address)
      const response = await buyerFetch(5)(`${gone.url}/anything`)
      expect(response.status).toBe(502)
      expect(await response.json()).toMatchObject({ error: 'upstream_unavailable' })
      expect(await balances(buyer.address)).toEqual(before)
    } finally {
      await gone.stop()
    }
  })
})

function rawRequest(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // Options, not a URL string: a URL would be normalised (`%2e%2e` read as `..`) before it is sent.
    const { hostname, port } = new URL(url)
    const req = request({ hostname, port, path: url.replace(/^http:\/\/[^/]+/, ''), headers }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}
