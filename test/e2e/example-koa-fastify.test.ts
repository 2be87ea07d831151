/**
 * The Koa and Fastify example sellers: started in-process and paid by the official v2 client, and
 * run as a seller would run them (`npx tsx examples/<name>/server.ts`) to prove they start and stop.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as fastifyExample from '../../examples/fastify/server.js'
import * as koaExample from '../../examples/koa/server.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader } from '../support/payments.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { exampleEnv } from '../support/example-env.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
let chain: TestChain

beforeAll(async () => {
  chain = await startTestChain()
})

afterAll(async () => {
  await chain?.stop()
})

const examples = [
  { name: 'koa', start: koaExample.startExampleServer, buyer: 1 },
  { name: 'fastify', start: fastifyExample.startExampleServer, buyer: 2 },
]

describe.each(examples)('the $name example seller', ({ name, start, buyer: index }) => {
  let server: Awaited<ReturnType<typeof start>>

  beforeAll(async () => {
    server = await start(exampleEnv(chain))
  })

  afterAll(async () => {
    await server?.close()
  })

  it('serves /health free and challenges /weather for 0.01 of the configured token', async () => {
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ ok: true })
    const challenge = await fetch(`${server.url}/weather`)
    expect(challenge.status).toBe(402)
    const v2 = decodeHeader<{ resource: { url: string }; accepts: Record<string, unknown>[] }>(challenge.headers.get('payment-required')!)
    expect(v2.resource.url).toBe(`${server.url}/weather`)
    expect(v2.accepts[0]).toMatchObject({ network: 'eip155:84532', amount: '10000', asset: chain.token, payTo: chain.accounts.seller.address })
  })

  it('lists /weather at /.well-known/x402, free, once it has served its first request', async () => {
    expect((await fetch(`${server.url}/weather`)).status).toBe(402)
    const res = await fetch(`${server.url}/.well-known/x402`)
    expect(res.status).toBe(200)
    const listing = (await res.json()) as { items: Array<{ resource: string; description: string; accepts: Array<Record<string, unknown>> }> }
    expect(listing.items).toEqual([expect.objectContaining({ resource: `${server.url}/weather`, description: "Today's weather" })])
    expect(listing.items[0]!.accepts[0]).toMatchObject({ network: 'eip155:84532', amount: '10000', asset: chain.token })
  })

  it('is paid by the official v2 client: 200, and exactly 0.01 moves on chain', async () => {
    const buyer = chain.accounts.buyers[index]!
    const before = await chain.balanceOf(buyer.address)
    const res = await makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })(`${server.url}/weather`)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ city: 'Lisbon', paidBy: buyer.address })
    expect(decodeHeader<{ success: boolean }>(res.headers.get('payment-response')!).success).toBe(true)
    expect(await chain.balanceOf(buyer.address)).toBe(before - 10_000n)
  })

  it(`runs directly (npx tsx examples/${name}/server.ts), serves, and stops on SIGTERM`, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', `examples/${name}/server.ts`], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...exampleEnv(chain) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    let output = ''
    const url = await new Promise<string | undefined>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        const found = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1]
        if (found) resolve(found)
      })
      void exited.then(() => resolve(undefined))
    })
    try {
      expect(url, output).toBeTruthy()
      expect((await fetch(`${url}/weather`)).status).toBe(402)
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
  })
})
