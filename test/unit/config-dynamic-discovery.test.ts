/**
 * The options of issue 12 are checked at setup like every other: price and payee functions,
 * `discovery`, `name`, `maxBodyBytes` and `hooks`, every problem listed in one ConfigurationError.
 */
import { describe, expect, it } from 'vitest'
import { ConfigurationError, createTollgate, localSettler, memoryStore } from '../../src/index.js'

const payTo = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const settler = localSettler({ privateKey: `0x${'44'.repeat(32)}`, rpcUrl: 'http://127.0.0.1:9' })
const paid = { amount: '0.10', network: 'base-sepolia' } as const
const gate = createTollgate({ payTo, settler, store: memoryStore() })

function problemsOf(options: unknown): string[] {
  try {
    gate.route(options as never)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError)
    return [...(error as ConfigurationError).problems]
  }
  throw new Error('expected a ConfigurationError')
}

describe('price and payee functions', () => {
  it('are accepted as amount and payTo, at the top level and in accepts', () => {
    expect(() => gate.route({ amount: () => '0.10', network: 'base-sepolia', payTo: () => payTo })).not.toThrow()
    expect(() => gate.route({ accepts: [{ amount: async () => ({ atomic: '5' }), network: 'base-sepolia' }, paid] })).not.toThrow()
  })

  it.each([[0.1], [{ cents: 10 }], [null], [[]]])('a price that is neither a price nor a function is refused: %j', (amount) => {
    expect(problemsOf({ ...paid, amount }).join('\n')).toMatch(/amount .*(must be a decimal string|is a number)/)
  })

  it('a payTo that is neither an address nor a function is refused', () => {
    expect(problemsOf({ ...paid, payTo: 42 }).join('\n')).toMatch(/payTo 42 is not an EVM address \(or a function/)
  })
})

describe('discovery', () => {
  it('the official declaration shape, with discoverable and method, is accepted', () => {
    expect(() =>
      gate.route({ ...paid, discovery: { discoverable: true, method: 'POST', bodyType: 'json', input: { q: 'x' }, inputSchema: { properties: {} }, output: { example: { a: 1 }, schema: {} } } }),
    ).not.toThrow()
  })

  it('lists every problem of a malformed declaration at once', () => {
    const problems = problemsOf({ ...paid, discovery: { discoverabel: true, method: 'FETCH', bodyType: 'xml', input: 'q', output: { example: 1n, shape: {} } } })
    expect(problems.join('\n')).toMatch(/discovery: unknown option "discoverabel" \(did you mean "discoverable"\?\)/)
    expect(problems.join('\n')).toMatch(/discovery\.method "FETCH" must be one of GET, HEAD, DELETE, POST, PUT, PATCH/)
    expect(problems.join('\n')).toMatch(/discovery\.bodyType "xml" must be one of json, form-data, text/)
    expect(problems.join('\n')).toMatch(/discovery\.input must be a JSON object, not a string/)
    expect(problems.join('\n')).toMatch(/discovery\.output: unknown option "shape"/)
    expect(problems.join('\n')).toMatch(/discovery\.output\.example must be JSON/)
  })

  it('a body type on a GET route is refused', () => {
    expect(problemsOf({ ...paid, discovery: { method: 'GET', bodyType: 'json' } }).join('\n')).toMatch(/bodyType is for POST, PUT or PATCH routes/)
  })

  it.each([[true], ['yes'], [[]]])('discovery must be an object, not %j', (discovery) => {
    expect(problemsOf({ ...paid, discovery }).join('\n')).toMatch(/^discovery must be \{ discoverable\?/)
  })
})

describe('name, maxBodyBytes and hooks', () => {
  it.each([[''], [7], ['x'.repeat(101)]])('a route name must be a short non-empty string: %j', (name) => {
    expect(problemsOf({ ...paid, name }).join('\n')).toMatch(/^name must be a non-empty string of at most 100 characters/)
  })

  it.each([[0], [1.5], ['1mb']])('maxBodyBytes must be a positive integer: %j', (maxBodyBytes) => {
    expect(problemsOf({ ...paid, maxBodyBytes }).join('\n')).toMatch(/^maxBodyBytes .* must be a positive integer/)
  })

  it('route hooks with a misspelt or non-function hook are refused', () => {
    const problems = problemsOf({ ...paid, hooks: { onSetled: () => undefined, onChallenge: 'log' } })
    expect(problems.join('\n')).toMatch(/hooks: unknown option "onSetled" \(did you mean "onSettled"\?\)/)
    expect(problems.join('\n')).toMatch(/hooks\.onChallenge must be a function/)
  })

  it('configuration hooks are checked with the rest of the configuration', () => {
    let error: unknown
    try {
      createTollgate({ payTo, settler, hooks: { authorize: 'yes' } as never })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ConfigurationError)
    expect((error as ConfigurationError).problems.join('\n')).toMatch(/^hooks\.authorize must be a function/m)
  })
})
