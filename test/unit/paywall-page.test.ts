/**
 * The page as the core renders it: escaping of everything the seller or the request puts in it,
 * the seller's options and template, the CSP that goes with it, its size bound, and the inlined
 * widget being the one built from src/paywall/ui (not stale).
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { ConfigurationError, createTollgate, localSettler, memoryStore, type PaywallOptions, type TollgateConfig } from '../../src/index.js'
import { prepaid } from '../../src/prepaid/index.js'
import { PAYWALL_SCRIPT } from '../../src/paywall/generated/paywall-script.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
const TOKEN = { address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', name: 'USDC', version: '2', decimals: 6 } as const

function config(extra: Partial<TollgateConfig> = {}): TollgateConfig {
  return {
    payTo: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    // Never reached: rendering a challenge reads no chain.
    settler: localSettler({ privateKey: '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d', rpcUrl: 'http://127.0.0.1:9' }),
    store: memoryStore(),
    networks: [{ name: 'base-sepolia', asset: TOKEN }],
    ...extra,
  }
}

async function page(options: Partial<PaywallOptions> = {}, extra: Partial<TollgateConfig> = {}, url = 'https://shop.example/report?day=1') {
  const gate = createTollgate(config(extra)).route({ amount: '0.25', network: 'base-sepolia', description: 'Daily report', ...options } as PaywallOptions)
  const decision = await gate.evaluate(new Request(url, { headers: { accept: BROWSER } }))
  if (decision.type !== 'challenge') throw new Error(`expected a challenge, got ${decision.type}`)
  return { status: decision.status, headers: decision.headers, html: decision.text ?? '' }
}

const dataOf = (html: string) => JSON.parse(/<script type="application\/json" id="tg-data">(.*?)<\/script>/s.exec(html)?.[1] ?? 'null')
const nonceOf = (csp: string | undefined) => /'nonce-([^']+)'/.exec(csp ?? '')?.[1]

describe('the browser paywall page', () => {
  it('shows the description, the price in token units and the network, with the challenge in its data', async () => {
    const { status, headers, html } = await page()
    expect(status).toBe(402)
    expect(headers['content-type']).toBe('text/html; charset=utf-8')
    expect(headers['cache-control']).toBe('no-store')
    expect(headers.vary).toBe('Accept')
    expect(html).toContain('<title>Daily report</title>')
    expect(html).toContain('<span class="tg-amount">0.25 USDC</span><span class="tg-net">base-sepolia</span>')
    const data = dataOf(html)
    expect(data.required.accepts[0]).toMatchObject({ scheme: 'exact', network: 'eip155:84532', amount: '250000', asset: TOKEN.address })
    expect(data.tokens).toEqual({ [`eip155:84532|${TOKEN.address.toLowerCase()}`]: { decimals: 6, name: 'USDC' } })
    expect(data.networks).toEqual({ 'eip155:84532': 'base-sepolia' })
  })

  it('escapes what the seller and the URL put in it: no markup, no early </script>, the data reads back unchanged', async () => {
    const hostile = `</script><script>alert(1)</script><!-- {{nonce}} " ' & \u2028`
    const { html } = await page({ description: hostile, paywallPage: { title: `<img src=x onerror=alert(1)>` } }, {}, `https://shop.example/r?q=${encodeURIComponent('</script><b>')}`)
    expect(html).not.toContain('<script>alert(1)')
    expect(html).not.toContain('<img src=x')
    expect(html.match(/<script/g)).toHaveLength(2)
    expect(html.match(/<\/script>/g)).toHaveLength(2)
    const data = dataOf(html)
    expect(data.required.resource.description).toBe(hostile)
    expect(data.required.resource.url).toBe('https://shop.example/r?q=%3C%2Fscript%3E%3Cb%3E')
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;')
  })

  it('runs only its own script: a fresh nonce per response in the CSP and on the one script tag; no eval', async () => {
    const first = await page()
    const second = await page()
    const nonce = nonceOf(first.headers['content-security-policy'])
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/)
    expect(nonceOf(second.headers['content-security-policy'])).not.toBe(nonce)
    expect(first.html).toContain(`<script nonce="${nonce}">`)
    expect(first.headers['content-security-policy']).toContain("default-src 'none'")
    expect(first.headers['content-security-policy']).toContain("connect-src 'self'")
    expect(first.headers['content-security-policy']).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline|https?:\/\//)
    expect(PAYWALL_SCRIPT).not.toMatch(/\beval\(|new Function\(|https?:\/\/(?!mainnet|sepolia|polygon|rpc-amoy|api\.avax|basescan|sepolia\.basescan|amoy|snowtrace|testnet|www\.w3\.org)/)
    expect(first.html).not.toMatch(/<(link|script|img)[^>]+(src|href)="https?:/)
  })

  it('stays under 30 KB gzipped, page and script together (measured on the bytes)', async () => {
    const { html } = await page({ prepaid: true }, { prepaid: prepaid({ secret: 'unit-test-secret-of-at-least-32-bytes!!', packages: [{ id: 'starter', calls: 10, days: 30, price: { amount: '1', network: 'base-sepolia' } }] }) })
    const raw = Buffer.byteLength(html)
    const gzipped = gzipSync(html, { level: 9 }).length
    process.stdout.write(`paywall page: ${raw} bytes raw, ${gzipped} bytes gzipped (script ${Buffer.byteLength(PAYWALL_SCRIPT)} bytes raw)\n`)
    expect(gzipped).toBeLessThan(30 * 1024)
    expect(dataOf(html).required.extensions.prepaid).toMatchObject({ header: 'X-Prepaid-Credential', purchase: 'https://shop.example/prepaid/purchase' })
  })

  it("takes the seller's title, logo and colours; a route's settings merge over the configuration's", async () => {
    const { html, headers } = await page(
      { paywallPage: { colors: { accent: '#ff5500' } } },
      { paywallPage: { title: 'Acme Data', logoUrl: 'https://cdn.acme.example/logo.svg', colors: { background: 'rgb(10 20 30)', text: 'white' } } },
    )
    expect(html).toContain('<h1>Acme Data</h1>')
    expect(html).toContain('<p class="tg-desc">Daily report</p>')
    expect(html).toContain('<img class="tg-logo" src="https://cdn.acme.example/logo.svg" alt="">')
    expect(html).toContain('--tg-accent:#ff5500;--tg-bg:rgb(10 20 30);--tg-surface:#ffffff;--tg-text:white')
    expect(headers['content-security-policy']).toContain("img-src 'self' data: blob: https://cdn.acme.example")
  })

  it("fills the seller's template: {{paywall}} once, text escaped, {{nonce}} for the seller's own script", async () => {
    const template = '<!doctype html><html><head><title>{{ title }} | Acme</title></head><body><header>{{price}}</header>{{paywall}}<p>{{description}}</p><script nonce="{{nonce}}">window.acme = 1</script></body></html>'
    const { html, headers } = await page({ description: 'R&D {{paywall}}', paywallPage: { template, title: 'Acme <Data>' } })
    const nonce = nonceOf(headers['content-security-policy'])
    expect(html.startsWith('<!doctype html><html><head><title>Acme &#60;Data&#62; | Acme</title>')).toBe(true)
    expect(html).toContain('<header>0.25 USDC (base-sepolia)</header>')
    expect(html).toContain('<p>R&#38;D {{paywall}}</p>')
    expect(html).toContain(`<script nonce="${nonce}">window.acme = 1</script>`)
    expect(html.match(/id="tg-app"/g)).toHaveLength(1)
  })

  it('is off with paywallPage: false (on the configuration, or on one route)', async () => {
    const off = createTollgate(config({ paywallPage: false }))
    const onAgain = await off.route({ amount: '0.25', network: 'base-sepolia', paywallPage: { title: 'Mine' } }).evaluate(new Request('https://s.example/a', { headers: { accept: BROWSER } }))
    expect(onAgain.type === 'challenge' && onAgain.text).toContain('<h1>Mine</h1>')
    for (const gate of [off.route({ amount: '0.25', network: 'base-sepolia' }), createTollgate(config()).route({ amount: '0.25', network: 'base-sepolia', paywallPage: false })]) {
      const decision = await gate.evaluate(new Request('https://s.example/a', { headers: { accept: BROWSER } }))
      expect(decision.type === 'challenge' && decision.headers['content-type']).toBe('application/json; charset=utf-8')
      expect((decision as { text?: string }).text).toBeUndefined()
    }
  })

  it('refuses malformed settings at setup, every problem at once', () => {
    const problems = (fn: () => unknown) => {
      try {
        fn()
      } catch (error) {
        if (error instanceof ConfigurationError) return error.problems
        throw error
      }
      return []
    }
    const atConfig = problems(() =>
      createTollgate(config({ paywallPage: { titel: 'x', logoUrl: 'javascript:alert(1)', colors: { accent: 'red;}body{display:none', link: '#fff' }, template: '<html>{{pay}}</html>' } as never })),
    )
    expect(atConfig).toEqual([
      'paywallPage: unknown option "titel" (did you mean "title"?); allowed: title, logoUrl, colors, template',
      "paywallPage.logoUrl \"javascript:alert(1)\" must be an https URL, a path starting with '/' or a base64 data:image URL",
      'paywallPage.colors: unknown option "link"; allowed: accent, background, surface, text',
      'paywallPage.colors.accent "red;}body{display:none" is not a CSS colour such as \'#1a73e8\' or \'rgb(26 115 232)\'',
      'paywallPage.template: unknown placeholder {{pay}}; allowed: {{paywall}}, {{title}}, {{description}}, {{price}}, {{nonce}}',
      'paywallPage.template must contain {{paywall}} exactly once (where the payment widget goes), found 0',
    ])
    expect(problems(() => createTollgate(config()).route({ amount: '1', network: 'base-sepolia', paywallPage: 'yes' as never }))).toEqual([
      'paywallPage must be false or { title?, logoUrl?, colors?, template? }, not a string',
    ])
    expect(problems(() => createTollgate(config({ paywallPage: { logoUrl: 'http://insecure.example/l.png', template: '{{paywall}}{{paywall}}' } })))).toEqual([
      "paywallPage.logoUrl \"http://insecure.example/l.png\" must be an https URL, a path starting with '/' or a base64 data:image URL",
      'paywallPage.template must contain {{paywall}} exactly once (where the payment widget goes), found 2',
    ])
    expect(problems(() => createTollgate(config({ paywallPage: { logoUrl: '/logo.svg', colors: { accent: 'hsl(210 80% 40%)' } } })))).toEqual([])
  })

  it('inlines the widget built from src/paywall/ui: the generated module is not stale', async () => {
    await expect(promisify(execFile)(process.execPath, [`${root}scripts/paywall-ui.mjs`, '--check'], { cwd: root })).resolves.toBeDefined()
  })
})
