import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { evmPush, memoryStore, type MemoryStore } from '../../src/index.js'
import { startSeller, type Seller } from '../e2e/seller.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, freshBuyer } from '../support/payments.js'
import { boundHeader, fundGas, mine, pushTransfer } from './evm-push-buyer.js'

const PRICE = 100_000n // 0.10 of a 6-decimal token
let chain: TestChain
let seller: Seller
let store: MemoryStore
let openSeller: Seller
let deadSeller: Seller

beforeAll(async () => {
  chain = await startTestChain()
  store = memoryStore()
  seller = await startSeller(
    chain,
    (app, gate) => {
      app.get('/data', gate.paywall({ amount: '0.10', network: 'base-sepolia', push: true }), (req, res) => {
        if (req.query.fail === '1') return void res.status(500).json({ error: 'handler failed' })
        res.json({ payment: req.payment })
      })
      app.get('/plain', gate.paywall({ amount: '0.10', network: 'base-sepolia' }), (_req, res) => res.json({ ok: true }))
    },
    { store, push: evmPush({ rpcUrl: chain.rpcUrl, confirmations: 2, maxAgeSeconds: 600 }) },
  )
  openSeller = await startSeller(
    chain,
    (app, gate) => app.get('/data', gate.paywall({ amount: '0.10', network: 'base-sepolia', push: true }), (req, res) => res.json({ payment: req.payment })),
    { push: evmPush({ rpcUrl: chain.rpcUrl, confirmations: 1, binding: 'none' }) },
  )
  // A chain endpoint nobody answers on: a closed loopback port.
  deadSeller = await startSeller(
    chain,
    (app, gate) => app.get('/data', gate.paywall({ amount: '0.10', network: 'base-sepolia', push: true }), (_req, res) => res.json({ ok: true })),
    { push: evmPush({ rpcUrl: 'http://127.0.0.1:9', requestTimeoutMs: 2_000 }) },
  )
})

afterAll(async () => {
  await Promise.all([seller?.close(), openSeller?.close(), deadSeller?.close()])
  await chain?.stop()
})

async function buyer() {
  const account = await freshBuyer(chain, 10_000_000n)
  await fundGas(chain, account.address)
  return account
}

/** A confirmed push of `amount` to the seller, and the header the buyer presents for `url`. */
async function paid(url: string, amount = PRICE) {
  const account = await buyer()
  const hash = await pushTransfer(chain, account, chain.accounts.seller.address, amount)
  await mine(chain)
  return { account, hash, header: await boundHeader(chain, hash, account, { url }) }
}

const get = (url: string, authorization?: string, headers: Record<string, string> = {}) =>
  fetch(url, { headers: { ...(authorization ? { authorization } : {}), ...headers } })

async function refusal(res: Response) {
  const body = (await res.json()) as { error: string; detail?: string }
  return { status: res.status, error: body.error, detail: body.detail }
}

