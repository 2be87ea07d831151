/**
 * tollgate/facilitator hygiene over real HTTP on anvil: path segments that name Object.prototype's
 * members are not routes, only configured tokens are settled (no gas spent on a contract a caller
 * names), and answers carry no RPC URL or upstream error text, which go to the log, redacted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { Address } from 'viem'
import { facilitatorHandler } from '../../src/facilitator-server/index.js'
import { localSettler, type Logger } from '../../src/index.js'
import { freePort } from '../support/anvil.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import type { TestServer } from '../support/http.js'
import { signAuthorization, v2Payment } from '../support/payments.js'
import { freshBuyer, gasAccount } from './support/fixtures.js'
import { bearer, startTollgateFacilitator } from './support/tollgate-facilitator.js'

const PRICE = 10_000n
let chain: TestChain
let server: TestServer
let settler: Address
let otherToken: Address

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
  const gas = await gasAccount(chain)
  settler = gas.account.address
  server = await startTollgateFacilitator(chain, gas.key)
  // A second EIP-3009 token with the same EIP-712 domain name and version as the configured one.
  otherToken = await chain.deployToken({ name: 'USDC', version: '2' })
})

afterAll(async () => {
  await server?.close()
  await chain?.stop()
})

const requirement = (asset: Address, extra = { name: 'USDC', version: '2' }) => ({
  scheme: 'exact',
  network: 'eip155:84532',
  asset,
  amount: PRICE.toString(),
  payTo: chain.accounts.seller.address,
  maxTimeoutSeconds: 300,
  extra,
})

/** A buyer funded in `asset`, and a /verify or /settle body paying in it. */
async function bodyIn(asset: Address, extra?: { name: string; version: string }) {
  const buyer = await freshBuyer(chain, 0n)
  await chain.mint(buyer.address, 1_000_000n, asset)
  const payload = await signAuthorization({ from: buyer, to: chain.accounts.seller.address, value: PRICE, token: { address: asset, name: 'USDC', version: '2' }, chainId: chain.chainId })
  const wanted = requirement(asset, extra)
  return { buyer, body: { x402Version: 2, paymentPayload: v2Payment(wanted, payload), paymentRequirements: wanted } }
}

