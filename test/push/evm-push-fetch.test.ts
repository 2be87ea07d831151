import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tollgate } from '../../adapters/fetch.js'
import { evmPush, localSettler, memoryStore } from '../../src/index.js'
import { serveOnNode, type NodeServer } from '../../examples/hono/node-serve.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, freshBuyer } from '../support/payments.js'
import { boundHeader, fundGas, mine, pushTransfer } from './evm-push-buyer.js'

const PRICE = 250_000n
let chain: TestChain
let server: NodeServer

beforeAll(async () => {
  chain = await startTestChain()
  const gate = tollgate({
    payTo: chain.accounts.seller.address,
    settler: localSettler({ privateKey: chain.keys.settler, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50 }),
    store: memoryStore(),
    networks: [{ name: 'base-sepolia', asset: chain.tokenInfo }],
    push: evmPush({ rpcUrl: chain.rpcUrl }),
  })
  const paid = gate.paywall({ amount: '0.25', network: 'base-sepolia', push: true, settle: 'before-handler' })
  server = await serveOnNode((request) => paid(request, (_req, payment) => Response.json({ payment })), '127.0.0.1', 0)
})

afterAll(async () => {
  await server?.close()
  await chain?.stop()
})

async function buyer() {
  const account = await freshBuyer(chain, 10_000_000n)
  await fundGas(chain, account.address)
  return account
}

describe('push payments on EVM through the Web fetch adapter (anvil, real HTTP)', () => {
  it('challenges in both forms, then serves a bound transfer once', async () => {
    const url = `${server.url}/report?day=1`
    const challenge = await fetch(url)
    expect(challenge.status).toBe(402)
    expect(challenge.headers.get('www-authenticate')).toBe(
      `x402 chain="base-sepolia" token="USDC" amount="0.25" address="${chain.accounts.seller.address}" asset="${chain.token}" binding="eip191" max_age="900"`,
    )
    const required = decodeHeader<{ accepts: Array<{ scheme: string }>; resource: { url: string } }>(challenge.headers.get('payment-required')!)
    expect(required.accepts.map((a) => a.scheme)).toEqual(['exact'])
    await challenge.arrayBuffer()

    const account = await buyer()
    const hash = await pushTransfer(chain, account, chain.accounts.seller.address, PRICE)
    await mine(chain)
    const header = await boundHeader(chain, hash, account, { url: required.resource.url })
    const res = await fetch(url, { headers: { authorization: header } })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { payment: Record<string, string> }).payment).toMatchObject({ scheme: 'push', payer: account.address, amount: String(PRICE), transaction: hash.toLowerCase() })
    const again = await fetch(url, { headers: { authorization: header } })
    expect(again.status).toBe(409)
    expect(((await again.json()) as { error: string }).error).toBe('payment_already_used')
  })

  it('refuses a presenter who did not pay (403), keeps the hash for the payer, and asks to wait while unconfirmed', async () => {
    const url = `${server.url}/report`
    const account = await buyer()
    const hash = await pushTransfer(chain, account, chain.accounts.seller.address, PRICE)
    const early = await fetch(url, { headers: { authorization: await boundHeader(chain, hash, account, { url }) } })
    expect(early.status).toBe(402)
    expect(Number(early.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(((await early.json()) as { error: string }).error).toBe('push_transaction_not_confirmed')
    await mine(chain)
    const thief = privateKeyToAccount(generatePrivateKey())
    const stolen = await fetch(url, { headers: { authorization: await boundHeader(chain, hash, thief, { url }) } })
    expect(stolen.status).toBe(403)
    expect(((await stolen.json()) as { error: string }).error).toBe('push_binding_invalid')
    expect((await fetch(url, { headers: { authorization: await boundHeader(chain, hash, account, { url }) } })).status).toBe(200)
  })

  it('gives one 200 to 50 concurrent presentations', async () => {
    const url = `${server.url}/report`
    const account = await buyer()
    const hash = await pushTransfer(chain, account, chain.accounts.seller.address, PRICE)
    await mine(chain)
    const header = await boundHeader(chain, hash, account, { url })
    const answers = await Promise.all(Array.from({ length: 50 }, () => fetch(url, { headers: { authorization: header } })))
    const statuses = answers.map((r) => r.status)
    await Promise.all(answers.map((r) => r.arrayBuffer()))
    expect(statuses.filter((s) => s === 200)).toHaveLength(1)
    expect(statuses.filter((s) => s === 409)).toHaveLength(49)
  })
})
