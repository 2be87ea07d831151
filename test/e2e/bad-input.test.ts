import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts'
import type { Address } from 'viem'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, encodeHeader, nowSeconds, signAuthorization, v1Payment, v2Payment, type AuthorizationParams } from '../support/payments.js'
import { startSeller, type Seller } from './seller.js'

/**
 * Hostile and broken payments. Each must get a 4xx (or 503 when the chain is away) with a stable
 * reason, never a 500, never the content, and never an on-chain transfer.
 */

let chain: TestChain
let seller: Seller
let transfersBefore: number
let requirement10: Record<string, unknown>
let requirement1: Record<string, unknown>

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64')

beforeAll(async () => {
  chain = await startTestChain()
  seller = await startSeller(chain, (app, gate) => {
    app.get('/data', gate.paywall({ amount: '0.10', network: 'base-sepolia' }), (_req, res) => res.json({ content: 'PAID CONTENT' }))
    app.get('/cheap', gate.paywall({ amount: '$0.01', network: 'base-sepolia' }), (_req, res) => res.json({ content: 'PAID CONTENT' }))
  })
  requirement10 = await requirementOf('/data')
  requirement1 = await requirementOf('/cheap')
})

afterAll(async () => {
  await seller?.close()
  await chain?.stop()
})

afterEach(async () => {
  expect(await chain.transferCount()).toBe(transfersBefore)
})

