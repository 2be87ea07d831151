import { execFile, spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { REPO } from './support/processes.js'

const hasPython = spawnSync('python3', ['--version']).status === 0
if (!hasPython) {
  if (process.env.REQUIRE_PYTHON === '1') throw new Error('REQUIRE_PYTHON=1 but python3 is not available (apt-get install -y python3)')
  console.warn('demo-gateway: skipped, python3 is not installed (apt-get install -y python3)')
}

describe.skipIf(!hasPython)('the gateway demo (scripts/demo-gateway.ts)', () => {
  it('buys from the Python upstream through the gateway, prints every step and exits 0', { timeout: 90_000 }, async () => {
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'scripts/demo-gateway.ts'], { cwd: REPO, timeout: 85_000, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
      )
    })
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0)
    for (const text of ['Upstream: a Python http.server', 'tollgate gateway listening on', '← 402 Payment Required', 'served_by": "python"', 'Settlement transaction', 'both balances moved by exactly the price', 'exit code        0']) {
      expect(run.stdout).toContain(text)
    }
  })
})
