/**
 * The page is for people only: API clients and both official buyers keep getting exactly the
 * JSON/header 402 they got before, and pay as before, on routes where the page is on (the
 * default). Needs no browser, so it never skips for want of Chromium.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTollgate, localSettler, memoryStore, type TollgateConfig } from '../../src/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { isV1Error, runV1Buyer, v1ClientInstalled } from '../support/v1-buyer.js'
import { DATA, PRICE, startExpressShop, startWebShop, type Shop } from './support/shop.js'

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8'
/** What API clients send: nothing, fetch's default (both official buyers), JSON, axios's, and HTML ranked below JSON. */
const API_ACCEPTS = [null, '*/*', 'application/json', 'application/json, text/plain, */*', 'application/json, text/html;q=0.5', 'text/html;q=0.9, application/json']

let chain: TestChain
let express: Shop
let web: Shop

beforeAll(async () => {
  chain = await startTestChain()
  express = await startExpressShop(chain, new Map())
  web = await startWebShop(chain, new Map())
})

afterAll(async () => {
  await express?.close()
  await web?.close()
  await chain?.stop()
})

function config(extra: Partial<TollgateConfig> = {}): TollgateConfig {
  return {
    payTo: chain.accounts.seller.address,
    settler: localSettler({ privateKey: chain.keys.settler, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50 }),
    store: memoryStore(),
    networks: [{ name: 'base-sepolia', asset: chain.tokenInfo }],
    ...extra,
  }
}

describe('API clients and official buyers with the browser page on', () => {
  it('get the very same 402 (status, headers, body) as from a route without the page', async () => {
    const route = { amount: '0.01', network: 'base-sepolia', description: 'Weather data' } as const
    const withPage = createTollgate(config()).route(route)
    const without = createTollgate(config({ paywallPage: false })).route(route)
    for (const accept of API_ACCEPTS) {
      for (const method of ['GET', 'HEAD', 'POST']) {
        const request = () => new Request('https://api.example/data', { method, headers: accept === null ? {} : { accept } })
        const [a, b] = [await withPage.evaluate(request()), await without.evaluate(request())]
        expect(a.type).toBe('challenge')
        expect(a).toEqual(b)
        expect((a as { text?: string }).text).toBeUndefined()
      }
    }
    // Only a GET ranking HTML above JSON gets the page; a browser POST (a form) or HEAD keeps the JSON.
    for (const method of ['HEAD', 'POST']) {
      const a = await withPage.evaluate(new Request('https://api.example/data', { method, headers: { accept: BROWSER_ACCEPT } }))
      expect(a).toEqual(await without.evaluate(new Request('https://api.example/data', { method, headers: { accept: BROWSER_ACCEPT } })))
    }
    const page = await withPage.evaluate(new Request('https://api.example/data', { headers: { accept: BROWSER_ACCEPT } }))
    expect(page.type === 'challenge' && page.text).toMatch(/^<!doctype html>/)
    const json = await without.evaluate(new Request('https://api.example/data'))
    expect(page.type === 'challenge' && page.headers['payment-required']).toBe(json.type === 'challenge' && json.headers['payment-required'])
  })

  for (const adapter of ['express', 'web'] as const) {
    it(`over HTTP on ${adapter}: JSON for API clients, the page for a browser navigation`, async () => {
      const url = `${adapter === 'express' ? express.url : web.url}/data`
      for (const accept of API_ACCEPTS) {
        const res = await fetch(url, { headers: accept === null ? {} : { accept } })
        expect(res.status).toBe(402)
        expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
        expect(res.headers.get('content-security-policy')).toBeNull()
        expect((await res.json()) as { x402Version: number }).toMatchObject({ x402Version: 1, error: 'payment_required' })
      }
      const page = await fetch(url, { headers: { accept: BROWSER_ACCEPT } })
      expect(page.status).toBe(402)
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(page.headers.get('payment-required')).toBeTruthy()
      expect(await page.text()).toContain('<h1>Weather data</h1>')
    })

    it(`the official v2 buyer (@x402/fetch) reads a JSON 402 and pays on ${adapter}`, async () => {
      const buyer = chain.accounts.buyers[adapter === 'express' ? 0 : 1]!
      const before = await chain.balanceOf(buyer.address)
      const seen: string[] = []
      const recording: typeof fetch = async (input, init) => {
        const res = await fetch(input, init)
        seen.push(`${res.status} ${res.headers.get('content-type')}`)
        return res
      }
      const pay = makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token, baseFetch: recording })
      const res = await pay(`${adapter === 'express' ? express.url : web.url}/data`)
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual(DATA)
      expect(seen[0]).toBe('402 application/json; charset=utf-8')
      expect(before - (await chain.balanceOf(buyer.address))).toBe(PRICE)
    })
  }

  const v1 = v1ClientInstalled()
  if (!v1) {
    if (process.env.CI) throw new Error('interop/v1-client is not installed: run `npm ci --prefix interop/v1-client`')
    process.stdout.write('SKIP paywall-api-clients v1 buyer: the x402-fetch 1.2 client is not installed (npm ci --prefix interop/v1-client)\n')
  }
  it.skipIf(!v1)('the official v1 buyer (x402-fetch 1.2) reads the JSON body and pays on Express', async () => {
    const before = await chain.balanceOf(chain.accounts.buyers[2]!.address)
    const result = await runV1Buyer(`${express.url}/data`, chain.keys.buyers[2]!, undefined, { timeoutMs: 60_000 })
    if (isV1Error(result)) throw new Error(`v1 client failed: ${result.error}`)
    expect(result.status).toBe(200)
    expect(JSON.parse(result.body)).toEqual(DATA)
    expect(before - (await chain.balanceOf(chain.accounts.buyers[2]!.address))).toBe(PRICE)
  })
})