async function requirementOf(path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${seller.url}${path}`)
  const required = decodeHeader<{ accepts: Record<string, unknown>[] }>(res.headers.get('payment-required')!)
  return required.accepts[0]!
}

async function present(header: string, value: string, path = '/data') {
  transfersBefore ??= await chain.transferCount()
  transfersBefore = await chain.transferCount()
  const res = await fetch(`${seller.url}${path}`, { headers: { [header]: value } })
  const text = await res.text()
  expect(text).not.toContain('PAID CONTENT')
  return { status: res.status, body: JSON.parse(text) as { error: string; accepts: unknown[] }, headers: res.headers }
}

function authorization(overrides: Partial<AuthorizationParams> = {}): Promise<Awaited<ReturnType<typeof signAuthorization>>> {
  return signAuthorization({
    from: chain.accounts.buyers[0]!,
    to: chain.accounts.seller.address,
    value: 100_000n,
    token: chain.tokenInfo,
    chainId: chain.chainId,
    ...overrides,
  })
}

const v2 = async (overrides: Partial<AuthorizationParams> = {}, accepted: Record<string, unknown> = requirement10) =>
  encodeHeader(v2Payment(accepted, await authorization(overrides)))
const v1 = async (overrides: Partial<AuthorizationParams> = {}, network = 'base-sepolia') =>
  encodeHeader(v1Payment(network, await authorization(overrides)))

describe('undecodable payment headers → 400 invalid_payload', () => {
  it.each([
    ['not base64', '%%% not base64 %%%'],
    ['base64url', b64(JSON.stringify({ x402Version: 2, s: '???>>>' })).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')],
    ['base64 of non-JSON', b64('this is not json')],
    ['JSON of the wrong shape', b64(JSON.stringify({ x402Version: 2, accepted: { scheme: 'exact' }, payload: 'x' }))],
    ['a JSON array', b64('[1,2,3]')],
    ['deeply nested JSON', b64(`{"x402Version":2,"payload":${'['.repeat(2000)}${']'.repeat(2000)}}`)],
    ['a __proto__ key', b64('{"x402Version":1,"scheme":"exact","network":"base-sepolia","payload":{},"__proto__":{"admin":true}}')],
    ['no x402Version', b64(JSON.stringify({ scheme: 'exact', network: 'base-sepolia', payload: {} }))],
  ])('%s', async (_name, header) => {
    for (const name of ['payment-signature', 'x-payment']) {
      const { status, body } = await present(name, header)
      expect(status).toBe(400)
      expect(body.error).toBe('invalid_payload')
      expect(body.accepts).toHaveLength(1)
    }
  })

  it('a malformed EVM payload inside a valid envelope', async () => {
    const payload = await authorization()
    const broken = { ...payload, authorization: { ...payload.authorization, value: '1e5' } }
    const { status, body } = await present('payment-signature', encodeHeader(v2Payment(requirement10, broken)))
    expect(status).toBe(400)
    expect(body.error).toBe('invalid_payload')
  })

  it('a header over 16 KiB → 431 payment_header_too_large', async () => {
    const { status, body } = await present('payment-signature', 'A'.repeat(17 * 1024))
    expect(status).toBe(431)
    expect(body.error).toBe('payment_header_too_large')
  })

  it('an unknown x402Version → 400 invalid_x402_version', async () => {
    const header = encodeHeader({ ...v2Payment(requirement10, await authorization()), x402Version: 3 })
    const { status, body } = await present('payment-signature', header)
    expect(status).toBe(400)
    expect(body.error).toBe('invalid_x402_version')
  })

  it('both payment headers at once → 400 ambiguous_payment_headers', async () => {
    transfersBefore = await chain.transferCount()
    const res = await fetch(`${seller.url}/data`, { headers: { 'payment-signature': await v2(), 'x-payment': await v1() } })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toBe('ambiguous_payment_headers')
  })
})

describe('well-formed payments that do not pay for this route → 402 with the official reason', () => {
  it('tampered value (v2 and v1) → invalid signature', async () => {
    for (const [name, make] of [['payment-signature', v2], ['x-payment', v1]] as const) {
      const decoded = decodeHeader<{ payload: { authorization: { value: string } } }>(await make())
      decoded.payload.authorization.value = '1000000'
      const { status, body } = await present(name, encodeHeader(decoded))
      expect(status).toBe(402)
      expect(body.error).toMatch(/invalid_exact_evm_(signature|payload_authorization_value_mismatch)/)
    }
  })

  it('a payment signed over the right value whose accepted amount was raised → value mismatch', async () => {
    const { status, body } = await present('payment-signature', await v2({}, { ...requirement10, amount: '999999' }))
    expect(status).toBe(402)
    expect(body.error).toBe('invalid_exact_evm_payload_authorization_value_mismatch')
  })

  it('wrong payTo → recipient mismatch', async () => {
    const other = chain.accounts.buyers[5]!.address
    const v2Result = await present('payment-signature', await v2({ to: other }))
    expect(v2Result.status).toBe(402)
    expect(v2Result.body.error).toBe('invalid_exact_evm_recipient_mismatch')
    const v1Result = await present('x-payment', await v1({ to: other }))
    expect(v1Result.body.error).toBe('invalid_exact_evm_recipient_mismatch')
    const claimed = await present('payment-signature', await v2({ to: other }, { ...requirement10, payTo: other }))
    expect(claimed.body.error).toBe('invalid_exact_evm_recipient_mismatch')
  })

  it('wrong asset → asset mismatch (v2) or a signature over another domain (v1)', async () => {
    const otherToken = await chain.deployToken({ name: 'USDC', version: '2' })
    const token = { address: otherToken, name: 'USDC', version: '2' }
    const v2Result = await present('payment-signature', await v2({ token }, { ...requirement10, asset: otherToken }))
    expect(v2Result.status).toBe(402)
    expect(v2Result.body.error).toBe('invalid_exact_evm_asset_mismatch')
    const v1Result = await present('x-payment', await v1({ token }))
    expect(v1Result.status).toBe(402)
    expect(v1Result.body.error).toBe('invalid_exact_evm_signature')
  })

  it('wrong network → invalid_network; wrong chain id in the signature → invalid signature', async () => {
    const mainnet = await present('payment-signature', await v2({}, { ...requirement10, network: 'eip155:8453' }))
    expect(mainnet.status).toBe(402)
    expect(mainnet.body.error).toBe('invalid_network')
    const v1Mainnet = await present('x-payment', await v1({}, 'base'))
    expect(v1Mainnet.body.error).toBe('invalid_network')
    const otherChain = await present('payment-signature', await v2({ chainId: 8453 }))
    expect(otherChain.status).toBe(402)
    expect(otherChain.body.error).toBe('invalid_exact_evm_signature')
  })

  it('an unsupported scheme → unsupported_scheme', async () => {
    const header = encodeHeader(v2Payment({ ...requirement10, scheme: 'upto' }, await authorization()))
    const { status, body } = await present('payment-signature', header)
    expect(status).toBe(402)
    expect(body.error).toBe('unsupported_scheme')
  })

  it('a signature by another key, and `from` naming someone else → invalid signature', async () => {
    const byOther = await present('payment-signature', await v2({ signer: chain.accounts.buyers[1]! }))
    expect(byOther.status).toBe(402)
    expect(byOther.body.error).toBe('invalid_exact_evm_signature')
    const victim = chain.accounts.buyers[2]!
    const impersonation = await present('x-payment', await v1({ from: victim.address as Address, signer: chain.accounts.buyers[1]! }))
    expect(impersonation.body.error).toBe('invalid_exact_evm_signature')
  })

  it('a high-s twin of a valid signature → invalid signature', async () => {
    const payload = await authorization()
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
    const sig = payload.signature
    const s = BigInt(`0x${sig.slice(66, 130)}`)
    const v = Number.parseInt(sig.slice(130, 132), 16)
    const twin = `${sig.slice(0, 66)}${(n - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}`
    const header = encodeHeader(v2Payment(requirement10, { ...payload, signature: twin as `0x${string}` }))
    const { status, body } = await present('payment-signature', header)
    expect(status).toBe(402)
    expect(body.error).toBe('invalid_exact_evm_signature')
  })

  it('expired validBefore and future validAfter', async () => {
    const now = nowSeconds()
    const expired = await present('payment-signature', await v2({ validBefore: now - 1n }))
    expect(expired.status).toBe(402)
    expect(expired.body.error).toBe('invalid_exact_evm_payload_authorization_valid_before')
    const tooSoon = await present('payment-signature', await v2({ validBefore: now + 3n }))
    expect(tooSoon.body.error).toBe('invalid_exact_evm_payload_authorization_valid_before')
    const future = await present('x-payment', await v1({ validAfter: now + 120n }))
    expect(future.status).toBe(402)
    expect(future.body.error).toBe('invalid_exact_evm_payload_authorization_valid_after')
  })

  it('insufficient balance', async () => {
    const pauper = privateKeyToAccount(generatePrivateKey())
    const { status, body } = await present('payment-signature', await v2({ from: pauper }))
    expect(status).toBe(402)
    expect(body.error).toBe('invalid_exact_evm_insufficient_balance')
  })

  it('a nonce already used on chain', async () => {
    const payload = await authorization({ from: chain.accounts.buyers[3]! })
    await chain.submitAuthorization(payload)
    const { status, body } = await present('payment-signature', encodeHeader(v2Payment(requirement10, payload)))
    expect(status).toBe(402)
    expect(body.error).toBe('invalid_exact_evm_nonce_already_used')
  })

  it('a payment for the $0.01 route presented at the $0.10 route', async () => {
    const cheap = await v2({ value: 10_000n }, requirement1)
    const v2Result = await present('payment-signature', cheap)
    expect(v2Result.status).toBe(402)
    expect(v2Result.body.error).toBe('invalid_exact_evm_payload_authorization_value_mismatch')
    const v1Result = await present('x-payment', await v1({ value: 10_000n }))
    expect(v1Result.status).toBe(402)
    expect(v1Result.body.error).toBe('invalid_exact_evm_payload_authorization_value_mismatch')
  })

  it('every rejection repeats the challenge so the buyer can pay again', async () => {
    const { headers, body } = await present('payment-signature', await v2({ signer: chain.accounts.buyers[1]! }))
    const required = decodeHeader<{ x402Version: number; error: string; accepts: unknown[] }>(headers.get('payment-required')!)
    expect(required).toMatchObject({ x402Version: 2, error: 'invalid_exact_evm_signature' })
    expect(required.accepts).toEqual([requirement10])
    expect(body.accepts).toHaveLength(1)
    expect(headers.get('cache-control')).toBe('no-store')
  })
})

describe('a rejected payment is not burnt', () => {
  it('a payment refused for a fixable reason can still be used for what it pays for', async () => {
    transfersBefore = await chain.transferCount()
    const payload = await authorization({ from: chain.accounts.buyers[4]! })
    const atWrongRoute = await present('payment-signature', encodeHeader(v2Payment(requirement1, payload)), '/cheap')
    expect(atWrongRoute.status).toBe(402)
    const res = await fetch(`${seller.url}/data`, { headers: { 'payment-signature': encodeHeader(v2Payment(requirement10, payload)) } })
    expect(res.status).toBe(200)
    transfersBefore += 1
  })
})

describe('the chain out of reach during verification → 503, nothing charged', () => {
  it('answers 503 chain_unavailable when the RPC endpoint refuses connections', async () => {
    const dead = await startSeller(
      chain,
      (app, gate) => app.get('/data', gate.paywall({ amount: '0.10', network: 'base-sepolia' }), (_req, res) => res.json({ content: 'PAID CONTENT' })),
      { settlerOptions: { rpcUrl: 'http://127.0.0.1:9', requestTimeoutMs: 1_000 } },
    )
    try {
      transfersBefore = await chain.transferCount()
      const res = await fetch(`${dead.url}/data`, { headers: { 'payment-signature': await v2() } })
      const text = await res.text()
      expect(res.status).toBe(503)
      expect(text).not.toContain('PAID CONTENT')
      expect((JSON.parse(text) as { error: string }).error).toBe('chain_unavailable')
    } finally {
      await dead.close()
    }
  })
})
