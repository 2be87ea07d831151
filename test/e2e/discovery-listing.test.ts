import { validateDiscoveryExtension, validateDiscoveryExtensionSpec, extractDiscoveryInfoV1 } from '@x402/extensions/bazaar'
import Ajv from 'ajv/dist/2020.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { discoveryListingSchema, DISCOVERY_PATH, type DiscoveryListing, type PaywallOptions } from '../../src/index.js'
import { prepaid } from '../../src/prepaid/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, freshBuyer } from '../support/payments.js'
import { isV1Error, runV1Buyer, v1ClientInstalled } from '../support/v1-buyer.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { startSeller, type Seller } from './seller.js'

let chain: TestChain
let seller: Seller
const weather = {
  amount: '0.01',
  network: 'base-sepolia',
  prepaid: true,
  description: 'Current weather for a city',
  discovery: {
    input: { city: 'Lisbon' },
    inputSchema: { properties: { city: { type: 'string' } }, required: ['city'] },
    output: { example: { city: 'Lisbon', celsius: 21 }, schema: { properties: { celsius: { type: 'number' } } } },
  },
} satisfies PaywallOptions

beforeAll(async () => {
  chain = await startTestChain()
  seller = await startSeller(
    chain,
    (app, gate) => {
      app.use(gate.discoveryRoutes())
      app.get('/weather', gate.paywall(weather), (req, res) => res.json({ city: req.query.city, celsius: 21 }))
      app.post(
        '/summarize',
        gate.paywall({ amount: '0.05', network: 'base-sepolia', resource: 'https://api.example.com/summarize', discovery: { bodyType: 'json', input: { text: 'a long text' } } }),
        (_req, res) => res.json({ summary: 'short' }),
      )
      app.get('/hidden', gate.paywall({ amount: '0.01', network: 'base-sepolia', discovery: { discoverable: false } }), (_req, res) => res.json({}))
      app.get('/per-key', gate.paywall({ amount: ({ header }) => (header('x-api-key') ? '0.01' : '0.02'), network: 'base-sepolia' }), (_req, res) => res.json({}))
    },
    { prepaid: prepaid({ secret: 'discovery-listing-secret-of-32-bytes!!', packages: [{ id: 'ten', calls: 10, days: 1, price: { amount: '0.05', network: 'base-sepolia' } }] }) },
  )
})

afterAll(async () => {
  await seller?.close()
  await chain?.stop()
})

async function listing(): Promise<DiscoveryListing> {
  const response = await fetch(`${seller.url}${DISCOVERY_PATH}`)
  expect(response.status).toBe(200)
  expect(response.headers.get('payment-required')).toBeNull()
  return (await response.json()) as DiscoveryListing
}

