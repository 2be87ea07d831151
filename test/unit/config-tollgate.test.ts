/** The tollgate configuration is checked as a whole at setup: one ConfigurationError naming every problem. */
import { describe, expect, it } from 'vitest'
import { tollgateConfigProblems } from '../../src/config/validate-tollgate.js'
import { ConfigurationError, createTollgate, localSettler, memoryStore } from '../../src/index.js'
import { prepaid } from '../../src/prepaid/index.js'

const payTo = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const settler = localSettler({ privateKey: `0x${'55'.repeat(32)}`, rpcUrl: 'http://127.0.0.1:9' })
const SECRET_RPC = 'https://base-sepolia.g.alchemy.com/v2/SECRET-API-KEY'

function problemsOf(config: unknown): string[] {
  try {
    createTollgate(config as never)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError)
    return [...(error as ConfigurationError).problems]
  }
  throw new Error('expected a ConfigurationError')
}

describe('tollgate configuration', () => {
  it('accepts every documented key', () => {
    const tollgate = createTollgate({
      payTo,
      settler,
      store: memoryStore(),
      storeTimeoutMs: 500,
      singleInstance: true,
      networks: [{ name: 'my-l2', chainId: 424242, rpcUrl: 'http://127.0.0.1:8545', v1Name: 'my-l2', asset: { address: payTo, name: 'My USD', version: '1', decimals: 6 } }],
      logger: console,
      clock: Date.now,
      defaults: { description: 'Data', mimeType: 'application/json', maxTimeoutSeconds: 60, settle: 'before-handler', hold: { maxBytes: 1024 } },
      prepaid: prepaid({ secret: 's'.repeat(32), packages: [{ id: 'p', calls: 10, days: 1, price: { amount: '1', network: 'base-sepolia' } }] }),
      maxPendingPerPayer: 2,
      hooks: { onSettled: () => undefined, authorize: () => true, authorizeTimeoutMs: 1000 },
    })
    expect(tollgate.route({ amount: '0.10', network: 'my-l2' }).policy).toBe('before-handler')
    expect(tollgate.route({ amount: '0.10', network: 'my-l2', settle: 'after-handler' }).policy).toBe('after-handler')
  })

  it('refuses unknown keys, with a guess at the typo', () => {
    expect(problemsOf({ payTo, settler, storeTimeout: 500 })).toEqual([
      'tollgate: unknown option "storeTimeout" (did you mean "storeTimeoutMs"?); allowed: payTo, settler, facilitator, store, storeTimeoutMs, singleInstance, networks, logger, clock, defaults, prepaid, maxPendingPerPayer, hooks, tracing, paywallPage, push, asyncSettlement',
    ])
  })

  it('payTo, settler or facilitator', () => {
    expect(problemsOf({ settler })).toEqual(['payTo is missing: the EVM address that receives payments'])
    expect(problemsOf({ payTo: '0x1234', settler })).toEqual(['payTo "0x1234" is not an EVM address'])
    expect(problemsOf({ payTo })[0]).toMatch(/settler is required/)
    expect(problemsOf({ payTo, settler: { privateKey: '0x..' } })[0]).toMatch(/settler must be built with localSettler/)
    expect(problemsOf({ payTo, facilitator: [] })[0]).toMatch(/facilitator must be httpFacilitator/)
    expect(problemsOf({ payTo, settler, facilitator: { verify() {}, settle() {} } })[0]).toMatch(/either settler .* or facilitator/)
  })

  it('networks: name, integer chainId, rpcUrl an absolute http(s) URL that is never echoed', () => {
    const problems = problemsOf({
      payTo,
      settler,
      networks: [
        { name: 'a', chainId: 1.5 },
        { name: '', chainId: 7 },
        { name: 'c', chainId: 9, rpcUrl: SECRET_RPC.replace('https', 'wss') },
        { name: 'd', chainId: 10, rpcUrl: 'localhost:8545', rpcURL: 'x' },
        'base',
      ],
    })
    expect(problems).toEqual([
      'networks[0].chainId 1.5 must be a positive integer',
      "networks[1].name must be a non-empty string such as 'base-sepolia'",
      'networks[2].rpcUrl is not a URL: give an absolute http(s) URL of a JSON-RPC endpoint (a string given)',
      'networks[3]: unknown option "rpcURL" (did you mean "rpcUrl"?); allowed: name, chainId, v1Name, rpcUrl, asset',
      'networks[3].rpcUrl is not a URL: give an absolute http(s) URL of a JSON-RPC endpoint (a string given)',
      'networks[4] must be { name, chainId?, rpcUrl?, asset? }, not a string',
    ])
    expect(problems.join('\n')).not.toContain('SECRET-API-KEY')
    // What only the registry knows is reported with the rest.
    expect(problemsOf({ payTo, settler, networks: [{ name: 'base', chainId: 1 }], storeTimeoutMs: 0 })).toEqual([
      'storeTimeoutMs 0 must be a positive integer (milliseconds; default 2000)',
      'network "base" is chain 8453; it cannot be redefined as chain 1',
    ])
  })

  it('defaults: route settings only, each checked', () => {
    expect(problemsOf({ payTo, settler, defaults: { settle: 'after', hold: { overflow: 'drop' }, resource: 'https://x.example' } })).toEqual([
      'defaults: unknown option "resource"; allowed: description, mimeType, maxTimeoutSeconds, settle, hold',
      `defaults.settle "after" is not a settlement policy; use 'after-handler' (the default: charge once the handler answered below 400) or 'before-handler' (charge first, then run the handler) or 'async' (serve once verified, settle from a queue; needs asyncSettlement)`,
      "defaults.hold.overflow \"drop\" must be 'settle' (charge, then stream the rest) or 'refuse' (drop the answer, charge nothing)",
    ])
  })

  it('store, storeTimeoutMs, singleInstance, logger, clock, maxPendingPerPayer, prepaid', () => {
    const problems = problemsOf({
      payTo,
      settler,
      store: { claim() {}, release() {} },
      storeTimeoutMs: '2000',
      singleInstance: 'yes',
      logger: { warn: 'loud' },
      clock: 0,
      maxPendingPerPayer: 0,
      prepaid: { secret: 'x' },
    })
    expect(problems).toEqual([
      'store must be a Store such as memoryStore() or redisStore(...); it lacks take, giveBack, get, put',
      'storeTimeoutMs "2000" must be a positive integer (milliseconds; default 2000)',
      'singleInstance must be true or false, not "yes"',
      'logger.warn must be a function',
      'clock must be a function returning milliseconds since the epoch, not a number',
      'maxPendingPerPayer 0 must be a positive integer (payments one payer may have in progress; default 8)',
      "prepaid must be built with prepaid({ secret, packages }) from 'tollgate/prepaid'",
    ])
  })

  it('prepaid package problems join the other problems in the same error', () => {
    const problems = problemsOf({
      payTo,
      settler,
      maxPendingPerPayer: -1,
      prepaid: prepaid({ secret: 's'.repeat(32), packages: [{ id: 'p', calls: 1, days: 1, price: { amount: 1 as never, network: 'base-sepolia', extra: 1 } as never }, null as never] }),
    })
    expect(problems).toEqual([
      'maxPendingPerPayer -1 must be a positive integer (payments one payer may have in progress; default 8)',
      'prepaid package "p": price: unknown option "extra"; allowed: amount, network, asset, payTo, memo, scheme, max, assetTransferMethod',
      "prepaid package \"p\": price.amount 1 is a number; write it as a decimal string ('1') or { atomic: '...' }: floats cannot hold amounts exactly",
      'prepaid package #2 must be { id, calls, days, price }, not null',
    ])
  })

  it('not an object at all', () => {
    for (const config of [undefined, null, 'payTo', []]) expect(tollgateConfigProblems(config)[0]).toMatch(/^tollgate\(config\) needs a configuration object/)
  })
})
