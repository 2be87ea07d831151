import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** `npm run demo -- --solana` runs scripts/demo-solana.ts; node --import tsx runs the same without npm in between. */
function runDemo(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/demo-solana.ts'],
      { cwd: root, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    )
  })
}

describe('the Solana demo', () => {
  it('pays a route on the embedded stand-in, prints every step and exits 0', { timeout: 70_000 }, async () => {
    const run = await runDemo()
    expect(run.code, `demo exited ${run.code}\n${run.stdout}\n${run.stderr}`).toBe(0)
    const out = run.stdout
    // the challenge
    expect(out).toMatch(/← 402 Payment Required/)
    expect(out).toMatch(/scheme\s+exact on solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1/)
    expect(out).toMatch(/amount\s+10000 \(0\.01 tUSDC\)/)
    expect(out).toMatch(/feePayer\s+[1-9A-HJ-NP-Za-km-z]{32,44}/)
    // the signed transaction, decoded
    expect(out).toMatch(/SetComputeUnitLimit\s+20000 units/)
    expect(out).toMatch(/SetComputeUnitPrice\s+1 µlamports\/unit/)
    expect(out).toMatch(/TransferChecked\s+10000 units \(6 decimals\)/)
    expect(out).toMatch(/Memo\s+"[0-9a-f]{32}"/)
    // the paid retry and its settlement
    expect(out).toMatch(/status\s+200 OK/)
    expect(out).toMatch(/PAYMENT-RESPONSE\s+success true/)
    expect(out).toMatch(/signature\s+[1-9A-HJ-NP-Za-km-z]{64,88}/)
    expect(out).toMatch(/fee 10001 lamports paid by the seller's fee payer/)
    expect(out).toMatch(/same message and buyer signature/)
    // replay
    expect(out).toMatch(/status\s+409 Conflict/)
    // balances
    expect(out).toMatch(/buyer\s+100\.00 tUSDC → 99\.99 tUSDC \(-0\.01\)/)
    expect(out).toMatch(/seller\s+0\.00 tUSDC → 0\.01 tUSDC \(\+0\.01\)/)
    expect(out).toMatch(/✓ both balances moved by exactly the price/)
    expect(out).toMatch(/Done in \d+\.\d s\./)
    expect(run.stderr).toBe('')
  })
})