describe('push payments on EVM through Express (anvil)', () => {
  it('challenges with WWW-Authenticate while the x402 header and body stay those of a route without push', async () => {
    const [pushed, plain] = await Promise.all([get(`${seller.url}/data`), get(`${seller.url}/plain`)])
    expect(pushed.status).toBe(402)
    const challenge = pushed.headers.get('www-authenticate')!
    expect(challenge).toContain('x402 chain="base-sepolia" token="USDC" amount="0.1"')
    expect(challenge).toContain(`address="${chain.accounts.seller.address}"`)
    expect(challenge).toContain('binding="eip191"')
    expect(pushed.headers.get('access-control-expose-headers')).toContain('WWW-Authenticate')
    expect(plain.headers.get('www-authenticate')).toBeNull()
    // The same answer but for the path: push adds nothing to what x402 clients read.
    const samePath = (text: string) => JSON.parse(text.replaceAll('/plain', '/data')) as unknown
    expect(decodeHeader(pushed.headers.get('payment-required')!)).toEqual(samePath(JSON.stringify(decodeHeader(plain.headers.get('payment-required')!))))
    expect(await pushed.json()).toEqual(samePath(await plain.text()))
  })

  it('serves a bound, confirmed transfer once, keeps its claim after serving, and refuses the same hash again', async () => {
    const url = `${seller.url}/data`
    const { account, hash, header } = await paid(url, PRICE + 1n)
    const before = await chain.balanceOf(chain.accounts.seller.address)
    const res = await get(url, header)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { payment: Record<string, unknown> }
    expect(body.payment).toMatchObject({ scheme: 'push', network: `eip155:${chain.chainId}`, payer: account.address, amount: String(PRICE + 1n), transaction: hash.toLowerCase() })
    expect(decodeHeader<{ success: boolean; transaction: string }>(res.headers.get('payment-response')!)).toMatchObject({ success: true, transaction: hash.toLowerCase() })
    // Nothing was sent by the seller: its balance moved only by the buyer's own transfer (already mined).
    expect(await chain.balanceOf(chain.accounts.seller.address)).toBe(before)
    // The claim keeps its whole life (only the store remembers a pushed hash), not the settled 15 minutes.
    expect(await store.get(`x402:push:eip155:${chain.chainId}:${hash.toLowerCase()}`)).toBe('1')
    expect(await refusal(await get(url, header))).toMatchObject({ status: 409, error: 'payment_already_used' })
    // Upper-case hex is the same transaction, not a new claim.
    expect(await refusal(await get(url, header.replace(hash, `0x${hash.slice(2).toUpperCase()}`)))).toMatchObject({ status: 409 })
  })

  it('gives exactly one 200 to 50 concurrent presentations of one hash', async () => {
    const url = `${seller.url}/data`
    const { header } = await paid(url)
    const answers = await Promise.all(Array.from({ length: 50 }, () => get(url, header)))
    const statuses = answers.map((r) => r.status)
    await Promise.all(answers.map((r) => r.arrayBuffer()))
    expect(statuses.filter((s) => s === 200)).toHaveLength(1)
    expect(statuses.filter((s) => s === 409)).toHaveLength(49)
  })

  it('answers 402 with Retry-After while unconfirmed, releases the claim, and serves once confirmed', async () => {
    const url = `${seller.url}/data`
    const account = await buyer()
    const hash = await pushTransfer(chain, account, chain.accounts.seller.address, PRICE)
    const header = await boundHeader(chain, hash, account, { url })
    const early = await get(url, header)
    expect(early.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(early.headers.get('access-control-expose-headers')).toContain('Retry-After')
    expect(await refusal(early)).toMatchObject({ status: 402, error: 'push_transaction_not_confirmed', detail: '1 of 2 confirmations' })
    await mine(chain)
    expect((await get(url, header)).status).toBe(200)
  })

  it('refuses an unknown hash with 402 and leaves it free (it may be mined later)', async () => {
    const url = `${seller.url}/data`
    const hash = `0x${'ab'.repeat(32)}` as const
    const header = await boundHeader(chain, hash, await buyer(), { url })
    expect(await refusal(await get(url, header))).toMatchObject({ status: 402, error: 'push_transaction_not_found' })
    expect(await refusal(await get(url, header))).toMatchObject({ status: 402, error: 'push_transaction_not_found' })
  })

  it('refuses a failed transaction, and keeps it claimed', async () => {
    const url = `${seller.url}/data`
    const account = await buyer()
    const hash = await pushTransfer(chain, account, chain.accounts.seller.address, 10n ** 18n, { gas: 100_000n })
    await mine(chain)
    expect((await chain.publicClient.getTransactionReceipt({ hash })).status).toBe('reverted')
    const header = await boundHeader(chain, hash, account, { url })
    expect(await refusal(await get(url, header))).toMatchObject({ status: 402, error: 'push_transaction_failed' })
    expect(await refusal(await get(url, header))).toMatchObject({ status: 409, error: 'payment_already_used' })
  })

  it('refuses a transfer to someone else, in another token, or too small', async () => {
    const url = `${seller.url}/data`
    const account = await buyer()
    const elsewhere = await pushTransfer(chain, account, chain.accounts.deployer.address, PRICE)
    const other = await chain.deployToken({ name: 'Other' })
    await chain.mint(account.address, PRICE, other)
    const wrongToken = await pushTransfer(chain, account, chain.accounts.seller.address, PRICE, { token: other })
    const small = await pushTransfer(chain, account, chain.accounts.seller.address, PRICE - 1n)
    await mine(chain)
    expect(await refusal(await get(url, await boundHeader(chain, elsewhere, account, { url })))).toMatchObject({ status: 402, error: 'push_recipient_mismatch' })
    expect(await refusal(await get(url, await boundHeader(chain, wrongToken, account, { url })))).toMatchObject({ status: 402, error: 'push_asset_mismatch' })
    expect(await refusal(await get(url, await boundHeader(chain, small, account, { url })))).toMatchObject({ status: 402, error: 'push_amount_insufficient', detail: 'the transaction pays 0.099999; the price is 0.1' })
  })

  it('refuses a hash presented by someone who did not pay, and then serves the payer', async () => {
    const url = `${seller.url}/data`
    const { account, hash, header } = await paid(url)
    const thief = privateKeyToAccount(generatePrivateKey())
    // The bare hash (what anyone watching the chain has), a thief's own signature, one naming the payer, one for another request.
    expect(await refusal(await get(url, `x402 ${hash}`))).toMatchObject({ status: 402, error: 'push_binding_required' })
    expect(await refusal(await get(url, await boundHeader(chain, hash, thief, { url })))).toMatchObject({ status: 403, error: 'push_binding_invalid' })
    expect(await refusal(await get(url, await boundHeader(chain, hash, thief, { url }, { payer: account.address })))).toMatchObject({ status: 403 })
    const elsewhere = await boundHeader(chain, hash, account, { url: `${seller.url}/other` })
    expect(await refusal(await get(url, elsewhere))).toMatchObject({ status: 403, error: 'push_binding_invalid' })
    const asPost = await boundHeader(chain, hash, account, { url, method: 'POST' })
    expect(await refusal(await get(url, asPost))).toMatchObject({ status: 403, error: 'push_binding_invalid' })
    expect((await get(url, header)).status).toBe(200)
  })

  it('refuses a transaction older than maxAgeSeconds, and keeps it claimed', async () => {
    const url = `${seller.url}/data`
    const { hash, account } = await paid(url)
    const late = await startSeller(
      chain,
      (app, gate) => app.get('/data', gate.paywall({ amount: '0.10', network: 'base-sepolia', push: true }), (_req, res) => res.json({ ok: true })),
      // The seller's clock an hour ahead: the transaction's block is an hour old to it.
      { push: evmPush({ rpcUrl: chain.rpcUrl, maxAgeSeconds: 600 }), clock: () => Date.now() + 3_600_000 },
    )
    try {
      const lateUrl = `${late.url}/data`
      const header = await boundHeader(chain, hash, account, { url: lateUrl })
      const first = await refusal(await get(lateUrl, header))
      expect(first).toMatchObject({ status: 402, error: 'push_transaction_too_old' })
      expect(first.detail).toMatch(/^the transaction is \d+ s old; this seller takes transactions up to 600 s old$/)
      expect((await get(lateUrl, header)).status).toBe(409)
    } finally {
      await late.close()
    }
  })

  it('gives the claim back when the handler fails, so the buyer is served on the next try', async () => {
    const url = `${seller.url}/data`
    const { account, hash } = await paid(url)
    const failing = await get(`${url}?fail=1`, await boundHeader(chain, hash, account, { url: `${url}?fail=1` }))
    expect(failing.status).toBe(500)
    expect((await get(url, await boundHeader(chain, hash, account, { url }))).status).toBe(200)
  })

  it('takes the bare hash with binding: none (legacy clients, at the seller risk)', async () => {
    const url = `${openSeller.url}/data`
    const account = await buyer()
    const hash = await pushTransfer(chain, account, chain.accounts.seller.address, PRICE)
    const res = await get(url, `x402 ${hash}`)
    expect(res.status).toBe(200)
    expect(((await res.json()) as { payment: { payer: string } }).payment.payer).toBe(account.address)
    expect((await get(url, `x402 tx_hash="${hash}" chain="base-sepolia"`)).status).toBe(409)
    const challenge = (await get(url)).headers.get('www-authenticate')!
    expect(challenge).not.toContain('binding=')
  })

  it('answers 503 chain_unavailable when the chain cannot be read, and keeps nothing claimed', async () => {
    const url = `${deadSeller.url}/data`
    const hash = `0x${'cd'.repeat(32)}`
    expect(await refusal(await get(url, `x402 ${hash}`))).toMatchObject({ status: 503, error: 'chain_unavailable' })
    expect(await refusal(await get(url, `x402 ${hash}`))).toMatchObject({ status: 503, error: 'chain_unavailable' })
  })

  it('answers malformed credentials with 400 and a reason, never 500; other Authorization schemes are not payments', async () => {
    const url = `${seller.url}/data`
    const hash = `0x${'ef'.repeat(32)}`
    const shapes = [
      'x402',
      'x402 ',
      'x402 0x1234',
      'X402 not-a-hash',
      `x402 tx_hash=${hash} tx_hash=${hash}`,
      `x402 tx_hash="${hash}`,
      `x402 tx_hash="${hash}" colour="blue"`,
      `x402 payer_address="0xabc"`,
      `x402 tx_hash="${hash}" chain="base sepolia"`,
      `x402 tx_hash="${hash}" signature="zz"`,
      `x402 tx_hash="${hash}" = "x"`,
      `x402 ${hash} extra`,
    ]
    for (const shape of shapes) {
      const res = await get(url, shape)
      expect({ shape, ...(await refusal(res)) }).toMatchObject({ shape, status: 400, error: 'invalid_payload' })
    }
    expect((await get(url, `x402 ${'9'.repeat(9000)}`)).status).toBe(431)
    // An EVM-shaped signature on a well-formed credential whose signature field is base58: malformed for this chain.
    expect(await refusal(await get(url, `x402 tx_hash="${hash}" signature="${'1'.repeat(88)}"`))).toMatchObject({ status: 400 })
    const bearer = await get(url, 'Bearer abc.def')
    expect(bearer.status).toBe(402)
    expect(((await bearer.json()) as { error: string }).error).toBe('payment_required')
    expect(await refusal(await get(url, `x402 ${hash}`, { 'x-payment': 'e30=' }))).toMatchObject({ status: 400, error: 'ambiguous_payment_headers' })
    // A Solana signature on an EVM-only route: no method takes it.
    expect(await refusal(await get(url, `x402 ${'5'.repeat(87)}`))).toMatchObject({ status: 402 })
  })
})
