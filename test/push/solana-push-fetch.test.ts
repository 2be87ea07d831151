import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tollgate } from '../../adapters/fetch.js'
import { solanaPush, solanaSettler } from '../../src/chains/solana/index.js'
import { memoryStore } from '../../src/index.js'
import { serveOnNode, type NodeServer } from '../../examples/hono/node-serve.js'
import type { SolanaKeypair } from '../support/solana/keys.js'
import { startSolanaStandIn, type SolanaStandIn } from '../support/solana/stand-in.js'
import { pushSplTransfer, solanaBoundHeader } from './solana-push-buyer.js'

const PRICE = 50_000n
let sol: SolanaStandIn
let seller: SolanaKeypair
let server: NodeServer

beforeAll(async () => {
  sol = await startSolanaStandIn()
  seller = await sol.newSeller()
  const gate = tollgate({
    payTo: { solana: seller.address },
    settler: solanaSettler({ secretKey: sol.feePayer.secretKey, rpcUrl: sol.url, confirmTimeoutMs: 5_000, rpcTimeoutMs: 2_000 }),
    store: memoryStore(),
    push: solanaPush({ rpcUrl: sol.url }),
  })
  const paid = gate.paywall({ amount: '0.05', network: sol.network, asset: { address: sol.mint, decimals: sol.decimals }, push: true })
  server = await serveOnNode((request) => paid(request, (_req, payment) => Response.json({ payment })), '127.0.0.1', 0)
})

afterAll(async () => {
  await server?.close()
  await sol?.stop()
})

describe('push payments on Solana through the Web fetch adapter (stand-in, real HTTP)', () => {
  it('serves a bound SPL transfer once, refuses a thief and the same signature again', async () => {
    const url = `${server.url}/feed`
    const challenge = await fetch(url)
    expect(challenge.status).toBe(402)
    expect(challenge.headers.get('www-authenticate')).toContain(`x402 chain="solana-devnet" token="${sol.mint}" amount="0.05" address="${seller.address}"`)
    await challenge.arrayBuffer()
    const payer = await sol.fundBuyer({ amount: 1_000_000n, sol: 1_000_000_000n })
    const signature = await pushSplTransfer(sol, payer, seller.address, PRICE)
    const thief = await fetch(url, { headers: { authorization: await solanaBoundHeader(sol, signature, await sol.newKeypair(), url) } })
    expect(thief.status).toBe(403)
    await thief.arrayBuffer()
    const header = await solanaBoundHeader(sol, signature, payer, url)
    const [first, second] = await Promise.all([fetch(url, { headers: { authorization: header } }), fetch(url, { headers: { authorization: header } })])
    const answers = [first, second].sort((a, b) => a.status - b.status)
    expect(answers.map((r) => r.status)).toEqual([200, 409])
    expect(((await answers[0]!.json()) as { payment: Record<string, string> }).payment).toMatchObject({ scheme: 'push', payer: payer.address, amount: String(PRICE), transaction: signature })
    await answers[1]!.arrayBuffer()
  })
})
