/**
 * The shared Node bridge under a buyer who hangs up: a client that leaves while the paid handler
 * still runs is not charged, the server survives the handler answering into the closed response,
 * and the payment stays good for a later request.
 */
import { request } from 'node:http'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, encodeHeader, signAuthorization, v2Payment } from '../support/payments.js'
import { startSeller, type Seller } from './seller.js'

let chain: TestChain
let seller: Seller
let entered!: () => void
let hungUp!: () => void
let answered!: () => void
const inHandler = new Promise<void>((resolve) => (entered = resolve))
const clientGone = new Promise<void>((resolve) => (hungUp = resolve))
const handlerAnswered = new Promise<void>((resolve) => (answered = resolve))

beforeAll(async () => {
  chain = await startTestChain()
  seller = await startSeller(chain, (app, gate) => {
    const paywall = gate.paywall({ amount: '0.10', network: 'base-sepolia' })
    app.get('/slow', paywall, async (req, res) => {
      req.socket.once('close', hungUp)
      entered()
      await clientGone
      res.json({ content: 'nobody is listening' })
      answered()
    })
    app.get('/data', paywall, (_req, res) => {
      res.json({ content: 'the goods' })
    })
  })
})

afterAll(async () => {
  await seller?.close()
  await chain?.stop()
})

it('a buyer who hangs up before the handler answers is not charged, and the payment stays usable', async () => {
  const challenge = await fetch(`${seller.url}/slow`)
  const accepted = decodeHeader<{ accepts: Record<string, unknown>[] }>(challenge.headers.get('payment-required')!).accepts[0]!
  const buyer = chain.accounts.buyers[0]!
  const payload = await signAuthorization({ from: buyer, to: chain.accounts.seller.address, value: 100_000n, token: chain.tokenInfo, chainId: chain.chainId })
  const header = encodeHeader(v2Payment(accepted, payload))
  const transfers = await chain.transferCount()

  const req = request(`${seller.url}/slow`, { headers: { 'payment-signature': header } })
  req.on('error', () => undefined)
  req.end()
  await inHandler
  req.destroy()
  await handlerAnswered
  expect(await chain.transferCount()).toBe(transfers)

  const paid = await fetch(`${seller.url}/data`, { headers: { 'payment-signature': header } })
  expect(paid.status).toBe(200)
  expect(await paid.json()).toEqual({ content: 'the goods' })
  expect(await chain.transferCount()).toBe(transfers + 1)
})
