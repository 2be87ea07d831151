/**
 * A seller who takes only Solana payments needs no viem at runtime (issue 11). The EVM code imports
 * viem only behind dynamic imports that run when an EVM network is used (a settler's chain, a
 * Permit2 or push payment, a facilitator's chain read), so:
 * - statically, no module that an entry imports at load time imports viem (every entry a seller
 *   can import; the graph is esbuild's, as a seller's bundler would see it);
 * - at runtime, the package as built (tsup) serves a Solana route (a 402, then a paid 200 with the
 *   tokens moved on the stand-in chain) in a project whose node_modules has no viem at all, and
 *   every entry loads there through `import` and through `require` (the CommonJS build).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { build, type Metafile } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitForExit } from '../support/child-exit.js'
import { startSolanaStandIn, type SolanaKeypair, type SolanaStandIn } from '../support/solana/stand-in.js'
import { payFor } from '../support/solana/transfer.js'

const REPO = resolve(import.meta.dirname, '../..')
const ENTRIES = ((await import('../../tsup.config.js')).default as { entry: Record<string, string> }).entry

/** Files an entry loads when imported (static imports only), and which of them import viem statically. */
function viemAtLoad(metafile: Metafile, entry: string): string[] {
  const reached = new Set([entry])
  const queue = [entry]
  const viemUsers: string[] = []
  while (queue.length > 0) {
    const file = queue.shift()!
    for (const found of metafile.inputs[file]?.imports ?? []) {
      if (found.kind !== 'import-statement') continue
      if (found.external) {
        if (found.path === 'viem' || found.path.startsWith('viem/')) viemUsers.push(file)
      } else if (!reached.has(found.path)) {
        reached.add(found.path)
        queue.push(found.path)
      }
    }
  }
  return viemUsers
}

describe('no viem at load time', () => {
  // Every entry but the bin and the facilitator service (an EVM settler itself, whatever families it serves).
  const sellerEntries = Object.entries(ENTRIES).filter(([name]) => !['cli', 'facilitator'].includes(name))

  it.each(sellerEntries)('entry %s (%s) imports viem only behind a dynamic import', async (_name, source) => {
    const { metafile } = await build({ entryPoints: [join(REPO, source)], bundle: true, platform: 'node', format: 'esm', write: false, metafile: true, packages: 'external', logLevel: 'silent', absWorkingDir: REPO })
    expect(metafile.inputs[source], `${source} is in its own graph`).toBeDefined()
    expect(viemAtLoad(metafile, source)).toEqual([])
  })

  it('the check finds viem where it is loaded at once (the EVM settler implementation)', async () => {
    const source = 'src/chains/evm/settler/rpc-chain.ts'
    const { metafile } = await build({ entryPoints: [join(REPO, source)], bundle: true, platform: 'node', format: 'esm', write: false, metafile: true, packages: 'external', logLevel: 'silent', absWorkingDir: REPO })
    expect(viemAtLoad(metafile, source).length).toBeGreaterThan(0)
  })
})

describe('a Solana-only seller runs from the built package without viem installed', () => {
  let project: string
  let sol: SolanaStandIn
  let payTo: SolanaKeypair
  let seller: ChildProcess | undefined
  let url = ''
  const lines: Record<string, unknown>[] = []

  beforeAll(async () => {
    project = mkdtempSync(join(tmpdir(), 'tollgate-without-viem-'))
    const modules = join(project, 'node_modules')
    const pkg = join(modules, 'tollgate')
    mkdirSync(pkg, { recursive: true })
    // Every installed package but viem (and tollgate itself, built below).
    for (const entry of readdirSync(join(REPO, 'node_modules'))) {
      if (entry.startsWith('.') || entry === 'viem' || entry === 'tollgate') continue
      symlinkSync(join(REPO, 'node_modules', entry), join(modules, entry))
    }
    cpSync(join(REPO, 'package.json'), join(pkg, 'package.json'))
    // The package's own build (tsup: ESM and CommonJS), without declarations or source maps, which take time and change nothing here.
    await promisify(execFile)(process.execPath, [join(REPO, 'node_modules/tsup/dist/cli-default.js'), '--out-dir', join(pkg, 'dist'), '--no-sourcemap', '--no-dts'], { cwd: REPO, maxBuffer: 16 * 1024 * 1024 })
    cpSync(join(import.meta.dirname, 'without-viem-seller.mjs'), join(project, 'seller.mjs'))

    sol = await startSolanaStandIn()
    payTo = await sol.newSeller()
    const env = { ...process.env, SOL_RPC_URL: sol.url, FEE_PAYER_KEY: sol.feePayer.secretKeyBase58, PAY_TO: payTo.address, MINT: sol.mint, NETWORK: sol.network }
    const child = spawn(process.execPath, [join(project, 'seller.mjs')], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] })
    seller = child
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`the seller did not start: ${stderr}`)), 60_000)
      createInterface({ input: child.stdout! }).on('line', (line) => {
        lines.push(JSON.parse(line) as Record<string, unknown>)
        if (lines.some((l) => 'url' in l) && lines.some((l) => 'viem' in l)) {
          clearTimeout(timer)
          done()
        }
      })
      child.once('exit', (code) => fail(new Error(`the seller exited (${code}): ${stderr}`)))
    })
    url = String(lines.find((l) => 'url' in l)!.url)
  })

  afterAll(async () => {
    if (seller && seller.exitCode === null) {
      seller.kill('SIGTERM')
      if (!(await waitForExit(seller, 3_000))) seller.kill('SIGKILL')
    }
    await sol?.stop()
    if (project) rmSync(project, { recursive: true, force: true })
  })

  it('viem is absent from the project: the seller cannot import it', () => {
    expect(lines.find((l) => 'viem' in l)).toEqual({ viem: 'absent' })
  })

  it('answers 402 with the Solana requirement, then serves a paid request and moves exactly the price', async () => {
    const challenge = await fetch(`${url}/data`)
    expect(challenge.status).toBe(402)
    await challenge.body?.cancel()

    const buyer = await sol.fundBuyer()
    const before = await sol.tokenBalance(payTo.address)
    const { header } = await payFor(sol, `${url}/data`, buyer)
    const paid = await fetch(`${url}/data`, { headers: { 'payment-signature': header } })
    expect(paid.status).toBe(200)
    expect(await paid.json()).toEqual({ content: 'PAID CONTENT', payer: buyer.address })
    expect(paid.headers.get('payment-response')).toBeTruthy()
    expect((await sol.tokenBalance(payTo.address))! - (before ?? 0n)).toBe(10_000n)
  })
})
