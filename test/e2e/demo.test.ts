import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** `npm run demo` is `tsx scripts/demo.ts`; node --import tsx runs the same thing without npm in between. */
function runDemo(): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/demo.ts'],
      { cwd: root, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2_000) })
    return true
  } catch {
    return false
  }
}

describe('npm run demo', () => {
  it('buys a resource with the official v2 client, prints every step and exits 0', { timeout: 70_000 }, async () => {
    const run = await runDemo()
    expect(run.code, `demo exited ${run.code}\n${run.stdout}\n${run.stderr}`).toBe(0)
    const out = run.stdout

    // 1. the unpaid request and its challenge in both generations
    expect(out).toMatch(/← 402 Payment Required/)
    expect(out).toMatch(/PAYMENT-REQUIRED header/)
    expect(out).toMatch(/amount\s+10000 \(0\.01 USDC\)/)
    expect(out).toMatch(/x402Version 1, 1 option\(s\) in accepts/)
    // 2. the signed payment, decoded
    expect(out).toMatch(/with PAYMENT-SIGNATURE/)
    expect(out).toMatch(/from\s+0x[0-9a-fA-F]{40}/)
    expect(out).toMatch(/validBefore\s+\d+/)
    expect(out).toMatch(/nonce\s+0x[0-9a-f]{64}/)
    expect(out).toMatch(/signature\s+0x[0-9a-f]{8}…[0-9a-f]{8}/)
    // 3. the paid retry and its settlement
    expect(out).toMatch(/status\s+200 OK/)
    expect(out).toMatch(/PAYMENT-RESPONSE\s+success true/)
    expect(out).toMatch(/tx\s+0x[0-9a-f]{64}/)
    expect(out).toMatch(/block\s+\d+ \(status success/)
    // 4. balances before and after
    expect(out).toMatch(/buyer\s+100\.00 USDC →\s+99\.99 USDC \(-0\.01\)/)
    expect(out).toMatch(/seller\s+0\.00 USDC →\s+0\.01 USDC \(\+0\.01\)/)
    expect(out).toMatch(/✓ both balances moved by exactly the price/)
    expect(run.stderr).not.toMatch(/demo failed/)

    // Clean shutdown: neither the chain nor the seller outlives the demo.
    const anvilUrl = /anvil\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1]
    const sellerUrl = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1]
    expect(anvilUrl).toBeTruthy()
    expect(sellerUrl).toBeTruthy()
    expect(await answers(anvilUrl!)).toBe(false)
    expect(await answers(`${sellerUrl}/health`)).toBe(false)
  })
})
