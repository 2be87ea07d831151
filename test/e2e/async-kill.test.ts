/**
 * A seller process killed (SIGKILL) with settlements queued in Redis: four still waiting, one taken
 * by its worker and sent (mined, the answer lost), one taken and not sent yet. A second instance
 * finishes them: the waiting and the unsent ones are settled, the sent one is resolved from the
 * chain (its authorization is used: settled by the dead instance's transaction), never sent again.
 * Every buyer is served once and charged exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { parseAbiItem, type Hex, type PrivateKeyAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redisSettlementQueue } from '../../src/redis.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { waitForExit } from '../support/child-exit.js'
import { freshBuyer, requirementAt, signedV2 } from '../support/payments.js'
import { requireRedisOrSkip, startRedis, type TestRedis } from '../support/redis.js'
import { eventually, rpcOf } from './settler-fixture.js'
import { startSwallowProxy, type SwallowProxy } from './send-swallow-proxy.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const script = fileURLToPath(new URL('./async-seller-process.ts', import.meta.url))
const PRICE = 10_000n
const FUNDS = 1_000_000n
const PAYMENTS = 6
const skip = requireRedisOrSkip('async settlement through a Redis queue, across a killed process')

const live = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

async function fundedKey(chain: TestChain): Promise<Hex> {
  const key = generatePrivateKey()
  await rpcOf(chain)('anvil_setBalance', [privateKeyToAccount(key).address, '0x56BC75E2D63100000'])
  return key
}

const outputs: Array<() => string> = []

async function startInstance(chain: TestChain, redisPort: number, env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: { ...process.env, LOG: '1', PAY_TO: chain.accounts.seller.address, TOKEN_ADDRESS: chain.token, REDIS_PORT: String(redisPort), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  live.add(child)
  let output = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => void (output = (output + chunk).slice(-20000)))
  child.stdout?.on('data', (chunk: string) => void (output = (output + chunk).slice(-20000)))
  outputs.push(() => output)
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = ''
    const timer = setTimeout(() => reject(new Error(`no URL within 30 s: ${output}`)), 30_000)
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (chunk: string) => {
      stdout += chunk
      const line = stdout.split('\n').find((l) => l.startsWith('{'))
      if (!line) return
      clearTimeout(timer)
      resolve((JSON.parse(line) as { url: string }).url)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited (${code}) before listening: ${output}`))
    })
  })
  return { url, child }
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL')
    await waitForExit(child, 5_000)
  }
  live.delete(child)
}

const authorizationUsed = parseAbiItem('event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)')

describe.skipIf(skip)('async settlement survives a killed seller process (Redis Streams queue)', () => {
  let chain: TestChain
  let redis: TestRedis
  let io: Redis
  let proxy: SwallowProxy
  const children: ChildProcess[] = []
  let passed = false

  beforeAll(async () => {
    chain = await startTestChain({ fundBuyers: 0n })
    redis = await startRedis()
    io = new Redis({ host: '127.0.0.1', port: redis.port })
    proxy = await startSwallowProxy(chain.rpcUrl)
  })

  afterAll(async () => {
    // The sellers' logs, only when the test failed.
    if (!passed) for (const out of outputs) process.stderr.write(`--- seller output ---\n${out()}\n`)
    for (const child of children) await kill(child)
    io?.disconnect()
    await proxy?.close()
    await redis?.stop()
    await chain?.stop()
  })

  it('SIGKILL with jobs waiting and jobs mid-send: the restart finishes them, each buyer charged exactly once', async () => {
    const keyA = await fundedKey(chain)
    const keyB = await fundedKey(chain)
    const addressA = privateKeyToAccount(keyA).address
    const addressB = privateKeyToAccount(keyB).address
    // Instance A: its sends reach the chain but are never answered, and it waits for them long enough to be killed first.
    const a = await startInstance(chain, redis.port, { RPC_URL: proxy.url, SETTLER_KEY: keyA, CONCURRENCY: '2', REQUEST_TIMEOUT_MS: '120000' })
    children.push(a.child)

    const requirement = await requirementAt(`${a.url}/content`)
    const buyers: PrivateKeyAccount[] = []
    for (let i = 0; i < PAYMENTS; i++) buyers.push(await freshBuyer(chain, FUNDS))
    for (const buyer of buyers) {
      const { header } = await signedV2(chain, requirement, buyer)
      const res = await fetch(`${a.url}/content`, { headers: { 'payment-signature': header } })
      expect(res.status).toBe(200)
      expect(res.headers.get('x-tollgate-settlement')).toBe('queued')
      expect(await res.json()).toMatchObject({ content: 'PAID CONTENT' })
    }

    // A's worker took two: it sent one (mined, its answer lost, so A still waits on it) and the other
    // waits behind it for the account's next nonce; the other four wait in the stream.
    await eventually(async () => proxy.sends >= 1, "instance A's worker sent a settlement")
    await eventually(async () => (await chain.publicClient.getTransactionCount({ address: addressA })) >= 1, 'it was mined')
    await kill(a.child)
    const queue = redisSettlementQueue({ client: io })
    expect(await queue.depth()).toBe(PAYMENTS)
    const sentByA = await chain.publicClient.getTransactionCount({ address: addressA })
    expect(sentByA).toBe(1)
    expect(proxy.sends).toBe(1)

    // Instance B (another key, a direct endpoint) finishes the work: A's lease has lapsed, its jobs are reclaimed.
    const b = await startInstance(chain, redis.port, { RPC_URL: chain.rpcUrl, SETTLER_KEY: keyB })
    children.push(b.child)
    await eventually(async () => (await queue.depth()) === 0, 'the queue drained by instance B', 60_000)

    for (const buyer of buyers) expect(await chain.balanceOf(buyer.address)).toBe(FUNDS - PRICE)
    expect(await chain.balanceOf(chain.accounts.seller.address)).toBe(PRICE * BigInt(PAYMENTS))
    // B sent only what A had not: the two A had sent were resolved from the chain, not sent again.
    expect(await chain.publicClient.getTransactionCount({ address: addressB })).toBe(PAYMENTS - sentByA)
    const used = await chain.publicClient.getLogs({ address: chain.token, event: authorizationUsed, fromBlock: 0n })
    const ours = used.filter((log) => buyers.some((b) => b.address.toLowerCase() === log.args.authorizer?.toLowerCase()))
    expect(ours).toHaveLength(PAYMENTS)
    passed = true
  }, 180_000)
})
