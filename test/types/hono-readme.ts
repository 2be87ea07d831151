/**
 * The README's Hono snippet ("Web fetch handlers"), as written there, under --strict. Its free
 * variables (`privateKey`, `rpcUrl`) are what a seller has in scope; `tollgate/fetch` is the adapter.
 */
declare const privateKey: `0x${string}`
declare const rpcUrl: string

import { Hono } from 'hono'
import { tollgate, localSettler } from '../../adapters/fetch.js'

const gate = tollgate({ payTo: '0xYourSellerAddress', settler: localSettler({ privateKey, rpcUrl }) })
const paid = gate.paywall({ amount: '0.10', network: 'base-sepolia' })   // (request, next) => Promise<Response>

const app = new Hono()
app.on(['GET', 'OPTIONS'], '/data', (c) => paid(c.req.raw, (request, payment) => c.json({ paid: payment })))
export default app                                  // Bun, Deno and Workers serve app.fetch as it is
