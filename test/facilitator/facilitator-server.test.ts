/**
 * tollgate/facilitator over real HTTP on anvil: routes, caller auth, per-caller rate limits, the
 * reference bodies of both generations, and the replay guard (verify never burns an
 * authorization; settle settles and reports it at most once, however many ask).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { facilitatorHandler } from '../../src/facilitator-server/index.js'
import { httpFacilitator, localSettler, memoryStore, type ConfigurationError } from '../../src/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import type { TestServer } from '../support/http.js'
import { signAuthorization, v1Payment, v2Payment } from '../support/payments.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { startSeller } from '../e2e/seller.js'
import { mine, sendCancel, sendDrain, withoutAutomine } from '../e2e/pending-fixture.js'
import { freshBuyer, gasAccount, snapshot } from './support/fixtures.js'
import { bearer, CALLER_TOKEN, OTHER_TOKEN, startTollgateFacilitator } from './support/tollgate-facilitator.js'

const PRICE = 10_000n
let chain: TestChain
let server: TestServer
let settler: `0x${string}`

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
  const gas = await gasAccount(chain)
  settler = gas.account.address
  server = await startTollgateFacilitator(chain, gas.key, { rateLimit: { requests: 1_000, windowMs: 60_000 } })
})

afterAll(async () => {
  await server?.close()
  await chain?.stop()
})

const requirementV2 = () => ({
  scheme: 'exact',
  network: 'eip155:84532',
  asset: chain.token,
  amount: PRICE.toString(),
  payTo: chain.accounts.seller.address,
  maxTimeoutSeconds: 300,
  extra: { name: 'USDC', version: '2' },
})
const requirementV1 = () => ({
  scheme: 'exact',
  network: 'base-sepolia',
  maxAmountRequired: PRICE.toString(),
  resource: 'http://127.0.0.1/data',
  description: 'data',
  mimeType: 'application/json',
  payTo: chain.accounts.seller.address,
  maxTimeoutSeconds: 300,
  asset: chain.token,
  extra: { name: 'USDC', version: '2' },
})

async function v2Body(overrides: object = {}, funds = 1_000_000n) {
  const buyer = await freshBuyer(chain, funds)
  const payload = await signAuthorization({ from: buyer, to: chain.accounts.seller.address, value: PRICE, token: chain.tokenInfo, chainId: chain.chainId, ...overrides })
  return { buyer, payload, body: { x402Version: 2, paymentPayload: v2Payment(requirementV2(), payload), paymentRequirements: requirementV2() } }
}

async function post(path: 'verify' | 'settle', body: unknown, headers = bearer()) {
  const res = await fetch(`${server.url}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('routes and callers', () => {
  it('GET /health needs no token; the others do (401 with WWW-Authenticate)', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200)
    for (const token of [undefined, 'wrong-token-wrong-token-wrong', `${CALLER_TOKEN}x`, CALLER_TOKEN.slice(0, -1)]) {
      const res = await fetch(`${server.url}/supported`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toBe('Bearer')
    }
    expect((await fetch(`${server.url}/supported`, { headers: bearer(OTHER_TOKEN) })).status).toBe(200)
  })

  it('GET /supported lists exact for both generations, upto with its settling account, and the settler as signer', async () => {
    const res = await fetch(`${server.url}/supported`, { headers: bearer() })
    expect(await res.json()).toEqual({
      kinds: [
        { x402Version: 2, scheme: 'exact', network: 'eip155:84532' },
        { x402Version: 1, scheme: 'exact', network: 'base-sepolia' },
        { x402Version: 2, scheme: 'upto', network: 'eip155:84532', extra: { facilitatorAddress: settler } },
      ],
      extensions: ['eip2612GasSponsoring'],
      signers: { 'eip155:*': [settler] },
    })
  })

  it('unknown routes are 404, wrong methods 405, oversized bodies 413, non-JSON 400; mounted under any prefix', async () => {
    expect((await fetch(`${server.url}/nope`, { headers: bearer() })).status).toBe(404)
    const wrong = await fetch(`${server.url}/verify`, { headers: bearer() })
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('allow')).toBe('POST')
    const big = await fetch(`${server.url}/verify`, { method: 'POST', headers: bearer(), body: 'x'.repeat(70_000) })
    expect(big.status).toBe(413)
    const garbage = await fetch(`${server.url}/settle`, { method: 'POST', headers: bearer(), body: '{not json' })
    expect(garbage.status).toBe(400)
    expect(await garbage.json()).toMatchObject({ success: false, errorReason: 'invalid_payload', transaction: '' })
    expect((await fetch(`${server.url}/facilitator/supported/`, { headers: bearer() })).status).toBe(200)
  })

  it('rate limits each caller through the store: 429 with Retry-After past the budget, other callers unaffected', async () => {
    const gas = await gasAccount(chain)
    const limited = await startTollgateFacilitator(chain, gas.key, { rateLimit: { requests: 3, windowMs: 60_000 } })
    try {
      const statuses = []
      for (let i = 0; i < 5; i++) statuses.push((await fetch(`${limited.url}/supported`, { headers: bearer() })).status)
      expect(statuses).toEqual([200, 200, 200, 429, 429])
      const refused = await fetch(`${limited.url}/verify`, { method: 'POST', headers: bearer(), body: '{}' })
      expect(refused.status).toBe(429)
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
      expect((await fetch(`${limited.url}/supported`, { headers: bearer(OTHER_TOKEN) })).status).toBe(200)
      expect((await fetch(`${limited.url}/health`)).status).toBe(200)
    } finally {
      await limited.close()
    }
  })

  it('refuses a bad configuration at construction, every problem at once', () => {
    let error: ConfigurationError | undefined
    try {
      facilitatorHandler({ settler: undefined as never, networks: [], tokens: ['short'], rateLimit: { requests: 0, windowMs: 10 } })
    } catch (e) {
      error = e as ConfigurationError
    }
    expect(error?.problems).toHaveLength(4)
    expect(() =>
      facilitatorHandler({ settler: localSettler({ privateKey: generatePrivateKey(), rpcUrl: chain.rpcUrl }), networks: ['nowhere'], authorize: () => 'x' }),
    ).toThrow(/unknown network "nowhere"/)
  })
})

describe('/verify', () => {
  it('v2 and v1 bodies: isValid with the payer, and verifying twice burns nothing', async () => {
    const { body, buyer, payload } = await v2Body()
    expect(await post('verify', body)).toEqual({ status: 200, body: { isValid: true, payer: buyer.address } })
    expect((await post('verify', body)).body.isValid).toBe(true)
    const v1 = { x402Version: 1, paymentPayload: v1Payment('base-sepolia', payload), paymentRequirements: requirementV1() }
    expect(await post('verify', v1)).toEqual({ status: 200, body: { isValid: true, payer: buyer.address } })
    expect((await post('settle', body)).body.success).toBe(true)
  })

  it.each([
    ['another signer', { signer: privateKeyToAccount(generatePrivateKey()) }, 'invalid_exact_evm_signature'],
    ['another recipient', { to: privateKeyToAccount(generatePrivateKey()).address }, 'invalid_exact_evm_recipient_mismatch'],
    ['another amount', { value: PRICE + 1n }, 'invalid_exact_evm_payload_authorization_value_mismatch'],
    ['expired', { validBefore: 1n }, 'invalid_exact_evm_payload_authorization_valid_before'],
  ])('%s → isValid false, %s', async (_name, overrides, reason) => {
    const { body } = await v2Body(overrides)
    expect((await post('verify', body)).body).toMatchObject({ isValid: false, invalidReason: reason })
  })

  it('requirement problems in the official order: scheme, EIP-712 domain, network; unserved networks; malformed bodies', async () => {
    const { body } = await v2Body()
    const ask = (requirement: object, payload: object = body.paymentPayload) => post('verify', { ...body, paymentPayload: payload, paymentRequirements: requirement })
    expect((await ask({ ...requirementV2(), scheme: 'upto' })).body.invalidReason).toBe('invalid_exact_evm_scheme')
    expect((await ask({ ...requirementV2(), extra: {} })).body.invalidReason).toBe('invalid_exact_evm_missing_eip712_domain')
    expect((await ask(requirementV2(), { ...body.paymentPayload, accepted: { ...requirementV2(), network: 'eip155:1' } })).body.invalidReason).toBe(
      'invalid_exact_evm_network_mismatch',
    )
    expect((await ask({ ...requirementV2(), network: 'eip155:1' })).body.invalidReason).toBe('invalid_network')
    expect(await ask({ ...requirementV2(), amount: '1e5' })).toMatchObject({ status: 400, body: { isValid: false, invalidReason: 'invalid_payload' } })
    expect(await post('verify', { paymentPayload: { x402Version: 3 }, paymentRequirements: {} })).toMatchObject({ status: 400, body: { invalidReason: 'invalid_x402_version' } })
  })
})

describe('/settle and the replay guard', () => {
  it('settles once: a second settle of the same authorization is refused, one transfer', async () => {
    const { body, buyer } = await v2Body()
    const before = await snapshot(chain, buyer.address, chain.accounts.seller.address)
    const first = await post('settle', body)
    expect(first.body).toMatchObject({ success: true, network: 'eip155:84532', payer: buyer.address, amount: PRICE.toString() })
    expect((await chain.publicClient.getTransactionReceipt({ hash: first.body.transaction as `0x${string}` })).status).toBe('success')
    expect((await post('settle', body)).body).toMatchObject({ success: false, errorReason: 'payment_already_used', transaction: '' })
    expect(await chain.balanceOf(buyer.address)).toBe(before.buyer - PRICE)
    expect(await chain.transferCount()).toBe(before.transfers + 1)
  })

  it('10 concurrent settles of one authorization (by two callers): one success, one transfer', async () => {
    const { body, buyer } = await v2Body()
    const before = await snapshot(chain, buyer.address, chain.accounts.seller.address)
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => post('settle', body, bearer(i % 2 ? OTHER_TOKEN : CALLER_TOKEN))))
    expect(answers.filter((a) => a.body.success === true)).toHaveLength(1)
    expect(answers.filter((a) => a.body.errorReason === 'payment_already_used')).toHaveLength(9)
    expect(await chain.balanceOf(buyer.address)).toBe(before.buyer - PRICE)
    expect(await chain.transferCount()).toBe(before.transfers + 1)
  })

  it('a settle refused before anything was sent frees the authorization: once the buyer is funded it settles', async () => {
    const { body, buyer } = await v2Body({}, 0n)
    expect((await post('settle', body)).body).toMatchObject({ success: false, errorReason: 'invalid_exact_evm_insufficient_balance', transaction: '' })
    await chain.mint(buyer.address, PRICE)
    expect((await post('settle', body)).body).toMatchObject({ success: true })
    expect(await chain.balanceOf(buyer.address)).toBe(0n)
  })

  it('a v1 settle answers with the v1 network name', async () => {
    const buyer = await freshBuyer(chain)
    const payload = await signAuthorization({ from: buyer, to: chain.accounts.seller.address, value: PRICE, token: chain.tokenInfo, chainId: chain.chainId })
    const v1 = { x402Version: 1, paymentPayload: v1Payment('base-sepolia', payload), paymentRequirements: requirementV1() }
    expect((await post('settle', v1)).body).toMatchObject({ success: true, network: 'base-sepolia', payer: buyer.address })
  })
})

describe('a tollgate seller on tollgate facilitator, both on one store', () => {
  it('the seller claims the authorization, the facilitator claims it under its own prefix: paid once', async () => {
    const store = memoryStore()
    const gas = await gasAccount(chain)
    const shared = await startTollgateFacilitator(chain, gas.key, { store })
    const seller = await startSeller(
      chain,
      (app, gate) => app.get('/data', gate.paywall({ amount: '0.01', network: 'base-sepolia' }), (_req, res) => res.json({ ok: true })),
      { settler: undefined, store, facilitator: httpFacilitator({ url: shared.url, headers: bearer() }) },
    )
    try {
      const buyer = await freshBuyer(chain)
      const before = await snapshot(chain, buyer.address, chain.accounts.seller.address)
      const res = await makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })(`${seller.url}/data`)
      expect(res.status).toBe(200)
      expect(await chain.balanceOf(buyer.address)).toBe(before.buyer - PRICE)
      expect(await chain.transferCount()).toBe(before.transfers + 1)
    } finally {
      await seller.close()
      await shared.close()
    }
  })
})

describe('a settlement whose receipt does not come in time', () => {
  /** A facilitator that gives up on receipts after 300 ms, and a way to ask it to settle. */
  async function impatientFacilitator() {
    const gas = await gasAccount(chain)
    const server = await startTollgateFacilitator(chain, gas.key, {
      settler: localSettler({ privateKey: gas.key, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50, receiptTimeoutMs: 300 }),
    })
    const ask = async (body: unknown) => {
      const res = await fetch(`${server.url}/settle`, { method: 'POST', headers: bearer(), body: JSON.stringify(body) })
      return (await res.json()) as Record<string, unknown>
    }
    return { server, ask }
  }

  it('answers settlement_pending with the transaction; asked again once it is mined, reports success once', async () => {
    const { server, ask } = await impatientFacilitator()
    const { body, buyer } = await v2Body()
    const before = await snapshot(chain, buyer.address, chain.accounts.seller.address)
    try {
      const pending = await withoutAutomine(chain, async () => {
        const first = await ask(body)
        expect(first).toMatchObject({ success: false, errorReason: 'settlement_pending', payer: buyer.address })
        expect(first.transaction).toMatch(/^0x[0-9a-f]{64}$/)
        expect(await ask(body)).toMatchObject({ success: false, errorReason: 'settlement_pending', transaction: first.transaction })
        await mine(chain)
        return first
      })
      expect(await ask(body)).toMatchObject({ success: true, transaction: pending.transaction, payer: buyer.address })
      expect(await ask(body)).toMatchObject({ success: false, errorReason: 'payment_already_used' })
      expect(await chain.balanceOf(buyer.address)).toBe(before.buyer - PRICE)
      expect(await chain.transferCount()).toBe(before.transfers + 1)
    } finally {
      await server.close()
    }
  })

  it('the payer canceled before it was mined: asked again, the chain proves no transfer → nonce already used, nothing moved', async () => {
    const { server, ask } = await impatientFacilitator()
    const { body, buyer, payload } = await v2Body()
    const before = await snapshot(chain, buyer.address, chain.accounts.seller.address)
    try {
      const pending = await withoutAutomine(chain, async () => {
        const first = await ask(body)
        expect(first).toMatchObject({ success: false, errorReason: 'settlement_pending' })
        await sendCancel(chain, buyer, payload.authorization.nonce)
        await mine(chain)
        return first
      })
      expect((await chain.publicClient.getTransactionReceipt({ hash: pending.transaction as `0x${string}` })).status).toBe('reverted')
      expect(await ask(body)).toMatchObject({ success: false, errorReason: 'invalid_exact_evm_nonce_already_used' })
      expect(await chain.balanceOf(buyer.address)).toBe(before.buyer)
      expect(await chain.transferCount()).toBe(before.transfers)
    } finally {
      await server.close()
    }
  })

  it('its transfer reverted and the authorization is still good: asked again, it is settled anew', async () => {
    const { server, ask } = await impatientFacilitator()
    const { body, buyer } = await v2Body()
    const before = await snapshot(chain, buyer.address, chain.accounts.seller.address)
    try {
      const pending = await withoutAutomine(chain, async () => {
        const first = await ask(body)
        expect(first).toMatchObject({ success: false, errorReason: 'settlement_pending' })
        await sendDrain(chain, buyer, before.buyer, chain.accounts.deployer.address)
        await mine(chain)
        return first
      })
      expect((await chain.publicClient.getTransactionReceipt({ hash: pending.transaction as `0x${string}` })).status).toBe('reverted')
      // Proven never sent: verified again as new, and the buyer has nothing now.
      expect(await ask(body)).toMatchObject({ success: false, errorReason: 'invalid_exact_evm_insufficient_balance', transaction: '' })
      await chain.mint(buyer.address, PRICE)
      const settled = await ask(body)
      expect(settled).toMatchObject({ success: true, payer: buyer.address })
      expect(settled.transaction).not.toBe(pending.transaction)
      expect(await chain.balanceOf(buyer.address)).toBe(0n)
      expect(await chain.transferCount()).toBe(before.transfers + 2)
    } finally {
      await server.close()
    }
  })
})
