/**
 * The gateway's configuration: every problem in one error (the file's shape and what the library
 * refuses when the routes are built), YAML read exactly (prices and addresses as written), the
 * example configuration valid, ambiguous paths refused, and the bin's two commands.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkGatewayConfig } from '../../apps/gateway/config-problems.js'
import { pathProblem } from '../../apps/gateway/path-guard.js'
import { parseYaml, readConfigFile } from '../../apps/gateway/read-config.js'
import { REPO, runGatewayOnce, spawnProcess } from './support/processes.js'
import { writeConfig } from './support/config.js'

const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
const ENV = { TOLLGATE_SETTLER_KEY: KEY, TOLLGATE_RPC_URL: 'http://127.0.0.1:9', TOLLGATE_PREPAID_SECRET: 'x'.repeat(40) }

describe('checkGatewayConfig', () => {
  it('lists every problem of a bad configuration at once, naming environment variables but never their values', () => {
    const result = checkGatewayConfig(
      {
        target: 'ftp://upstream',
        payTo: '0xSeller',
        settler: { privateKey: KEY, rpcUrlEnv: 'MISSING_RPC' },
        store: { redis: 'http://not-redis' },
        routs: [],
        routes: [
          { method: 'GET', path: '/a', price: '0.1', network: 'base' },
          { method: 'GET', path: '/a', price: '0.1', network: 'base' },
          { path: '/n', price: 0.1, network: 'base' },
          { path: '/b/*/c', price: '1', network: 'base', settle: 'later' },
          { path: '/free', free: true, price: '1' },
        ],
        prepaid: { packages: [{ id: 'p', calls: 1, days: 1, price: 1 }] },
        limits: { perPayer: 5 },
        forward: { headers: ['payment-signature', 'x-ok'], maxBodyBytes: 0 },
        unmatched: 'allow',
      },
      { TOLLGATE_SETTLER_KEY: undefined },
    )
    const problems = result.problems.join('\n')
    expect(problems).toContain('gateway: unknown option "routs" (did you mean "routes"?)')
    expect(problems).toContain('target "ftp://upstream" is not an absolute http(s) URL')
    expect(problems).toContain('settler.privateKey: never put a key in the configuration file')
    expect(problems).toContain('the environment variable TOLLGATE_SETTLER_KEY')
    expect(problems).toContain('the environment variable MISSING_RPC (the RPC URL) is not set')
    expect(problems).toContain('store.redis must be a redis:// or rediss:// URL')
    expect(problems).toContain("amount 0.1 is a number; write it as a decimal string")
    expect(problems).toContain('routes[1]: GET /a is already routed by routes[0]')
    expect(problems).toContain("'*' may only end the path")
    expect(problems).toContain('settle "later" is not a settlement policy')
    expect(problems).toContain('a free route takes no price')
    expect(problems).toContain('the environment variable TOLLGATE_PREPAID_SECRET')
    expect(problems).toContain('prepaid.packages[0].price 1 must be a decimal string')
    expect(problems).toContain('prepaid.packages[0].network is missing')
    expect(problems).toContain('limits.perPayer must be { requests, windowMs }')
    expect(problems).toContain('forward.headers: payment-signature is never forwarded')
    expect(problems).toContain('forward.maxBodyBytes 0 must be a positive integer')
    expect(problems).toContain("unmatched \"allow\" must be 'refuse'")
    expect(problems).not.toContain(KEY.slice(2))
    expect(result.problems.length).toBeGreaterThanOrEqual(18)
  })

  it('accepts the example configuration as shipped (examples/gateway/tollgate.config.yaml)', async () => {
    const raw = await readConfigFile(`${REPO}examples/gateway/tollgate.config.yaml`)
    const { config, problems } = checkGatewayConfig(raw, ENV)
    expect(problems).toEqual([])
    expect(config?.payTo).toBe('0x70997970C51812dc3A010C7d01b50e0d17dc79C8')
    expect(config?.routes.map((route) => route.label)).toEqual(['GET /weather/*', 'GET /report', 'POST /echo', 'GET,HEAD /public/*'])
    expect(config?.settlement).toEqual({ kind: 'settler', privateKeyEnv: 'TOLLGATE_SETTLER_KEY', rpcUrl: 'http://127.0.0.1:9' })
  })
})

