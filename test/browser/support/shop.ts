/**
 * The seller the browser tests buy from, in two adapters (Express and the Web fetch adapter),
 * selling one thing of each kind the page shows: an HTML article, JSON, a file, an image, and a
 * route whose settlement fails for real (its handler moves the buyer's funds away first).
 */
import { createServer } from 'node:http'
import express from 'express'
import { createWalletClient, http, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { tollgate as expressTollgate } from '../../../adapters/express.js'
import { tollgate as fetchTollgate } from '../../../adapters/fetch.js'
import { localSettler, memoryStore, type PaywallOptions, type TollgateConfig, type VerifiedPayment } from '../../../src/index.js'
import { prepaid } from '../../../src/prepaid/index.js'
import { serveOnNode } from '../../../examples/hono/node-serve.js'
import { testTokenAbi, type TestChain } from '../../support/chain.js'
import { listenOnLoopback } from '../../support/http.js'

export const PRICE = 10_000n // 0.01 of the 6-decimal test token
export const PACKAGE_PRICE = 50_000n // 0.05: the 'starter' package, 3 calls
export const ARTICLE_HTML =
  '<!doctype html><html><head><title>Paid article</title><style>h1{color:rebeccapurple}</style></head>' +
  '<body><h1 id="paid-article">The paid article</h1><p>Thank you for paying.</p><script>document.title = "script ran"</script></body></html>'
export const DATA = { city: 'Lisbon', temperature: 21, unit: 'C', readings: [19, 20, 21] }
export const CSV = 'day,visits\nmon,10\ntue,12\n'
export const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="120"><rect width="240" height="120" fill="#0e9f6e"/><text x="20" y="70" font-size="32" fill="#fff">paid chart</text></svg>'

export interface Shop {
  url: string
  close(): Promise<void>
}

type Kind = 'article' | 'data' | 'report' | 'chart' | 'drain' | 'prepaid-data' | 'choice'

const DESCRIPTIONS: Record<Kind, string> = {
  article: 'A paid article',
  data: 'Weather data',
  report: 'Visits report (CSV)',
  chart: 'A chart',
  drain: 'An article whose settlement fails',
  'prepaid-data': 'Weather data, prepaid packages welcome',
  choice: 'Weather data, on either of two networks',
}

function config(chain: TestChain, extra: Partial<TollgateConfig> = {}): TollgateConfig {
  return {
    payTo: chain.accounts.seller.address,
    settler: localSettler({ privateKey: chain.keys.settler, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50 }),
    store: memoryStore(),
    // devnet-l2: a second network the page offers; only base-sepolia is the anvil chain the wallet can pay on.
    networks: [{ name: 'base-sepolia', asset: chain.tokenInfo }, { name: 'devnet-l2', chainId: 31337, asset: chain.tokenInfo }],
    prepaid: prepaid({
      secret: 'browser-tests-prepaid-secret-0123456789abcdef',
      packages: [{ id: 'starter', calls: 3, days: 30, description: 'Three calls', price: { amount: { atomic: PACKAGE_PRICE.toString() }, network: 'base-sepolia' } }],
    }),
    ...extra,
  }
}

function route(kind: Kind): PaywallOptions {
  if (kind === 'choice') {
    const amount = { atomic: PRICE.toString() }
    return { accepts: [{ amount, network: 'devnet-l2' }, { amount, network: 'base-sepolia' }], description: DESCRIPTIONS[kind] }
  }
  return {
    amount: { atomic: PRICE.toString() },
    network: 'base-sepolia',
    description: DESCRIPTIONS[kind],
    ...(kind === 'prepaid-data' ? { prepaid: true } : {}),
  }
}

/** The paid answer of each route, as a Web Response (the Express app sends the same). */
async function answer(kind: Kind, payment: VerifiedPayment, chain: TestChain, buyerKeys: Map<string, Hex>): Promise<Response> {
  switch (kind) {
    case 'article':
      return new Response(ARTICLE_HTML, { headers: { 'content-type': 'text/html; charset=utf-8' } })
    case 'data':
    case 'choice':
    case 'prepaid-data':
      return Response.json(DATA)
    case 'report':
      return new Response(CSV, { headers: { 'content-type': 'text/csv', 'content-disposition': 'attachment; filename="visits.csv"' } })
    case 'chart':
      return new Response(SVG, { headers: { 'content-type': 'image/svg+xml' } })
    case 'drain':
      await drain(chain, buyerKeys.get(payment.payer.toLowerCase()))
      return new Response(ARTICLE_HTML, { headers: { 'content-type': 'text/html; charset=utf-8' } })
  }
}

/** Moves the buyer's whole balance away, so the settlement that follows reverts: a real failure, nothing charged. */
async function drain(chain: TestChain, key: Hex | undefined): Promise<void> {
  if (!key) throw new Error('drain: unknown buyer')
  const account = privateKeyToAccount(key)
  // A fresh buyer holds no ether for the transfer's gas.
  await chain.publicClient.request({ method: 'anvil_setBalance' as never, params: [account.address, '0xde0b6b3a7640000'] as never })
  const wallet = createWalletClient({ account, chain: chain.chain, transport: http(chain.rpcUrl) })
  const balance = await chain.balanceOf(account.address)
  const hash = await wallet.writeContract({ address: chain.token, abi: testTokenAbi, functionName: 'transfer', args: [chain.accounts.deployer.address as Address, balance] })
  await chain.publicClient.waitForTransactionReceipt({ hash })
}

const KINDS: Kind[] = ['article', 'data', 'report', 'chart', 'drain', 'prepaid-data', 'choice']

export async function startExpressShop(chain: TestChain, buyerKeys: Map<string, Hex>, extra: Partial<TollgateConfig> = {}): Promise<Shop> {
  const gate = expressTollgate(config(chain, extra))
  const app = express()
  // A favicon like any site's: the browser asks for one, and a 404 would be a console error.
  app.get('/favicon.ico', (_req, res) => void res.status(204).end())
  app.use(gate.prepaidRoutes())
  for (const kind of KINDS) {
    app.get(`/${kind}`, gate.paywall(route(kind)), (req, res, next) => {
      answer(kind, req.payment!, chain, buyerKeys)
        .then(async (response) => {
          response.headers.forEach((value, name) => res.setHeader(name, value))
          res.status(response.status).send(Buffer.from(await response.arrayBuffer()))
        })
        .catch(next)
    })
  }
  return listenOnLoopback(createServer(app))
}

export async function startWebShop(chain: TestChain, buyerKeys: Map<string, Hex>, extra: Partial<TollgateConfig> = {}): Promise<Shop> {
  const gate = fetchTollgate(config(chain, extra))
  const prepaidRoutes = gate.prepaidRoutes()
  const paywalls = new Map(KINDS.map((kind) => [`/${kind}`, { kind, paywall: gate.paywall(route(kind)) }]))
  return serveOnNode(
    async (request) => {
      const path = new URL(request.url).pathname
      if (path === '/favicon.ico') return new Response(null, { status: 204 })
      if (path.startsWith('/prepaid/')) return prepaidRoutes(request)
      const found = paywalls.get(path)
      if (!found) return new Response('not found', { status: 404 })
      return found.paywall(request, (_req, payment) => answer(found.kind, payment, chain, buyerKeys))
    },
    '127.0.0.1',
    0,
  )
}
