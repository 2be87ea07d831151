/**
 * The core's own cost per request, without HTTP or a framework: `gate.evaluate()` (and, for a
 * pass, settle and complete) in a loop, for the paths issue 17 names. Run it against two checkouts
 * to compare before/after without the noise of a shared machine's network stack:
 *
 *   npx tsx bench/profile/micro.ts [root ...]     (default: this checkout; rounds alternate between roots)
 *
 * A root is a checkout (its sources, through tsx as the bench runs them) or a built package directory
 * (`npx tsup --out-dir <checkout>/dist-x`, inside a checkout so it finds node_modules).
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

type Request = { method: string; url: string; headers: { get(name: string): string | null } }
type Decision = { type: string; settle?: () => Promise<unknown>; complete?: (status: number) => Promise<void> }
type Gate = { evaluate(request: Request): Promise<Decision> }

const here = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2).map((r) => resolve(r)) : [here]
const SECRET = 'bench-prepaid-secret-of-at-least-32-bytes'
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const route = { amount: '0.10', network: 'base-sepolia' } as const

function request(headers: Record<string, string> = {}): Request {
  return { method: 'GET', url: 'http://127.0.0.1:3000/data', headers: { get: (name) => headers[name.toLowerCase()] ?? null } }
}

async function pathsOf(root: string): Promise<Record<string, () => Promise<void>>> {
  // A built package (tsup's output directory, what sellers run) or a checkout's sources (as the bench runs them).
  const built = existsSync(join(root, 'index.js'))
  const core = await import(built ? `${root}/index.js` : `${root}/src/index.js`)
  const { prepaid } = await import(built ? `${root}/prepaid.js` : `${root}/src/prepaid/index.js`)
  // Signing test credentials only: this checkout's KeyRing (the built package does not export it).
  const { KeyRing } = await import('../../src/prepaid/credential-keys.js')
  const base = { payTo: PAY_TO, settler: core.localSettler({ privateKey: `0x${'11'.repeat(32)}`, rpcUrl: 'http://127.0.0.1:9' }), store: core.memoryStore(), singleInstance: true }
  const plain: Gate = core.createTollgate(base).route(route)
  const { tollgateMetrics } = await import(built ? `${root}/metrics.js` : `${root}/src/metrics/index.js`)
  const observed: Gate = core.createTollgate({ ...base, hooks: tollgateMetrics().hooks }).route(route)
  const prices: Record<string, string> = { gold: '0.02', silver: '0.05' }
  const dynamic: Gate = core.createTollgate(base).route({ ...route, amount: ({ header }: { header(n: string): string | null }) => prices[header('x-api-key') ?? ''] ?? '0.10' })
  const withPrepaid = core.createTollgate({ ...base, prepaid: prepaid({ secret: SECRET, packages: [{ id: 'bench', calls: 100_000_000, days: 1, price: route }] }) })
  const prepaidGate: Gate = withPrepaid.route({ ...route, prepaid: true })
  const now = Math.floor(Date.now() / 1000)
  const credential = new KeyRing([{ id: 'default', secret: SECRET }]).sign({
    jti: crypto.randomUUID(), sub: '0x90F79bf6EB2c4f870365E785982E1f101E93b906', aud: `tollgate:${PAY_TO.toLowerCase()}`, pkg: 'bench', calls: 100_000_000, iat: now, exp: now + 86_400,
  })
  const plainRequest = request()
  const keyed = request({ 'x-api-key': 'gold' })
  const spending = request({ 'x-prepaid-credential': credential })
  const expect = (decision: Decision, type: string) => {
    if (decision.type !== type) throw new Error(`expected ${type}, got ${decision.type}`)
  }
  return {
    'challenge, fixed price': async () => expect(await plain.evaluate(plainRequest), 'challenge'),
    'challenge, with metrics hooks': async () => expect(await observed.evaluate(plainRequest), 'challenge'),
    'challenge, price per API key': async () => expect(await dynamic.evaluate(keyed), 'challenge'),
    'prepaid call (evaluate, settle, complete)': async () => {
      const decision = await prepaidGate.evaluate(spending)
      expect(decision, 'pass')
      await decision.settle?.()
      await decision.complete?.(200)
    },
  }
}

async function nsPerCall(run: () => Promise<void>, ms: number): Promise<number> {
  let n = 0
  const start = process.hrtime.bigint()
  const end = start + BigInt(ms) * 1_000_000n
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 200; i++) await run()
    n += 200
  }
  return Number(process.hrtime.bigint() - start) / n
}

const all = await Promise.all(roots.map(pathsOf))
const names = Object.keys(all[0]!)
const results = roots.map(() => new Map<string, number[]>())
for (const paths of all) for (const name of names) await nsPerCall(paths[name]!, 300)
for (let round = 0; round < 5; round++) {
  for (const name of names) for (const [i, paths] of all.entries()) results[i]!.set(name, [...(results[i]!.get(name) ?? []), await nsPerCall(paths[name]!, 400)])
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
for (const name of names) {
  process.stdout.write(`${name}\n`)
  for (const [i, root] of roots.entries()) process.stdout.write(`  ${(median(results[i]!.get(name)!) / 1000).toFixed(2).padStart(7)} µs/call  ${root}\n`)
}