describe('JSON configuration files', () => {
  it('are read as they are; a price written as a JSON number is refused, since JSON cannot keep its digits', async () => {
    const file = writeConfig(JSON.stringify({ target: 'http://127.0.0.1:9', routes: [{ path: '/a', price: 0.01, network: 'base' }] }), 'tollgate.config.json')
    const { problems } = checkGatewayConfig(await readConfigFile(file), ENV)
    expect(problems).toEqual([expect.stringContaining("amount 0.01 is a number; write it as a decimal string ('0.01')")])
  })
})

describe('YAML is read exactly', () => {
  it('keeps unquoted prices and 0x addresses as written (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.stringMatching(/^[0-9]{1,18}$/), fc.stringMatching(/^[0-9a-f]{40}$/), (whole, fraction, hex) => {
        const price = `${whole}.${fraction}`
        const parsed = parseYaml(`payTo: 0x${hex}\nroutes:\n  - { path: /a, price: ${price}, network: base }\nnetworks: [0x${hex}]\n`) as {
          payTo: string
          routes: { price: string }[]
          networks: string[]
        }
        expect(parsed.payTo).toBe(`0x${hex}`)
        expect(parsed.routes[0]?.price).toBe(price)
        expect(parsed.networks[0]).toBe(`0x${hex}`)
      }),
    )
  })
})

describe('ambiguous paths', () => {
  const segment = fc.stringMatching(/^[A-Za-z0-9_~-]{1,12}$/)
  it('plain paths pass; an encoded slash or backslash, a dot segment or a broken escape anywhere is refused (property)', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.constantFrom('%2F', '%2f', '%5C', '%5c', '%zz', '\\', '%00', '..', '.', '%2e%2e', '%2E', '.%2e'), fc.nat(), (segments, bad, at) => {
        expect(pathProblem(`/${segments.join('/')}?q=%2F`)).toBeUndefined()
        const index = at % segments.length
        // Dot segments replace a segment; the others are glued inside one.
        const dots = ['..', '.', '%2e%2e', '%2E', '.%2e'].includes(bad)
        const spoiled = segments.map((s, i) => (i !== index ? s : dots ? bad : `${s}${bad}${s}`))
        expect(pathProblem(`/${spoiled.join('/')}`)?.status).toBe(400)
      }),
    )
  })
})

describe('the tollgate bin', () => {
  it('refuses a bad file with one error listing every problem, the library\'s included, and exits 2 without listening', { timeout: 60_000 }, async () => {
    const file = writeConfig(`target: http://127.0.0.1:9\npayTo: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"\nroutes:\n  - { path: /a, price: "0.01", network: base-mainet }\n  - { path: /b, price: "0.01", network: base, hold: { overflow: later } }\n`)
    const run = await runGatewayOnce(['--config', file], ENV)
    expect(run.code).toBe(2)
    expect(run.stdout).not.toContain('listening')
    expect(run.stderr).toContain('the configuration is invalid')
    expect(run.stderr).toMatch(/base-mainet/)
    expect(run.stderr).toContain("hold.overflow \"later\" must be 'settle'")
    expect(run.stderr).not.toContain(KEY.slice(2))
  })

  it('says how to use it: --price without --network, --help, an unreadable file', { timeout: 90_000 }, async () => {
    const [half, help, missing] = await Promise.all([
      runGatewayOnce(['--target', 'http://127.0.0.1:9', '--price', '0.01'], ENV),
      runGatewayOnce(['--help']),
      runGatewayOnce(['--config', '/nonexistent/tollgate.config.yaml']),
    ])
    expect(half.code).toBe(2)
    expect(half.stderr).toContain('--price and --network go together')
    expect(half.stderr).toContain('usage: tollgate gateway')
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('usage: tollgate gateway')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('cannot read the configuration file')
  })

  it('still runs `tollgate reconcile` as before', { timeout: 60_000 }, async () => {
    const reconcile = spawnProcess(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'reconcile'])
    expect(await reconcile.exited()).toBe(2)
    expect(reconcile.stderr()).toContain('usage: tollgate reconcile')
  })
})
