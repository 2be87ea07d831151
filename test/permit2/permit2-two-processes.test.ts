import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ANVIL_KEYS } from '../support/chain.js'
import { acceptedOf, permit2PaymentHeader, startPermit2Chain, type Permit2Chain } from '../support/permit2.js'
import { requireRedisOrSkip, startRedis, type TestRedis } from '../support/redis.js'

/**
 * Two seller processes sharing one Redis (and nothing else: separate settling keys, separate
 * memory): one Permit2 payment sent to both at once, 10 times each, is served once and charged once.
 */
const skip = requireRedisOrSkip('Permit2 replay across two processes')
const script = fileURLToPath(new URL('./permit2-seller-process.ts', import.meta.url))
const root = fileURLToPath(new URL('../..', import.meta.url))
let chain: Permit2Chain
let redis: TestRedis
const children: ChildProcess[] = []
const urls: string[] = []

async function startProcess(settlerKey: string): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: { ...process.env, RPC_URL: chain.rpcUrl, SETTLER_KEY: settlerKey, PAY_TO: chain.accounts.seller.address, TOKEN_ADDRESS: chain.permitToken, REDIS_PORT: String(redis.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let output = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => void (output = (output + chunk).slice(-10000)))
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 60 s: ${output}`)), 60_000)
    let stdout = ''
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
}

describe.skipIf(skip)('Permit2 replay across two processes', () => {
  beforeAll(async () => {
    chain = await startPermit2Chain()
    redis = await startRedis()
    urls.push(...(await Promise.all([startProcess(ANVIL_KEYS[1]!), startProcess(ANVIL_KEYS[9]!)])))
    await chain.approvePermit2(chain.accounts.buyers[0]!)
  })

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        await new Promise((resolve) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL')
            resolve(undefined)
          }, 3_000)
          child.once('exit', () => {
            clearTimeout(timer)
            resolve(undefined)
          })
        })
      }
    }
    await redis?.stop()
    await chain?.stop()
  })

  it('one payment, 10 copies to each process at once: one answer with content, one charge', async () => {
    const buyer = chain.accounts.buyers[0]!
    const accepted = await acceptedOf(`${urls[0]}/report`)
    const { header } = await permit2PaymentHeader(buyer, accepted)
    const before = await chain.balanceOf(chain.accounts.seller.address, chain.permitToken)
    const answers = await Promise.all(
      urls.flatMap((url) => Array.from({ length: 10 }, () => fetch(`${url}/report`, { headers: { 'payment-signature': header } }).then(async (r) => ({ status: r.status, text: await r.text() })))),
    )
    expect(answers.filter((a) => a.text.includes('PAID CONTENT'))).toHaveLength(1)
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1)
    expect(answers.every((a) => a.status === 200 || a.status === 409)).toBe(true)
    expect(await chain.balanceOf(chain.accounts.seller.address, chain.permitToken)).toBe(before + 1_000_000n)
  })
})
