import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExampleConfigError, startExampleServer, type ExampleServer } from '../../examples/express/server.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader } from '../support/payments.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { exampleEnv } from '../support/example-env.js'
import { requirePostgresOrSkip, startPostgres } from '../support/postgres.js'
import { startRiskService } from './risk-service.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const BASE_SEPOLIA_USDC = '0x036CbD53842c5426634e7929541eC2318f3dCF7e'

let chain: TestChain
let server: ExampleServer

beforeAll(async () => {
  chain = await startTestChain()
  server = await startExampleServer(exampleEnv(chain))
})

afterAll(async () => {
  await server?.close()
  await chain?.stop()
})

describe('the Express example seller', () => {
  it('listens on 127.0.0.1 by default', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('serves /health without payment: the store and the settler checked, 200', async () => {
    const response = await fetch(`${server.url}/health`)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await response.json()).toMatchObject({ status: 'ok', checks: { store: { status: 'ok' }, gas: { status: 'ok' } } })
  })

  it('lists /weather at /.well-known/x402, free, once it has served its first request', async () => {
    expect((await fetch(`${server.url}/weather`)).status).toBe(402)
    const res = await fetch(`${server.url}/.well-known/x402`)
    expect(res.status).toBe(200)
    const listing = (await res.json()) as { items: Array<{ resource: string; description: string }> }
    expect(listing.items).toEqual([expect.objectContaining({ resource: `${server.url}/weather`, description: "Today's weather" })])
  })

  it('answers an unpaid /weather with 402: a v2 PAYMENT-REQUIRED header and a v1 body', async () => {
    const response = await fetch(`${server.url}/weather`)
    expect(response.status).toBe(402)
    const header = response.headers.get('payment-required')
    expect(header).toBeTruthy()
    const v2 = decodeHeader<{ x402Version: number; resource: { url: string }; accepts: Record<string, unknown>[] }>(header!)
    expect(v2.x402Version).toBe(2)
    expect(v2.resource.url).toBe(`${server.url}/weather`)
    expect(v2.accepts).toHaveLength(1)
    expect(v2.accepts[0]).toMatchObject({
      scheme: 'exact',
      network: 'eip155:84532',
      amount: '10000',
      asset: chain.token,
      payTo: chain.accounts.seller.address,
      extra: { name: 'USDC', version: '2' },
    })

    const body = (await response.json()) as { x402Version: number; accepts: Record<string, unknown>[] }
    expect(body.x402Version).toBe(1)
    expect(body.accepts).toHaveLength(1)
    expect(body.accepts[0]).toMatchObject({
      scheme: 'exact',
      network: 'base-sepolia',
      maxAmountRequired: '10000',
      resource: `${server.url}/weather`,
      asset: chain.token,
      payTo: chain.accounts.seller.address,
    })
  })

  it('is paid by the official v2 client: 200, and exactly 0.01 (10000 atomic units) moves on chain', async () => {
    const buyer = chain.accounts.buyers[0]!
    const seller = chain.accounts.seller.address
    const [buyerBefore, sellerBefore] = [await chain.balanceOf(buyer.address), await chain.balanceOf(seller)]

    const pay = makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })
    const response = await pay(`${server.url}/weather`)

    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ city: 'Lisbon', paidBy: buyer.address })
    const settlement = decodeHeader<{ success: boolean; transaction: string; payer: string }>(response.headers.get('payment-response')!)
    expect(settlement).toMatchObject({ success: true, payer: buyer.address })
    expect(settlement.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect(await chain.balanceOf(buyer.address)).toBe(buyerBefore - 10_000n)
    expect(await chain.balanceOf(seller)).toBe(sellerBefore + 10_000n)

    // The payment is counted in the Prometheus scrape, under the route's name and without the payer's address.
    const scrape = await (await fetch(`${server.url}/metrics`)).text()
    expect(scrape).toMatch(/^tollgate_payments_settled_total\{[^}]*route="weather"[^}]*\} 1$/m)
    expect(scrape.toLowerCase()).not.toContain(buyer.address.toLowerCase())
  })

  it("charges in the network's USDC when no TOKEN_ADDRESS is given", async () => {
    const { TOKEN_ADDRESS, TOKEN_NAME, TOKEN_VERSION, TOKEN_DECIMALS, ...env } = exampleEnv(chain)
    const usdcServer = await startExampleServer(env)
    try {
      const response = await fetch(`${usdcServer.url}/weather`)
      expect(response.status).toBe(402)
      const v2 = decodeHeader<{ accepts: Record<string, unknown>[] }>(response.headers.get('payment-required')!)
      expect(v2.accepts[0]).toMatchObject({ network: 'eip155:84532', asset: BASE_SEPOLIA_USDC, amount: '10000' })
    } finally {
      await usdcServer.close()
    }
  })
})

const skipPostgres = requirePostgresOrSkip('the Express example with a receipts ledger')

describe.skipIf(skipPostgres)('the Express example seller with DATABASE_URL', () => {
  it('creates its receipts table and records the paid request once, with payer, amount and transaction', async () => {
    const db = await startPostgres()
    const withLedger = await startExampleServer({ ...exampleEnv(chain), DATABASE_URL: db.connectionString })
    try {
      const buyer = chain.accounts.buyers[1]!
      const response = await makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })(`${withLedger.url}/weather`)
      expect(response.status).toBe(200)
      const { transaction } = decodeHeader<{ transaction: string }>(response.headers.get('payment-response')!)
      // close() drains the ledger's outbox before it ends the pool.
      await withLedger.close()
      const rows = await db.query<{ state: string; payer: string; amount: string; transaction_hash: string; route: string }>(
        'SELECT state, payer, amount::text AS amount, transaction_hash, route FROM tollgate_receipts',
      )
      expect(rows).toHaveLength(1)
      expect(rows[0]).toMatchObject({ state: 'settled', amount: '10000', route: 'weather' })
      expect(rows[0]!.payer.toLowerCase()).toBe(buyer.address.toLowerCase())
      expect(rows[0]!.transaction_hash.toLowerCase()).toBe(transaction.toLowerCase())
    } finally {
      await withLedger.close().catch(() => undefined)
      await db.stop()
    }
  }, 120_000)
})

