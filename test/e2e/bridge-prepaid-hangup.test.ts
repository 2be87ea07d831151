/**
 * Issue 10, point 4: a prepaid call is given back only when the handler failed or nothing was sent.
 * A buyer who reads the start of a streamed answer and hangs up has had the call: it stays spent
 * (before the fix, every hang-up gave it back: free streams for anyone who disconnects at the end).
 * A buyer who leaves before anything was sent gets it back. Every Node framework, its raw path and
 * its own stream bodies, over real HTTP; the remaining count is read from the seller's store.
 */
import { request, type ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localSettler, memoryStore } from '../../src/index.js'
import { prepaid } from '../../src/prepaid/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { freshBuyer } from '../support/payments.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { NODE_FRAMEWORKS, startBridgeSeller, type BridgeSeller } from './bridge-sellers.js'

const SECRET = 'bridge-prepaid-hangup-secret-32-bytes!!'
const paywall = { amount: '0.10', network: 'base-sepolia', prepaid: true } as const
const FIRST_PART = 'the first part of a long answer;'

let chain: TestChain
/** Resolved by a handler once it has seen its buyer leave and finished with the response. */
let handlerDone: Promise<void>
let finishHandler!: () => void

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
}, 120_000)

afterAll(async () => {
  await chain?.stop()
})

function expectHandlerDone() {
  handlerDone = new Promise<void>((resolve) => (finishHandler = resolve))
}

/** Writes the first part, waits for the buyer to hang up, then ends into the closed response. */
async function partThenWait(req: { socket: { once(event: 'close', listener: () => void): unknown; destroyed: boolean } }, res: ServerResponse) {
  res.writeHead(200, { 'content-type': 'text/plain' })
  res.write(FIRST_PART)
  if (!req.socket.destroyed) await new Promise<void>((resolve) => req.socket.once('close', () => resolve()))
  res.end('the rest, for nobody')
  finishHandler()
}

/** Sends nothing until the buyer has hung up. */
async function nothingThenWait(req: { socket: { once(event: 'close', listener: () => void): unknown; destroyed: boolean } }, res: ServerResponse) {
  if (!req.socket.destroyed) await new Promise<void>((resolve) => req.socket.once('close', () => resolve()))
  res.writeHead(200, { 'content-type': 'text/plain' }).end('for nobody')
  finishHandler()
}

/** A stream body that gives its first part and then waits forever; done once the framework stops it. */
function partialStream(): Readable {
  const body = new Readable({ read() {} })
  body.push(FIRST_PART)
  body.once('close', () => finishHandler())
  return body
}

/** GETs `url` with the credential, reads until the first part has arrived (or, with `leaveAtOnce`, until the handler ran), then hangs up. */
function readPartThenHangUp(url: string, credential: string, until: 'first part' | 'handler entered', entered?: Promise<void>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const req = request(url, { headers: { 'x-prepaid-credential': credential }, agent: false })
    req.on('error', () => undefined)
    if (until === 'handler entered') {
      void entered!.then(() => {
        req.destroy()
        resolve()
      })
    }
    req.on('response', (res) => {
      if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`))
      let text = ''
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString()
        if (until === 'first part' && text.includes(FIRST_PART)) {
          req.destroy()
          resolve()
        }
      })
      res.on('error', () => undefined)
    })
    req.end()
  })
}

describe.each(NODE_FRAMEWORKS)('%s', (framework) => {
  let seller: BridgeSeller
  let entered!: () => void
  let inHandler: Promise<void>

  beforeAll(async () => {
    seller = await startBridgeSeller(
      framework,
      {
        payTo: chain.accounts.seller.address,
        settler: localSettler({ privateKey: chain.keys.settler, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50 }),
        store: memoryStore(),
        networks: [{ name: 'base-sepolia', asset: chain.tokenInfo }],
        prepaid: prepaid({ secret: SECRET, packages: [{ id: 'three', calls: 3, days: 1, price: { amount: '0.10', network: 'base-sepolia' } }] }),
      },
      [
        { path: '/raw-stream', paywall, raw: partThenWait },
        { path: '/body-stream', paywall, body: partialStream },
        {
          path: '/raw-late',
          paywall,
          raw: (req, res) => {
            entered()
            return nothingThenWait(req, res)
          },
        },
        { path: '/ok', paywall, raw: (_req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok') },
      ],
    )
  }, 120_000)

  afterAll(async () => {
    await seller?.close()
  })

  /** Buys the 'three' package through the purchase endpoint with the official v2 client. */
  async function credential(): Promise<{ token: string; id: string }> {
    const buyer = await freshBuyer(chain, 100_000n)
    const pay = makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })
    const bought = await pay(`${seller.url}/prepaid/purchase?package=three`, { method: 'POST', headers: { 'idempotency-key': crypto.randomUUID() } })
    expect(bought.status).toBe(201)
    const { credential: token, credentialId: id } = (await bought.json()) as { credential: string; credentialId: string }
    return { token, id }
  }

  const remaining = async (id: string) => (await seller.core.prepaid!.status(id))?.remaining

  for (const path of ['/raw-stream', '/body-stream']) {
    it(`${path}: a buyer who read the start of the answer and hung up has spent the call`, async () => {
      const { token, id } = await credential()
      expectHandlerDone()
      await readPartThenHangUp(`${seller.url}${path}`, token, 'first part')
      await handlerDone
      expect(await remaining(id)).toBe(2)
      const next = await fetch(`${seller.url}/ok`, { headers: { 'x-prepaid-credential': token } })
      expect(next.status).toBe(200)
      expect(next.headers.get('x-prepaid-remaining')).toBe('1')
    })
  }

  it('a buyer who hung up before anything was sent gets the call back', async () => {
    const { token, id } = await credential()
    expectHandlerDone()
    inHandler = new Promise<void>((resolve) => (entered = resolve))
    await readPartThenHangUp(`${seller.url}/raw-late`, token, 'handler entered', inHandler)
    await handlerDone
    for (let attempt = 0; attempt < 100 && (await remaining(id)) !== 3; attempt++) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await remaining(id)).toBe(3)
  })
})