async function post(url: string, path: 'verify' | 'settle', body: unknown) {
  const res = await fetch(`${url}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer() }, body: JSON.stringify(body) })
  const text = await res.text()
  const headers: string[] = []
  res.headers.forEach((value, name) => headers.push(`${name}: ${value}`))
  return { status: res.status, text, body: JSON.parse(text) as Record<string, unknown>, headers: headers.join('\n') }
}

describe('route lookup', () => {
  const members = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupSetter__']

  it.each(members)('/%s is no route: 404 JSON for GET and POST, with or without a prefix and a token', async (member) => {
    for (const path of [`/${member}`, `/facilitator/${member}`, `/${member}/`]) {
      for (const init of [{ method: 'GET' }, { method: 'POST', body: '{}', headers: bearer() }]) {
        const res = await fetch(`${server.url}${path}`, init)
        expect(res.status).toBe(404)
        expect(res.headers.get('content-type')).toMatch(/^application\/json/)
        expect(await res.json()).toMatchObject({ error: 'not_found' })
      }
    }
  })
})

describe('only configured tokens are settled', () => {
  const nonce = () => chain.publicClient.getTransactionCount({ address: settler, blockTag: 'pending' })

  it('a request naming another deployed EIP-3009 token is refused before any chain call: no transaction, no transfer', async () => {
    const { buyer, body } = await bodyIn(otherToken)
    const before = { nonce: await nonce(), buyer: await chain.balanceOf(buyer.address, otherToken), transfers: await chain.transferCount(otherToken) }
    const verified = await post(server.url, 'verify', body)
    expect(verified.body).toMatchObject({ isValid: false, invalidReason: 'invalid_exact_evm_asset_mismatch' })
    const settled = await post(server.url, 'settle', body)
    expect(settled.body).toMatchObject({ success: false, errorReason: 'invalid_exact_evm_asset_mismatch', transaction: '' })
    expect(await nonce()).toBe(before.nonce)
    expect(await chain.balanceOf(buyer.address, otherToken)).toBe(before.buyer)
    expect(await chain.transferCount(otherToken)).toBe(before.transfers)
  })

  it('the configured token under another EIP-712 domain name is refused the same way', async () => {
    const { body } = await bodyIn(chain.token, { name: 'USD Coin', version: '2' })
    expect((await post(server.url, 'settle', body)).body).toMatchObject({ success: false, errorReason: 'invalid_exact_evm_asset_mismatch', transaction: '' })
  })

  it('a token listed in `assets` is settled', async () => {
    const gas = await gasAccount(chain)
    const widened = await startTollgateFacilitator(chain, gas.key, { assets: { 'base-sepolia': [{ address: otherToken, name: 'USDC', version: '2', decimals: 6 }] } })
    try {
      const { buyer, body } = await bodyIn(otherToken)
      expect((await post(widened.url, 'settle', body)).body).toMatchObject({ success: true, payer: buyer.address })
      expect(await chain.balanceOf(buyer.address, otherToken)).toBe(1_000_000n - PRICE)
      // The network's own asset is still settled.
      const own = await bodyIn(chain.token)
      expect((await post(widened.url, 'settle', own.body)).body).toMatchObject({ success: true })
    } finally {
      await widened.close()
    }
  })

  it('configuration: a network with no token to settle, assets for a network not served, a malformed token', () => {
    const settlerOf = () => localSettler({ privateKey: generatePrivateKey(), rpcUrl: chain.rpcUrl })
    const problems = (options: object) => {
      try {
        facilitatorHandler({ settler: settlerOf(), authorize: () => 'x', networks: ['base-sepolia'], ...options })
        return []
      } catch (error) {
        return [...(error as { problems: string[] }).problems]
      }
    }
    expect(problems({ networks: [{ name: 'devnet', chainId: 31337, rpcUrl: chain.rpcUrl }] })).toEqual([expect.stringMatching(/devnet has no token to settle/)])
    expect(problems({ assets: { polygon: [chain.tokenInfo] } })).toEqual([expect.stringMatching(/"polygon", which is not among the networks served/)])
    expect(problems({ assets: { 'eip155:84532': [{ address: 'nope', name: '', version: '2', decimals: 6 }] } })).toHaveLength(2)
    expect(problems({ assets: { 'eip155:84532': [chain.tokenInfo] } })).toEqual([])
  })
})

describe('answers carry no RPC URL and no upstream error text', () => {
  it('a chain that cannot be read: 503 with the reason and a fixed message; the log has the detail, redacted', async () => {
    const deadPort = await freePort()
    const rpcUrl = `http://rpc-user:rpc-pass-0123@127.0.0.1:${deadPort}/v2/RPC-SECRET-KEY-0123456789?key=RPC-QUERY-SECRET`
    const lines: string[] = []
    const record = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`)
    const logger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') }
    const key = generatePrivateKey()
    const blind = await startTollgateFacilitator(chain, key, {
      settler: localSettler({ privateKey: key, rpcUrl, pollingIntervalMs: 50 }),
      networks: [{ name: 'base-sepolia', rpcUrl, asset: chain.tokenInfo }],
      logger,
    })
    const secrets = ['rpc-user', 'rpc-pass-0123', 'RPC-SECRET-KEY-0123456789', 'RPC-QUERY-SECRET', '/v2/']
    try {
      const { body } = await bodyIn(chain.token)
      const verified = await post(blind.url, 'verify', body)
      const settled = await post(blind.url, 'settle', body)
      expect(verified).toMatchObject({ status: 503, body: { isValid: false, invalidReason: 'chain_unavailable' } })
      expect(settled).toMatchObject({ status: 503, body: { success: false, errorReason: 'chain_unavailable', transaction: '' } })
      for (const answer of [verified, settled]) {
        for (const secret of [...secrets, `:${deadPort}`]) {
          expect(answer.text).not.toContain(secret)
          expect(answer.headers).not.toContain(secret)
        }
      }
      expect(verified.body.invalidMessage).toBe('The blockchain could not be reached; nothing was charged. Retry later.')
      expect(lines.filter((line) => /^warn tollgate facilitator: (verify|settle) refused .*"reason":"chain_unavailable"/.test(line))).toHaveLength(2)
      for (const line of lines) for (const secret of secrets) expect(line).not.toContain(secret)
    } finally {
      await blind.close()
    }
  })

  it("a refusal built from the request keeps its message: the buyer's own authorization is quoted", async () => {
    const buyer = privateKeyToAccount(generatePrivateKey())
    const payload = await signAuthorization({ from: buyer, to: chain.accounts.seller.address, value: PRICE + 1n, token: chain.tokenInfo, chainId: chain.chainId })
    const wanted = requirement(chain.token)
    const answer = await post(server.url, 'verify', { x402Version: 2, paymentPayload: v2Payment(wanted, payload), paymentRequirements: wanted })
    expect(answer.body).toMatchObject({ isValid: false, invalidReason: 'invalid_exact_evm_payload_authorization_value_mismatch', invalidMessage: expect.stringContaining(`${PRICE + 1n}`) })
  })
})