describe('the Express example seller with RISK_ENGINE_URL', () => {
  it('asks the risk engine before any chain read: a denied payer gets 403 risk_denied and is not charged; an allowed one pays', async () => {
    const risk = await startRiskService()
    const guarded = await startExampleServer({ ...exampleEnv(chain), RISK_ENGINE_URL: risk.url })
    try {
      const [denied, allowed] = [chain.accounts.buyers[2]!, chain.accounts.buyers[3]!]
      risk.answers.set(denied.address.toLowerCase(), 'deny')
      const before = await chain.balanceOf(denied.address)
      const refused = await makeV2Fetch(denied, { network: 'eip155:84532', asset: chain.token })(`${guarded.url}/weather`)
      expect(refused.status).toBe(403)
      expect(await refused.json()).toMatchObject({ error: 'risk_denied' })
      expect(await chain.balanceOf(denied.address)).toBe(before)

      const paid = await makeV2Fetch(allowed, { network: 'eip155:84532', asset: chain.token })(`${guarded.url}/weather`)
      expect(paid.status).toBe(200)
      expect(risk.inputs.map((input) => String(input.payment?.payer).toLowerCase())).toEqual([denied.address.toLowerCase(), allowed.address.toLowerCase()])
    } finally {
      await guarded.close()
      await risk.close()
    }
  })
})

describe('the Express example seller refuses a bad environment', () => {
  it('names every missing required variable at once', async () => {
    const error = await startExampleServer({}).then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ExampleConfigError)
    const { problems, message } = error as ExampleConfigError
    expect(problems).toHaveLength(3)
    expect(message).toMatch(/PAY_TO is required/)
    expect(message).toMatch(/SETTLER_PRIVATE_KEY is required/)
    expect(message).toMatch(/RPC_URL is required/)
  })

  it('explains invalid values', async () => {
    const env = {
      PAY_TO: 'not-an-address',
      SETTLER_PRIVATE_KEY: '0x1234',
      RPC_URL: 'ws://127.0.0.1:8545',
      NETWORK: 'base-goerli',
      TOKEN_ADDRESS: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      TOKEN_DECIMALS: 'six',
      PORT: '70000',
    }
    await expect(startExampleServer(env)).rejects.toThrow(ExampleConfigError)
    const { problems } = (await startExampleServer(env).catch((e: unknown) => e)) as ExampleConfigError
    expect(problems.join('\n')).toMatch(/PAY_TO "not-an-address" is not an EVM address/)
    expect(problems.join('\n')).toMatch(/SETTLER_PRIVATE_KEY must be a 0x-prefixed 32-byte hex string/)
    expect(problems.join('\n')).toMatch(/RPC_URL "ws:\/\/127\.0\.0\.1:8545" is not an http\(s\) URL/)
    expect(problems.join('\n')).toMatch(/NETWORK "base-goerli" is not a known network; use one of .*base-sepolia/)
    expect(problems.join('\n')).toMatch(/TOKEN_NAME is required with TOKEN_ADDRESS/)
    expect(problems.join('\n')).toMatch(/TOKEN_VERSION is required with TOKEN_ADDRESS/)
    expect(problems.join('\n')).toMatch(/TOKEN_DECIMALS "six" must be an integer/)
    expect(problems.join('\n')).toMatch(/PORT "70000" is not a port number/)
  })

  it('refuses token details without TOKEN_ADDRESS', async () => {
    const env = { ...exampleEnv(chain), TOKEN_ADDRESS: '' }
    await expect(startExampleServer(env)).rejects.toThrow(/TOKEN_NAME, TOKEN_VERSION, TOKEN_DECIMALS given without TOKEN_ADDRESS/)
  })
})

describe('examples/express/server.ts run directly', () => {
  function runExample(env: Record<string, string>): { done: Promise<{ code: number | null; stdout: string; stderr: string }>; kill(): void; output(): string } {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/express/server.ts'], {
      cwd: root,
      // Only what the example needs, so the test's own environment cannot leak settings in.
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.once('exit', (code) => resolve({ code, stdout, stderr })),
    )
    return { done, kill: () => child.kill('SIGTERM'), output: () => stdout }
  }

  it('exits 1 with the list of problems when the environment is empty', async () => {
    const { code, stderr } = await runExample({}).done
    expect(code).toBe(1)
    expect(stderr).toMatch(/PAY_TO is required/)
    expect(stderr).toMatch(/SETTLER_PRIVATE_KEY is required/)
    expect(stderr).toMatch(/RPC_URL is required/)
  })

  it('starts, prints where it listens, serves, and stops on SIGTERM', async () => {
    const run = runExample(exampleEnv(chain))
    try {
      const deadline = Date.now() + 20_000
      let url: string | undefined
      while (!url && Date.now() < deadline) {
        url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(run.output())?.[1]
        if (!url) await new Promise((r) => setTimeout(r, 50))
      }
      expect(url, run.output()).toBeTruthy()
      expect((await fetch(`${url}/health`)).status).toBe(200)
      expect((await fetch(`${url}/weather`)).status).toBe(402)
    } finally {
      run.kill()
    }
    expect((await run.done).code).toBe(0)
  })
})
