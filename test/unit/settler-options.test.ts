import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConfigurationError } from '../../src/errors/tollgate-error.js'
import { localSettler, type LocalSettlerOptions } from '../../src/chains/evm/settler/local-settler.js'

/** localSettler checks every option at construction and reports every problem in one ConfigurationError. */

const KEY = `0x${'22'.repeat(32)}` as const

function problemsOf(options: unknown): readonly string[] {
  try {
    localSettler(options as LocalSettlerOptions)
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems
    throw error
  }
  return []
}

describe('privateKey', () => {
  it('a missing key is named as missing, pointing at the environment, not as malformed', () => {
    expect(problemsOf({ privateKey: undefined, rpcUrl: 'http://127.0.0.1:8545' })).toEqual([
      'localSettler: privateKey is missing (undefined); is the environment variable set?',
    ])
    expect(problemsOf({ rpcUrl: 'http://127.0.0.1:8545' })).toEqual(['localSettler: privateKey is missing (undefined); is the environment variable set?'])
    expect(problemsOf({ privateKey: '', rpcUrl: 'http://127.0.0.1:8545' })).toEqual([
      'localSettler: privateKey is missing (empty string); is the environment variable set?',
    ])
  })

  it('a malformed key is refused without the message repeating it', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 8 }).filter((s) => !/^0x[0-9a-fA-F]{64}$/.test(s)), (key) => {
        const problems = problemsOf({ privateKey: key, rpcUrl: 'http://127.0.0.1:8545' })
        expect(problems).toHaveLength(1)
        expect(problems[0]).toMatch(/privateKey must be a 0x-prefixed 32-byte hex string/)
        expect(problems[0]).not.toContain(key)
      }),
    )
  })

  it('a well-formed key builds a settler', () => {
    expect(problemsOf({ privateKey: KEY, rpcUrl: 'https://rpc.example/v2/abc' })).toEqual([])
  })
})

describe('rpcUrl and rpcUrls', () => {
  it.each([
    ['ws://127.0.0.1:8545', /rpcUrl must be an http:\/\/ or https:\/\/ URL, not ws:\/\//],
    ['127.0.0.1:8545/v2/SECRET', /rpcUrl (is not a valid URL|must be an http)/],
    ['not a url', /rpcUrl is not a valid URL/],
    ['', /rpcUrl is empty; is the environment variable set\?/],
  ])('%j is refused at construction', (rpcUrl, message) => {
    const problems = problemsOf({ privateKey: KEY, rpcUrl })
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(message)
    expect(problems[0]).not.toMatch(/SECRET/)
  })

  it('every rpcUrls entry is checked, by name', () => {
    expect(problemsOf({ privateKey: KEY, rpcUrls: { base: 'https://base.example/KEY', 'base-sepolia': 'ftp://x/KEY', other: 42 } })).toEqual([
      'localSettler: rpcUrls["base-sepolia"] must be an http:// or https:// URL, not ftp://',
      'localSettler: rpcUrls["other"] must be a string URL, not a number',
    ])
    expect(problemsOf({ privateKey: KEY, rpcUrls: 'https://x' })).toEqual(['localSettler: rpcUrls must be an object { [network]: url }'])
  })
})

describe('every problem at once', () => {
  it('a missing key, a bad URL, an unknown option and bad numbers come in one ConfigurationError', () => {
    const problems = problemsOf({ privateKey: undefined, rpcUrl: 'ws://x', retries: 3, replaceAfterMs: -1, minGasBalance: '0.5', gasCheckIntervalMs: 1.5 })
    expect(problems).toEqual([
      'localSettler: unknown option "retries"',
      'localSettler: privateKey is missing (undefined); is the environment variable set?',
      'localSettler: rpcUrl must be an http:// or https:// URL, not ws://',
      'localSettler: replaceAfterMs must be an integer number of milliseconds of at least 1',
      'localSettler: gasCheckIntervalMs must be an integer number of milliseconds of at least 0',
      'localSettler: minGasBalance must be a non-negative amount of wei, as a bigint or a decimal string',
    ])
  })

  it('minGasBalance takes wei as a bigint or a decimal string; gasCheckIntervalMs 0 disables the timer', () => {
    expect(problemsOf({ privateKey: KEY, rpcUrl: 'http://127.0.0.1:8545', minGasBalance: 10n ** 15n, gasCheckIntervalMs: 0 })).toEqual([])
    expect(problemsOf({ privateKey: KEY, rpcUrl: 'http://127.0.0.1:8545', minGasBalance: '1000000000000000' })).toEqual([])
  })
})