describe('discovery in challenges', () => {
  it('a v2 challenge carries extensions.bazaar (valid by the official validators) next to the prepaid extension', async () => {
    const response = await fetch(`${seller.url}/weather?city=Porto`)
    expect(response.status).toBe(402)
    const required = decodeHeader<{ extensions: Record<string, unknown> }>(response.headers.get('payment-required')!)
    expect(Object.keys(required.extensions).sort()).toEqual(['bazaar', 'prepaid'])
    const bazaar = required.extensions.bazaar as never
    expect(validateDiscoveryExtension(bazaar)).toEqual({ valid: true })
    expect(validateDiscoveryExtensionSpec(bazaar)).toEqual({ valid: true })
    expect(required.extensions.bazaar).toMatchObject({ info: { input: { type: 'http', method: 'GET', queryParams: { city: 'Lisbon' } }, output: { type: 'json', example: { celsius: 21 } } } })
    // v1: each requirement's outputSchema, as the official v1 extractor reads it.
    const body = (await response.json()) as { accepts: Record<string, unknown>[] }
    expect(extractDiscoveryInfoV1(body.accepts[0] as never)).toMatchObject({ input: { type: 'http', method: 'GET', queryParams: { city: 'Lisbon' } } })
  })

  it('a POST route announces its body; a route with discoverable: false announces nothing', async () => {
    const post = await fetch(`${seller.url}/summarize`, { method: 'POST' })
    const bazaar = decodeHeader<{ extensions: { bazaar: never } }>(post.headers.get('payment-required')!).extensions.bazaar
    expect(validateDiscoveryExtension(bazaar)).toEqual({ valid: true })
    expect(bazaar).toMatchObject({ info: { input: { method: 'POST', bodyType: 'json', body: { text: 'a long text' } } } })
    const hidden = await fetch(`${seller.url}/hidden`)
    expect(hidden.status).toBe(402)
    expect(decodeHeader<Record<string, unknown>>(hidden.headers.get('payment-required')!).extensions).toBeUndefined()
    expect(((await hidden.json()) as { accepts: Record<string, unknown>[] }).accepts[0]!.outputSchema).toBeUndefined()
  })

  it('the official v2 client still pays a route with discovery', async () => {
    const buyer = await freshBuyer(chain)
    const response = await makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })(`${seller.url}/weather?city=Porto`)
    expect(response.status).toBe(200)
    expect(await chain.balanceOf(buyer.address)).toBe(1_000_000n - 10_000n)
  })

  it.skipIf(!v1ClientInstalled())('the official v1 client (x402-fetch) still pays a route whose requirements carry outputSchema', async () => {
    const key = generatePrivateKey()
    await chain.mint(privateKeyToAccount(key).address, 1_000_000n)
    const result = await runV1Buyer(`${seller.url}/weather?city=Faro`, key)
    if (isV1Error(result)) throw new Error(result.error)
    expect(result.status).toBe(200)
    expect(await chain.balanceOf(privateKeyToAccount(key).address)).toBe(1_000_000n - 10_000n)
  })
})

describe(`the listing at ${DISCOVERY_PATH}`, () => {
  it('is free, validates against its schema (zod and its JSON Schema), and lists prices, networks, prepaid and discovery', async () => {
    await fetch(`${seller.url}/per-key`) // routes without `resource` learn their URL from their first request
    const document = await listing()
    expect(discoveryListingSchema.safeParse(document).success).toBe(true)
    const ajv = new Ajv({ strict: false })
    expect(ajv.validate(z.toJSONSchema(discoveryListingSchema, { io: 'input' }), document)).toBe(true)

    const byResource = new Map(document.items.map((item) => [item.resource, item]))
    const weatherItem = byResource.get(`${seller.url}/weather`)!
    expect(weatherItem).toMatchObject({ type: 'http', x402Version: 2, description: 'Current weather for a city' })
    expect(weatherItem.accepts).toEqual([expect.objectContaining({ scheme: 'exact', network: 'eip155:84532', asset: chain.token, amount: '10000', payTo: chain.accounts.seller.address })])
    expect(Object.keys(weatherItem.extensions ?? {}).sort()).toEqual(['bazaar', 'prepaid'])
    expect(validateDiscoveryExtension((weatherItem.extensions as { bazaar: never }).bazaar)).toEqual({ valid: true })
    // Listed from startup at its configured resource, without a request.
    expect(byResource.get('https://api.example.com/summarize')!.accepts[0]!.amount).toBe('50000')
    const summarizeBazaar = (byResource.get('https://api.example.com/summarize')!.extensions as { bazaar: never }).bazaar
    expect(validateDiscoveryExtensionSpec(summarizeBazaar)).toEqual({ valid: true })
    expect(summarizeBazaar).toMatchObject({ info: { input: { method: 'POST', bodyType: 'json' } } })
    // A dynamic price is named, not guessed: the 402 of the request itself states it.
    const perKey = byResource.get(`${seller.url}/per-key`)!.accepts[0]!
    expect(perKey.amount).toBeUndefined()
    expect(perKey.dynamic).toEqual(['amount'])
    expect(perKey.payTo).toBe(chain.accounts.seller.address)
    expect([...byResource.keys()].some((url) => url.includes('/hidden'))).toBe(false)
    expect(document.pagination).toEqual({ limit: document.items.length, offset: 0, total: document.items.length })
  })

  it('a malformed listing would fail its schema (the check can fail)', async () => {
    const document = await listing()
    const broken = { ...document, items: [{ ...document.items[0], accepts: [{ ...document.items[0]!.accepts[0], amount: '0.01' }] }] }
    expect(discoveryListingSchema.safeParse(broken).success).toBe(false)
  })
})
