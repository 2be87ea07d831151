/**
 * A seller on a remote facilitator whose base URL carries secrets (userinfo, a private path, an API
 * key in the query) and whose calls carry an API-key header. Whatever the facilitator does (down,
 * garbage that echoes the request, a refusal with free text, a settle answered with garbage), the
 * buyer's answer (body and headers, decoded) holds none of it, and the seller's log has it redacted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ServerResponse } from 'node:http'
import { httpFacilitator, type Logger } from '../../src/index.js'
import { freePort } from '../support/anvil.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import type { TestServer } from '../support/http.js'
import { decodeHeader, requirementAt, signedV2 } from '../support/payments.js'
import { startSeller, type Seller } from '../e2e/seller.js'
import { freshBuyer, gasAccount } from './support/fixtures.js'
import { startRawServer, type RawServer, type Seen } from './support/raw-server.js'
import { bearer, startTollgateFacilitator } from './support/tollgate-facilitator.js'

const SECRETS = ['alice-user', 'hunter2-pass', 'v1/private', 'SECRET-QUERY-KEY', 'HEADER-KEY-0123456789']
/** The facilitator's own words: the seller's log may quote them (scrubbed, bounded), the buyer never sees them. */
const UPSTREAM = 'UPSTREAM-FREE-TEXT'
const secretUrl = (port: number) => `http://alice-user:hunter2-pass@127.0.0.1:${port}/v1/private?apiKey=SECRET-QUERY-KEY`

let chain: TestChain
let real: TestServer

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
  real = await startTollgateFacilitator(chain, (await gasAccount(chain)).key)
})
afterAll(async () => {
  await real?.close()
  await chain?.stop()
})

/** A seller whose only route settles through a facilitator at `secretUrl(port)`, logging into `lines`. */
async function sellerOn(port: number) {
  const lines: string[] = []
  const record = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`)
  const logger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') }
  const facilitator = httpFacilitator({ url: secretUrl(port), headers: { 'x-api-key': 'HEADER-KEY-0123456789' }, retries: 0, settleTimeoutMs: 5_000 })
  const seller = await startSeller(chain, (app, gate) => app.get('/data', gate.paywall({ amount: '0.01', network: 'base-sepolia' }), (_req, res) => res.json({ content: 'PAID CONTENT' })), {
    settler: undefined,
    facilitator,
    logger,
  })
  return { seller, lines }
}

/** Pays once and returns everything the buyer could read: status, body, headers with the x402 ones decoded. */
async function pay(seller: Seller) {
  const requirement = await requirementAt(`${seller.url}/data`)
  const { header } = await signedV2(chain, requirement, await freshBuyer(chain))
  const res = await fetch(`${seller.url}/data`, { headers: { 'payment-signature': header } })
  const body = await res.text()
  const headers: string[] = []
  res.headers.forEach((value, name) => headers.push(`${name}: ${value}`))
  for (const name of ['payment-required', 'payment-response']) {
    const value = res.headers.get(name)
    if (value) headers.push(`${name} (decoded): ${JSON.stringify(decodeHeader(value))}`)
  }
  return { status: res.status, error: (JSON.parse(body) as { error?: string }).error, seen: `${body}\n${headers.join('\n')}` }
}

function expectNoSecrets(text: string, audience: 'buyer' | 'log'): void {
  for (const secret of audience === 'buyer' ? [...SECRETS, UPSTREAM] : SECRETS) expect(text).not.toContain(secret)
}

const servers: RawServer[] = []
afterAll(async () => {
  for (const server of servers) await server.close()
})
async function raw(answer: (req: Seen, res: ServerResponse) => void): Promise<RawServer> {
  const server = await startRawServer(answer)
  servers.push(server)
  return server
}

/** Passes a call on to tollgate's real facilitator, with its token. */
function forward(req: Seen, res: ServerResponse): void {
  const route = new URL(req.url, 'http://x').pathname.split('/').pop()
  void fetch(`${real.url}/${route}`, { method: req.method, headers: { 'content-type': 'application/json', ...bearer() }, ...(req.method === 'POST' ? { body: req.body } : {}) }).then(async (answer) => {
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text())
  })
}

const echo = (req: Seen) => `<html>${UPSTREAM}: no route http://127.0.0.1${req.url} (${req.url}) key=${String(req.headers['x-api-key'])} auth=${String(req.headers.authorization)}</html>`

describe('a facilitator URL with secrets never reaches the buyer, and reaches the log redacted', () => {
  it('down: 503 facilitator_unavailable', async () => {
    const port = await freePort()
    const { seller, lines } = await sellerOn(port)
    try {
      const answer = await pay(seller)
      expect(answer).toMatchObject({ status: 503, error: 'facilitator_unavailable' })
      expectNoSecrets(answer.seen, 'buyer')
      expect(lines.join('\n')).toContain(`127.0.0.1:${port}`)
      expectNoSecrets(lines.join('\n'), 'log')
    } finally {
      await seller.close()
    }
  })

  it('answering garbage that echoes the request: 503 facilitator_unavailable', async () => {
    const garbage = await raw((req, res) => res.writeHead(500, { 'content-type': 'text/html' }).end(echo(req)))
    const { seller, lines } = await sellerOn(garbage.port)
    try {
      const answer = await pay(seller)
      expect(answer).toMatchObject({ status: 503, error: 'facilitator_unavailable' })
      expectNoSecrets(answer.seen, 'buyer')
      expect(garbage.seen.length).toBeGreaterThan(0)
      expect(lines.join('\n')).toContain(`127.0.0.1:${garbage.port}`)
      expectNoSecrets(lines.join('\n'), 'log')
    } finally {
      await seller.close()
    }
  })

  it("refusing with free text: the buyer gets the known reason code, never the facilitator's invalidMessage", async () => {
    const refusing = await raw((req, res) => {
      if (req.url.includes('/supported')) return forward(req, res)
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ isValid: false, invalidReason: 'invalid_exact_evm_signature', invalidMessage: echo(req) }))
    })
    const { seller, lines } = await sellerOn(refusing.port)
    try {
      const answer = await pay(seller)
      expect(answer).toMatchObject({ status: 402, error: 'invalid_exact_evm_signature' })
      expectNoSecrets(answer.seen, 'buyer')
      expectNoSecrets(lines.join('\n'), 'log')
    } finally {
      await seller.close()
    }
  })

  it('verifying, then answering /settle with garbage: the outcome is unknown, and still nothing leaks', async () => {
    const flaky = await raw((req, res) => (req.url.includes('/settle') ? res.writeHead(500, { 'content-type': 'text/html' }).end(echo(req)) : forward(req, res)))
    const { seller, lines } = await sellerOn(flaky.port)
    try {
      const answer = await pay(seller)
      expect(answer.status).toBeGreaterThanOrEqual(500)
      expect(answer.error).toBe('settlement_unknown')
      expect(answer.seen).not.toContain('PAID CONTENT')
      expectNoSecrets(answer.seen, 'buyer')
      expect(flaky.seen.filter((req) => req.url.includes('/settle'))).toHaveLength(1)
      expectNoSecrets(lines.join('\n'), 'log')
    } finally {
      await seller.close()
    }
  })
})
