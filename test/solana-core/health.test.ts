/**
 * tollgate/health reports a Solana settler's prerequisites from the stand-in cluster: ok with the fee
 * payer's lamports; 'degraded' (still 200) when a payTo has no token account, counting problems
 * without naming addresses; 'down' (503) when the cluster does not answer.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { solanaSettler } from '../../src/chains/solana/index.js'
import { tollgateHealth } from '../../src/health/index.js'
import { createTollgate, memoryStore } from '../../src/index.js'
import { startSolanaStandIn, type SolanaStandIn } from '../support/solana/stand-in.js'

let sol: SolanaStandIn
beforeAll(async () => {
  sol = await startSolanaStandIn()
})
afterAll(async () => {
  await sol?.stop()
})

function sellerWith(payTo: string) {
  const settler = solanaSettler({ secretKey: sol.feePayer.secretKey, rpcUrl: sol.url, rpcTimeoutMs: 1_000, checkOnStart: false })
  const core = createTollgate({ payTo, settler, store: memoryStore() })
  core.route({ amount: '0.01', network: sol.network, asset: { address: sol.mint, decimals: sol.decimals } })
  return tollgateHealth({ core, cacheMs: 0 })
}

it('ok with the fee payer balance, degraded without the payTo token account, down when the cluster is gone', async () => {
  const ready = await sol.newSeller()
  const healthy = await sellerWith(ready.address).check()
  expect(healthy.status).toBe('ok')
  expect(healthy.checks.solana).toEqual({ status: 'ok', feePayerLamports: (await sol.solBalance(sol.feePayer.address)).toString(), problems: 0 })

  const missing = await sol.newSeller({ ata: false })
  const health = sellerWith(missing.address)
  const degraded = await health.answer()
  expect(degraded.status).toBe(200)
  expect(degraded.body).toMatchObject({ status: 'degraded', checks: { solana: { status: 'degraded', problems: 1 } } })
  expect(JSON.stringify(degraded.body)).not.toContain(missing.address)

  await sol.setDown(true)
  try {
    const down = await health.answer()
    expect(down.status).toBe(503)
    expect(down.body).toMatchObject({ status: 'down', checks: { solana: { status: 'down', feePayerLamports: null } } })
    expect(JSON.stringify(down.body)).not.toContain(sol.url)
  } finally {
    await sol.setDown(false)
  }
})
