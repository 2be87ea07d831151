import { createRequire } from 'node:module'
import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { RequestHandler } from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tollgate } from '../../adapters/express.js'
import { localSettler, memoryStore } from '../../src/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader } from '../support/payments.js'
import { makeV2Fetch } from '../support/v2-buyer.js'

/** The same adapter mounted in Express 4 (installed as `express4`), which the peer range allows. */
interface Express4App extends RequestListener {
  get(path: string, ...handlers: unknown[]): void
}
const express4 = createRequire(import.meta.url)('express4') as (() => Express4App) & { version?: string }

let chain: TestChain
let server: Server
let url: string

beforeAll(async () => {
  chain = await startTestChain()
  const gate = tollgate({
    payTo: chain.accounts.seller.address,
    settler: localSettler({ privateKey: chain.keys.settler, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50 }),
    store: memoryStore(),
    networks: [{ name: 'base-sepolia', asset: chain.tokenInfo }],
  })
  const app = express4()
  const paywall: RequestHandler = gate.paywall({ amount: '0.10', network: 'base-sepolia' })
  app.get('/data', paywall, (req: { payment?: { payer: string } }, res: { json(v: unknown): void }) => res.json({ payer: req.payment?.payer }))
  app.get('/broken', paywall, (_req: unknown, res: { status(n: number): { json(v: unknown): void } }) => res.status(500).json({ error: 'down' }))
  server = createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve))
  await chain?.stop()
})

describe('Express 4', () => {
  it('is really Express 4', () => {
    expect(createRequire(import.meta.url)('express4/package.json').version).toMatch(/^4\./)
  })

  it('challenges, then sells to the official v2 client with exactly one transfer', async () => {
    const challenge = await fetch(`${url}/data`)
    expect(challenge.status).toBe(402)
    expect(challenge.headers.get('payment-required')).toBeTruthy()
    const buyer = chain.accounts.buyers[0]!
    const before = await chain.balanceOf(buyer.address)
    const res = await makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })(`${url}/data`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ payer: buyer.address })
    expect(decodeHeader<{ success: boolean }>(res.headers.get('payment-response')!).success).toBe(true)
    expect(await chain.balanceOf(buyer.address)).toBe(before - 100_000n)
  })

  it('does not charge when the handler answers 500', async () => {
    const buyer = chain.accounts.buyers[1]!
    const before = await chain.balanceOf(buyer.address)
    const res = await makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })(`${url}/broken`)
    expect(res.status).toBe(500)
    expect(res.headers.get('payment-response')).toBeNull()
    expect(await chain.balanceOf(buyer.address)).toBe(before)
  })
})
