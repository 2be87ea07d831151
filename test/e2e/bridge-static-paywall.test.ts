/**
 * The deployment pitfall of paywalling a path prefix in front of static files, and the pattern that
 * avoids it (Express). Express matches mount paths on the raw, still percent-encoded path, while
 * express.static decodes it: `/%70remium/report.txt` skips `app.use('/premium', paywall)` and is
 * served by a static root that holds `premium/`. Mounting the static files of the paid folder
 * behind the paywall itself (`app.use('/premium', paywall, express.static(paidDir))`), with that
 * folder outside every public root, leaves no path to them that does not go through the paywall.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, freshBuyer, requirementAt, signedV2 } from '../support/payments.js'
import { startSeller, type Seller } from './seller.js'

const PREMIUM = 'PREMIUM REPORT'
const paid = { amount: '0.10', network: 'base-sepolia' } as const

let chain: TestChain
let dir: string
let pitfall: Seller
let right: Seller

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
  dir = mkdtempSync(join(tmpdir(), 'tollgate-static-'))
  // The pitfall's layout: the paid folder sits inside the public root.
  mkdirSync(join(dir, 'public', 'premium'), { recursive: true })
  writeFileSync(join(dir, 'public', 'index.txt'), 'free')
  writeFileSync(join(dir, 'public', 'premium', 'report.txt'), PREMIUM)
  // The right layout: the paid folder is outside the public root, served only behind the paywall.
  mkdirSync(join(dir, 'site'), { recursive: true })
  mkdirSync(join(dir, 'paid'), { recursive: true })
  writeFileSync(join(dir, 'site', 'index.txt'), 'free')
  writeFileSync(join(dir, 'paid', 'report.txt'), PREMIUM)

  pitfall = await startSeller(chain, (app, gate) => {
    app.use('/premium', gate.paywall(paid))
    app.use(express.static(join(dir, 'public')))
  })
  right = await startSeller(chain, (app, gate) => {
    app.use('/premium', gate.paywall(paid), express.static(join(dir, 'paid')))
    app.use(express.static(join(dir, 'site')))
  })
}, 120_000)

afterAll(async () => {
  await pitfall?.close()
  await right?.close()
  await chain?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('static files behind a paywall (Express)', () => {
  it('the pitfall is real: a prefix paywall in front of a static root is skipped by a percent-encoded path', async () => {
    expect((await fetch(`${pitfall.url}/premium/report.txt`)).status).toBe(402)
    const bypass = await fetch(`${pitfall.url}/%70remium/report.txt`)
    expect(bypass.status).toBe(200)
    expect(await bypass.text()).toBe(PREMIUM)
  })

  it.each(['/%70remium/report.txt', '/%70%72%65%6d%69%75%6d/report.txt', '/premium%2freport.txt', '/Premium/report.txt', '/premium/./report.txt', '/x/../premium/report.txt'])(
    'static files mounted behind the paywall: %s never serves them unpaid',
    async (path) => {
      const res = await fetch(`${right.url}${path}`)
      expect([402, 404]).toContain(res.status)
      expect(await res.text()).not.toContain(PREMIUM)
    },
  )

  it('static files mounted behind the paywall are sold: 402, then the file with the settlement header', async () => {
    const url = `${right.url}/premium/report.txt`
    const buyer = await freshBuyer(chain, 100_000n)
    const { header } = await signedV2(chain, await requirementAt(url), buyer)
    const transfers = await chain.transferCount()
    const res = await fetch(url, { headers: { 'payment-signature': header } })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe(PREMIUM)
    expect(decodeHeader<{ success: boolean }>(res.headers.get('payment-response')!).success).toBe(true)
    expect(await chain.transferCount()).toBe(transfers + 1)
    expect((await fetch(`${right.url}/index.txt`)).status).toBe(200)
  })
})
